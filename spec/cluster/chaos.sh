#!/bin/bash
# Chaos suite (issue 5, item 5) on the cluster harness: every trial applies the
# example consumer on all nodes concurrently while it injects one fault, then
# counts the guarded executions in the ledger.
#
#   bash spec/cluster/chaos.sh [--trials N] [--no-probe] [--no-liveness] [--no-quorum]
#                              [--family 4|6] [--seed S] [--kinds abcd]
#                              [--heal [--per-node] [--allow-zeros]] [--max-time S] [--no-track]
#
# Faults, in turn (trial i gets kind i mod 4), each at a random delay after the
# applies started:
#   a  kill -9 of the master's keepalived (parent and VRRP child): the stale VIP stays
#   b  VRRP (IP protocol 112) dropped on the bridge with nft, ARP/NDP still flowing
#   c  silent partition: the master's bridge port detached
#   d  flapping: random keepalived restarts for as long as the applies run
# --no-probe passes probe => '0s' (no conflict probe, no quorum probe);
# --no-liveness leaves keepalived_pidfile out; --no-quorum leaves peers out; --no-track sets
# gluster_vip::keepalived's track_quorum => false (the control for the quorum track script,
# which is on by default with peers).
# Executions per trial: 0 (nobody ran: the cost in liveness), 1, or >= 2 (a double
# execution). Exits non-zero when any trial double-executed, unless --no-probe.
# --heal (issue 11): after the fault's apply round, heal the fault as production does (see
# heal.sh: kill -9 healed by a Puppet apply of keepalived's class and service), then apply on
# every node until the ledger stays unchanged for two rounds after settle (bounded), counting
# the executions over the whole trial. The volume's state is then the cluster's (as glusterd's:
# `volume info` sees a volume any node created); --per-node keeps each node's own, so that any
# second node's run counts, even one after a completed handoff. With --heal the exit is also
# non-zero on a trial with no execution or one that hit the bound, unless --allow-zeros.
# --max-time S starts no new trial after S seconds of trials (the summary then covers the trials
# that ran, and says so). Last line: "exactly once: N/M trials ran exactly once; doubles D; zeros Z".
set -u
set -o pipefail

GC_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
trials=10
kinds=abcd
seed=$$
probe_on=1
heal=0
per_node=0
allow_zeros=0
max_time=0
export GC_WITH_PEERS=1 GC_WITH_LIVENESS=1
while [ $# -gt 0 ]; do
  case "$1" in
    --trials) trials=$2; shift 2 ;;
    --trials=*) trials=${1#*=}; shift ;;
    --no-probe) export GC_PROBE=0s; probe_on=0; shift ;;
    --no-liveness) GC_WITH_LIVENESS=0; shift ;;
    --no-quorum) GC_WITH_PEERS=0; shift ;;
    --no-track) export GC_TRACK_QUORUM=false; shift ;;
    --family) export GC_FAMILY=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --kinds) kinds=$2; shift 2 ;;
    --heal) heal=1; shift ;;
    --per-node) per_node=1; shift ;;
    --allow-zeros) allow_zeros=1; shift ;;
    --max-time) max_time=$2; shift 2 ;;
    -v | --verbose) export GC_VERBOSE=1; shift ;;
    -h | --help) sed -n '2,30p' "$GC_SELF"; exit 0 ;;
    *) echo "chaos.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
if ! [[ "$trials" =~ ^[0-9]+$ ]] || [ "$trials" -lt 1 ]; then echo "chaos.sh: --trials N (N >= 1)" >&2; exit 2; fi
[[ "$max_time" =~ ^[0-9]+$ ]] || { echo "chaos.sh: --max-time S (whole seconds, 0 = no bound)" >&2; exit 2; }
[[ "$kinds" =~ ^[abcd]+$ ]] || { echo "chaos.sh: --kinds is a subset of abcd" >&2; exit 2; }
# shellcheck source=lib.sh
. "$(dirname "$GC_SELF")/lib.sh"
# shellcheck source=heal.sh
. "$(dirname "$GC_SELF")/heal.sh"
RANDOM=$seed

# rand_ms LO HI: a random number of milliseconds in [LO, HI], as seconds for sleep.
rand_s() { awk -v ms=$(($1 + RANDOM % ($2 - $1 + 1))) 'BEGIN { printf "%.3f", ms / 1000 }'; }

gc_init
gc_build
gc_net_up
VIP=$(gc_vip)
gc_log "chaos: $trials trials, kinds $kinds, seed $seed, IPv$GC_FAMILY, probe ${GC_PROBE:-default}," \
  "quorum $GC_WITH_PEERS, keepalived liveness $GC_WITH_LIVENESS, quorum track script ${GC_TRACK_QUORUM:-default}"

if [ "$heal" = 1 ]; then
  # The module's default: a node that comes back does not take the VIP back.
  export GC_NOPREEMPT=${GC_NOPREEMPT:-true}
  [ "$per_node" = 1 ] || : >"$(gc_ledger).shared"
  gc_log "chaos --heal: volume state $([ "$per_node" = 1 ] && echo "per node" || echo "cluster-wide"), nopreempt $GC_NOPREEMPT," \
    "at most $HEAL_MAX_ROUNDS rounds / ${HEAL_MAX_S}s after a heal"
fi
gc_site_all "$VIP" "" "config keepalived"
gc_apply_all || gc_die "configuring apply failed"
gc_ka_start_all
gc_site_all "$VIP" "" "config keepalived consumer"

# steady: every keepalived running, no fault left, one stable holder, settled.
steady() {
  local n
  gc_vrrp_unblock
  for n in $(gc_all_nodes); do
    gc_port_attach "$(gc_node_index "$n")" 2>/dev/null
    if ! gc_ka_running "$n"; then
      [ "$heal" = 1 ] && gc_log "steady: $n's keepalived is not running after the heal; the harness starts it"
      gc_vip_del "$n"
      gc_ka_start "$n"
    fi
  done
  MASTER=$(gc_wait_holders one 30 800) || return 1
  gc_settle_wait
}

# The probe's cost on the holder: `check` on the master, probes on and off.
probe_latency() {
  local node=$1 i cfg ns t0 on=0 off=0 k=5
  i=$(gc_node_index "$node")
  ns=$(gc_ns "$i")
  cfg=$(gc_gv_conf "$node")
  for ((k = 0; k < 5; k++)); do
    t0=$(gc_now_ms); ip netns exec "$ns" "$GC_BIN" check --config="$cfg" >/dev/null 2>&1
    on=$((on + $(gc_now_ms) - t0))
    t0=$(gc_now_ms); ip netns exec "$ns" "$GC_BIN" check --config="$cfg" --probe=0s >/dev/null 2>&1
    off=$((off + $(gc_now_ms) - t0))
  done
  echo "holder $node: check takes $((on / 5)) ms with the config's probe settings, $((off / 5)) ms with --probe=0s (mean of 5)"
}

declare -A total=() zero=() one=() double=() bound=() early=() lat=()
for k in a b c d; do total[$k]=0 zero[$k]=0 one[$k]=0 double[$k]=0 bound[$k]=0 early[$k]=0 lat[$k]=""; done
round_ms=0 rounds=0
results=()

# One apply round in the background; fills $rcfile.
start_round() {
  rcfile="$GC_TMP/round.rc"
  (
    gc_apply_all >/dev/null 2>&1
    for n in $(gc_all_nodes); do printf '%s=%s ' "$n" "${GC_APPLY_RC[$n]:-?}"; done >"$rcfile"
  ) &
  ROUND_PID=$!
  GC_BG_PIDS+=("$ROUND_PID")
}

steady || gc_die "the cluster never settled"
gc_apply_all >/dev/null 2>&1   # a first round, so the facts describe the settings
LATENCY=$(probe_latency "$MASTER")
gc_log "$LATENCY"

t_all=$(gc_now_ms)
ran=0
for ((t = 1; t <= trials; t++)); do
  if [ "$max_time" -gt 0 ] && [ $(($(gc_now_ms) - t_all)) -ge $((max_time * 1000)) ]; then
    gc_log "--max-time $max_time: no new trial after $((t - 1)) of $trials"
    break
  fi
  ran=$t
  kind=${kinds:$(((t - 1) % ${#kinds})):1}
  if ! steady; then
    gc_log "trial $t: the cluster did not settle; skipping the trial (counted as not run)"
    results+=("trial $t $kind: NOT RUN (no steady state)")
    total[$kind]=$((total[$kind] + 1)); zero[$kind]=$((zero[$kind] + 1))
    continue
  fi
  gc_ledger_reset
  : >"$(gc_ledger).times"
  victim=$MASTER
  vi=$(gc_node_index "$victim")
  delay=$(rand_s 0 3000)
  t0=$(gc_now_ms)
  start_round
  sleep "$delay"
  case "$kind" in
    a) what="kill -9 of $victim's keepalived"; gc_ka_stop "$victim" KILL ;;
    b) what="VRRP dropped on the bridge"; gc_vrrp_block ;;
    c) what="$victim's bridge port detached"; gc_port_detach "$vi" ;;
    d)
      what="flapping"
      flaps=0
      while gc_pid_alive "$ROUND_PID" && [ "$flaps" -lt 40 ]; do
        n=$(gc_node $((1 + RANDOM % GC_NODES)))
        if gc_ka_running "$n"; then gc_ka_stop "$n" TERM; sleep "$(rand_s 100 800)"; gc_ka_start "$n"; fi
        flaps=$((flaps + 1))
        sleep "$(rand_s 200 1000)"
      done
      what="flapping ($flaps restarts)"
      ;;
  esac
  sleep 1
  holders_during=$(gc_vip_holders)
  wait "$ROUND_PID" 2>/dev/null
  GC_BG_PIDS=()
  fault_runs=$(grep -c . "$(gc_ledger)")
  heal_part=""
  hit_bound=0
  if [ "$heal" = 1 ]; then
    # Heal the fault as production does, then apply until the ledger stays unchanged.
    case "$kind" in
      a)
        heal_ka_by_puppet "$victim" || gc_log "trial $t: Puppet did not restart $victim's keepalived"
        t_heal=$HEAL_T
        ;;
      b) gc_vrrp_unblock; t_heal=$(gc_now_ms) ;;
      c) gc_port_attach "$vi"; t_heal=$(gc_now_ms) ;;
      d) t_heal=$(gc_now_ms) ;;   # the flapping stopped with the fault's round
    esac
    holders_heal=$(gc_vip_holders)
    heal_rounds "$t_heal" || hit_bound=1
    rounds=$((rounds + HEAL_NROUNDS)); round_ms=$((round_ms + HEAL_ROUND_MS))
    first=$(heal_first_exec_ms)
    if [ -z "$first" ]; then h2e="none"
    elif [ "$first" -lt "$t_heal" ]; then h2e="before the heal"; early[$kind]=$((early[$kind] + 1))
    else h2e="$(heal_s $((first - t_heal)))s"; lat[$kind]="${lat[$kind]} $((first - t_heal))"; fi
    heal_part="; heal: $HEAL_NROUNDS round(s), $([ "$hit_bound" = 1 ] && echo "BOUND HIT" || echo "ledger stable"), VIP holders right after the heal [${holders_heal}], heal -> first execution $h2e"
  fi
  secs=$(awk -v ms=$(($(gc_now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
  runs=$(grep -c . "$(gc_ledger)")
  who=$(paste -sd' ' "$(gc_ledger)")
  total[$kind]=$((total[$kind] + 1))
  if [ "$hit_bound" = 1 ]; then bound[$kind]=$((bound[$kind] + 1)); fi
  if [ "$runs" -eq 0 ]; then zero[$kind]=$((zero[$kind] + 1));
  elif [ "$runs" -eq 1 ]; then one[$kind]=$((one[$kind] + 1));
  else double[$kind]=$((double[$kind] + 1)); fi
  line="trial $t $kind ($what, at +${delay}s): $runs execution(s) [${who}] ($fault_runs in the fault's round); VIP holders 1 s after the fault: [${holders_during}]; applies $(cat "$rcfile" 2>/dev/null)${heal_part} (${secs}s)"
  results+=("$line")
  echo "$line"
  if [ "$heal" = 1 ] && { [ "$runs" -ne 1 ] || [ "$hit_bound" = 1 ]; }; then
    echo "  trial $t evidence (now):"; heal_evidence
    awk -v t0="$t0" '{ printf "    ledger: %s at +%.1fs\n", $2 " " $3, $1 - t0 / 1000 }' "$(gc_ledger).times"
  fi
  if [ "$heal" = 0 ]; then
    # Clean up for the next trial: restore the network, remove a stale VIP, restart what is dead.
    gc_vrrp_unblock
    gc_port_attach "$vi"
    if ! gc_ka_running "$victim"; then gc_vip_del "$victim"; fi
  fi
done
secs=$(awk -v ms=$(($(gc_now_ms) - t_all)) 'BEGIN { printf "%.0f", ms / 1000 }')

label="probes on (${GC_PROBE:-default budget})"
[ "$probe_on" = 0 ] && label="probes off (probe 0s)"
echo
[ "$ran" -lt "$trials" ] && echo "chaos: stopped by --max-time $max_time after $ran of $trials trials; the figures below cover those $ran"
echo "chaos: $ran trials in ${secs}s, IPv$GC_FAMILY, seed $seed, $label, quorum peers $GC_WITH_PEERS, keepalived liveness $GC_WITH_LIVENESS, quorum track script ${GC_TRACK_QUORUM:-default}$([ "$heal" = 1 ] && echo ", heal, volume state $([ "$per_node" = 1 ] && echo "per node" || echo "cluster-wide"), nopreempt $GC_NOPREEMPT")"
echo "$LATENCY"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
if [ "$heal" = 1 ]; then
  printf '| %-38s | %6s | %6s | %5s | %8s | %9s | %22s |\n' fault trials "0 runs" "1 run" ">=2 runs" "bound hit" "heal -> exec median/max"
  printf '|%s|%s|%s|%s|%s|%s|%s|\n' "----------------------------------------" "--------" "--------" "-------" "----------" "-----------" "------------------------"
else
  printf '| %-38s | %6s | %6s | %5s | %8s |\n' fault trials "0 runs" "1 run" ">=2 runs"
  printf '|%s|%s|%s|%s|%s|\n' "----------------------------------------" "--------" "--------" "-------" "----------"
fi
sum_double=0 sum_zero=0 sum_one=0 sum_total=0 sum_bound=0 sum_early=0 all_lat=""
for k in a b c d; do
  [ "${total[$k]}" -gt 0 ] || continue
  case $k in
    a) name="a. kill -9 of the master's keepalived" ;;
    b) name="b. VRRP (proto 112) dropped" ;;
    c) name="c. silent partition of the master" ;;
    d) name="d. flapping keepalived restarts" ;;
  esac
  if [ "$heal" = 1 ]; then
    printf '| %-38s | %6s | %6s | %5s | %8s | %9s | %22s |\n' "$name" "${total[$k]}" "${zero[$k]}" "${one[$k]}" "${double[$k]}" \
      "${bound[$k]}" "$(heal_s "$(heal_median "${lat[$k]}")") / $(heal_s "$(heal_max "${lat[$k]}")") s"
  else
    printf '| %-38s | %6s | %6s | %5s | %8s |\n' "$name" "${total[$k]}" "${zero[$k]}" "${one[$k]}" "${double[$k]}"
  fi
  sum_double=$((sum_double + double[$k])); sum_zero=$((sum_zero + zero[$k])); sum_one=$((sum_one + one[$k]))
  sum_total=$((sum_total + total[$k])); sum_bound=$((sum_bound + bound[$k])); sum_early=$((sum_early + early[$k]))
  all_lat="$all_lat ${lat[$k]}"
done
rc=0
if [ "$heal" = 1 ]; then
  mean_round=$([ "$rounds" -gt 0 ] && echo $((round_ms / rounds)) || echo -)
  echo "heal -> first execution: median $(heal_s "$(heal_median "$all_lat")") s, max $(heal_s "$(heal_max "$all_lat")") s" \
    "over $(wc -w <<<"$all_lat") trial(s) that ran after the heal ($sum_early ran during the fault);" \
    "settle $GC_SETTLE, an apply round (3 nodes concurrently) took $(heal_s "$mean_round") s on average over $rounds rounds" \
    "(goal: median <= settle + 2 rounds = $(heal_s "$(awk -v s="${GC_SETTLE%s}" -v r="$mean_round" 'BEGIN { printf "%d", s * 1000 + 2 * r }')") s)"
  [ "$sum_bound" -gt 0 ] && echo "chaos: $sum_bound trial(s) hit the bound of $HEAL_MAX_ROUNDS rounds / ${HEAL_MAX_S}s (a failure of liveness)"
  if [ "$allow_zeros" = 0 ] && [ $((sum_zero + sum_bound)) -gt 0 ]; then rc=1; fi
fi
if [ "$sum_double" -gt 0 ]; then
  echo "chaos: $sum_double trial(s) executed the guarded exec more than once"
  [ "$probe_on" = 1 ] && rc=1
else
  echo "chaos: no double execution"
fi
echo "exactly once: $sum_one/$sum_total trials ran exactly once; doubles $sum_double; zeros $sum_zero"
exit "$rc"
