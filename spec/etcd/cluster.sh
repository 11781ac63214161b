#!/bin/sh
# Backend etcd against a real three-member etcd cluster (Debian's
# etcd-server) in network namespaces: one holder, kill -9, the cut-off
# leader's timeline, member and majority loss, run not started once
# leadership is lost. Needs root, ip, etcd and etcdctl; under CI=true a
# missing one is a failure, not a skip. Alone, not beside other packages'
# tests: it loads both cores for about 40 s.
set -eu
cd "$(dirname "$0")/../.."
PATH=$PATH:/usr/local/go/bin
export PATH
for tool in ip etcd etcdctl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "spec/etcd/cluster.sh: needs $tool (apt-get install etcd-server etcd-client iproute2)" >&2
    exit 1
  fi
done
[ "$(id -u)" = 0 ] || { echo "spec/etcd/cluster.sh: needs root (it makes network namespaces)" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
CI=true go test -count=1 -tags etcdcluster -run '^TestEtcdCluster$' -v ./cmd/gluster-vip-elect 2>&1 | tee "$out"
# A skipped or absent test is a failure here.
grep -q '^--- PASS: TestEtcdCluster ' "$out" || { echo "spec/etcd/cluster.sh: TestEtcdCluster did not pass" >&2; exit 1; }
