#!/usr/bin/env bash
# Real `puppet apply` runs of the gluster_vip module on two nodes, each a network namespace
# (pv<PID>a, pv<PID>b) joined by a veth pair: 198.51.100.1 and .2, VIP 203.0.113.10.
#
# It checks, with a fake `gluster` that records which node created what:
#   - only the VIP holder runs a guarded exec, on a node's first run and on later runs;
#   - when the VIP moves, the new holder runs it and the old one does not;
#   - when the VIP leaves a node between fact collection and the exec, the apply-time check stops it;
#   - $facts['gluster_vip_holder'] is a Boolean in Puppet;
#   - vip => '' runs it on every node (the run that switches to mode all included);
#   - a bad VIP fails the run, and the error names the value;
#   - gluster_vip::keepalived renders a config that keepalived (started here by hand) runs, and
#     the node that keepalived elects is the one that runs the guarded exec.
#
# Needs root, ip netns, puppet and keepalived. Without them it skips, or fails under CI=true.
# GC_ROOT=DIR runs it in a Debian 13 root (Puppet 8, keepalived 2.3); see below.
# Everything it creates is removed on exit (trap); processes are stopped by PID.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd -P)
# GC_ROOT=DIR: run this whole script inside the Debian 13 root DIR (spec/debian13/enter.sh: its
# own mounts, this checkout at the same path), so every puppet, facter and keepalived it calls is
# that root's: Puppet 8 with its defaults (rake puppet8:acceptance).
if [ -n "${GC_ROOT:-}" ]; then
  exec env GV_TRIXIE_ROOT="$GC_ROOT" bash "$root/spec/debian13/enter.sh" bash "$root/spec/acceptance/apply.sh" "$@"
fi
started=$(date +%s.%N)

harness=acceptance
# shellcheck source=../lib/tap.sh
. "$root/spec/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root (network namespaces)"
for tool in ip puppet keepalived timeout setsid; do
  command -v "$tool" >/dev/null || skip_or_fail "needs $tool"
done
arch=$(go_arch) || skip_or_fail "no gluster-vip binary for $(uname -m)"
[ -x "$root/facts.d/.gluster_vip/gluster-vip-linux-$arch" ] ||
  { echo "acceptance: FAIL: $root/facts.d/.gluster_vip/gluster-vip-linux-$arch is missing: run rake build" >&2; exit 1; }

a=pv$$a
b=pv$$b
vip=203.0.113.10
declare -A addr=([$a]=198.51.100.1 [$b]=198.51.100.2)
tmp=$(mktemp -d /tmp/pv-acceptance.XXXXXX)
chmod 0755 "$tmp"
pids=()

cleanup() {
  local rc=$?
  set +e
  for pidfile in "$tmp"/*/keepalived*.pid; do
    [ -f "$pidfile" ] && stop "$(cat "$pidfile")"
  done
  for pid in "${pids[@]}"; do
    stop "$pid"
    wait "$pid" 2>/dev/null
  done
  remove_two_nodes
  finish_tmp "$rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# --- the two nodes --------------------------------------------------------------------------
two_nodes

# The module path: this checkout as gluster_vip (the folder name must be the module's), the
# example consumer, and Debian's stdlib.
mkdir -p "$tmp/modules"
ln -s "$root" "$tmp/modules/gluster_vip"
modulepath="$tmp/modules:$root/modules:/usr/share/puppet/modules"

# A fake gluster: volume state shared by the nodes (as glusterd's would be), and a log of who did what.
mkdir -p "$tmp/volumes" "$tmp/bin"
cat >"$tmp/bin/gluster" <<EOF
#!/bin/sh
[ "\$1" = --mode=script ] && shift
state=$tmp/volumes/\$3
case "\$1 \$2" in
  "volume info") [ -e "\$state" ] || { echo "Volume \$3 does not exist" >&2; exit 1; }
    printf 'Volume Name: %s\nStatus: %s\n' "\$3" "\$(cat "\$state")" ;;
  "volume create") [ -e "\$state" ] && { echo "volume create: \$3: failed: already exists" >&2; exit 1; }
    echo Created >"\$state"; echo "\$PV_NODE create \$3" >>$tmp/gluster.log ;;
  "volume start") echo Started >"\$state"; echo "\$PV_NODE start \$3" >>$tmp/gluster.log ;;
  *) echo "fake gluster: \$*" >&2; exit 1 ;;
esac
EOF
chmod 0755 "$tmp/bin/gluster"
: >"$tmp/gluster.log"

# apply NODE MANIFEST: puppet apply in the node's namespace, with its own Puppet directories and
# its own gluster-vip config (GLUSTER_VIP_CONFIG, read by the fact). Output in $tmp/NODE/last.log;
# sets $code to --detailed-exitcodes' answer (0/2 fine, 4/6 failures, 1 a compile error).
apply() {
  local ns=$1 manifest=$2 d="$tmp/$1"
  set +e
  ip netns exec "$ns" env PV_NODE="$ns" GLUSTER_VIP_CONFIG="$d/etc/gluster-vip.conf" \
    timeout 180 puppet apply --detailed-exitcodes --color=false \
    --confdir "$d/conf" --vardir "$d/var" --codedir "$d/code" --logdir "$d/log" \
    --rundir "$d/run" --publicdir "$d/public" --modulepath "$modulepath" --certname "$ns" \
    -e "$manifest" >"$d/last.log" 2>&1
  code=$?
  set -e
}

# applied NODE MANIFEST: apply, and fail unless the run went well (never by grepping "Error:":
# Facter logs /proc/1/environ errors here on every run).
applied() {
  apply "$1" "$2"
  case $code in
    0 | 2) ;;
    *) cat "$tmp/$1/last.log" >&2; fail "puppet apply on $1 exited $code" ;;
  esac
}

# The common part of every node's manifest.
base() { # VIP
  cat <<EOF
class { 'gluster_vip':
  vip         => '$1',
  settle      => '0s',
  config_file => "$tmp/\${trusted['certname']}/etc/gluster-vip.conf",
}
notify { 'holder':
  message => "holder=\${facts['gluster_vip_holder']} type=\${type(\$facts['gluster_vip_holder'], 'generalized')} mode=\${facts['gluster_vip']['mode']}",
}
EOF
}
volume() { # VIP VOLUME
  base "$1"
  cat <<EOF
class { 'gluster_volume_example':
  volume  => '$2',
  replica => 2,
  bricks  => ['198.51.100.1:/bricks/$2', '198.51.100.2:/bricks/$2'],
  gluster => '$tmp/bin/gluster',
}
EOF
}

log_is() { # EXPECTED WHAT
  local got
  got=$(cat "$tmp/gluster.log")
  [ "$got" = "$1" ] || fail "$2: gluster log is [$got], want [$1]"
}

notice_is() { # NODE EXPECTED
  grep -q "Notice: $2\$" "$tmp/$1/last.log" ||
    fail "$1: no notice '$2' in: $(grep -o 'Notice: holder=.*' "$tmp/$1/last.log")"
}

# --- 1. first runs: the VIP is on a; neither node has a config yet ---------------------------
ip -n "$a" addr add "$vip/32" dev eth0
applied "$b" "$(volume "$vip" gv0)"
notice_is "$b" 'holder=false type=Boolean mode=unconfigured'
log_is "" "first run on the backup"
ok "first run on $b (fact: unconfigured): the apply-time check keeps the guarded exec from running"
[ "$(stat -c '%U %G %a' "$tmp/$b/etc/gluster-vip.conf")" = "root root 644" ] || fail "config is not root:root 0644"
ok "the config is written root:root 0644"

applied "$a" "$(volume "$vip" gv0)"
notice_is "$a" 'holder=false type=Boolean mode=unconfigured'
log_is "$a create gv0
$a start gv0" "first run on the holder"
ok "first run on $a (fact: unconfigured): the holder creates and starts the volume"

# --- 2. later runs: facts are configured now ----------------------------------------------------
applied "$a" "$(volume "$vip" gv0)"
notice_is "$a" 'holder=true type=Boolean mode=vip'
log_is "$a create gv0
$a start gv0" "second run on the holder"
ok "second run on $a: gluster_vip_holder is Boolean true, and unless keeps it idempotent"

applied "$b" "$(volume "$vip" gv1)"
notice_is "$b" 'holder=false type=Boolean mode=vip'
grep -q 'gluster volume create gv1' "$tmp/$b/last.log" && fail "$b's catalog still has the guarded exec"
log_is "$a create gv0
$a start gv0" "later run on the backup"
ok "later run on $b: the fact says not the holder, and the exec is left out at compile time"

applied "$a" "$(volume "$vip" gv1)"
log_is "$a create gv0
$a start gv0
$a create gv1
$a start gv1" "later run on the holder"
ok "later run on $a: the holder creates a new volume"

# --- 3. the VIP moves to b -----------------------------------------------------------------------
# Each node also asks the binary at apply time through Deferred('gluster_vip::check').
deferred="file { \"$tmp/\${trusted['certname']}/deferred.txt\":
  ensure  => file,
  content => Deferred('sprintf', ['%s', Deferred('gluster_vip::check', [\$gluster_vip::check_flags])]),
}"
ip -n "$a" addr del "$vip/32" dev eth0
ip -n "$b" addr add "$vip/32" dev eth0
: >"$tmp/gluster.log"
applied "$a" "$(volume "$vip" gv2)
$deferred"
notice_is "$a" 'holder=false type=Boolean mode=vip'
log_is "" "old holder after the move"
applied "$b" "$(volume "$vip" gv2)
$deferred"
notice_is "$b" 'holder=true type=Boolean mode=vip'
log_is "$b create gv2
$b start gv2" "new holder after the move"
ok "after the VIP moves, only the new holder $b runs the guarded execs"
[ "$(cat "$tmp/$a/deferred.txt")/$(cat "$tmp/$b/deferred.txt")" = false/true ] ||
  fail "Deferred gluster_vip::check gave $a: $(cat "$tmp/$a/deferred.txt"), $b: $(cat "$tmp/$b/deferred.txt")"
ok "Deferred('gluster_vip::check') answers at apply time: false on $a, true on $b"

# --- 4. the VIP leaves between fact collection and the exec --------------------------------------
: >"$tmp/gluster.log"
applied "$b" "$(volume "$vip" gv3)
exec { 'the VIP moves away':
  command => ['ip', 'addr', 'del', '$vip/32', 'dev', 'eth0'],
  path    => \$facts['path'],
  before  => Class['gluster_volume_example'],
}"
notice_is "$b" 'holder=true type=Boolean mode=vip'
grep -q "Exec\[the VIP moves away\]/returns: executed successfully" "$tmp/$b/last.log" || fail "the VIP was not removed"
log_is "" "VIP gone before the exec"
ok "the fact said holder, the VIP left before the exec: the apply-time check stopped it"

# --- 5. vip => '': every node runs it ------------------------------------------------------------
mark="gluster_vip::exec { 'mark': command => ['sh', '-c', 'echo \$PV_NODE >>$tmp/all.log'] }"
applied "$a" "$(base '')
$mark"
applied "$b" "$(base '')
$mark"
[ "$(sort "$tmp/all.log" | tr '\n' ' ')" = "$a $b " ] || fail "mode all ran on [$(tr '\n' ' ' <"$tmp/all.log")]"
ok "the run that switches to vip => '' runs the guarded exec on both nodes"
applied "$a" "$(base '')
$mark"
notice_is "$a" 'holder=true type=Boolean mode=all'
[ "$(grep -c "$a" "$tmp/all.log")" = 2 ] || fail "mode all: second run on $a did not run"
ok "in mode all the fact says holder=true, and the exec runs again"

# --- 6. a bad VIP fails the run and names it ------------------------------------------------------
apply "$a" "$(base '203.0.113.300')"
[ "$code" = 1 ] || fail "bad vip: puppet apply exited $code, want 1"
grep -q "vip '203.0.113.300' is not a bare IPv4 or IPv6 address" "$tmp/$a/last.log" ||
  fail "bad vip: the error does not name the value: $(grep -v Facter "$tmp/$a/last.log" | head -5)"
ok "a bad VIP fails the run with exit 1, and the error names 203.0.113.300"

# --- 7. keepalived elects the holder ---------------------------------------------------------------
for ns in "$a" "$b"; do
  peer=$([ "$ns" = "$a" ] && echo "${addr[$b]}" || echo "${addr[$a]}")
  applied "$ns" "$(base "$vip")
class { 'gluster_vip::keepalived':
  nodes          => ['198.51.100.1', '198.51.100.2'],
  node_name      => '${addr[$ns]}',
  interface      => 'eth0',
  advert_int     => 0.1,
  unicast_src_ip => '${addr[$ns]}',
  unicast_peers  => ['$peer'],
  config_file    => '$tmp/$ns/keepalived/keepalived.conf',
  manage_package => false,
  manage_service => false,
}"
  grep -q '^  state BACKUP$' "$tmp/$ns/keepalived/keepalived.conf" || fail "$ns: keepalived.conf has no state BACKUP"
  d="$tmp/$ns"
  ip netns exec "$ns" setsid keepalived -n -l -D -f "$d/keepalived/keepalived.conf" -p "$d/keepalived.pid" \
    -r "$d/keepalived-vrrp.pid" -c "$d/keepalived-checkers.pid" -b "$d/keepalived-bfd.pid" \
    >"$d/keepalived.log" 2>&1 &
  pids+=($!)
done
ok "gluster_vip::keepalived writes configs that pass keepalived -t (validate_cmd) and start"

holder=""
for _ in $(seq 1 100); do # at most 10 s; VRRPv3 with advert_int 0.1 converges in about 0.4 s
  on=()
  for ns in "$a" "$b"; do
    ip -n "$ns" -o addr show dev eth0 | grep -q " $vip/32 " && on+=("$ns")
  done
  if [ "${#on[@]}" = 1 ]; then
    holder=${on[0]}
    break
  fi
  sleep 0.1
done
[ -n "$holder" ] || fail "keepalived did not put $vip on exactly one node within 10 s"
backup=$([ "$holder" = "$a" ] && echo "$b" || echo "$a")
[ "$holder" = "$a" ] || fail "keepalived elected $holder, but ${addr[$a]} sorts first and has the higher priority"
ok "keepalived put the VIP on $holder alone, the node with the higher priority"

: >"$tmp/gluster.log"
applied "$backup" "$(volume "$vip" gv4)"
applied "$holder" "$(volume "$vip" gv4)"
log_is "$holder create gv4
$holder start gv4" "keepalived-elected holder"
ok "only the node keepalived elected ($holder) runs the guarded execs"

elapsed=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }")
echo "acceptance: $passed checks passed in ${elapsed}s (Puppet $(puppet --version), Facter $(facter --version), $(keepalived --version 2>&1 | head -1 | cut -d' ' -f1-2))"
