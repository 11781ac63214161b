#!/bin/bash
# The README demo: a 3-node keepalived + Puppet cluster in network namespaces.
#
#   sudo bash spec/cluster/demo.sh [--ipv6] [--no-setup]
#
# Installs what it needs (spec/setup.sh, Debian 12, as root), builds the binary,
# brings up 3 nodes, has keepalived elect a VRRP master, applies the example
# consumer on every node at once, and prints who holds the VIP and who ran the
# guarded exec. Then it stops the master's keepalived (SIGTERM), applies again,
# prints the table again, and tears everything down.
set -u
set -o pipefail

GC_SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")
setup=1
while [ $# -gt 0 ]; do
  case "$1" in
    --ipv6) export GC_FAMILY=6; shift ;;
    --no-setup) setup=0; shift ;;
    -h | --help) sed -n '2,11p' "$GC_SELF"; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
# shellcheck source=lib.sh
. "$(dirname "$GC_SELF")/lib.sh"

if [ "$setup" = 1 ] && [ -f "$GC_REPO/spec/setup.sh" ]; then
  [ "$(id -u)" = 0 ] || gc_die "the demo runs as root (it creates network namespaces)"
  sh "$GC_REPO/spec/setup.sh" || gc_die "spec/setup.sh failed"
fi
CI=true  # from here on, a missing piece is an error, not a skip
gc_init
echo "== building gluster-vip"
gc_build
echo "== bringing up ${GC_NODES} nodes ($(gc_peers), VIP $(gc_vip)) on a bridge in namespace $GC_BR_NS"
gc_net_up

# round: apply the example consumer on every node concurrently and print the table.
declare -A before=()
round() {
  local n ran
  for n in $(gc_all_nodes); do before[$n]=$(gc_ledger_count "$n"); done
  gc_apply_all || gc_log "some puppet runs failed (see above)"
  printf '\n  %-7s | %-11s | %-18s | %s\n' node "VRRP state" gluster_vip_holder "ran the guarded exec"
  printf '  %s\n' "--------+-------------+--------------------+---------------------"
  for n in $(gc_all_nodes); do
    if [ "$(gc_ledger_count "$n")" -gt "${before[$n]}" ]; then ran=yes; else ran=no; fi
    printf '  %-7s | %-11s | %-18s | %s\n' "$n" "$(gc_vrrp_state "$n")" "$(gc_fact_holder "$n")" "$ran"
  done
  echo
}

echo "== puppet apply of gluster_vip + gluster_vip::keepalived on every node (writes their configs)"
gc_site_all "$(gc_vip)" "" "config keepalived"
gc_apply_all || gc_die "puppet apply failed"
echo "== starting keepalived on every node (VRRPv3, advert_int $GC_ADVERT)"
gc_ka_start_all
master=$(gc_wait_holders one 20 800) || gc_die "no single VRRP master"
gc_settle_wait
echo "== $master is the VRRP master; applying the example consumer on all nodes at once"
gc_site_all "$(gc_vip)" "" "config keepalived consumer"
round

echo "== failover: SIGTERM to $master's keepalived (pid ${GC_KA_PID[$master]})"
gc_ka_stop "$master" TERM
new=$(gc_wait_holders one 20 500) || gc_die "no single VRRP master after the failover"
gc_settle_wait
echo "== $new took the VIP; applying the example consumer on all nodes at once again"
round

echo "== ledger (one line per 'gluster volume create', in order): $(paste -sd' ' "$(gc_ledger)")"
echo "== tearing down (namespaces, keepalived by PID, temp files)"
