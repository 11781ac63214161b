#!/bin/sh
# Builds (or reuses) the Debian 13 (trixie) root that the Puppet 8 stage runs in.
#
#   sh spec/debian13/root.sh [DIR]     # prints DIR when it is ready
#
# DIR defaults to $GV_TRIXIE_ROOT or /var/cache/gluster-vip-test/trixie: a cache outside the
# repository, kept between runs. The root is rebuilt when it is missing or stale: its stamp file
# (DIR/.gluster-vip-stamp) must hold exactly the stamp below (a format version and the package
# list), and be at most GV_TRIXIE_MAX_AGE_DAYS (30) days old. Delete DIR (or change the list) to
# force a rebuild. Building takes 1.5 to 4 minutes (measured: 80 s idle, 4 min on a busy machine).
#
# The mirror is the one this machine's apt sources already name (read at run time from
# /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list, or $GV_TRIXIE_MIRROR): the
# test writes no mirror into the repository.
#
# Exit codes: 0 ready, 1 could not build (needs root, debootstrap and the mirror).
set -eu

dir=${1:-${GV_TRIXIE_ROOT:-/var/cache/gluster-vip-test/trixie}}
# What the stage needs inside: Puppet 8 and Facter, keepalived, stdlib, the rspec-puppet suite,
# puppetserver, the tools the namespace harnesses and specs call (ip, nft, sysctl, setpriv,
# unshare, hostname, git), and for backend etcd under Puppet 8: etcd 3.5 and systemd-analyze.
packages=puppet-agent,facter,keepalived,iproute2,nftables,procps,util-linux,hostname,git,puppet-module-puppetlabs-stdlib,ruby-rspec-puppet,ruby-puppetlabs-spec-helper,ruby-rspec-puppet-facts,rake,puppetserver,etcd-server,etcd-client,systemd
stamp="gluster-vip trixie root v1: $packages"

# A root older than this is rebuilt too, so the stage follows the mirror's point releases.
max_age_days=${GV_TRIXIE_MAX_AGE_DAYS:-30}

if [ -f "$dir/.gluster-vip-stamp" ] && [ "$(cat "$dir/.gluster-vip-stamp")" = "$stamp" ] &&
  [ -z "$(find "$dir/.gluster-vip-stamp" -mtime "+$max_age_days" 2>/dev/null)" ]; then
  echo "$dir"
  exit 0
fi

fail() {
  echo "debian13/root.sh: $*" >&2
  exit 1
}
[ "$(id -u)" -eq 0 ] || fail "needs root to build $dir"
command -v debootstrap >/dev/null || fail "needs debootstrap (apt-get install debootstrap; spec/setup.sh installs it)"

# mirror: the first Debian archive URI in the apt sources (deb822 first, then one-line style),
# skipping the security archive, which has no plain trixie suite.
mirror=${GV_TRIXIE_MIRROR:-}
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
    /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { if ($i !~ /security/) { print $i; exit } break } }' \
    /etc/apt/sources.list)
fi
[ -n "$mirror" ] || fail "no Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list (set GV_TRIXIE_MIRROR)"

# Build next to the cache and swap it in only when complete, so an interrupted build leaves no
# half root that the stamp check could take for a good one.
new="$dir.new.$$"
trap 'rm -rf "$new"' EXIT
mkdir -p "$(dirname "$dir")"
rm -rf "$new"
echo "debian13/root.sh: building $dir from $mirror (about 2 minutes)" >&2
debootstrap --variant=minbase --include="$packages" trixie "$new" "$mirror" >"$new.log" 2>&1 ||
  { tail -n 20 "$new.log" >&2; rm -f "$new.log"; fail "debootstrap trixie from $mirror failed"; }
rm -f "$new.log"
# keepalived 2.3's -t needs this file; the package ships it. Fail now rather than in a test.
[ -f "$new/etc/keepalived/keepalived.config-opts" ] || fail "keepalived.config-opts is missing from the new root"
# debootstrap writes no /etc/hosts; `ip netns exec` mounts a namespace's hosts file over it only
# if it exists (the puppetserver suite names its server so). apt's cache is not needed.
[ -e "$new/etc/hosts" ] || printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$new/etc/hosts"
rm -rf "$new"/var/cache/apt/archives/*.deb
printf '%s\n' "$stamp" >"$new/.gluster-vip-stamp"
rm -rf "$dir"
mv "$new" "$dir"
trap - EXIT
echo "$dir"
