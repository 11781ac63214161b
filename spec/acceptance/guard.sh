#!/usr/bin/env bash
# The guard property test (issue 10): real `puppet apply` of gluster_vip::exec on two nodes, each a
# network namespace (gg-<PID>-h, gg-<PID>-n) joined by a veth pair that never appears in the host
# namespace: 198.51.100.31 holds the VIP 203.0.113.30, 198.51.100.32 does not. Settle and probes off.
#
# One manifest per apply declares many guarded execs, one per case: each provider (posix, shell)
# with string and array commands, with and without the user's own onlyif/unless; tries,
# environment, cwd, an Integer and a Float timeout, returns, refresh, a Sensitive command. Each
# command appends "<node> <case>" to a ledger shared by the nodes. The property:
#   - on the node that does not hold, the ledger gets no line, over three applies: the first of a
#     fresh node (no configured fact yet: the apply-time checks decide), the second (the fact says
#     "not the holder": the compile-time guard), and a third with compile_time_guard => false (the
#     apply-time checks again, with a configured fact); and those applies do not fail;
#   - on the holder, each case runs exactly once per apply, over two applies (a `user` case too: the
#     probes are off, and nobody can execute the binary);
#   - a holder that loses the VIP inside a try runs no further try (tries => 3, try_sleep => 2, a
#     command that removes the VIP and fails): the ledger shows exactly one try, and `run` says it
#     did not run;
#   - gluster_vip::holder() is true on the holder and false on the other node, from the binary's
#     real fact (probes on, settle 1s);
#   - Deferred('gluster_vip::check') answers true/false at apply time; called directly at compile
#     time it fails the compilation;
#   - a `user` that can't execute the binary (the module in a directory closed to it) fails the
#     apply loudly, instead of being skipped without a word like a node that does not hold.
#
# Needs root, ip, puppet, timeout, stdlib and the built binary with `run`. Anything missing is a
# failure (never a skip). Prints a PASS/FAIL table and "N passed, M failed"; exits non-zero on any
# failure. Everything it creates is removed on exit; processes are stopped by PID.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd -P)
started=$(date +%s.%N)
harness=guard
# shellcheck source=../lib/tap.sh
. "$root/spec/lib/tap.sh"

die() {
  echo "guard: FAIL: $*" >&2
  exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for tool in ip puppet timeout ruby; do
  command -v "$tool" >/dev/null || die "needs $tool"
done
[ -d /usr/share/puppet/modules/stdlib ] || die "needs Debian's stdlib module (puppet-module-puppetlabs-stdlib)"
case $(uname -m) in
  x86_64) arch=amd64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) die "no gluster-vip binary for $(uname -m)" ;;
esac
bin="$root/facts.d/.gluster_vip/gluster-vip-linux-$arch"
[ -x "$bin" ] || die "$bin is missing: run rake build"
# The binary must have `run` (issue 10): mode all (--vip=) decides "run" on any node.
rc=0
out=$(timeout 10 "$bin" run --vip= -- /bin/sh -c 'echo run-works' 2>&1) || rc=$?
[ "$rc" = 0 ] && [ "$out" = run-works ] ||
  die "$bin has no working 'run' subcommand (exit $rc: $out); rebuild with rake build"

h=gg-$$-h # the holder
n=gg-$$-n # the node that does not hold
vip=203.0.113.30
declare -A addr=([$h]=198.51.100.31 [$n]=198.51.100.32)
tmp=$(mktemp -d /tmp/gg-guard.XXXXXX)
chmod 0755 "$tmp"
made=()
pids=()

cleanup() {
  local rc=$? pid ns
  set +e
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for ns in "${made[@]}"; do
    # Anything still running inside our namespaces is ours: stop it by PID.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  finish_tmp "$rc"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- results ---------------------------------------------------------------------------------------
results=()
failed=0
record() { # PASS|FAIL CASE DETAIL
  results+=("$(printf '%-4s  %-30s  %s' "$1" "$2" "$3")")
  [ "$1" = PASS ] || failed=$((failed + 1))
}
check() { # CASE DETAIL CONDITION...
  local name=$1 detail=$2
  shift 2
  if "$@"; then record PASS "$name" "$detail"; else record FAIL "$name" "$detail"; fi
}

# --- the two nodes -----------------------------------------------------------------------------------
for ns in "$h" "$n"; do
  ip netns add "$ns"
  made+=("$ns")
  ip -n "$ns" link set lo up
done
# The veth pair is made inside the holder's namespace, its peer moved straight into the other's.
ip -n "$h" link add eth0 type veth peer name eth0 netns "$n"
for ns in "$h" "$n"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n "$ns" addr add "${addr[$ns]}/24" dev eth0
  ip -n "$ns" link set eth0 up
  mkdir -p "$tmp/$ns"/{conf,var,code,log,run,public,etc}
done
ip -n "$h" addr add "$vip/32" dev eth0

mkdir -p "$tmp/modules" "$tmp/cwd"
ln -s "$root" "$tmp/modules/gluster_vip"
modulepath="$tmp/modules:/usr/share/puppet/modules"
ledger=$tmp/ledger
: >"$ledger"
chmod 0666 "$ledger" # the user case writes it as nobody

# apply NODE MANIFEST_FILE: puppet apply in NODE's namespace with its own Puppet directories and
# gluster-vip config (GLUSTER_VIP_CONFIG, read by the fact). Output in $tmp/NODE/apply.log; the exit
# code (--detailed-exitcodes: 0/2 fine, 4/6 failures, 1 compile error) in $tmp/NODE/rc.
apply() {
  local ns=$1 d=$tmp/$1 rc=0
  ip netns exec "$ns" env GLUSTER_VIP_CONFIG="$d/etc/gluster-vip.conf" \
    RUBYLIB="$root/spec/cluster/rubylib${RUBYLIB:+:$RUBYLIB}" \
    timeout --kill-after=5 150 puppet apply --detailed-exitcodes --color=false --certname="$ns" --write_catalog_summary \
    --confdir "$d/conf" --vardir "$d/var" --codedir "$d/code" --logdir "$d/log" \
    --rundir "$d/run" --publicdir "$d/public" --modulepath "$modulepath" "$2" \
    >"$d/apply.log" 2>&1 </dev/null || rc=$?
  echo "$rc" >"$d/rc"
}
# apply_both MANIFEST_H MANIFEST_N: both nodes at once; each log is appended to NODE/all.log.
apply_both() {
  local p1 p2
  apply "$h" "$1" &
  p1=$!
  pids+=("$p1")
  apply "$n" "$2" &
  p2=$!
  pids+=("$p2")
  wait "$p1" "$p2" || true
  pids=()
  cat "$tmp/$h/apply.log" >>"$tmp/$h/all.log"
  cat "$tmp/$n/apply.log" >>"$tmp/$n/all.log"
}
rc_of() { cat "$tmp/$1/rc"; }
rc_ok() { case $(rc_of "$1") in 0 | 2) return 0 ;; *) return 1 ;; esac }

# pp_str S: S as a single-quoted Puppet string.
pp_str() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }

# --- the cases -----------------------------------------------------------------------------------
# Each case: a name and the attributes of a gluster_vip::exec. In them, @LINE@ stands for the shell
# command `echo <node> <case> >>LEDGER` (no quotes needed: names and paths have no spaces), and
# @NODE@ for the node's name.
cases=()
declare -A body=()
add_case() { cases+=("$1"); body[$1]=$2; }

for provider in posix shell; do
  for form in string array; do
    for guard in none onlyif unless; do
      name=$provider-$form-$guard
      if [ "$form" = string ]; then
        cmd="command => '@LINE@',"
      elif [ "$provider" = posix ]; then
        cmd="command => ['/bin/sh', '-c', '@LINE@'],"
      else
        # Puppet's shell provider runs an array as sh -c FIRST REST...: "$0" is the second element.
        cmd="command => ['echo \$0 $name >>$ledger', '@NODE@'],"
      fi
      case $provider-$form-$guard in
        *-none) g="" ;;
        posix-string-onlyif) g="onlyif => 'test -d /'," ;;
        posix-array-onlyif) g="onlyif => [['test', '-d', '/']]," ;;
        posix-string-unless) g="unless => 'test -e /nonexistent-gg'," ;;
        posix-array-unless) g="unless => [['test', '-e', '/nonexistent-gg']]," ;;
        shell-string-onlyif) g="onlyif => 'test -d / && test -d /tmp'," ;;
        shell-array-onlyif) g="onlyif => [['test -d \"\$0\"', '/tmp']]," ;;
        shell-string-unless) g="unless => 'test -e /nonexistent-gg || false'," ;;
        shell-array-unless) g="unless => [['test -e \"\$0\"', '/nonexistent-gg']]," ;;
      esac
      add_case "$name" "provider => '$provider', $cmd $g"
    done
  done
done
add_case tries "tries => 3, try_sleep => 1, command => ['/bin/sh', '-c', '@LINE@'],"
add_case shell-tries "provider => 'shell', tries => 2, try_sleep => 0, command => '@LINE@',"
add_case environment "environment => ['GG_X=from puppet'], command => ['/bin/sh', '-c', '[ \"\$GG_X\" = \"from puppet\" ] && @LINE@'],"
add_case cwd "cwd => '$tmp/cwd', command => ['/bin/sh', '-c', '[ \"\$(pwd -P)\" = $tmp/cwd ] && @LINE@'],"
add_case timeout-integer "timeout => 60, command => ['/bin/sh', '-c', '@LINE@'],"
add_case timeout-float "timeout => 30.5, command => '@LINE@',"
add_case returns "returns => [0, 3], command => ['/bin/sh', '-c', '@LINE@; exit 3'],"
add_case shell-all "provider => 'shell', environment => ['GG_X=y'], cwd => '$tmp/cwd', timeout => 20.5, tries => 2,
  returns => [0, 3], onlyif => ['test \"\$GG_X\" = y'], unless => 'test -e /nonexistent-gg',
  command => '[ \"\$(pwd -P)\" = $tmp/cwd ] && [ \"\$GG_X\" = y ] && @LINE@ && exit 3',"
add_case sensitive "command => Sensitive(['/bin/sh', '-c', '@LINE@']),"
# user: allowed because the probes are off; the binary runs as nobody too.
add_case user "user => 'nobody', command => ['/bin/sh', '-c', '[ \"\$(id -un)\" = nobody ] && @LINE@'],"
# refreshonly: the command never runs; the refresh command runs on the event, through `run` too.
add_case refresh "refreshonly => true, subscribe => Notify['gg changes every run'], command => ['/bin/false'],
  refresh => ['/bin/sh', '-c', '@LINE@'],"

# case_pp NODE NAME [EXTRA]: the gluster_vip::exec of case NAME for NODE, with EXTRA attributes.
case_pp() {
  local node=$1 name=$2 b=${body[$2]}
  b=${b//@LINE@/echo $node $name >>$ledger}
  b=${b//@NODE@/$node}
  printf "gluster_vip::exec { 'gg %s':\n  %s\n  %s\n}\n" "$name" "$b" "${3:-}"
}

# class_pp NODE: class gluster_vip for NODE: settle and probes off, NODE's own config file.
class_pp() {
  cat <<EOF
class { 'gluster_vip':
  vip         => '$vip',
  settle      => '0s',
  probe       => '0s',
  config_file => '$tmp/$1/etc/gluster-vip.conf',
}
EOF
}

# manifest NODE FILE [EXTRA]: class gluster_vip, the Deferred check and every case, into FILE.
manifest() {
  local node=$1 f=$2 name
  {
    class_pp "$node"
    cat <<EOF
notify { 'gg changes every run': }
notify { 'gg fact':
  message => "fact holder=\${facts['gluster_vip_holder']} mode=\${facts.dig('gluster_vip', 'mode')}",
}
file { '$tmp/$node/deferred':
  ensure  => file,
  content => Deferred('sprintf', ['%s', Deferred('gluster_vip::check', [\$gluster_vip::check_flags])]),
}
EOF
    for name in "${cases[@]}"; do case_pp "$node" "$name" "${3:-}"; done
  } >"$f"
}

# count NODE CASE [LEDGER]: how many times NODE ran CASE, by the ledger.
count() { grep -cx "$1 $2" "${3:-$ledger}" || true; }
lines_of() { grep -c "^$1 " "$ledger" || true; }
rc_in() { # NODE CODES...: NODE's last exit code is one of CODES
  local rc c
  rc=$(rc_of "$1")
  shift
  for c in "$@"; do [ "$rc" = "$c" ] && return 0; done
  return 1
}
all_of() { # run each quoted test; true when all pass
  local t
  for t in "$@"; do eval "$t" || return 1; done
}

# --- 1. the matrix: two applies on each node, at the same time -----------------------------------
manifest "$h" "$tmp/$h/site.pp"
manifest "$n" "$tmp/$n/site.pp"
apply_both "$tmp/$h/site.pp" "$tmp/$n/site.pp"
rc_h1=$(rc_of "$h")
rc_n1=$(rc_of "$n")
fresh_n=no
grep -q 'Notice: fact holder=false mode=unconfigured' "$tmp/$n/apply.log" && fresh_n=yes
# How many guarded execs the last catalog had: --write_catalog_summary lists its resources (Puppet
# 8's run report leaves unchanged resources out).
in_catalog() { grep -c '^exec\[gg ' "$tmp/$1/var/state/resources.txt" || true; }
in_catalog_n1=$(in_catalog "$n")
cp "$ledger" "$tmp/ledger.1"

apply_both "$tmp/$h/site.pp" "$tmp/$n/site.pp"
rc_h2=$(rc_of "$h")
rc_n2=$(rc_of "$n")
configured_n=no
configured_h=no
grep -q 'Notice: fact holder=false mode=vip' "$tmp/$n/apply.log" && configured_n=yes
grep -q 'Notice: fact holder=true mode=vip' "$tmp/$h/apply.log" && configured_h=yes
in_catalog_n2=$(in_catalog "$n")
# Puppet 7 resolves Deferred values before the run; on the first apply the config did not exist yet.
deferred_h=$(cat "$tmp/$h/deferred" 2>/dev/null || echo missing)
deferred_n=$(cat "$tmp/$n/deferred" 2>/dev/null || echo missing)

# The third apply on the node that does not hold keeps every exec in its catalog, so the apply-time
# checks (onlyif, then run) decide with a configured fact.
manifest "$n" "$tmp/$n/site3.pp" 'compile_time_guard => false,'
apply "$n" "$tmp/$n/site3.pp"
cat "$tmp/$n/apply.log" >>"$tmp/$n/all.log"
rc_n3=$(rc_of "$n")
in_catalog_n3=$(in_catalog "$n")

for name in "${cases[@]}"; do
  got_h=$(count "$h" "$name")
  got_h1=$(count "$h" "$name" "$tmp/ledger.1")
  got_n=$(count "$n" "$name")
  check "$name" "holder ran it $got_h1+$((got_h - got_h1)) times (want 1+1), non-holder $got_n (want 0 in 3 applies)" \
    all_of "[ $got_h1 = 1 ]" "[ $got_h = 2 ]" "[ $got_n = 0 ]"
done
nlines=$(lines_of "$n")
check "non-holder ledger" "$nlines lines from $n in the ledger over 3 applies (want 0)" [ "$nlines" = 0 ]
check "ledger has only known lines" "every line is '<node> <case>'" \
  awk -v h="$h" -v n="$n" '!(($1 == h || $1 == n) && NF == 2) { bad = 1 } END { exit bad }' "$ledger"
check "holder applies succeed" "exit codes $rc_h1, $rc_h2 (want 2: changes, no failure)" \
  all_of "[ $rc_h1 = 2 ]" "[ $rc_h2 = 2 ]"
check "non-holder applies are quiet" "exit codes $rc_n1, $rc_n2, $rc_n3 (want 0 or 2: skipped, not failed)" \
  all_of "[[ $rc_n1 = [02] ]]" "[[ $rc_n2 = [02] ]]" "[[ $rc_n3 = [02] ]]"
check "first apply is a fresh node" "non-holder's first fact is unconfigured: $fresh_n" [ "$fresh_n" = yes ]
check "apply-time guard" "non-holder applies 1 and 3 had all ${#cases[@]} execs in the catalog: $in_catalog_n1, $in_catalog_n3" \
  all_of "[ $in_catalog_n1 = ${#cases[@]} ]" "[ $in_catalog_n3 = ${#cases[@]} ]"
check "compile-time guard" "non-holder apply 2: fact configured ($configured_n), $in_catalog_n2 execs in the catalog (want 0)" \
  all_of "[ $configured_n = yes ]" "[ $in_catalog_n2 = 0 ]"
check "holder fact" "holder's second apply: fact holder=true mode=vip: $configured_h" [ "$configured_h" = yes ]
check "Deferred gluster_vip::check" "at apply time: $deferred_h on $h, $deferred_n on $n (want true, false)" \
  [ "$deferred_h/$deferred_n" = true/false ]
check "refreshonly warning" "compiling refreshonly => true warns, recommends unless/creates" \
  grep -q "Warning: .*gluster_vip::exec\[gg refresh\]: refreshonly => true.*unless or creates" "$tmp/$h/all.log"

# --- 1b. gluster_vip::holder() against the binary's real fact: probes on (the default), settle 1s --
# The first apply writes the config; the second's fact was decided with it.
for ns in "$h" "$n"; do
  cat >"$tmp/$ns/holder.pp" <<EOF
class { 'gluster_vip':
  vip         => '$vip',
  settle      => '1s',
  config_file => '$tmp/$ns/etc/gluster-vip.conf',
}
notify { 'gg holder': message => "holder() is \${gluster_vip::holder()}" }
EOF
done
apply_both "$tmp/$h/holder.pp" "$tmp/$n/holder.pp"
apply_both "$tmp/$h/holder.pp" "$tmp/$n/holder.pp"
holder_h=$(grep -o 'Notice: holder() is [a-z]*' "$tmp/$h/apply.log" | awk '{print $NF}')
holder_n=$(grep -o 'Notice: holder() is [a-z]*' "$tmp/$n/apply.log" | awk '{print $NF}')
check "holder() with the real fact" "probes on, settle 1s: ${holder_h:-none} on $h, ${holder_n:-none} on $n (want true, false)" \
  [ "$holder_h/$holder_n" = true/false ]

# --- 2. a holder that loses the VIP inside a try runs no further try -------------------------------
{
  class_pp "$h"
  cat <<EOF
gluster_vip::exec { 'gg lose the VIP':
  command   => ['/bin/sh', '-c', 'echo $h lose-try >>$ledger; ip addr del $vip/32 dev eth0; exit 1'],
  tries     => 3,
  try_sleep => 2,
}
EOF
} >"$tmp/$h/lose.pp"
t0=$(date +%s)
apply "$h" "$tmp/$h/lose.pp"
cat "$tmp/$h/apply.log" >>"$tmp/$h/all.log"
lose_secs=$(($(date +%s) - t0))
tries_run=$(count "$h" lose-try)
vip_left=yes
ip -n "$h" -o addr show dev eth0 | grep -q " $vip/32 " && vip_left=no
check "VIP lost inside a try" "tries => 3: $tries_run try ran (want 1), VIP removed: $vip_left, exit $(rc_of "$h") (want 4/6), ${lose_secs}s" \
  all_of "[ $tries_run = 1 ]" "[ $vip_left = yes ]" "rc_in $h 4 6"
check "run refused the later tries" "Puppet reports 124, and run's 'not the holder, did not run'" \
  all_of "grep -q 'returned 124 instead of one of' $tmp/$h/apply.log" "grep -q 'not the holder, did not run' $tmp/$h/apply.log"

# --- 3. gluster_vip::check called at compile time fails the compilation -----------------------------
echo "notice(\"direct: \${gluster_vip::check([], '/bin/true')}\")" >"$tmp/$n/direct.pp"
apply "$n" "$tmp/$n/direct.pp"
check "check at compile time" "puppet apply exit $(rc_of "$n") (want 1), with the refusal message" \
  all_of "rc_in $n 1" "grep -q 'gluster_vip::check runs the gluster-vip binary, so it must run on the node that applies' $tmp/$n/apply.log"

# --- 4. a user that can't execute the binary fails loudly, rather than skip like a non-holder ------
# The module, copied into a directory that only root can enter (as Puppet's vardir may be).
closed=$tmp/closed
mkdir -p "$closed/modules/gluster_vip"
for part in manifests functions types templates lib facts.d metadata.json; do
  [ -e "$root/$part" ] && cp -a "$root/$part" "$closed/modules/gluster_vip/"
done
chmod 0700 "$closed"
{
  class_pp "$h"
  cat <<EOF
gluster_vip::exec { 'gg closed':
  user    => 'nobody',
  command => ['/bin/sh', '-c', 'echo $h closed >>$ledger'],
}
EOF
} >"$tmp/$h/closed.pp"
ip -n "$h" addr add "$vip/32" dev eth0 # put back what section 2 removed
modulepath_open=$modulepath
modulepath="$closed/modules:/usr/share/puppet/modules"
apply "$h" "$tmp/$h/closed.pp"
modulepath=$modulepath_open
cat "$tmp/$h/apply.log" >>"$tmp/$h/all.log"
closed_runs=$(count "$h" closed)
check "user cannot execute the binary" "exit $(rc_of "$h") (want 4/6), says 'nobody cannot execute', ran $closed_runs times (want 0)" \
  all_of "rc_in $h 4 6" "grep -q 'nobody cannot execute .*gluster-vip' $tmp/$h/apply.log" "[ $closed_runs = 0 ]"

# --- the table -------------------------------------------------------------------------------------
elapsed=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }")
printf '%s\n' "${results[@]}"
echo "guard: $((${#results[@]} - failed)) passed, $failed failed (${#cases[@]} exec cases, ${elapsed}s)"
if [ "$failed" -ne 0 ]; then
  echo "guard: FAIL; set KEEP_TMP=1 to keep the puppet logs ($tmp/*/all.log)" >&2
  exit 1
fi
