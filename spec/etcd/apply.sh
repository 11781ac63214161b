#!/usr/bin/env bash
# Real `puppet apply` of class gluster_vip with backend => 'etcd' and class gluster_vip::etcd on two
# nodes, each a network namespace (eap<N>a, eap<N>b) joined by a veth pair (198.51.100.61 and .62),
# against a real single-member etcd (Debian's etcd-server: 3.4 on Debian 12, 3.5 in the Debian 13
# root with GC_ROOT) that this script starts in node a.
#
# It checks, with real Puppet and Facter:
#   - gluster_vip::etcd installs the daemon (root, 0755, the bytes of facts.d's binary) and writes a
#     unit that `systemd-analyze verify` accepts with not one warning: node a's socket in /run (the
#     unit's RuntimeDirectory), node b's elsewhere (the unit's ReadWritePaths);
#   - the daemon, started with the ExecStart line of the written unit (this machine has no running
#     systemd, so manage_service => false and the script starts it, by PID, in the node), wins the
#     election: Facter says backend etcd, holder true and token > 0 on a, holder false with leader
#     a on b;
#   - a gluster_vip::exec (idempotent through unless, writing a ledger line) applied on both nodes
#     at once runs exactly once, on the leader, with its token; applied again, not at all;
#   - kill -9 of the leader's daemon: the fact there says holder false with the daemon's error at
#     once, and its next apply runs nothing, even with the apply-time check alone deciding
#     (compile_time_guard => false); node b takes over within lease_ttl + settle (+ slack), with a
#     greater token, and its apply runs the exec once.
#
# Needs root, ip, puppet, facter, etcd, etcdctl and systemd-analyze. Without them it skips, or fails
# under CI=true. Everything it creates is removed on exit (trap); processes are stopped by PID.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd -P)
# GC_ROOT=DIR: run this whole script inside the Debian 13 root DIR (spec/debian13/enter.sh), so the
# puppet, facter, etcd (3.5) and systemd-analyze it calls are that root's (rake puppet8:etcd).
if [ -n "${GC_ROOT:-}" ]; then
  exec env GV_TRIXIE_ROOT="$GC_ROOT" bash "$root/spec/debian13/enter.sh" bash "$root/spec/etcd/apply.sh" "$@"
fi
started=$(date +%s.%N)

harness='etcd apply'
# shellcheck source=../lib/tap.sh
. "$root/spec/lib/tap.sh"
[ "$(id -u)" -eq 0 ] || skip_or_fail "needs root (network namespaces)"
for tool in ip puppet facter etcd etcdctl systemd-analyze ruby timeout cmp; do
  command -v "$tool" >/dev/null || skip_or_fail "needs $tool (spec/setup.sh: etcd-server, etcd-client, systemd)"
done
arch=$(go_arch) || skip_or_fail "no gluster-vip binary for $(uname -m)"
fact_bin=$root/facts.d/.gluster_vip/gluster-vip-linux-$arch
elect_bin=$root/facts.d/.gluster_vip/gluster-vip-elect-linux-$arch
for f in "$fact_bin" "$elect_bin"; do
  [ -x "$f" ] || { echo "etcd apply: FAIL: $f is missing: run rake build" >&2; exit 1; }
done

id=eap$(($$ % 100000))
a=${id}a
b=${id}b
declare -A addr=([$a]=198.51.100.61 [$b]=198.51.100.62)
endpoint=http://198.51.100.61:2379
ttl=3
settle=1
# Not under /tmp: the unit's PrivateTmp=yes would hide it from the daemon, and the class refuses it.
tmp=$(mktemp -d /var/lib/gv-etcd-apply.XXXXXX)
chmod 0755 "$tmp"
# Node a's socket in /run, as the unit's RuntimeDirectory; node b's in $tmp, as its ReadWritePaths.
rundir=/run/$a
declare -A sock=([$a]=$rundir/elect.sock [$b]=$tmp/$b/sock/elect.sock)
etcd_pid=""
declare -A daemon=()

cleanup() {
  local rc=$?
  set +e
  # The daemons first: on TERM they revoke their leases, which needs etcd.
  for pid in "${daemon[@]}"; do
    stop "$pid"
    wait "$pid" 2>/dev/null
  done
  if [ -n "$etcd_pid" ]; then
    stop "$etcd_pid"
    wait "$etcd_pid" 2>/dev/null
  fi
  remove_two_nodes
  rm -rf "$rundir"
  if [ "$rc" -ne 0 ]; then
    for f in "$tmp"/*/elect.log "$tmp/etcd.log"; do
      [ -f "$f" ] && { echo "--- $f (last 15 lines)" >&2; tail -15 "$f" >&2; }
    done
  fi
  finish_tmp "$rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# --- the two nodes, and etcd in node a ---------------------------------------------------------
two_nodes
for ns in "$a" "$b"; do
  # What Puppet does not create: the parents of binary and unit_dir.
  mkdir -p "$tmp/$ns/sbin" "$tmp/$ns/systemd"
done

ip netns exec "$a" etcd --name e1 --data-dir "$tmp/etcd" \
  --listen-client-urls "$endpoint" --advertise-client-urls "$endpoint" \
  --listen-peer-urls http://198.51.100.61:2380 --initial-advertise-peer-urls http://198.51.100.61:2380 \
  --initial-cluster e1=http://198.51.100.61:2380 --initial-cluster-state new --initial-cluster-token "$id" \
  --heartbeat-interval 100 --election-timeout 1000 >"$tmp/etcd.log" 2>&1 &
etcd_pid=$!
healthy=""
for _ in $(seq 1 40); do # at most 20 s; it is healthy in about 1 s
  kill -0 "$etcd_pid" 2>/dev/null || fail "etcd exited: $(tail -5 "$tmp/etcd.log")"
  if timeout 5 ip netns exec "$b" etcdctl --endpoints "$endpoint" --dial-timeout 1s --command-timeout 1s endpoint health >/dev/null 2>&1; then
    healthy=1
    break
  fi
  sleep 0.5
done
[ -n "$healthy" ] || fail "etcd at $endpoint not healthy within 20 s"
[ "$(cat "/proc/$etcd_pid/comm")" = etcd ] || fail "PID $etcd_pid is $(cat "/proc/$etcd_pid/comm"), not etcd"
ok "etcd $(etcd --version | sed -n 's/^etcd Version: //p') (PID $etcd_pid) answers node b at $endpoint"

# The module path: this checkout as gluster_vip (the folder name must be the module's), and
# Debian's stdlib.
mkdir -p "$tmp/modules"
ln -s "$root" "$tmp/modules/gluster_vip"
modulepath="$tmp/modules:/usr/share/puppet/modules"
: >"$tmp/ledger"
: >"$tmp/ledger2"

# apply NODE MANIFEST [FLAG...]: puppet apply in the node's namespace, with its own Puppet directories and
# its own gluster-vip config (GLUSTER_VIP_CONFIG, read by the fact). Output in $tmp/NODE/last.log,
# --detailed-exitcodes' answer in $tmp/NODE/exitcode.
apply() {
  local ns=$1 manifest=$2 d="$tmp/$1" code
  shift 2
  set +e
  ip netns exec "$ns" env GV_NODE="$ns" GLUSTER_VIP_CONFIG="$d/etc/gluster-vip.conf" \
    timeout 180 puppet apply --detailed-exitcodes --color=false \
    --confdir "$d/conf" --vardir "$d/var" --codedir "$d/code" --logdir "$d/log" \
    --rundir "$d/run" --publicdir "$d/public" --modulepath "$modulepath" --certname "$ns" \
    "$@" -e "$manifest" >"$d/last.log" 2>&1
  code=$?
  set -e
  echo "$code" >"$d/exitcode"
}

# apply_both EXTRA: apply on both nodes at once, each its manifest plus EXTRA; waits for both (by
# PID: a bare `wait` would wait for etcd too).
apply_both() {
  local pa pb
  apply "$a" "$(manifest "$a" "$1")" &
  pa=$!
  apply "$b" "$(manifest "$b" "$1")" &
  pb=$!
  wait "$pa" "$pb"
}

# applied NODE...: the apply of each NODE (started with apply, maybe in the background) went well:
# 0 or 2 (never by grepping "Error:": Facter logs /proc/1/environ errors on every run).
applied() {
  local ns code
  for ns in "$@"; do
    code=$(cat "$tmp/$ns/exitcode")
    case $code in
      0 | 2) ;;
      *) cat "$tmp/$ns/last.log" >&2; fail "puppet apply on $ns exited $code" ;;
    esac
  done
}

manifest() { # NODE [EXTRA]
  cat <<EOF
class { 'gluster_vip':
  backend        => 'etcd',
  etcd_endpoints => ['$endpoint'],
  node_name      => '$1',
  lease_ttl      => '${ttl}s',
  settle         => '${settle}s',
  etcd_prefix    => '/$id/election',
  elect_socket   => '${sock[$1]}',
  config_file    => '$tmp/$1/etc/gluster-vip.conf',
}
class { 'gluster_vip::etcd':
  binary         => '$tmp/$1/sbin/gluster-vip-elect',
  manage_service => false,
  unit_dir       => '$tmp/$1/systemd',
}
notify { 'holder':
  message => "holder=\${facts['gluster_vip_holder']} backend=\${facts.dig('gluster_vip', 'backend')}",
}
${2:-}
EOF
}

# The guarded exec: idempotent through unless, it writes who ran it with which token.
ledger="gluster_vip::exec { 'ledger':
  command => ['sh', '-c', 'echo \"\$GV_NODE token=\$GLUSTER_VIP_TOKEN\" >>$tmp/ledger'],
  unless  => [['grep', '-q', 'token=', '$tmp/ledger']],
}"
# The same, deciding at apply time only: `gluster-vip check` (onlyif) alone keeps it from running.
ledger2="gluster_vip::exec { 'ledger2':
  command            => ['sh', '-c', 'echo \"\$GV_NODE token=\$GLUSTER_VIP_TOKEN\" >>$tmp/ledger2'],
  unless             => [['grep', '-q', 'token=', '$tmp/ledger2']],
  compile_time_guard => false,
}"

# fact NODE: the gluster_vip fact as real Facter reports it in the node, as JSON.
fact() {
  ip netns exec "$1" env GLUSTER_VIP_CONFIG="$tmp/$1/etc/gluster-vip.conf" \
    timeout 30 facter --external-dir "$root/facts.d" --json gluster_vip 2>"$tmp/$1/facter.err"
}
# quick NODE: the same fact from the dispatcher Facter runs, without Facter's start-up: for polling.
quick() {
  ip netns exec "$1" env GLUSTER_VIP_CONFIG="$tmp/$1/etc/gluster-vip.conf" timeout 10 "$root/facts.d/gluster_vip" 2>>"$tmp/$1/quick.err"
}
# field JSON KEY: gluster_vip's KEY in the fact ("" for null).
field() {
  ruby -rjson -e 'v = JSON.parse(ARGV[0]).fetch("gluster_vip").fetch(ARGV[1]); print v.nil? ? "" : v' "$1" "$2"
}
# wait_holder NODE SECONDS: poll until NODE's fact says holder true; prints the seconds it took.
wait_holder() {
  local t0 j="" deadline
  t0=$(date +%s.%N)
  deadline=$(($(date +%s) + $2))
  while [ "$(date +%s)" -le "$deadline" ]; do
    j=$(quick "$1") || true
    [ "$(field "$j" holder 2>/dev/null)" = true ] && { since "$t0"; return 0; }
    sleep 0.05
  done
  fail "$1 is not the holder within $2 s: $j"
}

# --- 1. install: binary and unit ------------------------------------------------------------------
t0=$(date +%s.%N)
apply_both ''
applied "$a" "$b"
first_apply=$(since "$t0")
for ns in "$a" "$b"; do
  d=$tmp/$ns
  [ "$(stat -c '%U %G %a' "$d/sbin/gluster-vip-elect")" = "root root 755" ] ||
    fail "$ns: daemon binary is $(stat -c '%U %G %a' "$d/sbin/gluster-vip-elect"), want root root 755"
  cmp -s "$elect_bin" "$d/sbin/gluster-vip-elect" || fail "$ns: the installed daemon differs from $elect_bin"
  unit=$d/systemd/gluster-vip-elect.service
  [ "$(stat -c '%U %G %a' "$unit")" = "root root 644" ] || fail "$ns: unit is not root root 644"
  [ "$(sed -n 's/^ExecStart=//p' "$unit")" = "$d/sbin/gluster-vip-elect --config $d/etc/gluster-vip.conf" ] ||
    fail "$ns: unit's ExecStart is [$(sed -n 's/^ExecStart=//p' "$unit")]"
  grep -qx "elect_socket = ${sock[$ns]}" "$d/etc/gluster-vip.conf" || fail "$ns: config has no elect_socket ${sock[$ns]}"
  grep -q '^Notice: holder=false backend=$' "$d/last.log" ||
    fail "$ns: first run's fact is not the unconfigured one: $(grep 'Notice: holder' "$d/last.log")"
done
ok "first applies (both nodes at once, ${first_apply}s): daemon installed root root 0755 with facts.d's bytes, unit root root 0644 runs it on the node's config"

grep -qx "RuntimeDirectory=$a" "$tmp/$a/systemd/gluster-vip-elect.service" || fail "$a: no RuntimeDirectory=$a"
grep -q '^ReadWritePaths' "$tmp/$a/systemd/gluster-vip-elect.service" && fail "$a: ReadWritePaths for a socket in /run"
grep -qx "ReadWritePaths=$tmp/$b/sock" "$tmp/$b/systemd/gluster-vip-elect.service" || fail "$b: no ReadWritePaths=$tmp/$b/sock"
grep -q '^RuntimeDirectory' "$tmp/$b/systemd/gluster-vip-elect.service" && fail "$b: RuntimeDirectory for a socket outside /run"
ok "the socket's directory is writable under ProtectSystem=strict: RuntimeDirectory=$a on $a, ReadWritePaths=$tmp/$b/sock on $b"

for ns in "$a" "$b"; do
  unit=$tmp/$ns/systemd/gluster-vip-elect.service
  set +e
  out=$(timeout 60 systemd-analyze verify "$unit" 2>&1)
  rc=$?
  set -e
  # It exits 0 on unknown keys and bad values too (it ignores them): any output is a failure.
  [ "$rc" = 0 ] && [ -z "$out" ] || fail "$ns: systemd-analyze verify exited $rc: $out"
done
# The control: the same unit on a binary that is not there must not pass.
mkdir "$tmp/control"
sed "s#^ExecStart=[^ ]*#ExecStart=$tmp/control/missing#" "$tmp/$a/systemd/gluster-vip-elect.service" \
  >"$tmp/control/gluster-vip-elect.service"
set +e
out=$(timeout 60 systemd-analyze verify "$tmp/control/gluster-vip-elect.service" 2>&1)
rc=$?
set -e
[ "$rc" != 0 ] && [[ $out == *"$tmp/control/missing"* ]] ||
  fail "systemd-analyze verify passed a unit whose binary is missing (exit $rc): $out"
ok "systemd-analyze verify accepts both units, the installed binary included, with no warning (and fails the unit on a missing binary)"

# A second apply changes nothing: the install is idempotent.
apply "$a" "$(manifest "$a")"
applied "$a"
! grep -E '^Notice: /Stage.*/(File|Exec|Service)\[' "$tmp/$a/last.log" ||
  fail "the second apply on $a changed the resources above"
grep -q '^Notice: holder=false backend=etcd$' "$tmp/$a/last.log" || fail "$a: second run's fact: $(grep 'Notice: holder' "$tmp/$a/last.log")"
ok "a second apply on $a changes no file; the fact now reads backend etcd (no daemon yet: holder false)"

# --- 2. the daemons, started as the unit would ---------------------------------------------------
# start NODE: the unit's ExecStart line, in the node, by PID. The directory systemd would make
# writable (RuntimeDirectory, 0700) or expect (ReadWritePaths) is made here.
start() {
  local ns=$1 cmd pid
  cmd=$(sed -n 's/^ExecStart=//p' "$tmp/$ns/systemd/gluster-vip-elect.service")
  mkdir -p -m 0700 "$(dirname "${sock[$ns]}")"
  # shellcheck disable=SC2086 # the unit's ExecStart: paths the class allows hold no spaces
  ip netns exec "$ns" $cmd >>"$tmp/$ns/elect.log" 2>&1 &
  pid=$!
  daemon[$ns]=$pid
  sleep 0.2
  kill -0 "$pid" 2>/dev/null || fail "$ns: daemon exited at once: $(tail -3 "$tmp/$ns/elect.log")"
  # The same file, by device and inode: `ip netns exec` gives the daemon a mount namespace of its
  # own, and in the Debian 13 root the path readlink shows is the host's, outside the chroot.
  [ "/proc/$pid/exe" -ef "$tmp/$ns/sbin/gluster-vip-elect" ] || fail "$ns: PID $pid runs $(readlink "/proc/$pid/exe")"
}

t0=$(date +%s.%N)
start "$a"
took=$(wait_holder "$a" 15)
ok "the daemon on $a (PID ${daemon[$a]}) holds after ${took}s (settle ${settle}s)"
start "$b"
j=""
for _ in $(seq 1 100); do # at most 10 s: the campaign's first answer
  j=$(quick "$b") || true
  [ "$(field "$j" leader 2>/dev/null)" = "$a" ] && break
  sleep 0.1
done
[ "$(field "$j" leader)" = "$a" ] || fail "$b's fact names no leader $a within 10 s: $j"

ja=$(fact "$a") || fail "facter on $a failed: $(cat "$tmp/$a/facter.err")"
jb=$(fact "$b") || fail "facter on $b failed: $(cat "$tmp/$b/facter.err")"
token=$(field "$ja" token)
[ "$(field "$ja" backend)/$(field "$ja" holder)/$(field "$ja" node_name)/$(field "$ja" leader)" = "etcd/true/$a/$a" ] ||
  fail "Facter on $a: $ja"
[[ $token =~ ^[0-9]+$ ]] && [ "$token" -gt 0 ] || fail "Facter on $a: token [$token] is not > 0"
[ "$(field "$jb" backend)/$(field "$jb" holder)/$(field "$jb" node_name)/$(field "$jb" leader)" = "etcd/false/$b/$a" ] ||
  fail "Facter on $b: $jb"
ok "Facter: $a backend etcd, holder true, token $token; $b holder false, leader $a ($(field "$jb" reason))"

# --- 3. the guarded exec, on both nodes at once ----------------------------------------------------
t0=$(date +%s.%N)
apply_both "$ledger"
applied "$a" "$b"
took=$(since "$t0")
[ "$(cat "$tmp/ledger")" = "$a token=$token" ] || fail "ledger after concurrent applies: [$(cat "$tmp/ledger")], want [$a token=$token]"
grep -q '^Notice: holder=true backend=etcd$' "$tmp/$a/last.log" || fail "$a: $(grep 'Notice: holder' "$tmp/$a/last.log")"
grep -q '^Notice: holder=false backend=etcd$' "$tmp/$b/last.log" || fail "$b: $(grep 'Notice: holder' "$tmp/$b/last.log")"
ok "concurrent applies (${took}s): the exec ran exactly once, on the leader $a, with GLUSTER_VIP_TOKEN=$token"

apply_both "$ledger"
applied "$a" "$b"
[ "$(wc -l <"$tmp/ledger")" = 1 ] || fail "ledger after the second applies: [$(cat "$tmp/ledger")]"
ok "applied again on both nodes: no more runs (unless)"

# --- 4. kill -9 of the leader's daemon -----------------------------------------------------------
kill -9 "${daemon[$a]}"
wait "${daemon[$a]}" 2>/dev/null || true
unset 'daemon[$a]'
j=$(quick "$a") || fail "the fact on $a failed after kill -9"
[ "$(field "$j" holder)" = false ] && [ -n "$(field "$j" error)" ] || fail "the fact on $a right after kill -9: $j"
# The takeover, timed from the kill: b holds once a's lease has expired and b has settled.
takeover=$(wait_holder "$b" $((ttl + settle + 10)))
awk "BEGIN { exit !($takeover <= $ttl + $settle + 3) }" ||
  fail "$b held ${takeover}s after the kill, more than lease_ttl ${ttl}s + settle ${settle}s + 3 s"
ok "after kill -9, the fact on $a says holder false at once; $b holds ${takeover}s after the kill (lease_ttl ${ttl}s + settle ${settle}s)"

ja=$(fact "$a") || fail "facter on $a failed: $(cat "$tmp/$a/facter.err")"
err=$(field "$ja" error)
[ "$(field "$ja" holder)" = false ] && [ -n "$err" ] || fail "Facter on $a after kill -9: $ja"
ok "Facter on $a: holder false, error: $err"

# --debug: Puppet logs each check of the exec and why it did not run it.
apply "$a" "$(manifest "$a" "$ledger2")" --debug
applied "$a"
[ ! -s "$tmp/ledger2" ] || fail "$a ran the exec with its daemon dead: [$(cat "$tmp/ledger2")]"
grep -q 'Exec\[ledger2\]/returns: executed' "$tmp/$a/last.log" && fail "$a: Exec[ledger2] ran"
grep -q "Exec\[ledger2\]: .* won't be executed because of failed check 'onlyif'" "$tmp/$a/last.log" ||
  fail "$a: Exec[ledger2] was not stopped by its onlyif (the holder check): $(grep 'ledger2' "$tmp/$a/last.log" | tail -5)"
ok "the next apply on $a runs nothing, the apply-time check alone deciding (compile_time_guard => false)"

jb=$(fact "$b") || fail "facter on $b failed: $(cat "$tmp/$b/facter.err")"
token_b=$(field "$jb" token)
[ "$(field "$jb" holder)/$(field "$jb" leader)" = "true/$b" ] || fail "Facter on $b after the takeover: $jb"
[ "$token_b" -gt "$token" ] || fail "token went from $token to $token_b"
ok "Facter on $b: holder true, leader $b, token $token -> $token_b"

apply "$b" "$(manifest "$b" "$ledger2")"
applied "$b"
[ "$(cat "$tmp/ledger2")" = "$b token=$token_b" ] || fail "ledger2 after $b's apply: [$(cat "$tmp/ledger2")]"
apply "$a" "$(manifest "$a" "$ledger2")"
applied "$a"
[ "$(wc -l <"$tmp/ledger2")" = 1 ] || fail "ledger2 after $a's apply: [$(cat "$tmp/ledger2")]"
ok "the new holder $b runs the exec once, with token $token_b; $a still runs nothing"

echo "etcd apply: $passed checks passed in $(since "$started")s (Puppet $(puppet --version), Facter $(facter --version), etcd $(etcd --version | sed -n 's/^etcd Version: //p'))"
