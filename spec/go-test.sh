#!/bin/sh
# The Go half of the test suite: formatting, vet, unit and real-kernel
# tests, a short fuzz of every parser, and the cross-compile matrix.
# Run as root (the kernel tests make network namespaces); with CI=true a
# test that can't run fails instead of skipping.
set -eu
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/local/go/bin
export PATH
# Fuzz budgets are counts of executions, not durations: with a duration,
# Go's fuzz coordinator can fail a target with a bare "context deadline
# exceeded" when the deadline races a worker on a loaded machine (it did in
# CI), and a count does the same work on a fast machine and a slow one.
# FUZZEXECS scales them all, e.g. FUZZEXECS=10 for a longer hunt.
scale=${FUZZEXECS:-1}

step() { printf '\n== %s\n' "$*"; }

step gofmt
unformatted=$(gofmt -l cmd facts)
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi

step go vet
go vet ./...
go vet -tags etcdcluster ./cmd/gluster-vip-elect
GOOS=darwin go vet ./...

step go test
go test -count=1 ./...

# fuzz PACKAGE TARGET EXECS: fails on a finding, and when the target did not
# fuzz at all (a renamed or moved target would otherwise pass in 0 s).
fuzz() {
  log=$(mktemp)
  if ! go test "$1" -run '^$' -fuzz "^$2\$" -fuzztime "$(($3 * scale))x" >"$log" 2>&1; then
    cat "$log"; rm -f "$log"; exit 1
  fi
  if ! grep -q 'now fuzzing' "$log"; then
    cat "$log"; rm -f "$log"
    echo "fuzz: $1 $2 did not fuzz: is the target still there?" >&2
    exit 1
  fi
  printf '%-40s %s\n' "$2" "$(grep -o 'execs: [0-9]*' "$log" | tail -1)"
  rm -f "$log"
}

step fuzz "(execution counts x$scale)"
fuzz ./facts FuzzParseConfig 15000
fuzz ./facts FuzzParseVIP 15000
fuzz ./facts FuzzParseDuration 20000
fuzz ./facts FuzzElectAnswer 20000
fuzz ./facts/internal/rtnl FuzzParseDump 50000
fuzz ./facts/probe FuzzParseFrame 50000
fuzz ./cmd/gluster-vip FuzzArgs 10000

step cross-compile
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for target in linux/amd64 linux/arm64 darwin/arm64 freebsd/amd64 windows/amd64; do
  CGO_ENABLED=0 GOOS=${target%/*} GOARCH=${target#*/} go build -trimpath -o "$out/gv-${target%/*}-${target#*/}" ./cmd/gluster-vip
  echo "built $target"
done

step "the stub for other systems answers with an error fact"
go build -tags gluster_vip_stub -o "$out/stub" ./cmd/gluster-vip
fact=$("$out/stub" --vip 203.0.113.10 2>"$out/stub.err")
echo "$fact" | grep -q '"gluster_vip_holder": false' || { echo "stub fact: $fact" >&2; exit 1; }
echo "$fact" | grep -q '"error": "not implemented on' || { echo "stub fact has no error: $fact" >&2; exit 1; }
rc=0; "$out/stub" check --vip 203.0.113.10 2>/dev/null || rc=$?
[ "$rc" = 2 ] || { echo "stub check exited $rc, want 2" >&2; exit 1; }
echo "stub: holder false, error set, check exits 2"
