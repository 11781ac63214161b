# shellcheck shell=bash
# The healing half of `chaos.sh --heal` (issue 11, item 1): heal each fault the way production
# does, then apply the consumer on every node, round after round, until the ledger stays
# unchanged. Sourced by chaos.sh after lib.sh.
#
#   kill -9   keepalived is restarted by `puppet apply` of gluster_vip::keepalived with its own
#             service (manage_service, provider base: status and start by the node's pidfile), on
#             the victim; the harness only reads back the PIDs Puppet's keepalived wrote
#   VRRP      the nft rule is removed
#   partition the bridge port comes back
#   flapping  stops
#
# The time of the heal is the moment the fault is gone: for kill -9, the mtime of the VRRP
# child's pidfile that the restarted keepalived wrote.

: "${HEAL_MAX_ROUNDS:=8}"   # bound on the apply rounds after a heal
: "${HEAL_MAX_S:=300}"      # bound in time on the rounds after a heal
: "${HEAL_STABLE:=2}"       # rounds the ledger must stay unchanged (after settle) to end a trial

# heal_ka_dir NODE: NODE's keepalived directory (config, pidfiles, log).
heal_ka_dir() { echo "$(gc_node_dir "$(gc_node_index "$1")")/keepalived"; }

# heal_ka_site NODE: NODE's heal manifest: its gluster_vip config and its keepalived class, this
# time with the class's own service: manage_service => true, service_provider => 'base' (no
# systemd in a namespace), pidfile => NODE's keepalived.pid. The class then starts keepalived by
# its default base command (`keepalived -f CONF -p PIDFILE -r STEM_vrrp.pid ...`, which
# daemonizes) when `kill -0` of the pidfile fails, and reloads it with SIGHUP on a config
# change. `puppet apply` runs inside NODE's namespace (gc_apply), so keepalived starts there.
# No consumer: this apply only heals keepalived.
heal_ka_site() {
  local node=$1 f d
  f="$(gc_node_dir "$(gc_node_index "$node")")/heal-keepalived.pp"
  d=$(heal_ka_dir "$node")
  gc_site "$node" "$(gc_vip)" "" "config keepalived"
  grep -q '^  manage_service *=> false,$' "$(gc_manifest "$node")" ||
    gc_die "heal: gc_keepalived_pp no longer writes 'manage_service => false'; update heal_ka_site"
  sed "s|^  manage_service *=> false,\$|  manage_service    => true,\n  service_provider  => 'base',\n  pidfile           => $(gc_pp_str "$d/keepalived.pid"),|" \
    "$(gc_manifest "$node")" >"$f"
  echo "$f"
}

# heal_ka_by_puppet NODE: one `puppet apply` of NODE's heal manifest, in NODE's namespace; then
# adopt the keepalived Puppet started (GC_KA_PID/GC_KA_CHILD from its pidfiles, keepalived.pid
# and keepalived_vrrp.pid), so that the
# harness can stop it later and clean it up. Sets HEAL_T, the heal time (ms since the epoch: when
# the VRRP child wrote its pidfile). Fails if Puppet did not start a new keepalived. Call it in
# the main shell, not in $(...): it records the PIDs.
heal_ka_by_puppet() {
  local node=$1 old_child=${GC_KA_CHILD[$1]:-} site pp d pid child n rc
  HEAL_T=$(gc_now_ms)
  d=$(heal_ka_dir "$node")
  site=$(gc_manifest "$node")
  cp "$site" "$site.consumer"
  pp=$(heal_ka_site "$node")
  cp "$pp" "$site"
  gc_apply "$node"
  rc=$?
  mv -f "$site.consumer" "$site"
  case $rc in 0 | 2) ;; *)
    gc_log "$node: the heal apply exited $rc"
    tail -n 15 "$(gc_node_dir "$(gc_node_index "$node")")/puppet.log" >&2
    return 1 ;;
  esac
  for ((n = 0; n < 100; n++)); do
    pid=$(cat "$d/keepalived.pid" 2>/dev/null)
    child=$(cat "$d/keepalived_vrrp.pid" 2>/dev/null)
    if [ -n "$child" ] && [ "$child" != "$old_child" ] && gc_pid_alive "$pid" && gc_pid_alive "$child"; then
      GC_KA_PID[$node]=$pid
      GC_KA_CHILD[$node]=$child
      awk '/^=== apply/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' \
        "$(gc_node_dir "$(gc_node_index "$node")")/puppet.log" |
        grep -q 'Service\[keepalived\]/ensure: ensure changed .stopped. to .running.' ||
        gc_log "$node: no 'Service[keepalived] ensure changed stopped to running' in the heal apply's log"
      HEAL_T=$(($(stat -c %.3Y "$d/keepalived_vrrp.pid" | tr -d .)))
      return 0
    fi
    sleep 0.05
  done
  gc_log "$node: Puppet's apply left no new keepalived running (pidfile '$pid', VRRP child '$child')"
  return 1
}

# heal_rounds T_HEAL_MS: apply the consumer on every node concurrently, round after round,
# until the ledger has stayed unchanged for HEAL_STABLE full rounds that started at least
# settle after the heal. Bounded by HEAL_MAX_ROUNDS rounds and HEAL_MAX_S seconds. Sets
# HEAL_NROUNDS and HEAL_ROUND_MS (total wall time of the rounds); false when a bound was hit.
heal_rounds() {
  local t_heal=$1 settle_ms stable=0 before after t_r deadline
  settle_ms=$(awk -v s="${GC_SETTLE%s}" 'BEGIN { printf "%d", s * 1000 }')
  deadline=$((t_heal + HEAL_MAX_S * 1000))
  HEAL_NROUNDS=0 HEAL_ROUND_MS=0
  while [ "$HEAL_NROUNDS" -lt "$HEAL_MAX_ROUNDS" ] && [ "$(gc_now_ms)" -lt "$deadline" ]; do
    before=$(grep -c . "$(gc_ledger)")
    t_r=$(gc_now_ms)
    gc_apply_all >/dev/null 2>&1
    HEAL_ROUND_MS=$((HEAL_ROUND_MS + $(gc_now_ms) - t_r))
    HEAL_NROUNDS=$((HEAL_NROUNDS + 1))
    after=$(grep -c . "$(gc_ledger)")
    if [ "$after" = "$before" ] && [ "$t_r" -ge $((t_heal + settle_ms)) ]; then
      stable=$((stable + 1))
    else
      stable=0
    fi
    [ "$stable" -ge "$HEAL_STABLE" ] && return 0
  done
  return 1
}

# heal_first_exec_ms: when the trial's first `volume create` ran (ms since the epoch), or "".
heal_first_exec_ms() {
  awk '$3 == "create" { split($1, a, "."); printf "%d%03d\n", a[1], substr(a[2] "000", 1, 3); exit }' \
    "$(gc_ledger).times" 2>/dev/null
}

# heal_evidence: one line per node: VIP on eth0, VRRP state, keepalived alive, the fact's reason.
heal_evidence() {
  local n
  for n in $(gc_all_nodes); do
    printf '    %s: vip %s, vrrp %s, reason: %s\n' "$n" \
      "$(gc_has_vip "$n" && echo yes || echo no)" "$(gc_vrrp_state "$n")" "$(gc_fact_field "$n" reason)"
  done
}

# heal_median LIST: the median of whitespace-separated numbers (the lower middle for an even
# count; "-" for none). heal_max LIST: their maximum.
heal_median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "-" }'; }
heal_max() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | tail -n 1 | grep . || echo -; }
# heal_s MS: milliseconds as seconds with one decimal.
heal_s() { [ "$1" = - ] && { echo -; return; }; awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
