#!/bin/sh
# Backend etcd against a real three-member etcd cluster (Debian's
# etcd-server) in network namespaces (cmd/gluster-vip-elect/cluster_linux_test.go).
#
#   sh spec/etcd/cluster.sh                         the cluster's tests
#   sh spec/etcd/cluster.sh --chaos [--trials N] [--seed S]
#
# The tests: one holder, kill -9, the cut-off leader's timeline, member and
# majority loss, run not started once leadership is lost; TLS with real
# certificates against an etcd with client-cert-auth. --chaos: the chaos
# suite with backend etcd, every node applying the guarded operation in
# rounds while a fault hits and is healed (TestEtcdChaos); it fails unless
# every trial ran exactly once.
# Needs root, ip, etcd and etcdctl; under CI=true a missing one is a
# failure, not a skip. Alone, not beside other packages' tests: it loads
# both cores (40 s; the chaos 8 s a trial).
set -eu
cd "$(dirname "$0")/../.."
PATH=$PATH:/usr/local/go/bin
export PATH
tests='TestEtcdCluster TestEtcdTLS' trials=8 seed= timeout=600
while [ $# -gt 0 ]; do
  case $1 in
    --chaos) tests='TestEtcdChaos'; shift ;;
    --trials) trials=$2; timeout=$((trials * 90 + 120)); shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "spec/etcd/cluster.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in ip etcd etcdctl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "spec/etcd/cluster.sh: needs $tool (apt-get install etcd-server etcd-client iproute2)" >&2
    exit 1
  fi
done
[ "$(id -u)" = 0 ] || { echo "spec/etcd/cluster.sh: needs root (it makes network namespaces)" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
GV_CHAOS_TRIALS=$trials GV_CHAOS_SEED=$seed CI=true \
  go test -count=1 -tags etcdcluster -timeout "${timeout}s" -run "^($(echo "$tests" | tr ' ' '|'))\$" -v ./cmd/gluster-vip-elect 2>&1 | tee "$out"
# A skipped or absent test is a failure here.
for test in $tests; do
  grep -q "^--- PASS: $test " "$out" || { echo "spec/etcd/cluster.sh: $test did not pass" >&2; exit 1; }
done
if [ "$tests" = TestEtcdChaos ]; then
  grep -q "^exactly once: $trials/$trials trials ran exactly once; doubles 0; zeros 0\$" "$out" ||
    { echo "spec/etcd/cluster.sh: not every trial ran exactly once" >&2; exit 1; }
fi
