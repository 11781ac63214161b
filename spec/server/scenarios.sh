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
set -u
set -o pipefail

GS_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
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
VERSION=$(gs_module_version)
ARCH=$(gs_arch)
# The binary the module serves: built as `rake build` builds it, with the
# version from metadata.json, into the checkout's facts.d/.gluster_vip.
BIN=$(gs_build_binary "$GC_REPO" "$VERSION")
gs_net_up
gs_server_config
gs_server_start
for n in $(gc_all_nodes); do gs_agent_config "$n"; done
gs_site "$(gc_vip)"
VIP=$(gc_vip)
MASTER=""
gc_log "puppetserver started (pid $GS_SERVER_PID); module $VERSION, binary $BIN"
secs=$(gs_server_wait)
gc_log "puppetserver answers /status/v1/simple after ${secs}s, RSS $(gs_server_rss_mb) MB"

# bin_sha FILE
bin_sha() { sha256sum "$1" 2>/dev/null | cut -d' ' -f1; }
# file_mode FILE: octal mode, or "missing".
file_mode() { stat -c %a "$1" 2>/dev/null || echo missing; }

# expect_rc WANT NODE...: each NODE's last agent run exited WANT.
expect_rc() {
  local want=$1 n
  shift
  for n in "$@"; do gs_expect_eq "$n: agent exit code" "$want" "${GS_AGENT_RC[$n]:-none}"; done
}

# expect_server_fact NODE PATH WANT: the fact NODE sent on its last run (as the
# server stored it) has JSON value WANT at PATH.
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

# Provisioning, before the scenarios: keepalived's config comes from the
# catalog (gluster_vip::keepalived), applied alone and without pluginsync, so the
# nodes get their certificates and keepalived while staying fresh for the
# module: no fact, no binary, no gluster-vip config. Then the harness starts
# keepalived by PID and waits for one stable VRRP master.
provision() {
  local n
  gc_check "keepalived-only agent runs" gs_agent_all --no-pluginsync --tags gluster_vip::keepalived || return 1
  for n in $(gc_all_nodes); do
    gc_check "$n: catalog wrote keepalived.conf" test -s "$(gc_ka_conf "$n")" || return 1
    gc_check "$n: no plugins synced yet" test ! -e "$(gs_vardir "$n")/facts.d/gluster_vip"
    gc_check "$n: no gluster-vip config yet" test ! -e "$(gc_gv_conf "$n")"
  done
  gc_ka_start_all
  MASTER=$(gc_wait_holders one 20 800) || { gc_log "no single VRRP master"; return 1; }
  gc_log "VRRP master: $MASTER"
  gc_settle_wait
}

# a. First agent run of the module on fresh nodes: pluginsync delivers the
# dispatcher and the binary with their modes; the fact is in that very run's
# facts (unconfigured: the config is written later in the run) with the module's
# version and the synced binary as its command; exactly the master runs the
# guarded exec, decided by the apply-time check.
sc_first_run() {
  local n
  gc_ledger_reset
  gc_check "first agent runs" gs_agent_all
  expect_rc 2 $(gc_all_nodes)
  for n in $(gc_all_nodes); do
    expect_synced "$n" "$BIN"
    expect_server_fact "$n" gluster_vip_holder false
    expect_server_fact "$n" gluster_vip.mode '"unconfigured"'
    expect_server_fact "$n" gluster_vip.version "\"$VERSION\""
    expect_server_fact "$n" gluster_vip.error null
    expect_server_fact "$n" gluster_vip.command "\"$(gs_vardir "$n")/facts.d/.gluster_vip/gluster-vip-linux-$ARCH\""
  done
  gc_expect_ledger "$MASTER"
}

# b. `facter -p` after a second run (which changes nothing): the holder fact is
# true on the master only, the mode is printed, and the structured fact has the
# fields the README promises.
sc_facter() {
  local n want json keys
  gc_check "second agent runs" gs_agent_all
  expect_rc 0 $(gc_all_nodes)
  gc_expect_ledger "$MASTER"
  for n in $(gc_all_nodes); do
    if [ "$n" = "$MASTER" ]; then want=true; else want=false; fi
    gs_expect_eq "$n: facter -p gluster_vip_holder" "$want" "$(gs_fact "$n" gluster_vip_holder)"
    gs_expect_eq "$n: facter -p gluster_vip.mode" vip "$(gs_fact "$n" gluster_vip.mode)"
    json=$(gs_fact "$n" --json gluster_vip)
    keys=$(ruby -rjson -e 'puts JSON.parse(ARGV[0])["gluster_vip"].keys.sort.join(",")' "$json" 2>/dev/null)
    for k in holder mode vip interface reason conflict held_for settle quorum checks config command version error; do
      [[ ",$keys," == *",$k,"* ]] || gs_expect_eq "$n: facter -p --json gluster_vip has key" "$k" "(absent; keys: $keys)"
    done
    gs_expect_eq "$n: gluster_vip.holder" "$want" "$(gs_json_get "$json" gluster_vip.holder)"
    gs_expect_eq "$n: gluster_vip.vip" "\"$VIP\"" "$(gs_json_get "$json" gluster_vip.vip)"
    gs_expect_eq "$n: gluster_vip.config" "\"$(gc_gv_conf "$n")\"" "$(gs_json_get "$json" gluster_vip.config)"
    gs_expect_eq "$n: gluster_vip.version" "\"$VERSION\"" "$(gs_json_get "$json" gluster_vip.version)"
    gs_expect_eq "$n: gluster_vip.error" null "$(gs_json_get "$json" gluster_vip.error)"
  done
  gs_expect_eq "$MASTER: gluster_vip.interface" '"eth0"' "$(gs_json_get "$(gs_fact "$MASTER" --json gluster_vip)" gluster_vip.interface)"
}

# c. Failover under agent runs: SIGTERM the master's keepalived; once one node
# holds the VIP (and settle has passed), the next agent runs execute on it
# only, and the runs after that change nothing.
sc_failover() {
  local old=$MASTER
  gc_ka_stop "$old" TERM
  MASTER=$(gc_wait_holders one 10 500) || return 1
  gc_check "the VIP moved away from $old" test "$MASTER" != "$old"
  gc_log "failover: $old -> $MASTER"
  gc_settle_wait
  gc_ledger_reset
  gc_check "agent runs after the failover" gs_agent_all
  gc_expect_ledger "$MASTER"
  gc_check "agent runs after that" gs_agent_all
  expect_rc 0 $(gc_all_nodes)
  gc_expect_ledger "$MASTER"
}

# d. Upgrade: a new module version (metadata.json bumped, the binary rebuilt
# with that version) replaces the old one in the environment. The next agent
# runs sync the new binary over the old and report the new version in that very
# run; they execute nothing new; with the ledger reset, the new binary still
# lets exactly the holder run.
sc_upgrade() {
  local v2dir new_version new_bin n link
  v2dir=$GC_TMP/module-v2
  gs_module_copy "$v2dir"
  new_version=$(gs_module_bump "$v2dir")
  new_bin=$(gs_build_binary "$v2dir" "$new_version")
  gs_expect_eq "the new binary's version" "gluster-vip $new_version" "$("$new_bin" version 2>&1)"
  chown -R puppet:puppet "$v2dir"
  link=$(gs_env_dir)/modules/gluster_vip
  ln -sfn "$v2dir" "$link.new" && mv -fT "$link.new" "$link"
  gc_log "upgrade: module $VERSION -> $new_version"
  gc_check "agent runs of the new version" gs_agent_all
  for n in $(gc_all_nodes); do
    expect_synced "$n" "$new_bin"
    expect_server_fact "$n" gluster_vip.version "\"$new_version\""
    expect_server_fact "$n" gluster_vip_holder "$([ "$n" = "$MASTER" ] && echo true || echo false)"
    gs_expect_eq "$n: facter -p gluster_vip.version" "$new_version" "$(gs_fact "$n" gluster_vip.version)"
  done
  gc_expect_ledger "$MASTER"
  gc_ledger_reset
  gc_check "agent runs of the new version, ledger reset" gs_agent_all
  gc_expect_ledger "$MASTER"
}

# e. Mixed architectures: the holder's agent runs under a PATH whose `uname -m`
# says riscv64, for which the module has no binary. Its fact is the
# dispatcher's valid JSON error (holder false), the exec's apply-time check
# (the dispatcher, exit 2) refuses, and nobody runs the guarded exec; the same
# node on its real architecture then runs it.
sc_mixed_arch() {
  local fake=$GC_TMP/fake-arch holder=$MASTER n others="" error json
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
  GS_PATH_PREFIX=$fake gc_check "$holder: agent run as riscv64" gs_agent_all --nodes "$holder"
  gc_check "agent runs of the others" gs_agent_all --nodes "$others"
  gc_check "$holder still holds the VIP" gc_has_vip "$holder"
  expect_server_fact "$holder" gluster_vip_holder false
  expect_server_fact "$holder" gluster_vip.mode '"unconfigured"'
  expect_server_fact "$holder" gluster_vip.error "\"$error\""
  expect_server_fact "$holder" gluster_vip.version null
  json=$(GS_PATH_PREFIX=$fake gs_fact "$holder" --json gluster_vip_holder gluster_vip)
  gs_expect_eq "$holder: facter -p gluster_vip_holder as riscv64" false "$(gs_json_get "$json" gluster_vip_holder)"
  gs_expect_eq "$holder: facter -p gluster_vip.error as riscv64" "\"$error\"" "$(gs_json_get "$json" gluster_vip.error)"
  gc_expect_ledger ""
  gc_check "$holder: agent run on its real architecture" gs_agent_all --nodes "$holder"
  gc_expect_ledger "$holder"
}

gc_scenario "provisioning: keepalived from the catalog, fresh module state" provision
if [ "$GC_FAILED" = 0 ]; then
  gc_scenario "a. first agent run: pluginsync, the fact on that run, exactly the master" sc_first_run
  gc_scenario "b. facter -p: holder true on the master only, mode, structured fact" sc_facter
  gc_scenario "c. failover under agent runs: exactly the new master" sc_failover
  gc_scenario "d. upgrade: new version synced over the old, reported, still guarding" sc_upgrade
  gc_scenario "e. mixed architectures: riscv64 gets the error fact, never runs" sc_mixed_arch
fi
secs=$(awk -v ms=$(($(gc_now_ms) - t_start)) 'BEGIN { printf "%.1f", ms / 1000 }')
echo "puppetserver suite: ${#GC_RESULTS[@]} scenarios in ${secs}s wall (puppetserver RSS $(gs_server_rss_mb) MB), $(printf '%s\n' "${GC_RESULTS[@]}" | grep -c '^FAIL') failed"
exit "$GC_FAILED"
