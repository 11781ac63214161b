#!/usr/bin/env bash
# The module deployed as sites deploy modules: r10k (Debian 12's r10k 3.15.4) reads a control
# repository's Puppetfile, deploys each branch into an environment, and `puppet apply` in that
# environment uses the fact. Offline: every source is on the local filesystem.
#
#   bash spec/r10k/deploy.sh [RELEASE_TARBALL]   # default: pkg/glustervip-gluster_vip-VERSION.tar.gz
#
# Three environments (branches of one control repository), each checked with a real fact in a
# network namespace that holds the VIP 203.0.113.10 on a veth:
#   production  mod 'glustervip-gluster_vip', git: RELEASE-BRANCH, tag: vVERSION: a git repository
#               holding the release tarball's content, binaries committed (the "release branch" a
#               site mirrors). The binaries keep their modes; on the second run the fact is Boolean
#               true, its version is the release's, and the guarded exec runs.
#   tarball     mod 'glustervip-gluster_vip', type: 'tarball', source: FILE, version: SHA256:
#               r10k's tarball type unpacks an archive as it is, so it needs the module at the
#               archive's top level; the Forge-layout release tarball (one top directory) is
#               repacked flat for it. Same checks as production.
#   gitdeploy   mod 'glustervip-gluster_vip', git: THIS-CHECKOUT, commit: HEAD: the source, without
#               built binaries. The fact says what is missing and how to get it, holder is false,
#               and the guarded exec never runs.
# stdlib comes from the basemodulepath (Debian's puppet-module-puppetlabs-stdlib), as on a Debian
# node: each environment.conf puts it after the environment's own modules.
#
# Needs root (a network namespace), r10k, git, puppet, ip. Without them: a loud skip, or a failure
# under CI=true. Everything it creates is removed on exit (KEEP_TMP=1 keeps the temp dir of a
# failed run).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd -P)
started=$(date +%s.%N)
version=$(ruby -rjson -e 'puts JSON.parse(File.read(ARGV[0]))["version"]' "$root/metadata.json")
tarball=${1:-$root/pkg/glustervip-gluster_vip-$version.tar.gz}
case $tarball in /*) ;; *) tarball=$PWD/$tarball ;; esac

harness=r10k
# shellcheck source=../lib/tap.sh
. "$root/spec/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root (network namespaces)"
for tool in r10k git puppet ip sha256sum; do
  command -v "$tool" >/dev/null || skip_or_fail "needs $tool (spec/setup.sh installs it)"
done
[ -f "$tarball" ] || { echo "r10k: FAIL: no release tarball at $tarball: run rake release" >&2; exit 1; }
[ -d /usr/share/puppet/modules/stdlib ] || skip_or_fail "needs puppet-module-puppetlabs-stdlib"

ns=rk$$
vip=203.0.113.10
tmp=$(mktemp -d /tmp/r10k-deploy.XXXXXX)
chmod 0755 "$tmp"
cleanup() {
  local rc=$?
  set +e
  ip netns del "$ns" 2>/dev/null
  finish_tmp "$rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

git_q() { git -c user.name=r10k-test -c user.email=r10k-test@example.test -c init.defaultBranch=main "$@" >/dev/null; }

# --- sources -------------------------------------------------------------------------------------
# The release branch: the release tarball's content in git, binaries included (git keeps 0755).
mkdir -p "$tmp/release"
tar -xzf "$tarball" -C "$tmp/release" --strip-components=1
git_q -C "$tmp/release" init
git_q -C "$tmp/release" add -A
git_q -C "$tmp/release" commit -m "release $version"
git_q -C "$tmp/release" tag "v$version"
# The same content as a flat tarball, for r10k's tarball type.
tar -C "$tmp/release" --exclude=.git --owner=0 --group=0 -czf "$tmp/flat.tar.gz" .
flat_sha=$(sha256sum "$tmp/flat.tar.gz" | cut -d' ' -f1)
# This checkout's HEAD: what a git deploy of the source gets.
head=$(git -C "$root" rev-parse HEAD)

# The control repository: one branch per environment.
control=$tmp/control
mkdir -p "$control"
git_q -C "$control" init
branch() { # NAME PUPPETFILE-LINE
  git_q -C "$control" checkout -q --orphan "$1"
  git -C "$control" rm -rq --cached . >/dev/null 2>&1 || true
  printf 'modulepath = modules:$basemodulepath\n' >"$control/environment.conf"
  printf '%s\n' "$2" >"$control/Puppetfile"
  git_q -C "$control" add environment.conf Puppetfile
  git_q -C "$control" commit -m "$1"
}
branch production "mod 'glustervip-gluster_vip', git: 'file://$tmp/release', tag: 'v$version'"
branch tarball "mod 'glustervip-gluster_vip', type: 'tarball', source: 'file://$tmp/flat.tar.gz', version: '$flat_sha'"
branch gitdeploy "mod 'glustervip-gluster_vip', git: 'file://$root', commit: '$head'"

printf -- "---\ncachedir: '%s'\nsources:\n  control:\n    remote: 'file://%s'\n    basedir: '%s'\n" \
  "$tmp/r10k-cache" "$control" "$tmp/code/environments" >"$tmp/r10k.yaml"

# --- deploy -----------------------------------------------------------------------------------------
deploy_started=$(date +%s.%N)
r10k deploy environment --modules --config "$tmp/r10k.yaml" --verbose warn >"$tmp/r10k.log" 2>&1 ||
  { cat "$tmp/r10k.log" >&2; fail "r10k deploy environment --modules failed"; }
deploy_secs=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $deploy_started }")
for env in production tarball gitdeploy; do
  [ -x "$tmp/code/environments/$env/modules/gluster_vip/facts.d/gluster_vip" ] ||
    { cat "$tmp/r10k.log" >&2; fail "$env: r10k did not deploy modules/gluster_vip/facts.d/gluster_vip (executable)"; }
done
ok "r10k deploy environment --modules deployed production, tarball and gitdeploy (${deploy_secs}s)"

# --- the node: a namespace holding the VIP ---------------------------------------------------------
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name eth1
ip -n "$ns" link set eth1 up
ip -n "$ns" addr add 198.51.100.1/24 dev eth0
ip -n "$ns" addr add "$vip/32" dev eth0
ip -n "$ns" link set eth0 up

# apply ENV: puppet apply in environment ENV, in the namespace; output in $tmp/node-ENV/last.log.
apply() {
  local env=$1 d="$tmp/node-$1" code
  mkdir -p "$d"
  set +e
  ip netns exec "$ns" env GLUSTER_VIP_CONFIG="$d/gluster-vip.conf" \
    timeout 180 puppet apply --detailed-exitcodes --color=false \
    --confdir "$d/conf" --vardir "$d/var" --codedir "$tmp/code" --logdir "$d/log" --rundir "$d/run" \
    --publicdir "$d/public" --environmentpath "$tmp/code/environments" --environment "$env" \
    --certname "r10k-$env" -e "
class { 'gluster_vip':
  vip         => '$vip',
  settle      => '0s',
  config_file => '$d/gluster-vip.conf',
}
notify { 'fact':
  message => \"holder=\${facts['gluster_vip_holder']} type=\${type(\$facts['gluster_vip_holder'], 'generalized')} mode=\${facts['gluster_vip']['mode']} version=\${facts['gluster_vip']['version']}\",
}
gluster_vip::exec { 'mark':
  command => ['sh', '-c', 'echo ran >>$d/ran'],
}" >"$d/last.log" 2>&1
  code=$?
  set -e
  case $code in
    0 | 2) ;;
    *) cat "$d/last.log" >&2; fail "$env: puppet apply exited $code" ;;
  esac
}
fact_notice() { # ENV: the fact as the last run's notify saw it
  sed -n 's/^Notice: \(holder=.*\)$/\1/p' "$tmp/node-$1/last.log"
}
runs() { # ENV: how many times the guarded exec ran
  if [ -f "$tmp/node-$1/ran" ]; then wc -l <"$tmp/node-$1/ran" | tr -d ' '; else echo 0; fi
}

# --- production and tarball: the release, binaries and all -------------------------------------------
case $(uname -m) in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
for env in production tarball; do
  mod=$tmp/code/environments/$env/modules/gluster_vip
  for a in amd64 arm64; do
    mode=$(stat -c %a "$mod/facts.d/.gluster_vip/gluster-vip-linux-$a" 2>/dev/null) || mode=missing
    [ "$mode" = 755 ] || fail "$env: facts.d/.gluster_vip/gluster-vip-linux-$a is mode $mode, want 755"
  done
  ok "$env: both binaries are deployed with mode 0755"
  apply "$env"
  [ "$(fact_notice "$env")" = "holder=false type=Boolean mode=unconfigured version=$version" ] ||
    fail "$env: first run's fact: [$(fact_notice "$env")]"
  [ "$(runs "$env")" = 1 ] || fail "$env: first run: the guarded exec ran $(runs "$env") times, want 1"
  ok "$env: first run: the fact is Boolean false (unconfigured, version $version); the apply-time check runs the exec"
  apply "$env"
  [ "$(fact_notice "$env")" = "holder=true type=Boolean mode=vip version=$version" ] ||
    fail "$env: second run's fact: [$(fact_notice "$env")]"
  [ "$(runs "$env")" = 2 ] || fail "$env: second run: the guarded exec ran $(runs "$env") times in all, want 2"
  ok "$env: second run: gluster_vip_holder is Boolean true, version $version, and the guarded exec runs"
done

# --- gitdeploy: the source without binaries -------------------------------------------------------------
mod=$tmp/code/environments/gitdeploy/modules/gluster_vip
[ -z "$(ls -A "$mod/facts.d/.gluster_vip" 2>/dev/null)" ] ||
  fail "gitdeploy: a git deploy carries binaries: $(ls "$mod/facts.d/.gluster_vip")"
fact=$(ip netns exec "$ns" "$mod/facts.d/gluster_vip")
want="no gluster-vip binary for architecture $(uname -m) (missing $mod/facts.d/.gluster_vip/gluster-vip-linux-$arch): deploy the module's release tarball, which carries the binaries, or run \`rake build\` in a checkout of the module"
ruby -rjson -e '
  f = JSON.parse(ARGV[0]); g = f["gluster_vip"]
  abort "holder is #{f["gluster_vip_holder"].inspect}" unless f["gluster_vip_holder"] == false && g["holder"] == false
  abort "error is #{g["error"].inspect}, want #{ARGV[1].inspect}" unless g["error"] == ARGV[1]
' "$fact" "$want" || fail "gitdeploy: the fact is not what it should be: $fact"
ok "gitdeploy: the fact is valid JSON, holder false, and names the missing binary, the release tarball and rake build"
apply gitdeploy
apply gitdeploy
[ "$(fact_notice gitdeploy)" = "holder=false type=Boolean mode=unconfigured version=" ] ||
  fail "gitdeploy: the fact in Puppet: [$(fact_notice gitdeploy)]"
[ "$(runs gitdeploy)" = 0 ] || fail "gitdeploy: the guarded exec ran $(runs gitdeploy) times, want 0"
ok "gitdeploy: two runs with the VIP on the node: holder is Boolean false and the guarded exec never runs"

elapsed=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }")
echo "r10k: $passed checks passed in ${elapsed}s (r10k $(r10k version 2>/dev/null | awk '{print $2}'), Puppet $(puppet --version))"
