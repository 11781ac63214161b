#!/bin/bash
# Real-cluster end-to-end scenarios (issue 4): N namespace nodes on a bridge,
# keepalived configured by `puppet apply` of gluster_vip::keepalived, and the
# consumer's guarded exec appending each node's name to a shared ledger.
#
#   bash spec/cluster/scenarios.sh                 # IPv4, then IPv6
#   bash spec/cluster/scenarios.sh --family 4      # one family
#   bash spec/cluster/scenarios.sh --only a,b      # some scenarios (f always runs first: it
#                                                  # brings the cluster up from fresh nodes)
# Environment: GC_NODES (3), GC_SETTLE (1s), GC_PROBE, GC_WITH_PEERS (0|1), GC_VERBOSE,
# GC_KEEP (keep the temp dir), CI (true: a missing prerequisite fails instead of skipping),
# GC_ROOT=DIR (run inside the Debian 13 root DIR: Puppet 8, keepalived 2.3; rake puppet8:cluster).
#
# Prints one PASS/FAIL line per scenario and exits non-zero if any failed.
set -u
set -o pipefail

GC_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
# shellcheck source=lib.sh
. "$(dirname "$GC_SELF")/lib.sh"
gc_enter_root "$GC_SELF" "$@"

family=both
only=a,b,c,d,e,f,g
while [ $# -gt 0 ]; do
  case "$1" in
    --family) family=$2; shift 2 ;;
    --family=*) family=${1#*=}; shift ;;
    --only) only=$2; shift 2 ;;
    --only=*) only=${1#*=}; shift ;;
    -v | --verbose) GC_VERBOSE=1; export GC_VERBOSE; shift ;;
    -h | --help) sed -n '2,14p' "$GC_SELF"; exit 0 ;;
    *) echo "scenarios.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
want() { [[ ",$only," == *",$1,"* ]]; }

# Both families: build once, run each family in its own process (own trap, own
# namespaces), and sum up.
if [ "$family" = both ]; then
  gc_require
  t0=$(gc_now_ms)
  GC_TMP=$(mktemp -d /tmp/gc-build.XXXXXX)
  mkdir -p "$GC_TMP/modules"
  trap 'rm -rf "$GC_TMP"' EXIT
  gc_build
  export GC_BIN_PREBUILT=$GC_BIN
  rc=0
  out4=$(mktemp) out6=$(mktemp)
  # Each family in the background, waited for, so that a TERM or INT here is
  # passed on to it (by PID) and its own trap tears its cluster down.
  child=""
  trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait "$child"; rm -rf "$GC_TMP" "$out4" "$out6"; exit 143' TERM INT
  for f in 4 6; do
    out=$out4
    [ "$f" = 6 ] && out=$out6
    bash "$GC_SELF" --family "$f" --only "$only" >"$out" 2>&1 &
    child=$!
    tail -n +1 -f --pid="$child" "$out" &
    wait "$child" || rc=1
    child=""
    wait
  done
  secs=$(awk -v ms=$(($(gc_now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
  echo "=== summary (${secs}s wall, IPv4 + IPv6)"
  grep -h '^PASS\|^FAIL' "$out4" "$out6"
  grep -qh '^FAIL' "$out4" "$out6" && rc=1
  rm -f "$out4" "$out6"
  if [ "$rc" = 0 ]; then echo "ALL PASS"; else echo "FAILED"; fi
  exit "$rc"
fi

case "$family" in 4 | 6) GC_FAMILY=$family ;; *) echo "scenarios.sh: --family 4|6|both" >&2; exit 2 ;; esac
gc_init
gc_build
gc_net_up
VIP=$(gc_vip)
MASTER=""

# f. fresh nodes: keepalived is up (its config written by a keepalived-only
# apply), but no gluster-vip config exists anywhere, so every fact says
# "unconfigured". The first full apply must still run the guarded exec exactly
# once, on the VRRP master, through the apply-time check.
sc_fresh() {
  local n
  gc_site_all "" "" "keepalived"
  gc_check "keepalived-only apply" gc_apply_all || return 1
  gc_ka_start_all
  MASTER=$(gc_wait_holders one 20 800) || { gc_log "no single VRRP master"; return 1; }
  gc_log "VRRP master: $MASTER"
  gc_settle_wait
  for n in $(gc_all_nodes); do
    gc_check "$n has no gluster-vip config before its first run" test ! -e "$(gc_gv_conf "$n")"
    gc_check "$n's fact says mode unconfigured before its first run" test "$(gc_fact_field "$n" mode)" = unconfigured
  done
  gc_ledger_reset
  gc_site_all "$VIP" "" "config keepalived consumer"
  gc_check "first full apply" gc_apply_all
  gc_expect_ledger "$MASTER"
}

# a. vip mode, steady state: exactly one execution, by the VRRP master.
sc_steady() {
  MASTER=$(gc_wait_holders one 10 300) || return 1
  gc_ledger_reset
  gc_check "apply" gc_apply_all
  gc_expect_ledger "$MASTER"
}

# g. idempotence: a second apply changes nothing on any node.
sc_idempotent() {
  gc_check "second apply" gc_apply_all
  gc_expect_unchanged
  gc_expect_ledger "$MASTER"
}

# b. failover: SIGTERM the master's keepalived; after convergence and settle,
# the new master executes, nobody else.
sc_failover() {
  local old=$MASTER
  gc_ledger_reset
  gc_ka_stop "$old" TERM
  MASTER=$(gc_wait_holders one 10 500) || return 1
  gc_check "the VIP moved away from $old" test "$MASTER" != "$old"
  gc_log "failover: $old -> $MASTER"
  gc_settle_wait
  gc_check "apply" gc_apply_all
  gc_expect_ledger "$MASTER"
  OLD_MASTER=$old
}

# c. preemption: the old master's keepalived returns and takes the VIP back;
# exactly one execution, by it.
sc_preempt() {
  local old=${OLD_MASTER:-$MASTER}
  gc_ledger_reset
  gc_ka_running "$old" || gc_ka_start "$old"
  MASTER=$(gc_wait_holders "$old" 15 800) || return 1
  gc_log "preempted back: $MASTER"
  gc_settle_wait
  gc_check "apply" gc_apply_all
  gc_expect_ledger "$MASTER"
}

# d. master mode: vip is one node's fixed address (the lowest VRRP priority, so
# not the VRRP master). Only it executes: on the run that switches to master
# mode while keepalived still runs (the facts still describe vip mode, so the
# apply-time check decides), and on a steady run with every keepalived stopped.
sc_master() {
  local fixed i
  fixed=$(gc_node "$GC_NODES")
  i=$(gc_node_index "$fixed")
  gc_ledger_reset
  gc_site_all "$(gc_addr "$i")" "" "config keepalived consumer"
  gc_check "apply switching to master mode, keepalived running" gc_apply_all
  gc_expect_ledger "$fixed"
  gc_ka_stop_all
  gc_wait_holders "" 10 200 >/dev/null || return 1
  gc_ledger_reset
  gc_check "apply in master mode, keepalived stopped" gc_apply_all
  gc_expect_ledger "$fixed"
}

# e. all mode: vip '' — every node executes exactly once, on the run that
# switches to mode all, and again (ledger reset) on a steady run in mode all.
sc_all() {
  gc_ledger_reset
  gc_site_all "" "" "config consumer"
  gc_check "apply switching to all mode" gc_apply_all
  gc_expect_ledger "$(gc_all_nodes | paste -sd' ' -)"
  gc_ledger_reset
  gc_check "apply in all mode" gc_apply_all
  gc_expect_ledger "$(gc_all_nodes | paste -sd' ' -)"
}

t_start=$(gc_now_ms)
gc_scenario "f. fresh nodes: first run, no config yet, exactly one" sc_fresh
want a && gc_scenario "a. vip mode steady state: exactly the VRRP master" sc_steady
want g && gc_scenario "g. idempotence: second apply changes nothing" sc_idempotent
want b && gc_scenario "b. failover (SIGTERM master): exactly the new master" sc_failover
want c && gc_scenario "c. preemption (old master back): exactly one, the old master" sc_preempt
want d && gc_scenario "d. master mode: only the fixed node, also with keepalived stopped" sc_master
want e && gc_scenario "e. all mode: every node exactly once" sc_all
secs=$(awk -v ms=$(($(gc_now_ms) - t_start)) 'BEGIN { printf "%.1f", ms / 1000 }')
echo "IPv$GC_FAMILY: ${#GC_RESULTS[@]} scenarios in ${secs}s, $(printf '%s\n' "${GC_RESULTS[@]}" | grep -c '^FAIL') failed"
exit "$GC_FAILED"
