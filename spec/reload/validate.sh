#!/bin/bash
# The keepalived configs the module writes pass the real `keepalived -l -t`, and a config that
# fails it reaches Puppet's output, not syslog (issue 11, item 2). These examples need root and a
# network namespace (keepalived refuses a config whose interface does not exist), so they run
# here and not in rspec, which keeps the pure rendering checks (issue 12, item 4).
#
#   bash spec/reload/validate.sh
#
# In one namespace (prefix "gv") with eth0 (198.51.100.1/24, 2001:db8::1/64):
#   1. `puppet apply` of gluster_vip::keepalived, with its validate_cmd, for each variant: the
#      harness settings (VRRPv3, advert 0.1, unicast), IPv6 unicast, multicast with the defaults
#      (derived virtual_router_id), VRRPv2 with a password, notify scripts, and class gluster_vip
#      with peers (the quorum track script). Each must apply.
#   2. interface => 'eth9' (absent): the apply fails, keepalived's own message is in Puppet's
#      output, and the old config stays.
#   3. keepalived managed elsewhere: a keepalived.conf as voxpupuli/puppet-keepalived's
#      keepalived::vrrp::instance renders it (two instances: Gluster's VIP and another), checked
#      with keepalived -l -t, run by keepalived, and class gluster_vip given its pidfile and
#      interface: the fact says holder once keepalived is MASTER, and not after keepalived dies.
#   4. Then a puppet apply of class gluster_vip there warns, in its output and its report, that
#      the keepalived check stops the node, with the check's detail.
# Needs root, ip, keepalived, puppet, go: a missing one fails.
set -u
set -o pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SELF/../.." && pwd)
NS="gv$$"
TMP=""
KA_PID=""
harness=validate
# shellcheck source=../lib/checks.sh
. "$REPO/spec/lib/checks.sh"

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  remove_ns "$NS"
  [ -n "$TMP" ] && [ "${GV_KEEP:-0}" != 1 ] && rm -rf "$TMP"
  exit "$rc"
}

missing=()
require ip keepalived puppet ruby

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
module_tmp gv-validate
# The fact (facts.d/gluster_vip) runs the binary in facts.d/.gluster_vip: put this build there,
# by a rename, so concurrent readers never see half a file.
case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) die "unsupported arch $(uname -m)" ;; esac
mkdir -p "$REPO/facts.d/.gluster_vip"
cp "$TMP/bin/gluster-vip" "$REPO/facts.d/.gluster_vip/gluster-vip-linux-$arch.gv$$"
mv -f "$REPO/facts.d/.gluster_vip/gluster-vip-linux-$arch.gv$$" "$REPO/facts.d/.gluster_vip/gluster-vip-linux-$arch"

ip netns add "$NS" || die "ip netns add $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 type veth peer name eth1
ip netns exec "$NS" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
ip -n "$NS" addr add 198.51.100.1/24 dev eth0
ip -n "$NS" addr add 2001:db8::1/64 dev eth0 nodad
ip -n "$NS" link set eth0 up
ip -n "$NS" link set eth1 up

# apply CASE PARAMS: puppet apply gluster_vip::keepalived with PARAMS (Puppet attribute lines),
# config into $TMP/CASE/keepalived.conf, validated by the class's validate_cmd. Output in
# $TMP/CASE/puppet.log; returns puppet's exit code.
apply() {
  local c=$1 params=$2 d="$TMP/$1"
  mkdir -p "$d"/puppet/{conf,var,code,log,run,public}
  cat >"$d/site.pp" <<PP
${PRE[$c]:-}
class { 'gluster_vip::keepalived':
  config_file    => '$d/keepalived.conf',
  manage_package => false,
  manage_service => false,
  nodes          => ['198.51.100.1', '198.51.100.2', '198.51.100.3'],
  node_name      => '198.51.100.1',
$params
}
PP
  ip netns exec "$NS" timeout 180 puppet apply --color=false --detailed-exitcodes \
    --confdir="$d/puppet/conf" --vardir="$d/puppet/var" --codedir="$d/puppet/code" \
    --logdir="$d/puppet/log" --rundir="$d/puppet/run" --publicdir="$d/puppet/public" \
    --modulepath="$TMP/modules:/usr/share/puppet/modules" "$d/site.pp" >"$d/puppet.log" 2>&1
}

# Declared before the keepalived class. quorum: class gluster_vip with peers turns on the quorum
# track script, which keepalived -t checks too (the binary, pluginsynced into the vardir, must
# exist and sit in root-only directories, or keepalived refuses the config as insecure).
declare -A PRE=(
  [quorum]="class { 'gluster_vip':
  vip         => '203.0.113.10',
  peers       => ['198.51.100.1', '198.51.100.2', '198.51.100.3'],
  config_file => '$TMP/quorum/gluster-vip.conf',
}"
)
declare -A CASES=(
  [harness]="  vip => '203.0.113.10', interface => 'eth0', advert_int => 0.1, virtual_router_id => 77,
  unicast_src_ip => '198.51.100.1', unicast_peers => ['198.51.100.2', '198.51.100.3'],"
  [ipv6]="  vip => '2001:db8::10', interface => 'eth0', advert_int => 0.1,
  unicast_src_ip => '2001:db8::1', unicast_peers => ['2001:db8::2', '2001:db8::3'],"
  [multicast]="  vip => '203.0.113.10', interface => 'eth0',"
  [vrrp2]="  vip => '203.0.113.10', interface => 'eth0', vrrp_version => 2, auth_pass => Sensitive('s3cret'),"
  [quorum]="  interface => 'eth0', advert_int => 0.1,"
  [notify]="  vip => '203.0.113.10', interface => 'eth0', notify_master => '/bin/true master',
  notify_script => \"/bin/echo 'the state'\", notify_stop => '/bin/true',"
)
log "applying ${#CASES[@]} variants concurrently"
declare -A PIDS=()
for c in "${!CASES[@]}"; do
  apply "$c" "${CASES[$c]}" &
  PIDS[$c]=$!
done
for c in "${!CASES[@]}"; do
  wait "${PIDS[$c]}"
  rc=$?
  if [ "$rc" = 2 ] && [ -s "$TMP/$c/keepalived.conf" ]; then
    log "ok: $c: applied, keepalived -l -t passed"
  else
    log "FAILED: $c: puppet apply exited $rc"
    grep -E 'Error|Warning' "$TMP/$c/puppet.log" | head -n 10 >&2
    FAILED=1
  fi
done
check "multicast: the derived virtual_router_id is 159" grep -qx '  virtual_router_id 159' "$TMP/multicast/keepalived.conf"
check "ipv6: the derived virtual_router_id is 114" grep -qx '  virtual_router_id 114' "$TMP/ipv6/keepalived.conf"
check "quorum: the instance tracks the quorum script" grep -qx '    gluster_vip_quorum' "$TMP/quorum/keepalived.conf"
check "quorum: the script runs the binary's quorum with the class's config, on eth0" \
  grep -qE "^  script \"/[^ ]+ quorum --config=$TMP/quorum/gluster-vip.conf --interface=eth0\"\$" "$TMP/quorum/keepalived.conf"
check "harness: no quorum script without peers" [ "$(grep -c gluster_vip_quorum "$TMP/harness/keepalived.conf")" = 0 ]
# Independent of the checks above: keepalived itself, on each written file.
for c in "${!CASES[@]}"; do
  [ -s "$TMP/$c/keepalived.conf" ] && check "$c: keepalived -l -t -f on the written file" \
    ip netns exec "$NS" keepalived -l -t -f "$TMP/$c/keepalived.conf"
done

# 2. A config keepalived refuses: Puppet fails the file and shows keepalived's message.
cp "$TMP/multicast/keepalived.conf" "$TMP/multicast/keepalived.conf.before"
apply multicast "  vip => '203.0.113.10', interface => 'eth9',"
rc=$?
log "interface eth9: puppet apply exited $rc; its error: $(grep -v environ "$TMP/multicast/puppet.log" | grep -m1 Error)"
failed_apply=0
{ [ "$rc" = 4 ] || [ "$rc" = 6 ]; } && failed_apply=1
check "a config keepalived refuses fails the apply (exit 4 or 6)" [ "$failed_apply" = 1 ]
check "keepalived's own message is in Puppet's output" grep -q "Execution of '/usr/sbin/keepalived -l -t -f .*interface eth9 for vrrp_instance gluster_vip doesn't exist" "$TMP/multicast/puppet.log"
check "the old config stays" cmp -s "$TMP/multicast/keepalived.conf" "$TMP/multicast/keepalived.conf.before"

# 3. keepalived managed elsewhere: the config as voxpupuli/puppet-keepalived renders it for
#    keepalived::vrrp::instance (its vrrp_instance.erb layout), with Gluster's VIP in an instance
#    of its own next to another service's VIP (NFS-Ganesha's, say).
d="$TMP/elsewhere"
mkdir -p "$d"
cat >"$d/keepalived.conf" <<'CONF'
global_defs {
  router_id gluster1
}

vrrp_instance VI_GLUSTER {
  interface                 eth0
  state                     BACKUP
  virtual_router_id         159
  priority                  150
  advert_int                1
  garp_master_delay         5
  nopreempt

  virtual_ipaddress {
    203.0.113.10/32 dev eth0
  }
}

vrrp_instance VI_GANESHA {
  interface                 eth0
  state                     BACKUP
  virtual_router_id         60
  priority                  100
  advert_int                1
  garp_master_delay         5

  virtual_ipaddress {
    203.0.113.20/32 dev eth0
  }
}
CONF
check "elsewhere: keepalived -l -t -f passes" ip netns exec "$NS" keepalived -l -t -f "$d/keepalived.conf"
cat >"$d/gluster-vip.conf" <<CONF
vip = 203.0.113.10
interface = eth0
settle = 0s
keepalived_pidfile = $d/keepalived.pid
CONF
chmod 0644 "$d/gluster-vip.conf"
fact() { ip netns exec "$NS" "$TMP/bin/gluster-vip" --config="$d/gluster-vip.conf" 2>/dev/null |
  ruby -rjson -e 'f = JSON.parse($stdin.read)["gluster_vip"]; puts "#{f["holder"]} #{f["reason"]}"'; }
ip netns exec "$NS" keepalived -l -f "$d/keepalived.conf" -p "$d/keepalived.pid" -r "$d/vrrp.pid" \
  -c "$d/checkers.pid" -b "$d/bfd.pid" >"$d/keepalived.log" 2>&1 </dev/null
held=""
for ((k = 0; k < 100; k++)); do # keepalived becomes MASTER after 3 adverts of silence: about 3.6 s
  if [ "$(fact | cut -d' ' -f1)" = true ]; then held=1; break; fi
  sleep 0.1
done
log "elsewhere: fact after keepalived started: $(fact)"
check "elsewhere: gluster_vip holds with the other module's keepalived (pidfile, interface)" [ "$held" = 1 ]
KA_PID=$(cat "$d/keepalived.pid")
# As spec/cluster does it: stop the parent first, so it neither respawns the VRRP child nor
# lets it release the VIP; then kill both.
kill -STOP "$KA_PID"
kill -KILL "$(cat "$d/vrrp.pid")" "$KA_PID" 2>/dev/null
for ((k = 0; k < 50; k++)); do kill -0 "$KA_PID" 2>/dev/null || break; sleep 0.05; done
log "elsewhere: fact after kill -9 of keepalived: $(fact)"
check "elsewhere: the stale VIP stays on eth0" ip netns exec "$NS" sh -c 'ip -o addr show dev eth0 | grep -q " 203.0.113.10/32 "'
check "elsewhere: but the liveness check stops this node" [ "$(fact | cut -d' ' -f1)" = false ]

# 4. The operator sees why (issue 11, item 3): a puppet apply of class gluster_vip on this node,
#    whose VIP is stale and whose keepalived is dead, warns in its output and in its report,
#    naming the check and its detail. The fact comes from the module's facts.d, as on an agent.
mkdir -p "$d/puppet"/{conf,var,code,log,run,public}
cat >"$d/site.pp" <<PP
class { 'gluster_vip':
  vip                => '203.0.113.10',
  interface          => 'eth0',
  settle             => '0s',
  keepalived_pidfile => '$d/keepalived.pid',
  config_file        => '$d/gluster-vip.conf',
}
PP
ip netns exec "$NS" timeout 180 env GLUSTER_VIP_CONFIG="$d/gluster-vip.conf" puppet apply --color=false \
  --confdir="$d/puppet/conf" --vardir="$d/puppet/var" --codedir="$d/puppet/code" \
  --logdir="$d/puppet/log" --rundir="$d/puppet/run" --publicdir="$d/puppet/public" \
  --modulepath="$TMP/modules:/usr/share/puppet/modules" "$d/site.pp" >"$d/puppet.log" 2>&1
warning=$(grep '^Warning: gluster_vip:' "$d/puppet.log")
log "the agent's output: $warning"
check "the apply warns, naming the keepalived check and its detail" \
  grep -q "^Warning: gluster_vip: this node has the VIP 203.0.113.10 but runs no guarded operation: the keepalived check stops it: keepalived is not running ($d/keepalived.pid" "$d/puppet.log"
check "the warning is in the run's report, at level warning" ruby -ryaml -e '
  r = File.read(ARGV[0])
  exit(r =~ /level: :?warning\n.*message: .*the keepalived check stops it/m ? 0 : 1)' "$d/puppet/var/state/last_run_report.yaml"

if [ "$FAILED" = 0 ]; then echo "PASS: spec/reload/validate.sh"; else echo "FAIL: spec/reload/validate.sh"; fi
exit "$FAILED"
