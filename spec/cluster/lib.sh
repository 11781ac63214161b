# shellcheck shell=bash
# Library of the real-cluster suite: nodes as network namespaces on a bridge,
# keepalived written by `puppet apply` of gluster_vip::keepalived, and a ledger
# that every node's guarded exec appends its name to.
#
# Sourced by scenarios.sh, demo.sh and chaos.sh. Everything it creates is named
# with the prefix "gc" plus a run id, lives under one temp dir, and is removed
# by gc_cleanup, which gc_init installs as the EXIT/INT/TERM trap.
#
# Addresses: only documentation ranges. Nodes 198.51.100.11.. /24 and the VIP
# 203.0.113.10; IPv6 nodes 2001:db8::11.. /64 and the VIP 2001:db8::10. The
# bridge lives in a namespace of its own and nothing is routed anywhere.

GC_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GC_REPO=$(cd "$GC_LIB_DIR/../.." && pwd)

: "${GC_NODES:=3}"          # number of nodes
: "${GC_FAMILY:=4}"         # 4 or 6
: "${GC_SETTLE:=1s}"        # gluster-vip settle time used by the suite
: "${GC_PROBE:=}"           # gluster-vip probe budget ("" = the binary's default)
: "${GC_ADVERT:=0.1}"       # VRRP advert_int
: "${GC_VRID:=51}"          # virtual_router_id
: "${GC_VERBOSE:=0}"        # 1: echo every step
: "${GC_KEEP:=0}"           # 1: keep the temp dir on exit (for debugging)
: "${GC_FACTER_SHIM:=1}"    # 1: puppet runs with rubylib/augeas.rb on RUBYLIB (see that file)

GC_ID=${GC_ID:-$$}
GC_BR_NS="gc${GC_ID}-br"
GC_TMP=""
GC_START_MS=$(( ${EPOCHREALTIME/./} / 1000 ))
GC_BIN=""
declare -A GC_KA_PID=()       # node -> pid of keepalived (the parent, -n)
declare -A GC_KA_CHILD=()     # node -> pid of keepalived's VRRP child
declare -a GC_BG_PIDS=()      # other background pids (puppet runs)
GC_NETNS_MADE=()              # namespaces this run created

gc_log() { printf '%s [%ss] %s\n' "gc" "$(gc_elapsed)" "$*" >&2; }
gc_debug() { [ "$GC_VERBOSE" = 1 ] && gc_log "$@"; return 0; }
gc_die() { printf 'gc: FATAL: %s\n' "$*" >&2; exit 1; }
# gc_now_ms: milliseconds since the epoch (bash 5 has EPOCHREALTIME).
gc_now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
gc_elapsed() { local ms=$(($(gc_now_ms) - GC_START_MS)); printf '%d.%02d' $((ms / 1000)) $((ms % 1000 / 10)); }

# gc_enter_root SCRIPT ARGS...: with GC_ROOT=DIR set, re-run SCRIPT with ARGS inside the
# Debian 13 root DIR (spec/debian13/enter.sh: private mounts, this checkout at the same path), so
# every puppet, facter, keepalived, ip and nft the suite calls is that root's: Puppet 8 with its
# defaults, keepalived 2.3 (rake puppet8:cluster). Without GC_ROOT it returns.
gc_enter_root() {
  [ -n "${GC_ROOT:-}" ] || return 0
  exec env GV_TRIXIE_ROOT="$GC_ROOT" bash "$GC_REPO/spec/debian13/enter.sh" bash "$@"
}

# --- names and addresses -------------------------------------------------

gc_node() { echo "gc-n$1"; }                    # hostname of node i
gc_ns() { echo "gc${GC_ID}-n$1"; }              # namespace of node i
gc_node_dir() { echo "$GC_TMP/nodes/$(gc_node "$1")"; }
gc_node_index() { echo "${1#gc-n}"; }           # gc-n2 -> 2

gc_addr() { # fixed address of node i, without prefix length
  if [ "$GC_FAMILY" = 6 ]; then echo "2001:db8::1$1"; else echo "198.51.100.1$1"; fi
}
gc_plen() { if [ "$GC_FAMILY" = 6 ]; then echo 64; else echo 24; fi; }
gc_vip() { if [ "$GC_FAMILY" = 6 ]; then echo "2001:db8::10"; else echo "203.0.113.10"; fi; }
gc_peers() { local i s=""; for i in $(seq 1 "$GC_NODES"); do s="$s${s:+,}$(gc_addr "$i")"; done; echo "$s"; }
gc_all_nodes() { local i; for i in $(seq 1 "$GC_NODES"); do gc_node "$i"; done; }

# --- prerequisites ------------------------------------------------------

# gc_require: the suite needs root, ip, keepalived, puppet, go (or a built
# binary), unshare, setsid and ruby. In CI a missing piece is a failure; outside
# CI it is a loud skip (exit 0 with SKIP), never a silent one.
gc_require() {
  local missing=() c
  [ "$(id -u)" = 0 ] || missing+=("root (run as root)")
  for c in ip keepalived puppet unshare setsid ruby timeout nft; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  if ! command -v go >/dev/null 2>&1 && [ ! -x /usr/local/go/bin/go ] && [ -z "${GC_BIN_PREBUILT:-}" ]; then
    missing+=("go")
  fi
  [ -d /usr/share/puppet/modules/stdlib ] || missing+=("puppet-module-puppetlabs-stdlib")
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "${CI:-}" = true ]; then
      printf 'gc: FAIL: cannot set up the cluster, missing: %s\n' "${missing[*]}" >&2
      exit 1
    fi
    printf 'gc: SKIP (not in CI): cannot set up the cluster, missing: %s\n' "${missing[*]}" >&2
    printf 'gc: SKIP: run spec/setup.sh as root, or set CI=true to make this a failure\n' >&2
    exit 0
  fi
  command -v go >/dev/null 2>&1 || PATH=$PATH:/usr/local/go/bin
}

# --- lifecycle ----------------------------------------------------------

gc_init() {
  gc_require
  GC_TMP=$(mktemp -d /tmp/gc-cluster.XXXXXX)
  mkdir -p "$GC_TMP/nodes" "$GC_TMP/modules"
  : >"$GC_TMP/ledger"
  : >"$GC_TMP/ledger.start"
  trap 'gc_cleanup; exit 130' INT
  trap 'gc_cleanup; exit 143' TERM
  trap 'gc_cleanup' EXIT
}

# gc_pid_alive PID: true while PID exists and is not a zombie.
gc_pid_alive() {
  local st
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# gc_stop_pid PID [SIGNAL]: signal PID, wait at most 5 s, then SIGKILL.
gc_stop_pid() {
  local pid=$1 sig=${2:-TERM} n
  gc_pid_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
  kill -s "$sig" "$pid" 2>/dev/null || true
  for ((n = 0; n < 100; n++)); do
    gc_pid_alive "$pid" || break
    sleep 0.05
  done
  if gc_pid_alive "$pid"; then
    gc_log "pid $pid ignored SIG$sig for 5 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((n = 0; n < 40; n++)); do gc_pid_alive "$pid" || break; sleep 0.05; done
  fi
  wait "$pid" 2>/dev/null || true
}

gc_cleanup() {
  local rc=$? node i ns pid
  trap - EXIT INT TERM
  set +e
  for node in "${!GC_KA_PID[@]}"; do gc_ka_stop "$node" >/dev/null 2>&1; done
  for pid in "${GC_BG_PIDS[@]}"; do gc_stop_pid "$pid" KILL; done
  # Anything still inside one of our namespaces is ours: stop it by PID.
  for ns in "${GC_NETNS_MADE[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  for ns in "${GC_NETNS_MADE[@]}"; do
    ip netns del "$ns" 2>/dev/null
    [ -e "/etc/netns/$ns" ] && rm -rf "/etc/netns/$ns"
  done
  if [ -n "$GC_TMP" ] && [ -d "$GC_TMP" ]; then
    if [ "$GC_KEEP" = 1 ]; then gc_log "kept $GC_TMP"; else rm -rf "$GC_TMP"; fi
  fi
  for i in $(seq 1 "$GC_NODES"); do
    ip netns list 2>/dev/null | grep -qw "$(gc_ns "$i")" && echo "gc: cleanup: namespace $(gc_ns "$i") is still there" >&2
  done
  return "$rc"
}

# --- network ------------------------------------------------------------

gc_netns_add() {
  ip netns add "$1" || gc_die "ip netns add $1"
  GC_NETNS_MADE+=("$1")
  ip -n "$1" link set lo up
}

# gc_net_up: the bridge namespace, then one namespace per node, each with
# eth0 whose peer gcpI is a port of the bridge gcbr0. The veth pairs are made
# inside the bridge namespace, so no link ever appears in the host namespace.
gc_net_up() {
  local i ns
  gc_netns_add "$GC_BR_NS"
  ip -n "$GC_BR_NS" link add gcbr0 type bridge mcast_snooping 0 stp_state 0
  ip netns exec "$GC_BR_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n "$GC_BR_NS" link set gcbr0 up
  for i in $(seq 1 "$GC_NODES"); do
    ns=$(gc_ns "$i")
    gc_netns_add "$ns"
    ip -n "$GC_BR_NS" link add "gcp$i" type veth peer name eth0 netns "$ns"
    ip -n "$GC_BR_NS" link set "gcp$i" master gcbr0 up
    if [ "$GC_FAMILY" = 6 ]; then
      # No DAD: addresses must be usable at once, as on a settled LAN.
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0 net.ipv6.conf.eth0.dad_transmits=0
    else
      ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
    fi
    if [ "$GC_FAMILY" = 6 ]; then
      ip -n "$ns" addr add "$(gc_addr "$i")/64" dev eth0 nodad
    else
      ip -n "$ns" addr add "$(gc_addr "$i")/24" dev eth0
    fi
    ip -n "$ns" link set eth0 up
  done
  gc_debug "network up: $GC_BR_NS + ${GC_NODES} nodes (IPv$GC_FAMILY)"
}

# gc_vrrp_block / gc_vrrp_unblock: drop VRRP (IP protocol 112) on the bridge,
# in both families, while ARP and NDP still flow (chaos b).
gc_vrrp_block() {
  ip netns exec "$GC_BR_NS" nft -f - <<'NFT'
table bridge gc_chaos {
  chain forward {
    type filter hook forward priority 0; policy accept;
    meta l4proto 112 counter drop
  }
}
NFT
}
gc_vrrp_unblock() { ip netns exec "$GC_BR_NS" nft delete table bridge gc_chaos 2>/dev/null || true; }

# gc_vip_del NODE: remove a (stale) VIP from NODE's eth0.
gc_vip_del() {
  local i plen=32
  i=$(gc_node_index "$1")
  [ "$GC_FAMILY" = 6 ] && plen=128
  ip -n "$(gc_ns "$i")" addr del "$(gc_vip)/$plen" dev eth0 2>/dev/null || true
}

# gc_port_detach I / gc_port_attach I: silent partition of node I (chaos c).
gc_port_detach() { ip -n "$GC_BR_NS" link set "gcp$1" nomaster; }
gc_port_attach() { ip -n "$GC_BR_NS" link set "gcp$1" master gcbr0; }

# --- the binary and the module path -------------------------------------

# gc_build: build the binary for this architecture into facts.d/.gluster_vip
# (where the facts.d dispatcher looks), unless GC_BIN_PREBUILT names one.
gc_build() {
  local arch
  case "$(uname -m)" in
    x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) gc_die "unsupported arch $(uname -m)" ;;
  esac
  GC_BIN="$GC_REPO/facts.d/.gluster_vip/gluster-vip-linux-$arch"
  if [ -n "${GC_BIN_PREBUILT:-}" ]; then
    GC_BIN=$GC_BIN_PREBUILT
  else
    mkdir -p "$GC_REPO/facts.d/.gluster_vip"
    # Build to a temp name and rename, so concurrent readers never see half a file.
    (cd "$GC_REPO" && CGO_ENABLED=0 go build -o "$GC_BIN.gc$$" ./cmd/gluster-vip) ||
      gc_die "go build ./cmd/gluster-vip failed"
    mv -f "$GC_BIN.gc$$" "$GC_BIN"
  fi
  [ -x "$GC_BIN" ] || gc_die "no binary at $GC_BIN"
  [ -x "$GC_REPO/facts.d/gluster_vip" ] || gc_die "no executable facts.d/gluster_vip dispatcher in the module"
  # Modulepath: the module under its name, the example consumers, stdlib.
  ln -sfn "$GC_REPO" "$GC_TMP/modules/gluster_vip"
  GC_MODULEPATH="$GC_TMP/modules:$GC_REPO/modules:/usr/share/puppet/modules"
}

# --- keepalived ---------------------------------------------------------

gc_ka_conf() { echo "$(gc_node_dir "$(gc_node_index "$1")")/keepalived/keepalived.conf"; }

# gc_ka_conf_handwritten NODE: a keepalived.conf written by hand, used only to
# debug the harness before (or without) the module's gluster_vip::keepalived.
gc_ka_conf_handwritten() {
  local node=$1 i prio conf
  i=$(gc_node_index "$node")
  prio=$((200 - 10 * i))
  conf=$(gc_ka_conf "$node")
  mkdir -p "$(dirname "$conf")"
  cat >"$conf" <<CONF
global_defs {
  router_id $node
  vrrp_version 3
}
vrrp_instance gc_vip {
  state BACKUP
  interface eth0
  virtual_router_id $GC_VRID
  priority $prio
  advert_int $GC_ADVERT
  virtual_ipaddress {
    $(gc_vip)
  }
}
CONF
}

# gc_ka_start NODE: start keepalived in NODE's namespace, in the foreground
# (-n) but backgrounded here, so $! is keepalived itself; record its PID and,
# once it has forked it, the PID of its VRRP child.
gc_ka_start() {
  local node=$1 i ns d pid n
  i=$(gc_node_index "$node")
  ns=$(gc_ns "$i")
  d=$(gc_node_dir "$i")/keepalived
  mkdir -p "$d"
  [ -s "$(gc_ka_conf "$node")" ] || gc_die "$node: no keepalived config at $(gc_ka_conf "$node")"
  if gc_pid_alive "${GC_KA_PID[$node]:-}"; then gc_die "$node: keepalived already runs (pid ${GC_KA_PID[$node]})"; fi
  rm -f "$d"/*.pid
  ip netns exec "$ns" setsid keepalived -n -l -G -P -f "$(gc_ka_conf "$node")" \
    -p "$d/keepalived.pid" -r "$d/vrrp.pid" -c "$d/checkers.pid" -b "$d/bfd.pid" \
    >>"$d/keepalived.log" 2>&1 </dev/null &
  pid=$!
  GC_KA_PID[$node]=$pid
  GC_KA_CHILD[$node]=""
  for ((n = 0; n < 100; n++)); do
    if [ -s "$d/vrrp.pid" ]; then GC_KA_CHILD[$node]=$(cat "$d/vrrp.pid"); break; fi
    gc_pid_alive "$pid" || break
    sleep 0.05
  done
  gc_pid_alive "$pid" || { tail -n 20 "$d/keepalived.log" >&2; gc_die "$node: keepalived exited at start"; }
  [ -n "${GC_KA_CHILD[$node]}" ] || gc_die "$node: keepalived wrote no VRRP child pid in 5 s"
  gc_debug "$node: keepalived pid $pid, vrrp child ${GC_KA_CHILD[$node]}"
}

# gc_ka_stop NODE [SIGNAL]: stop NODE's keepalived by its recorded PID
# (SIGTERM by default: keepalived releases the VIP). With KILL, the parent
# and the VRRP child are both killed, which leaves the VIP behind.
gc_ka_stop() {
  local node=$1 sig=${2:-TERM} pid child
  pid=${GC_KA_PID[$node]:-}
  child=${GC_KA_CHILD[$node]:-}
  [ -n "$pid" ] || return 0
  if [ "$sig" = KILL ]; then
    # Stop the parent first: killed while it runs, it would respawn the VRRP
    # child, or its child would get SIGTERM as the parent dies, and either
    # one releases the VIP. Stopped, it can do neither; then kill both.
    kill -STOP "$pid" 2>/dev/null
    [ -n "$child" ] && kill -KILL "$child" 2>/dev/null
    kill -KILL "$pid" 2>/dev/null
  fi
  gc_stop_pid "$pid" "$sig"
  if [ -n "$child" ] && gc_pid_alive "$child"; then
    # The child belongs to the keepalived we started (recorded from its pidfile).
    gc_stop_pid "$child" "$sig"
  fi
  unset 'GC_KA_PID[$node]' 'GC_KA_CHILD[$node]'
}

# gc_vrrp_state_file NODE: where vrrp-notify.sh records NODE's VRRP state.
gc_vrrp_state_file() { echo "$(gc_node_dir "$(gc_node_index "$1")")/keepalived/vrrp.state"; }

# gc_vrrp_state NODE: MASTER/BACKUP/FAULT/STOP as keepalived last notified,
# or "stopped" when our keepalived for NODE is not running.
gc_vrrp_state() {
  local f
  f=$(gc_vrrp_state_file "$1")
  if ! gc_ka_running "$1"; then echo stopped; return; fi
  if [ -s "$f" ]; then cat "$f"; else echo "-"; fi
}

gc_ka_running() { gc_pid_alive "${GC_KA_PID[$1]:-}"; }

gc_ka_start_all() { local n; for n in $(gc_all_nodes); do gc_ka_start "$n"; done; }
gc_ka_stop_all() { local n; for n in "${!GC_KA_PID[@]}"; do gc_ka_stop "$n"; done; }

# --- observing the VIP --------------------------------------------------

# gc_has_vip NODE: the VIP is on NODE's eth0 (any prefix length).
gc_has_vip() {
  local i
  i=$(gc_node_index "$1")
  ip -n "$(gc_ns "$i")" -o addr show dev eth0 2>/dev/null |
    awk -v vip="$(gc_vip)" '{ split($4, a, "/"); if (a[1] == vip) f = 1 } END { exit !f }'
}

# gc_vip_holders: the nodes that have the VIP, space separated.
gc_vip_holders() {
  local n s=""
  for n in $(gc_all_nodes); do gc_has_vip "$n" && s="$s${s:+ }$n"; done
  echo "$s"
}

# gc_wait_holders WANT [TIMEOUT_S] [STABLE_MS]: wait until the set of VIP
# holders equals WANT ("" = nobody, "one" = exactly one node, whichever) and
# has stayed so for STABLE_MS; print it. Bounded by TIMEOUT_S (default 15 s).
gc_wait_holders() {
  local want=$1 timeout=${2:-15} stable=${3:-600} deadline since=0 cur last="-" ok now
  deadline=$(($(gc_now_ms) + timeout * 1000))
  while :; do
    now=$(gc_now_ms)
    cur=$(gc_vip_holders)
    case "$want" in
      one) [[ -n "$cur" && "$cur" != *" "* ]] && ok=1 || ok=0 ;;
      *) [ "$cur" = "$want" ] && ok=1 || ok=0 ;;
    esac
    if [ "$ok" = 1 ]; then
      [ "$cur" = "$last" ] || since=$now
      if ((now - since >= stable)); then echo "$cur"; return 0; fi
    fi
    last=$cur
    if ((now > deadline)); then
      gc_log "timeout after ${timeout}s waiting for VIP holders '$want', have '$cur'"
      echo "$cur"
      return 1
    fi
    sleep 0.05
  done
}

# gc_settle_wait: sleep out gluster-vip's settle time, plus a margin.
gc_settle_wait() {
  local s=${GC_SETTLE%s}
  sleep "$(awk -v s="$s" 'BEGIN { print s + 0.3 }')"
}

# gc_fact NODE: the facts JSON printed by the facts.d dispatcher in NODE's namespace.
gc_fact() {
  local node=$1 i
  i=$(gc_node_index "$node")
  ip netns exec "$(gc_ns "$i")" env GLUSTER_VIP_CONFIG="$(gc_gv_conf "$node")" \
    "$GC_REPO/facts.d/gluster_vip" 2>/dev/null
}

# gc_fact_holder NODE: true / false / ? (the JSON's gluster_vip_holder).
gc_fact_holder() {
  gc_fact "$1" | ruby -rjson -e 'begin; v = JSON.parse($stdin.read)["gluster_vip_holder"]; puts(v.nil? ? "?" : v); rescue; puts "?"; end'
}

# gc_fact_field NODE FIELD: one field of NODE's gluster_vip fact (nil prints "null").
gc_fact_field() {
  gc_fact "$1" | ruby -rjson -e 'begin; v = JSON.parse($stdin.read)["gluster_vip"][ARGV[0]]; puts(v.nil? ? "null" : v); rescue; puts "?"; end' "$2"
}

# --- the ledger ---------------------------------------------------------

gc_ledger() { echo "$GC_TMP/ledger"; }
gc_ledger_reset() { : >"$(gc_ledger)"; : >"$(gc_ledger).start"; }
# gc_ledger_sorted: the ledger's lines sorted, space separated.
gc_ledger_sorted() { sort "$(gc_ledger)" | paste -sd' ' -; }
gc_ledger_count() { grep -cx "$1" "$(gc_ledger)"; }

# --- puppet -------------------------------------------------------------

gc_gv_conf() { echo "$(gc_node_dir "$(gc_node_index "$1")")/etc/gluster-vip.conf"; }
gc_manifest() { echo "$(gc_node_dir "$(gc_node_index "$1")")/site.pp"; }

declare -A GC_APPLY_RC=()   # node -> exit code of its last puppet apply
GC_APPLY_SEQ=0

# gc_apply NODE: one `puppet apply --detailed-exitcodes` of NODE's site.pp,
# in NODE's namespace, under NODE's own hostname (unshare --uts) and its own
# Puppet directories. GLUSTER_VIP_CONFIG points the fact (run by Facter with no
# arguments) and `check` at NODE's config. Bounded by a 120 s timeout.
# Output goes to NODE's puppet.log; returns puppet's exit code.
gc_apply() {
  local node=$1 i d rubylib=${RUBYLIB:-}
  i=$(gc_node_index "$node")
  d=$(gc_node_dir "$i")
  mkdir -p "$d"/puppet/{conf,var,code,log,run,public} "$d/etc"
  [ "$GC_FACTER_SHIM" = 1 ] && rubylib="$GC_LIB_DIR/rubylib${rubylib:+:$rubylib}"
  {
    echo "=== apply $GC_APPLY_SEQ at $(gc_elapsed)s"
    ip netns exec "$(gc_ns "$i")" unshare --uts sh -c 'hostname "$0" && exec "$@"' "$node" \
      timeout --kill-after=5 120 env GLUSTER_VIP_CONFIG="$(gc_gv_conf "$node")" RUBYLIB="$rubylib" \
      puppet apply --detailed-exitcodes --color=false --certname="$node" \
      --confdir="$d/puppet/conf" --vardir="$d/puppet/var" --codedir="$d/puppet/code" \
      --logdir="$d/puppet/log" --rundir="$d/puppet/run" --publicdir="$d/puppet/public" \
      --modulepath="$GC_MODULEPATH" "$(gc_manifest "$node")"
  } >>"$d/puppet.log" 2>&1 </dev/null
}

# gc_apply_all [NODE...]: apply on the nodes (default: all) concurrently and
# wait for every run. Fills GC_APPLY_RC; true when every run exited 0 or 2
# (2 = changes applied), false (and a log excerpt) otherwise.
gc_apply_all() {
  local nodes=("$@") n pid ok=0
  declare -A pids=()
  [ "${#nodes[@]}" -gt 0 ] || mapfile -t nodes < <(gc_all_nodes)
  GC_APPLY_SEQ=$((GC_APPLY_SEQ + 1))
  for n in "${nodes[@]}"; do
    gc_apply "$n" &
    pids[$n]=$!
    GC_BG_PIDS+=("$!")
  done
  for n in "${nodes[@]}"; do
    pid=${pids[$n]}
    wait "$pid"
    GC_APPLY_RC[$n]=$?
    case "${GC_APPLY_RC[$n]}" in
      0 | 2) ;;
      *)
        ok=1
        gc_log "$n: puppet apply exited ${GC_APPLY_RC[$n]}; last lines of its log:"
        grep -v 'Facter: .*/proc/1/environ' "$(gc_node_dir "$(gc_node_index "$n")")/puppet.log" | tail -n 15 >&2
        ;;
    esac
  done
  GC_BG_PIDS=()
  gc_debug "apply $GC_APPLY_SEQ: $(for n in "${nodes[@]}"; do printf '%s=%s ' "$n" "${GC_APPLY_RC[$n]}"; done)"
  return "$ok"
}

# --- the node manifests -------------------------------------------------

# gc_pp_str S: S as a single-quoted Puppet string.
gc_pp_str() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }

gc_nodes_pp() { local n s=""; for n in $(gc_all_nodes); do s="$s${s:+, }'$n'"; done; echo "[$s]"; }
gc_peers_pp() { local a s=""; for a in $(gc_peers | tr , ' '); do s="$s${s:+, }'$a'"; done; echo "[$s]"; }

# gc_gluster_wrapper NODE: NODE's `gluster` command for the example consumer: a
# wrapper around fake-gluster.sh that passes the shared ledger and NODE's name.
gc_gluster_wrapper() {
  local node=$1 w
  w="$(gc_node_dir "$(gc_node_index "$node")")/bin/gluster"
  if [ ! -x "$w" ]; then
    mkdir -p "$(dirname "$w")"
    printf '#!/bin/sh\nexec %q %q %q "$@"\n' "$GC_LIB_DIR/fake-gluster.sh" "$(gc_ledger)" "$node" >"$w"
    chmod 755 "$w"
  fi
  echo "$w"
}

# gc_consumer_pp NODE: the example consumer (modules/gluster_volume_example),
# its gluster command pointed at NODE's wrapper, so that creating the volume
# appends NODE to the ledger (and starting it, to the ledger's .start twin).
gc_consumer_pp() {
  local node=$1 n bricks=""
  for n in $(gc_all_nodes); do bricks="$bricks${bricks:+, }'$n:/bricks/gv0'"; done
  cat <<PP
class { 'gluster_volume_example':
  volume  => 'gv0',
  replica => $GC_NODES,
  bricks  => [$bricks],
  gluster => $(gc_pp_str "$(gc_gluster_wrapper "$node")"),
}
PP
}

# gc_keepalived_pp NODE: class gluster_vip::keepalived for NODE: VRRPv3,
# advert_int $GC_ADVERT, priorities from the node list, config under NODE's dir;
# the harness (not Puppet) runs keepalived.
gc_keepalived_pp() {
  local node=$1
  cat <<PP
class { 'gluster_vip::keepalived':
  config_file       => $(gc_pp_str "$(gc_ka_conf "$node")"),
  manage_package    => false,
  manage_service    => false,
  nodes             => $(gc_nodes_pp),
  node_name         => $(gc_pp_str "$node"),
  virtual_router_id => $GC_VRID,
  advert_int        => $GC_ADVERT,
  vrrp_version      => 3,
  interface         => 'eth0',
  vip               => $(gc_pp_str "$(gc_vip)"),
  nopreempt         => ${GC_NOPREEMPT:-false},
$([ -n "${GC_TRACK_QUORUM:-}" ] && echo "  track_quorum      => $GC_TRACK_QUORUM,")
  notify_script     => $(gc_pp_str "$GC_LIB_DIR/vrrp-notify.sh $(gc_vrrp_state_file "$node")"),
}
PP
}

# gc_site NODE VIP MODE PARTS: write NODE's site.pp. VIP '' means mode all;
# MODE '' leaves the mode to the binary. PARTS is a list of: config (class
# gluster_vip), keepalived, consumer.
gc_site() {
  local node=$1 vip=$2 mode=$3 parts=$4 f
  f=$(gc_manifest "$node")
  mkdir -p "$(dirname "$f")"
  {
    echo "# $node: written by spec/cluster (parts: $parts)"
    if [[ " $parts " == *" config "* ]]; then
      echo "class { 'gluster_vip':"
      echo "  vip         => $(gc_pp_str "$vip"),"
      [ -n "$mode" ] && echo "  mode        => $(gc_pp_str "$mode"),"
      echo "  settle      => $(gc_pp_str "$GC_SETTLE"),"
      [ -n "$vip" ] && echo "  interface   => 'eth0',"
      [ -n "$GC_PROBE" ] && echo "  probe       => $(gc_pp_str "$GC_PROBE"),"
      [ "${GC_WITH_PEERS:-0}" = 1 ] && echo "  peers       => $(gc_peers_pp),"
      [ "${GC_WITH_LIVENESS:-0}" = 1 ] &&
        echo "  keepalived_pidfile => $(gc_pp_str "$(gc_node_dir "$(gc_node_index "$node")")/keepalived/keepalived.pid"),"
      echo "  config_file => $(gc_pp_str "$(gc_gv_conf "$node")"),"
      echo "}"
    fi
    [[ " $parts " == *" keepalived "* ]] && gc_keepalived_pp "$node"
    [[ " $parts " == *" consumer "* ]] && gc_consumer_pp "$node"
  } >"$f"
}

# gc_site_all VIP MODE PARTS: gc_site for every node.
gc_site_all() { local n; for n in $(gc_all_nodes); do gc_site "$n" "$@"; done; }

# --- assertions and results ---------------------------------------------

GC_RESULTS=()     # "PASS|FAIL name seconds detail"
export GC_FAILED=0
GC_CHECK_FAILED=0

# gc_check COND_DESC -- CMD...: run CMD; on failure, log and mark the scenario failed.
gc_check() {
  local desc=$1
  shift
  if "$@"; then gc_debug "ok: $desc"; return 0; fi
  gc_log "check failed: $desc"
  GC_CHECK_FAILED=1
  return 1
}

# gc_expect_ledger WANT: the ledger (volume creations), sorted, is exactly WANT
# (node names, space separated), and so is the .start ledger (volume starts).
gc_expect_ledger() {
  local want have have_start
  want=$(tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort | paste -sd' ' -)
  have=$(gc_ledger_sorted)
  have_start=$(sort "$(gc_ledger).start" | paste -sd' ' -)
  if [ "$have" = "$want" ] && [ "$have_start" = "$want" ]; then
    gc_log "ledger: [$have] as expected"
    return 0
  fi
  gc_log "ledger: created by [$have], started by [$have_start]; expected [$want] for both"
  GC_CHECK_FAILED=1
  return 1
}

# gc_expect_unchanged: every node's last puppet apply exited 0 (no changes).
gc_expect_unchanged() {
  local n bad=""
  for n in $(gc_all_nodes); do [ "${GC_APPLY_RC[$n]:-x}" = 0 ] || bad="$bad $n=${GC_APPLY_RC[$n]:-none}"; done
  [ -z "$bad" ] && return 0
  gc_log "expected no changes (--detailed-exitcodes 0), got:$bad"
  for n in $(gc_all_nodes); do
    [ "${GC_APPLY_RC[$n]:-x}" = 0 ] && continue
    grep -v 'Facter: .*/proc/1/environ' "$(gc_node_dir "$(gc_node_index "$n")")/puppet.log" |
      awk '/^=== apply/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' | grep -i 'notice\|change' | head -n 10 >&2
  done
  GC_CHECK_FAILED=1
  return 1
}

# gc_scenario LABEL FUNCTION: run FUNCTION, print a PASS or FAIL line with its time.
gc_scenario() {
  local label=$1 fn=$2 t0 secs verdict
  t0=$(gc_now_ms)
  GC_CHECK_FAILED=0
  gc_log "--- $label"
  "$fn" || GC_CHECK_FAILED=1
  secs=$(awk -v ms=$(($(gc_now_ms) - t0)) 'BEGIN { printf "%.1f", ms / 1000 }')
  if [ "$GC_CHECK_FAILED" = 0 ]; then verdict=PASS; else verdict=FAIL; GC_FAILED=1; fi
  GC_RESULTS+=("$verdict IPv$GC_FAMILY $label (${secs}s)")
  printf '%s: IPv%s %s (%ss)\n' "$verdict" "$GC_FAMILY" "$label" "$secs"
}
