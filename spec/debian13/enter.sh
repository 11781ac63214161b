#!/bin/bash
# Runs a command inside the Debian 13 root (spec/debian13/root.sh builds it), as root, with this
# checkout at the same path inside, so the namespace harnesses run there unchanged and every
# puppet, facter, keepalived, ip, nft and ruby they call is Debian 13's.
#
#   bash spec/debian13/enter.sh CMD [ARGS...]      # e.g. bash spec/debian13/enter.sh puppet --version
#
# How, and why it leaves nothing behind:
#   - It re-executes itself in a private mount namespace (unshare --mount). Every mount below lives
#     only there, so the kernel drops them all when the last process in it exits, even after a
#     SIGKILL; the EXIT trap also unmounts them in order.
#   - The cached root is the read-only lower layer of an overlay; writes (ip netns files under
#     /run, /etc/netns, /var/lib/puppet...) go to a per-run upper layer in a temp dir that is
#     removed at exit. The cache stays as debootstrap made it (keepalived.config-opts included).
#   - Mounted inside: /proc, /sys, /dev (rbind: pts, shm), a tmpfs on /run (ip netns add makes
#     /run/netns there), this checkout (and its git repository, read-only, for a worktree), and
#     the host's Go toolchain, module cache and build cache when they exist (the puppetserver
#     suite builds binaries of two versions).
#   - `ip netns exec` inside the root bind-mounts the root's /etc/netns/NAME/X over the root's
#     /etc/X, and remounts the root's /sys for the namespace.
#
# Environment: GV_TRIXIE_ROOT (default /var/cache/gluster-vip-test/trixie). The command's
# environment is this one, with PATH and HOME set for the root and GC_ROOT unset (the harnesses'
# GC_ROOT=DIR mode enters the root through this script, once). Exit code: the command's, or 1
# when the root cannot be entered.
set -euo pipefail

root=${GV_TRIXIE_ROOT:-/var/cache/gluster-vip-test/trixie}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
self=$repo/spec/debian13/enter.sh

[ "$#" -gt 0 ] || { echo "debian13/enter.sh: usage: enter.sh CMD [ARGS...]" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "debian13/enter.sh: needs root (mounts, chroot)" >&2; exit 1; }
[ -f "$root/.gluster-vip-stamp" ] ||
  { echo "debian13/enter.sh: no Debian 13 root at $root: run sh spec/debian13/root.sh (rake puppet8:root)" >&2; exit 1; }

if [ "${GV_ENTER_MOUNT_NS:-}" != "$$" ]; then
  # unshare execs the same PID, so the child can tell it is already in its own namespace.
  exec env GV_ENTER_MOUNT_NS=$$ unshare --mount --propagation private -- bash "$self" "$@"
fi
unset GV_ENTER_MOUNT_NS

work=$(mktemp -d /tmp/gv-trixie.XXXXXX)
merged=$work/root
mounted=()
cleanup() {
  local rc=$? i
  set +e
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
  done
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# mnt TARGET MOUNT-ARGS...: mount, and remember it for the cleanup (innermost last).
mnt() {
  local target=$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}

mkdir -p "$work/upper" "$work/work"
mnt "$merged" -t overlay overlay -o "lowerdir=$root,upperdir=$work/upper,workdir=$work/work"
mnt "$merged/proc" -t proc proc
mnt "$merged/sys" -t sysfs sysfs
mnt "$merged/dev" --rbind /dev
mnt "$merged/run" -t tmpfs -o mode=0755 tmpfs
mnt "$merged$repo" --bind "$repo"
# A git worktree keeps its repository elsewhere (.git is a file naming it): read-only, for the
# specs and tasks that ask git which files are tracked.
common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) || common=""
case $common in
  "" | "$repo"/*) ;;
  *) mnt "$merged$common" --bind -o ro "$common" ;;
esac
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ -x /usr/local/go/bin/go ]; then
  mnt "$merged/usr/local/go" --bind -o ro /usr/local/go
  path=$path:/usr/local/go/bin
  for d in /root/go /root/.cache/go-build; do
    [ -d "$d" ] && mnt "$merged$d" --bind "$d"
  done
fi
# The host's /tmp is not shared: the harnesses' temp dirs live in the overlay, removed at exit.
chmod 1777 "$merged/tmp"
# debootstrap writes no /etc/hosts, and `ip netns exec` mounts /etc/netns/NAME/hosts over it only
# if it exists (roots built before root.sh wrote one).
[ -e "$merged/etc/hosts" ] || printf '127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
' >"$merged/etc/hosts"

# Not exec: the trap must run after the command.
rc=0
env -u GC_ROOT -u RUBYLIB -u GEM_HOME -u GEM_PATH -u RUBYOPT PATH="$path" HOME=/root \
  chroot "$merged" /bin/sh -c 'cd "$1" 2>/dev/null || cd /; shift; exec "$@"' sh "$PWD" "$@" || rc=$?
exit "$rc"
