#!/bin/bash
# A keepalived.conf change applied to every node reloads keepalived and leaves the VIP where it
# was (issue 11, item 2). Three namespace nodes (spec/cluster/lib.sh); keepalived is managed by
# Puppet through gluster_vip::keepalived with the `base` service provider (no systemd here), so
# Puppet itself starts keepalived, notices a config change and runs the class's reload.
#
#   bash spec/reload/reload.sh            # reload keeps the VIP, then the control run
#   bash spec/reload/reload.sh --no-control
#   bash spec/reload/reload.sh --family=6 # IPv6 nodes and VIP (2001:db8::10)
#
# Scenarios:
#   start    Puppet starts keepalived on fresh nodes (base provider), one node takes the VIP,
#            gluster_vip's liveness check is on (the class's pidfile), a second apply changes
#            nothing.
#   reload   Add a node that sorts first (every node's priority changes) and change the notify
#            script, apply on all nodes at once: every node's config changed and Puppet
#            refreshed keepalived, yet the same keepalived processes run, the VIP stayed on the
#            same node in every 50 ms sample, and no node logged a VRRP transition.
#   track    Give class gluster_vip its peers, which turns on keepalived's quorum track script
#            (gluster_vip::keepalived's track_quorum default), on every node at once, as an upgrade
#            of the module does: the same checks as reload, and every node's script passes (no
#            node enters FAULT).
#   partition the holder's bridge port detached: its quorum script fails, it enters FAULT and
#            drops the VIP while another node takes it; the port comes back: it returns as BACKUP
#            and the VIP stays where it went (the double run that chaos.sh --no-track shows).
#   reloaded keepalived runs the new config: stop the holder's keepalived, and the node that takes
#            over runs the new notify script; Puppet then starts the stopped keepalived again.
#   control  The same change made with a restart instead of a reload (service_reload => stop,
#            then start) moves the VIP and logs transitions, and this test sees it: proof that
#            the reload check can fail.
# Environment: as spec/cluster/lib.sh (GC_VERBOSE, GC_KEEP, CI).
set -u
set -o pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Namespaces and temp dirs carry this prefix (gcrl<pid>-...), apart from spec/cluster's runs.
GC_ID=${GC_ID:-rl$$}
GC_NODES=3
GC_FAMILY=4
for a in "$@"; do case $a in --family=6) GC_FAMILY=6 ;; --family=4) GC_FAMILY=4 ;; esac; done
GC_SETTLE=${GC_SETTLE:-1s}
# shellcheck source=../cluster/lib.sh
. "$SELF/../cluster/lib.sh"
# GC_ROOT=DIR: run inside the Debian 13 root (Puppet 8, keepalived 2.3; rake puppet8:reload).
gc_enter_root "$SELF/reload.sh" "$@"

control=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-control) control=0; shift ;;
    --family=4 | --family=6) shift ;; # read above, before lib.sh
    -v | --verbose) GC_VERBOSE=1; shift ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "reload.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

gc_init
gc_build
gc_net_up
gc_log "Puppet $(puppet --version), $(keepalived --version 2>&1 | head -n 1)"

rl_kadir() { echo "$(gc_node_dir "$(gc_node_index "$1")")/keepalived"; }
rl_pidfile() { echo "$(rl_kadir "$1")/keepalived.pid"; }
# rl_ka_pids NODE: "parent vrrp-child" pids of NODE's keepalived, from its pidfiles.
rl_ka_pids() { local d; d=$(rl_kadir "$1"); echo "$(cat "$d/keepalived.pid" 2>/dev/null) $(cat "$d/keepalived_vrrp.pid" 2>/dev/null)"; }
rl_translog() { echo "$(gc_vrrp_state_file "$1").log"; }
rl_translines() { local f; f=$(rl_translog "$1"); if [ -f "$f" ]; then wc -l <"$f"; else echo 0; fi; }

# rl_site NODE EXTRA_NODES NOTIFY_VERSION [RELOAD]: NODE's site.pp: class gluster_vip (liveness from
# the keepalived class, not given here) and gluster_vip::keepalived managing the service by its
# pidfile. RELOAD, when given, replaces the class's reload command.
rl_site() {
  local node=$1 extra=$2 arg=$3 reload=${4:-} nodes
  nodes=$(gc_nodes_pp)
  [ -n "$extra" ] && nodes="[${extra}, ${nodes#[}"
  # The notify line changes through the script's name: a wrapper per version that logs its
  # version, then runs vrrp-notify.sh (keepalived appends its arguments, so none can go there).
  printf '#!/bin/sh\necho "%s $*" >>%q\nexec %q "$@"\n' "$arg" "$GC_TMP/notify-versions.log" "$GC_LIB_DIR/vrrp-notify.sh" \
    >"$GC_TMP/vrrp-notify-$arg.sh"
  chmod 755 "$GC_TMP/vrrp-notify-$arg.sh"
  mkdir -p "$(dirname "$(gc_manifest "$node")")"
  cat >"$(gc_manifest "$node")" <<PP
# $node: written by spec/reload/reload.sh
class { 'gluster_vip':
  vip         => '$(gc_vip)',
  settle      => '$GC_SETTLE',
  interface   => 'eth0',
$( [ "$RL_PEERS" = 1 ] && echo "  peers       => $(gc_peers_pp),")
  config_file => $(gc_pp_str "$(gc_gv_conf "$node")"),
}
class { 'gluster_vip::keepalived':
  config_file      => $(gc_pp_str "$(gc_ka_conf "$node")"),
  pidfile          => $(gc_pp_str "$(rl_pidfile "$node")"),
  manage_package   => false,
  service_provider => 'base',
  nodes            => $nodes,
  node_name        => $(gc_pp_str "$node"),
  advert_int       => $GC_ADVERT,
  interface        => 'eth0',
  notify_script    => $(gc_pp_str "$GC_TMP/vrrp-notify-$arg.sh $(gc_vrrp_state_file "$node")"),
$( [ -n "$reload" ] && echo "  service_reload   => $(gc_pp_str "$reload"),")
}
PP
}

# rl_sample_start: sample the VIP holders every 50 ms in the background into $GC_TMP/samples.
rl_sample_start() {
  : >"$GC_TMP/samples"
  (
    for ((k = 0; k < 1200; k++)); do # at most 60 s
      [ -e "$GC_TMP/samples.stop" ] && break
      printf '%s\n' "$(gc_vip_holders)" >>"$GC_TMP/samples"
      sleep 0.05
    done
  ) &
  RL_SAMPLER=$!
  GC_BG_PIDS+=("$RL_SAMPLER")
}
rl_sample_stop() {
  touch "$GC_TMP/samples.stop"
  wait "$RL_SAMPLER" 2>/dev/null
  rm -f "$GC_TMP/samples.stop"
}

# rl_change_apply EXTRA ARG [RELOAD]: rewrite every node's site.pp and apply on all at once, while
# sampling the VIP. Sets RL_SAMPLES (count) and RL_OTHER (samples where the holder was not $1).
rl_change_apply() {
  local holder=$1 extra=$2 arg=$3 reload=${4:-} n
  for n in $(gc_all_nodes); do rl_site "$n" "$extra" "$arg" "$reload"; done
  rl_sample_start
  gc_apply_all
  RL_APPLY_OK=$?
  sleep 1 # after the apply: a failover caused by it would show within a second at advert 0.1
  rl_sample_stop
  RL_SAMPLES=$(wc -l <"$GC_TMP/samples")
  RL_OTHER=$(grep -cvx "$holder" "$GC_TMP/samples")
}

# rl_refreshed NODE: NODE's last puppet apply refreshed (reloaded) keepalived.
rl_refreshed() {
  awk '/^=== apply/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' \
    "$(gc_node_dir "$(gc_node_index "$1")")/puppet.log" | grep -q "Service\[keepalived\]: Triggered 'refresh'"
}

HOLDER=""
RL_PEERS=0 # 1: class gluster_vip gets peers, so keepalived tracks quorum (from the track scenario on)
declare -A PIDS0=() TRANS0=()
# The id derived from the VIP: the first 32 bits of its SHA-256, modulo 255, plus 1.
RL_VRID=$(( 0x$(printf %s "$(gc_vip)" | sha256sum | cut -c1-8) % 255 + 1 ))

start() {
  local n
  for n in $(gc_all_nodes); do rl_site "$n" "" "v1"; done
  gc_check "first apply on fresh nodes starts keepalived" gc_apply_all || return 1
  for n in $(gc_all_nodes); do
    gc_check "$n: keepalived runs (pidfile $(rl_pidfile "$n"))" gc_pid_alive "$(cat "$(rl_pidfile "$n")" 2>/dev/null)"
    gc_check "$n: the config names the derived virtual_router_id $RL_VRID" grep -qx "  virtual_router_id $RL_VRID" "$(gc_ka_conf "$n")"
    gc_check "$n: gluster_vip's liveness check uses the keepalived pidfile" \
      grep -qx "keepalived_pidfile = $(rl_pidfile "$n")" "$(gc_gv_conf "$n")"
  done
  HOLDER=$(gc_wait_holders one 15) || { gc_log "no single holder: '$HOLDER'"; GC_CHECK_FAILED=1; return 1; }
  gc_log "holder: $HOLDER"
  gc_settle_wait
  gc_check "$HOLDER: the fact says holder (liveness check passes)" [ "$(gc_fact_holder "$HOLDER")" = true ]
  gc_check "second apply: keepalived stays up, nothing changes" gc_apply_all
  gc_expect_unchanged
}

# rl_snapshot: each node's keepalived pids and count of VRRP transitions, before a change.
rl_snapshot() {
  local n
  for n in $(gc_all_nodes); do
    PIDS0[$n]=$(rl_ka_pids "$n")
    TRANS0[$n]=$(rl_translines "$n")
  done
}

# rl_expect_kept WAIT_S: after rl_change_apply and rl_snapshot before it: every node refreshed
# keepalived in place (the same pids), the VIP never left $HOLDER, and no node logged a VRRP
# transition, WAIT_S seconds after the apply as well; the holder still holds, and another apply
# changes nothing.
rl_expect_kept() {
  local wait=$1 n same=1
  for n in $(gc_all_nodes); do
    gc_check "$n: Puppet refreshed keepalived" rl_refreshed "$n"
    if [ "$(rl_ka_pids "$n")" != "${PIDS0[$n]}" ]; then
      gc_log "$n: keepalived pids changed: ${PIDS0[$n]} -> $(rl_ka_pids "$n") (restarted, not reloaded)"
      GC_CHECK_FAILED=1
    fi
  done
  gc_log "VIP samples during the apply: $RL_SAMPLES, on another node than $HOLDER (or none, or two): $RL_OTHER"
  gc_check "the VIP was sampled" [ "$RL_SAMPLES" -ge 10 ]
  gc_check "the VIP never left $HOLDER" [ "$RL_OTHER" = 0 ]
  sleep "$wait"
  for n in $(gc_all_nodes); do
    if [ "$(rl_translines "$n")" != "${TRANS0[$n]}" ]; then
      gc_log "$n: VRRP transitions since the change: $(tail -n +"$((TRANS0[$n] + 1))" "$(rl_translog "$n")" | awk '{print $2}' | paste -sd' ' -)"
      same=0
    fi
  done
  gc_check "no node logged a VRRP transition (${wait} s after the apply)" [ "$same" = 1 ]
  gc_check "the same node holds the VIP after" [ "$(gc_vip_holders)" = "$HOLDER" ]
  gc_check "the holder's fact still says holder" [ "$(gc_fact_holder "$HOLDER")" = true ]
  gc_check "an apply after the reload changes nothing" gc_apply_all
  gc_expect_unchanged
}

reload() {
  local n
  rl_snapshot
  # gc-n0 sorts before gc-n1: every node's priority drops by 10; and the notify line changes.
  rl_change_apply "$HOLDER" "'gc-n0'" "v2"
  gc_check "apply with the change succeeded" [ "$RL_APPLY_OK" = 0 ]
  for n in $(gc_all_nodes); do
    gc_check "$n: the new config is in place (priority $((200 - 10 * $(gc_node_index "$n"))))" \
      grep -qx "  priority $((200 - 10 * $(gc_node_index "$n")))" "$(gc_ka_conf "$n")"
  done
  rl_expect_kept 0
}

# track: peers turn on the quorum track script through a reload; nothing moves, no node faults
# (the script runs every second and faults after two failures: 4 s would show one).
track() {
  local n
  rl_snapshot
  RL_PEERS=1
  rl_change_apply "$HOLDER" "'gc-n0'" "v2"
  gc_check "apply with peers succeeded" [ "$RL_APPLY_OK" = 0 ]
  for n in $(gc_all_nodes); do
    gc_check "$n: the config tracks the quorum script" grep -qx "    gluster_vip_quorum" "$(gc_ka_conf "$n")"
  done
  rl_expect_kept 4
}

# partition: the tracked quorum makes a cut-off holder drop the VIP, and keeps it from taking
# the VIP back when the link returns.
partition() {
  local old=$HOLDER oi t0 dropped new k states
  oi=$(gc_node_index "$old")
  TRANS0[$old]=$(rl_translines "$old")
  t0=$(gc_now_ms)
  gc_port_detach "$oi"
  dropped=""
  for ((k = 0; k < 200; k++)); do # at most 10 s
    gc_has_vip "$old" || { dropped=$(($(gc_now_ms) - t0)); break; }
    sleep 0.05
  done
  gc_log "$old cut off: dropped the VIP after ${dropped:-(never, 10 s)} ms"
  gc_check "$old, cut off, dropped the VIP within 10 s" [ -n "$dropped" ]
  new=$(gc_wait_holders one 15)
  gc_check "another node holds the VIP meanwhile ($new)" [ -n "$new" ] && [ "$new" != "$old" ]
  gc_port_attach "$oi"
  sleep 4 # two rounds of the script (rise 2) and many adverts
  states=$(tail -n +"$((TRANS0[$old] + 1))" "$(rl_translog "$old")" | awk '{print $2}' | paste -sd' ' -)
  gc_log "$old's transitions: $states; holders 4 s after the heal: $(gc_vip_holders)"
  gc_check "$old entered FAULT, then BACKUP" [ "$states" = "FAULT BACKUP" ]
  gc_check "the VIP stays on $new after the heal" [ "$(gc_wait_holders "$new" 5)" = "$new" ]
  HOLDER=$new
  gc_settle_wait
}

# reloaded: keepalived really reread the config: stop the holder's keepalived (SIGTERM, it
# releases the VIP), and the node that takes over runs the new (v2) notify script. Then Puppet
# starts the stopped keepalived again, and the VIP stays where it went (nopreempt).
reloaded() {
  local pid new
  pid=$(cat "$(rl_pidfile "$HOLDER")")
  : >"$GC_TMP/notify-versions.log"
  kill -TERM "$pid"
  for ((k = 0; k < 100; k++)); do gc_pid_alive "$pid" || break; sleep 0.05; done
  new=$(gc_wait_holders one 15) || { gc_log "no single holder after stopping $HOLDER: '$new'"; GC_CHECK_FAILED=1; return 1; }
  gc_log "$HOLDER's keepalived stopped; $new took the VIP; notify runs: $(paste -sd';' "$GC_TMP/notify-versions.log")"
  gc_check "$new ran the new notify script (v2) on becoming MASTER" grep -q "^v2 .* MASTER" "$GC_TMP/notify-versions.log"
  gc_check "no node ran the old notify script (v1)" [ "$(grep -c '^v1 ' "$GC_TMP/notify-versions.log")" = 0 ]
  gc_check "apply after the stop" gc_apply_all
  gc_check "$HOLDER: Puppet started keepalived again" gc_pid_alive "$(cat "$(rl_pidfile "$HOLDER")" 2>/dev/null)"
  gc_check "the VIP stays on $new" [ "$(gc_wait_holders "$new" 5)" = "$new" ]
  HOLDER=$new
  gc_settle_wait
}

# control: a restart instead of a reload. The test must see the VIP move or transitions logged.
control() {
  local n trans_total=0 restart
  for n in $(gc_all_nodes); do TRANS0[$n]=$(rl_translines "$n"); done
  restart="/bin/sh -c 'kill -TERM \"\$(cat \"\$0\")\"; sleep 0.5; exec \"\$1\" -f \"\$2\" -p \"\$0\" -r \"\${0%.pid}_vrrp.pid\" -c \"\${0%.pid}_checkers.pid\" -b \"\${0%.pid}_bfd.pid\"'"
  # $0 is the pidfile, $1 keepalived, $2 the config: the base provider's start, after a stop.
  for n in $(gc_all_nodes); do
    rl_site "$n" "'gc-n0'" "v3" "$restart $(rl_pidfile "$n") /usr/sbin/keepalived $(gc_ka_conf "$n")"
  done
  rl_sample_start
  gc_apply_all
  sleep 2
  rl_sample_stop
  RL_SAMPLES=$(wc -l <"$GC_TMP/samples")
  RL_OTHER=$(grep -cvx "$HOLDER" "$GC_TMP/samples")
  for n in $(gc_all_nodes); do trans_total=$((trans_total + $(rl_translines "$n") - TRANS0[$n])); done
  gc_log "control (restart): samples $RL_SAMPLES, VIP not on $HOLDER alone in $RL_OTHER, transitions logged $trans_total"
  local seen=0
  { [ "$RL_OTHER" -gt 0 ] || [ "$trans_total" -gt 0 ]; } && seen=1
  gc_check "a restart is seen: the VIP left $HOLDER or transitions were logged" [ "$seen" = 1 ]
}

gc_scenario "start: Puppet starts keepalived (base provider), liveness on" start
if [ "$GC_FAILED" != 0 ]; then echo "FAILED (the cluster did not come up)"; exit 1; fi
gc_scenario "reload: a config change on every node keeps the VIP on its node" reload
gc_scenario "track: peers turn the quorum track script on through a reload; nothing moves" track
gc_scenario "partition: a cut-off holder drops the VIP (FAULT) and does not take it back" partition
gc_scenario "reloaded: the new config is live; Puppet restarts a stopped keepalived" reloaded
[ "$control" = 1 ] && gc_scenario "control: a restart instead moves the VIP, and the test sees it" control

echo "=== spec/reload"
printf '%s\n' "${GC_RESULTS[@]}"
if [ "$GC_FAILED" = 0 ]; then echo "ALL PASS"; else echo "FAILED"; fi
exit "$GC_FAILED"
