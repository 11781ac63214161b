#!/bin/bash
# The production path (issue 7): a real puppetserver 7 and real agents in
# network namespaces. Pluginsync delivers the fact and its binaries, `facter -p`
# reads them, keepalived runs with the config the catalog wrote, and the example
# consumer's guarded exec appends each node's name to a shared ledger.
#
#   bash spec/server/scenarios.sh        # as root; prints one PASS/FAIL line per scenario
#   bash spec/server/scenarios.sh -v     # every step logged
#
# Environment: GC_NODES (3), GC_SETTLE (1s), GC_KEEP=1 (keep the temp dir: the
# server's logs, each node's puppet.log), GS_SERVER_START_TIMEOUT (150 s),
# GS_AGENT_TIMEOUT (180 s per agent run). It never skips: without root or
# puppetserver it fails.
# The scenario functions run through gc_scenario, which shellcheck does not follow:
# shellcheck disable=SC2317
set -u
set -o pipefail

GS_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
# GC_ROOT=DIR: run the suite inside the Debian 13 root DIR (spec/debian13/enter.sh), so the server
# is puppetserver 8 and the agents Puppet 8 (rake puppet8:server).
if [ -n "${GC_ROOT:-}" ]; then
  exec env GV_TRIXIE_ROOT="$GC_ROOT" bash "$(dirname "$GS_SELF")/../debian13/enter.sh" bash "$GS_SELF" "$@"
fi
while [ $# -gt 0 ]; do
  case "$1" in
    -v | --verbose) GC_VERBOSE=1; shift ;;
    -h | --help) sed -n '2,14p' "$GS_SELF"; exit 0 ;;
    *) echo "scenarios.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
GC_FAMILY=4
# shellcheck source=lib.sh
. "$(dirname "$GS_SELF")/lib.sh"

t_start=$(gc_now_ms)
gs_init
VERSION=$(gs_module_version "$GC_REPO")
ARCH=$(gs_arch)
VIP=$(gc_vip)
MASTER=""
mapfile -t NODES < <(gc_all_nodes)
gs_host_mountpoint /etc/gluster-vip
gs_net_up
gs_server_config
gs_server_start
gc_log "puppetserver starting (pid $GS_SERVER_PID)"
# While the server starts (~25 s idle, 50-100 s on a loaded 2-core machine):
# the binaries, the agents' /etc, the catalog, keepalived.
# The binary the module serves, built as `rake build` builds it (the version
# from metadata.json) into the checkout's facts.d/.gluster_vip.
BIN=$(gs_build_binary "$GC_REPO" "$VERSION")
# The upgrade of scenario d: a copy of the module, metadata.json bumped, the binary rebuilt.
V2_DIR=$GC_TMP/module-v2
gs_module_copy "$V2_DIR"
V2_VERSION=$(gs_module_bump "$V2_DIR")
V2_BIN=$(gs_build_binary "$V2_DIR" "$V2_VERSION")
chown -R puppet:puppet "$V2_DIR"
gc_log "module $VERSION ($BIN); upgrade $V2_VERSION ($V2_BIN)"
for n in $(gc_all_nodes); do gs_agent_config "$n"; done
gs_site "$VIP"

# bin_sha FILE
bin_sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
# file_mode FILE: octal mode, or "missing".
file_mode() { stat -c %a "$1" 2>/dev/null || echo missing; }

# wait_bg: wait for the runs in GC_BG_PIDS (each bounded by gs_in_node's
# timeout), not for keepalived, which also runs in the background.
wait_bg() {
  local pid
  for pid in "${GC_BG_PIDS[@]}"; do wait "$pid"; done
  GC_BG_PIDS=()
}

# expect_rc WANT NODE...: each NODE's last agent run exited WANT.
expect_rc() {
  local want=$1 n
  shift
  for n in "$@"; do gs_expect_eq "$n: agent exit code" "$want" "${GS_AGENT_RC[$n]:-none}"; done
}

# expect_server_fact NODE PATH WANT: the fact NODE sent on its last run (as the
# server stored it, which is what its manifests saw) has JSON value WANT at PATH.
# A null inside the structured fact arrives as '' (PUPPET_NULL): Puppet's fact
# sanitizer (Puppet::Node::Facts#sanitize_fact) turns nil into nil.to_s.
PUPPET_NULL='""'
expect_server_fact() {
  local facts
  facts=$(gs_server_facts "$1") || facts='{}'
  gs_expect_eq "$1: fact $2 on its last run (server's copy)" "$3" "$(gs_json_get "$facts" "$2")"
}

# expect_synced NODE BINARY: pluginsync put the dispatcher and BINARY's twin,
# both executable, in NODE's $vardir/facts.d.
expect_synced() {
  local node=$1 want_bin=$2 d
  d=$(gs_vardir "$node")/facts.d
  gs_expect_eq "$node: mode of \$vardir/facts.d/gluster_vip" 755 "$(file_mode "$d/gluster_vip")"
  gs_expect_eq "$node: mode of \$vardir/facts.d/.gluster_vip/gluster-vip-linux-$ARCH" 755 \
    "$(file_mode "$d/.gluster_vip/gluster-vip-linux-$ARCH")"
  gs_expect_eq "$node: the synced binary is the module's" "$(bin_sha "$want_bin")" \
    "$(bin_sha "$d/.gluster_vip/gluster-vip-linux-$ARCH")"
}

# Provisioning, while the server starts: keepalived runs before the nodes'
# first agent run, with the config that gluster_vip::keepalived gives it. It is
# written here by `puppet apply` of that class alone, with the very parameters
# of the catalog (gc_keepalived_pp), and with Puppet dirs apart from the
# agent's, so the agents stay fresh: no certificate, no plugins, no gluster-vip
# config. Scenario a checks that their catalog leaves the file as it is. Then
# the harness starts keepalived by PID and waits for one stable VRRP master.
provision() {
  local n
  GC_MODULEPATH=$(gs_env_dir)/modules
  gc_site_all "" "" "keepalived"
  gc_check "keepalived-only puppet apply" gc_apply_all || return 1
  for n in $(gc_all_nodes); do
    gc_check "$n: keepalived.conf written" test -s "$(gc_ka_conf "$n")" || return 1
    KA_SHA[$n]=$(bin_sha "$(gc_ka_conf "$n")")
    gc_check "$n: agent has no certificate yet" test ! -e "$(gs_vardir "$n")/../ssl/certs/$n.pem"
    gc_check "$n: no plugins synced yet" test ! -e "$(gs_vardir "$n")/facts.d"
    gc_check "$n: no gluster-vip config yet" test ! -e "$(gc_gv_conf "$n")"
  done
  gc_ka_start_all
  MASTER=$(gc_wait_holders one 20 800) || { gc_log "no single VRRP master"; return 1; }
  gc_log "VRRP master: $MASTER"
  gc_settle_wait
}
declare -A KA_SHA=()

# a. First agent run of fresh nodes: the CSR (autosigned), then pluginsync
# delivers the dispatcher and the binary with their modes; the fact is in that
# very run's facts (unconfigured: the config is written later in the run) with
# the module's version and the synced binary as its command; exactly the master
# runs the guarded exec, decided by the apply-time check. The catalog's
# keepalived.conf is the one keepalived already runs with.
sc_first_run() {
  local n
  gc_ledger_reset
  gc_check "first agent runs" gs_agent_all
  expect_rc 2 "${NODES[@]}"
  for n in $(gc_all_nodes); do
    gc_check "$n: got its certificate" test -s "$(gs_vardir "$n")/../ssl/certs/$n.pem"
    expect_synced "$n" "$BIN"
    expect_server_fact "$n" gluster_vip_holder false
    expect_server_fact "$n" gluster_vip.mode '"unconfigured"'
    expect_server_fact "$n" gluster_vip.version "\"$VERSION\""
    expect_server_fact "$n" gluster_vip.error "$PUPPET_NULL"
    expect_server_fact "$n" gluster_vip.config "$PUPPET_NULL"
    expect_server_fact "$n" gluster_vip.command "\"$(gs_vardir "$n")/facts.d/.gluster_vip/gluster-vip-linux-$ARCH\""
    gs_expect_eq "$n: keepalived.conf untouched by the catalog" "${KA_SHA[$n]}" "$(bin_sha "$(gc_ka_conf "$n")")"
    gc_check "$n: the catalog wrote its gluster-vip config" test -s "$(gc_gv_conf "$n")"
  done
  gc_expect_ledger "$MASTER"
}

# b. Plain `facter -p` on each node, right after that run: the holder fact is
# true on the master only, the mode is printed, and the structured fact has the
# fields the README promises.
sc_facter() {
  local n want json keys k
  declare -A out=()
  # One node after the other would take ~5 s per facter run on a loaded 2-core machine.
  for n in "${NODES[@]}"; do
    { gs_fact "$n" gluster_vip_holder; echo "--"; gs_fact "$n" gluster_vip.mode; echo "--"; gs_fact "$n" --json gluster_vip; } \
      >"$GC_TMP/facter.$n" &
    GC_BG_PIDS+=("$!")
  done
  wait_bg
  for n in "${NODES[@]}"; do
    if [ "$n" = "$MASTER" ]; then want=true; else want=false; fi
    out[holder]=$(awk 'BEGIN { RS = "--\n" } NR == 1' "$GC_TMP/facter.$n" | sed '/^$/d')
    out[mode]=$(awk 'BEGIN { RS = "--\n" } NR == 2' "$GC_TMP/facter.$n" | sed '/^$/d')
    json=$(awk 'BEGIN { RS = "--\n" } NR == 3' "$GC_TMP/facter.$n")
    gs_expect_eq "$n: facter -p gluster_vip_holder" "$want" "${out[holder]}"
    gs_expect_eq "$n: facter -p gluster_vip.mode" vip "${out[mode]}"
    keys=$(ruby -rjson -e 'puts JSON.parse(ARGV[0])["gluster_vip"].keys.sort.join(",")' "$json" 2>/dev/null)
    for k in holder mode vip interface reason conflict held_for settle quorum checks config command version error; do
      [[ ",$keys," == *",$k,"* ]] || gs_expect_eq "$n: facter -p --json gluster_vip has key" "$k" "(absent; keys: $keys)"
    done
    gs_expect_eq "$n: gluster_vip.holder" "$want" "$(gs_json_get "$json" gluster_vip.holder)"
    gs_expect_eq "$n: gluster_vip.vip" "\"$VIP\"" "$(gs_json_get "$json" gluster_vip.vip)"
    gs_expect_eq "$n: gluster_vip.config" '"/etc/gluster-vip/gluster-vip.conf"' "$(gs_json_get "$json" gluster_vip.config)"
    gs_expect_eq "$n: gluster_vip.command" "\"$(gs_vardir "$n")/facts.d/.gluster_vip/gluster-vip-linux-$ARCH\"" \
      "$(gs_json_get "$json" gluster_vip.command)"
    gs_expect_eq "$n: gluster_vip.version" "\"$VERSION\"" "$(gs_json_get "$json" gluster_vip.version)"
    gs_expect_eq "$n: gluster_vip.error" null "$(gs_json_get "$json" gluster_vip.error)"
    if [ "$n" = "$MASTER" ]; then
      gs_expect_eq "$n: gluster_vip.interface" '"eth0"' "$(gs_json_get "$json" gluster_vip.interface)"
    fi
  done
}

# c. Failover under agent runs: SIGTERM the master's keepalived; once one node
# holds the VIP (and settle has passed), the next agent runs execute on it
# only: it applies changes (exit 2), the others none (exit 0).
sc_failover() {
  local old=$MASTER n
  gc_ka_stop "$old" TERM
  MASTER=$(gc_wait_holders one 10 500) || return 1
  gc_check "the VIP moved away from $old" test "$MASTER" != "$old"
  gc_log "failover: $old -> $MASTER"
  gc_settle_wait
  gc_ledger_reset
  gc_check "agent runs after the failover" gs_agent_all
  gc_expect_ledger "$MASTER"
  for n in "${NODES[@]}"; do
    if [ "$n" = "$MASTER" ]; then expect_rc 2 "$n"; else expect_rc 0 "$n"; fi
  done
}

# d. Upgrade: the new module version (metadata.json bumped, the binary rebuilt
# with that version) replaces the old one in the environment. The next agent
# runs sync the new binary over the old and report the new version in that very
# run, and the new binary guards: with the ledger reset, exactly the holder runs.
sc_upgrade() {
  local n link
  gs_expect_eq "the new binary's version" "gluster-vip $V2_VERSION" "$("$V2_BIN" version 2>&1)"
  link=$(gs_env_dir)/modules/gluster_vip
  ln -sfn "$V2_DIR" "$link.new" && mv -fT "$link.new" "$link"
  gc_log "upgrade: module $VERSION -> $V2_VERSION"
  gc_ledger_reset
  gc_check "agent runs of the new version" gs_agent_all
  for n in "${NODES[@]}"; do
    gs_fact "$n" gluster_vip.version >"$GC_TMP/facter.$n" &
    GC_BG_PIDS+=("$!")
  done
  wait_bg
  for n in "${NODES[@]}"; do
    expect_synced "$n" "$V2_BIN"
    expect_server_fact "$n" gluster_vip.version "\"$V2_VERSION\""
    expect_server_fact "$n" gluster_vip_holder "$([ "$n" = "$MASTER" ] && echo true || echo false)"
    gs_expect_eq "$n: facter -p gluster_vip.version" "$V2_VERSION" "$(cat "$GC_TMP/facter.$n")"
  done
  gc_expect_ledger "$MASTER"
}

# e. Mixed architectures: the holder's agent runs under a PATH whose `uname -m`
# says riscv64, for which the module has no binary (the others run at the same
# time, on their own architecture). Its fact is the dispatcher's valid JSON
# error (holder false); the exec's apply-time check (the dispatcher: exit 2)
# refuses, so nobody runs the guarded exec. The same node on its real
# architecture then runs it.
sc_mixed_arch() {
  local fake=$GC_TMP/fake-arch holder=$MASTER n others="" error json pid rc
  mkdir -p "$fake"
  cat >"$fake/uname" <<'SH'
#!/bin/sh
# uname for a machine with no gluster-vip binary: riscv64
case "${1:-}" in -m | -p | -i) echo riscv64 ;; *) exec /usr/bin/uname "$@" ;; esac
SH
  chmod 755 "$fake/uname"
  for n in $(gc_all_nodes); do [ "$n" = "$holder" ] || others="$others${others:+ }$n"; done
  error="no gluster-vip binary for architecture riscv64"
  gc_ledger_reset
  GS_PATH_PREFIX=$fake gs_agent "$holder" &
  pid=$!
  GC_BG_PIDS+=("$pid")
  gc_check "agent runs of the others" gs_agent_all --nodes "$others"
  # shellcheck disable=SC2086 # a list of nodes
  expect_rc 0 $others
  wait "$pid"
  rc=$?
  gc_check "$holder: agent run as riscv64 exited 0 or 2 (was $rc)" test "$rc" = 0 -o "$rc" = 2
  gc_check "$holder still holds the VIP" gc_has_vip "$holder"
  expect_server_fact "$holder" gluster_vip_holder false
  expect_server_fact "$holder" gluster_vip.mode '"unconfigured"'
  expect_server_fact "$holder" gluster_vip.error "\"$error\""
  expect_server_fact "$holder" gluster_vip.version "$PUPPET_NULL"
  json=$(GS_PATH_PREFIX=$fake gs_fact "$holder" --json gluster_vip_holder gluster_vip)
  gs_expect_eq "$holder: facter -p gluster_vip_holder as riscv64" false "$(gs_json_get "$json" gluster_vip_holder)"
  gs_expect_eq "$holder: facter -p gluster_vip.error as riscv64" "\"$error\"" "$(gs_json_get "$json" gluster_vip.error)"
  gc_expect_ledger ""
  gc_check "$holder: agent run on its real architecture" gs_agent_all --nodes "$holder"
  gc_expect_ledger "$holder"
}

gc_scenario "provisioning: keepalived with the catalog's config, fresh agents" provision
if [ "$GC_FAILED" = 0 ]; then
  gs_server_wait
  gc_log "puppetserver answers /status/v1/simple ${GS_SERVER_READY_S}s after start, RSS $(gs_server_rss_mb) MB"
  gc_scenario "a. first agent run: pluginsync, the fact on that run, exactly the master" sc_first_run
  gc_scenario "b. facter -p: holder true on the master only, mode, structured fact" sc_facter
  gc_scenario "c. failover under agent runs: exactly the new master" sc_failover
  gc_scenario "d. upgrade: new version synced over the old, reported, still guarding" sc_upgrade
  gc_scenario "e. mixed architectures: riscv64 gets the error fact, never runs" sc_mixed_arch
fi
secs=$(awk -v ms=$(($(gc_now_ms) - t_start)) 'BEGIN { printf "%.1f", ms / 1000 }')
echo "puppetserver suite: ${#GC_RESULTS[@]} scenarios in ${secs}s wall (puppetserver RSS $(gs_server_rss_mb) MB), $(printf '%s\n' "${GC_RESULTS[@]}" | grep -c '^FAIL') failed"
exit "$GC_FAILED"
