#!/bin/sh
# The Go half of the test suite: formatting, vet, unit and real-kernel
# tests, a short fuzz of every parser, and the cross-compile matrix.
# Run as root (the kernel tests make network namespaces); with CI=true a
# test that can't run fails instead of skipping.
set -eu
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/local/go/bin
export PATH
fuzztime=${FUZZTIME:-3s}

step() { printf '\n== %s\n' "$*"; }

step gofmt
unformatted=$(gofmt -l cmd facts)
if [ -n "$unformatted" ]; then
  echo "gofmt would change: $unformatted" >&2
  exit 1
fi

step go vet
go vet ./...
GOOS=darwin go vet ./...

step go test
go test -count=1 ./...

step fuzz "($fuzztime each)"
for target in FuzzParseConfig FuzzParseVIP FuzzParseDuration FuzzParseDump; do
  go test ./facts -run '^$' -fuzz "^$target\$" -fuzztime "$fuzztime"
done
go test ./facts/probe -run '^$' -fuzz '^FuzzParseFrame$' -fuzztime "$fuzztime"
go test ./cmd/gluster-vip -run '^$' -fuzz '^FuzzArgs$' -fuzztime "$fuzztime"

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
