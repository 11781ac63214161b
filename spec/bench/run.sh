#!/usr/bin/env bash
# spec/bench/run.sh: what one gluster-vip fact run costs, against ip, a Ruby
# custom fact through Facter and `facter networking`, and how the cost grows
# with the number of addresses on the node (issue 6).
#
# Usage (as root, from anywhere):
#
#   bash spec/bench/run.sh [--runs N] [--scale-runs N] [--facter-runs N]
#                          [--facter-max N] [--sizes "10 1000 10000"]
#                          [--bin PATH] [--no-go-bench] [--no-write]
#
#   --runs N         measured rounds of the side-by-side phase (default 21; at least 20)
#   --scale-runs N   measured rounds of the scaling phase (default 21)
#   --facter-runs N  rounds in which the scaling phase also runs the Ruby fact and
#                    `facter networking` (default 5: each costs 0.5-2 s)
#   --facter-max N   largest node that `facter networking` is run on in the scaling
#                    phase (default 1000: one run with 10,000 addresses took 60-90 s here)
#   --sizes "A B C"  IPv6 address counts of the scaling phase (default "10 1000 10000")
#   --bin PATH       measure this binary instead of building one as the Rakefile does
#   --no-go-bench    skip `go test -bench` of facts/bench_test.go
#   --no-write       print the results, but leave spec/bench/ as it is
#
# Everything happens in network namespaces this script creates and deletes
# (names and links start with gb<PID>), on 198.51.100.0/24, 203.0.113.0/24
# and 2001:db8::/32 only; nothing leaves them. Every command is timed as
#
#   ip netns exec NS /usr/bin/time -f %M -o FILE COMMAND...
#
# under a small Go clock (built into the temp dir) that forks it and reports
# the wall time and the CPU time (user + system, from wait4's rusage, which
# covers ip, time and the command), so that every command pays the same
# namespace entry; `true` is measured the same way, to subtract that entry.
# The CPU time is what a loaded machine does not inflate: waiting for a CPU
# counts in the wall time only.
# Rounds are interleaved: each round runs every command once, starting one
# command later than the round before, so that drift of the machine hits all
# of them alike. One warm-up round is run and not counted.
#
# Writes spec/bench/results.md (tables, goals), spec/bench/samples.tsv (every
# sample), spec/bench/scaling.dat and spec/bench/scaling.png (gnuplot),
# spec/bench/go-bench.txt (go test -bench).
set -euo pipefail
export LC_ALL=C

RUNS=21 SCALE_RUNS=21 FACTER_RUNS=5 FACTER_MAX=1000 SIZES="10 1000 10000"
BIN="" GO_BENCH=1 WRITE=1
while (($#)); do
	case $1 in
	--runs) RUNS=$2; shift 2 ;;
	--scale-runs) SCALE_RUNS=$2; shift 2 ;;
	--facter-runs) FACTER_RUNS=$2; shift 2 ;;
	--facter-max) FACTER_MAX=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--bin) BIN=$2; shift 2 ;;
	--no-go-bench) GO_BENCH=0; shift ;;
	--no-write) WRITE=0; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
	esac
done
for v in RUNS SCALE_RUNS FACTER_RUNS FACTER_MAX; do
	[[ ${!v} =~ ^[0-9]+$ ]] || { echo "run.sh: --${v,,} wants a number, got ${!v}" >&2; exit 2; }
done
((RUNS >= 1 && RUNS <= 1000 && SCALE_RUNS >= 1 && SCALE_RUNS <= 1000)) || { echo "run.sh: runs must be 1-1000" >&2; exit 2; }
((RUNS >= 20)) || echo "run.sh: warning: --runs $RUNS is below the 20 that issue 6 asks for" >&2
for n in $SIZES; do
	[[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 60000)) || { echo "run.sh: --sizes: $n is not 1-60000" >&2; exit 2; }
done

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=$ROOT/spec/bench
if ((EUID != 0)); then
	echo "run.sh: needs root (it creates network namespaces)" >&2
	exit 2
fi
for c in ip facter gnuplot go awk sort; do
	command -v "$c" >/dev/null || { echo "run.sh: needs $c" >&2; exit 2; }
done
[[ -x /usr/bin/time ]] || { echo "run.sh: needs /usr/bin/time (Debian package time)" >&2; exit 2; }

P=gb$$
TMP=$(mktemp -d /tmp/gb-bench.XXXXXX)
NAMESPACES=()
cleanup() {
	set +e
	for ns in "${NAMESPACES[@]}"; do
		ip netns delete "$ns" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

newns() {
	NAMESPACES+=("$1")
	ip netns add "$1"
}

# --- the binary, the config file and the Ruby fact ---------------------------

if [[ -z $BIN ]]; then
	log "building gluster-vip as the Rakefile does (CGO_ENABLED=0, -trimpath, -s -w)"
	(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=bench" -o "$TMP/gluster-vip" ./cmd/gluster-vip)
	BIN=$TMP/gluster-vip
fi
BIN=$(realpath "$BIN")
BIN_SIZE=$(stat -c %s "$BIN")

# The floor of any Go binary here: a static hello world, built the same way.
mkdir "$TMP/gohello"
printf 'module gohello\n\ngo 1.21\n' >"$TMP/gohello/go.mod"
printf 'package main\n\nimport "os"\n\nfunc main() { os.Stdout.WriteString("{}\\n") }\n' >"$TMP/gohello/main.go"
(cd "$TMP/gohello" && CGO_ENABLED=0 GOFLAGS=-mod=mod go build -trimpath -ldflags "-s -w" -o "$TMP/gohello/gohello" .)

# The clock: wall and CPU time of one command tree, in microseconds.
mkdir "$TMP/clock"
printf 'module clock\n\ngo 1.21\n' >"$TMP/clock/go.mod"
cat >"$TMP/clock/main.go" <<'EOF'
// Command clock runs argv[2:] and writes "wall_us cpu_us" to argv[1].
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "clock:", err)
		os.Exit(125)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	if err := os.WriteFile(os.Args[1], fmt.Appendf(nil, "%d %d\n", wall.Microseconds(), cpu.Microseconds()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "clock:", err)
		os.Exit(125)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
EOF
(cd "$TMP/clock" && CGO_ENABLED=0 go build -trimpath -o "$TMP/clock/clock" .)
CLOCK=$TMP/clock/clock

# A configured node reads its config file on every run; so does this one.
# The flags below override it, as on the agents' apply-time check.
mkdir -m 0755 "$TMP/conf"
printf '# gluster-vip benchmark: the flags give every setting\n' >"$TMP/conf/gluster-vip.conf"
chmod 0644 "$TMP/conf/gluster-vip.conf"
export GLUSTER_VIP_CONFIG=$TMP/conf/gluster-vip.conf

# The Ruby peer: a custom fact that answers the same question, "is the VIP on
# one of my interfaces", the cheapest way Ruby has (getifaddrs(3), no
# networking fact).
mkdir "$TMP/rubyfact"
cat >"$TMP/rubyfact/gb_vip_present.rb" <<'EOF'
# The Ruby equivalent of a non-holder gluster-vip run, for spec/bench/run.sh.
Facter.add(:gb_vip_present) do
  setcode do
    require 'socket'
    vip = ENV.fetch('GB_VIP', '203.0.113.99')
    Socket.getifaddrs.any? do |ifa|
      ifa.addr&.ip? && ifa.addr.ip_address == vip && (ifa.flags & Socket::IFF_UP) != 0
    end
  end
end
EOF

# --- the node: a veth with carrier, its peer end in a second namespace -------

NODE=$P-node PEER=$P-peer
newns "$NODE"
newns "$PEER"
ip link add "${P}a" netns "$NODE" type veth peer name "${P}b" netns "$PEER"
ip -n "$NODE" -batch - <<EOF
link set lo up
link set ${P}a up
addr add 198.51.100.1/24 dev ${P}a
addr add 203.0.113.10/32 dev ${P}a
addr add 2001:db8:b::1/64 dev ${P}a nodad
EOF
ip -n "$PEER" -batch - <<EOF
link set lo up
link set ${P}b up
addr add 198.51.100.2/24 dev ${P}b
addr add 2001:db8:b::2/64 dev ${P}b nodad
EOF
for ((i = 0; i < 50; i++)); do
	ip -n "$NODE" -o link show "${P}a" | grep -q LOWER_UP && break
	sleep 0.1
done
ip -n "$NODE" -o link show "${P}a" | grep -q LOWER_UP || { echo "run.sh: ${P}a has no carrier after 5 s" >&2; exit 1; }

# --- measuring ----------------------------------------------------------------

# Each command: label, namespace, expected exit code, a regexp its stdout
# must match ('' for none), the command.
# C_ENV is an environment setting for that one command ('' for none).
declare -a C_LABEL C_NS C_RC C_WANT C_CMD C_ROUNDS C_ENV

addcmd() { # label ns rc want rounds cmd...
	C_LABEL+=("$1") C_NS+=("$2") C_RC+=("$3") C_WANT+=("$4") C_ROUNDS+=("$5") C_ENV+=("${ENV_NEXT:-}")
	ENV_NEXT=""
	shift 5
	C_CMD+=("$*")
}

SAMPLES=$TMP/samples.tsv
printf 'phase\tlabel\tround\twall_us\tcpu_us\trss_kib\n' >"$SAMPLES"

# run_one PHASE ROUND INDEX: runs command INDEX once; ROUND 0 is the warm-up,
# which checks the output and is not recorded.
run_one() {
	local phase=$1 round=$2 i=$3 rc=0 rss wall cpu
	local -a argv
	read -ra argv <<<"${C_CMD[i]}"
	# Exported only around this command; an env(1) wrapper would add an exec.
	[[ -z ${C_ENV[i]} ]] || export "${C_ENV[i]?}"
	"$CLOCK" "$TMP/clock.out" ip netns exec "${C_NS[i]}" /usr/bin/time -f %M -o "$TMP/rss" "${argv[@]}" >"$TMP/out" 2>"$TMP/err" || rc=$?
	read -r wall cpu <"$TMP/clock.out"
	[[ -z ${C_ENV[i]} ]] || unset "${C_ENV[i]%%=*}"
	rss=$(tail -n 1 "$TMP/rss")
	if [[ $rc != "${C_RC[i]}" ]] || { [[ -n ${C_WANT[i]} ]] && ! grep -Eq "${C_WANT[i]}" "$TMP/out"; }; then
		echo "run.sh: ${C_LABEL[i]} (round $round): exit $rc, want ${C_RC[i]}; stdout must match /${C_WANT[i]}/" >&2
		echo "  command: ip netns exec ${C_NS[i]} ${C_CMD[i]}" >&2
		head -c 2000 "$TMP/out" | sed 's/^/  stdout: /' >&2
		head -c 2000 "$TMP/err" | sed 's/^/  stderr: /' >&2
		exit 1
	fi
	if ((round > 0)); then
		printf '%s\t%s\t%d\t%d\t%d\t%s\n' "$phase" "${C_LABEL[i]}" "$round" "$wall" "$cpu" "$rss" >>"$SAMPLES"
	fi
}

# run_phase PHASE ROUNDS: round-robin over every command, rotating the start.
run_phase() {
	local phase=$1 rounds=$2 k=${#C_LABEL[@]} r j i
	for ((r = 0; r <= rounds; r++)); do
		for ((j = 0; j < k; j++)); do
			i=$(((j + r) % k))
			# Slow commands run only in their first C_ROUNDS rounds.
			((r <= C_ROUNDS[i])) || continue
			run_one "$phase" "$r" "$i"
		done
		((r % 5 == 0)) && log "$phase: round $r of $rounds"
	done
	return 0
}

NONHOLDER='"gluster_vip_holder": false'
HOLDER='"gluster_vip_holder": true'
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

log "side by side in $NODE: $RUNS rounds"
addcmd "netns entry (true)" "$NODE" 0 '' "$RUNS" true
addcmd "gluster-vip, non-holder" "$NODE" 0 "$NONHOLDER" "$RUNS" "$BIN" --vip 203.0.113.99 --mode vip
ENV_NEXT=GOMAXPROCS=1 addcmd "gluster-vip, non-holder, GOMAXPROCS=1" "$NODE" 0 "$NONHOLDER" "$RUNS" "$BIN" --vip 203.0.113.99 --mode vip
addcmd "Go hello world (runtime floor)" "$NODE" 0 '^\{\}$' "$RUNS" "$TMP/gohello/gohello"
addcmd "gluster-vip check, non-holder" "$NODE" 1 '' "$RUNS" "$BIN" check --vip 203.0.113.99 --mode vip
addcmd "gluster-vip, holder, probe 200ms" "$NODE" 0 "$HOLDER" "$RUNS" "$BIN" --vip 203.0.113.10 --mode vip --settle 0s
addcmd "ip -o addr" "$NODE" 0 '203\.0\.113\.10/32' "$RUNS" ip -o addr
addcmd "Ruby fact via facter --custom-dir" "$NODE" 0 '^false$' "$RUNS" facter --custom-dir "$TMP/rubyfact" gb_vip_present
addcmd "facter networking" "$NODE" 0 'interfaces' "$RUNS" facter networking
run_phase main "$RUNS"

# --- scaling --------------------------------------------------------------------

# The bulk is IPv6 /128s from 2001:db8:1::/64 with nodad, on lo: the kernel
# adds 10,000 of them to lo in ~4 s and to a veth in ~27 s, and the dump
# reads them alike. The IPv6 VIP makes the family-filtered dump read all of
# them; the IPv4 VIP on the same node reads only the IPv4 addresses.
# IPv4 cannot reach 10,000 in the allowed ranges, so one more node carries
# 507 IPv4 /32s (all of 198.51.100.0/24 and 203.0.113.0/24 but the VIP).
C_LABEL=() C_NS=() C_RC=() C_WANT=() C_CMD=() C_ROUNDS=() C_ENV=()
for n in $SIZES; do
	ns=$P-s$n
	newns "$ns"
	{
		echo "link set lo up"
		echo "addr add 198.51.100.1/32 dev lo"
		for ((i = 1; i <= n; i++)); do
			printf 'addr add 2001:db8:1::%x:%x/128 dev lo nodad\n' $((i >> 16)) $((i & 0xffff))
		done
	} >"$TMP/batch"
	log "scaling: adding $n IPv6 addresses in $ns"
	ip -n "$ns" -batch "$TMP/batch"
	got=$(ip -n "$ns" -6 -o addr show | wc -l)
	((got == n + 1)) || { echo "run.sh: $ns has $got IPv6 addresses, want $((n + 1))" >&2; exit 1; }
	addcmd "$n|netns entry (true)" "$ns" 0 '' "$SCALE_RUNS" true
	addcmd "$n|gluster-vip, IPv6 VIP, non-holder" "$ns" 0 "$NONHOLDER" "$SCALE_RUNS" "$BIN" --vip 2001:db8:ffff::99 --mode vip
	addcmd "$n|gluster-vip, IPv4 VIP, non-holder" "$ns" 0 "$NONHOLDER" "$SCALE_RUNS" "$BIN" --vip 203.0.113.99 --mode vip
	addcmd "$n|ip -o addr" "$ns" 0 '2001:db8:1::' "$SCALE_RUNS" ip -o addr
	addcmd "$n|Ruby fact via facter --custom-dir" "$ns" 0 '^false$' "$FACTER_RUNS" facter --custom-dir "$TMP/rubyfact" gb_vip_present
	if ((n <= FACTER_MAX)); then
		addcmd "$n|facter networking" "$ns" 0 'interfaces' "$FACTER_RUNS" facter networking
	fi
done
V4=$P-v4
newns "$V4"
{
	echo "link set lo up"
	for i in $(seq 1 254); do echo "addr add 198.51.100.$i/32 dev lo"; done
	for i in $(seq 1 254); do ((i == 99)) || echo "addr add 203.0.113.$i/32 dev lo"; done
} >"$TMP/batch"
ip -n "$V4" -batch "$TMP/batch"
addcmd "507v4|netns entry (true)" "$V4" 0 '' "$SCALE_RUNS" true
addcmd "507v4|gluster-vip, IPv4 VIP, non-holder" "$V4" 0 "$NONHOLDER" "$SCALE_RUNS" "$BIN" --vip 203.0.113.99 --mode vip
addcmd "507v4|ip -o addr" "$V4" 0 '203\.0\.113\.254' "$SCALE_RUNS" ip -o addr
log "scaling: $SCALE_RUNS rounds over $SIZES addresses and 507 IPv4"
run_phase scale "$SCALE_RUNS"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Go benchmarks ------------------------------------------------------------

if ((GO_BENCH)); then
	log "go test -bench (facts/bench_test.go)"
	(cd "$ROOT" && go test ./facts -run '^$' -bench . -benchmem -benchtime 300ms -count 1) >"$TMP/go-bench.txt" 2>&1 ||
		{ echo "run.sh: go test -bench failed:" >&2; cat "$TMP/go-bench.txt" >&2; exit 1; }
fi

# --- statistics -----------------------------------------------------------------

# stats PHASE LABEL: n, then wall median p10 p90 min max (ms), RSS median
# max (KiB), CPU median p10 p90 (ms). Percentiles are nearest-rank.
stats() {
	awk -F'\t' -v p="$1" -v l="$2" '$1 == p && $2 == l { print $4, $5, $6 }' "$SAMPLES" |
		awk '
		function sortv(a, n,   i, j, v) { for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v } }
		function med(a, n) { return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
		{ t[NR] = $1 / 1000; c[NR] = $2 / 1000; r[NR] = $3 }
		END {
			n = NR; if (n == 0) { print "0 - - - - - - - - - -"; exit }
			sortv(t, n); sortv(c, n); sortv(r, n)
			i10 = int(0.1 * n + 0.999999); if (i10 < 1) i10 = 1
			i90 = int(0.9 * n + 0.999999)
			printf "%d %.2f %.2f %.2f %.2f %.2f %d %d %.2f %.2f %.2f\n", n, med(t, n), t[i10], t[i90], t[1], t[n], med(r, n), r[n], med(c, n), c[i10], c[i90]
		}'
}
median() { stats "$1" "$2" | cut -d' ' -f2; }
cpumedian() { stats "$1" "$2" | cut -d' ' -f9; }
calc() { awk "BEGIN { printf \"%.2f\", $* }"; }
# The netns entry is the median of `true` in the same phase (and node).
entry_main=$(median main "netns entry (true)")
entry_main_cpu=$(cpumedian main "netns entry (true)")

REPORT=$TMP/results.md
{
	echo "# gluster-vip benchmarks"
	echo
	echo "Produced by \`bash spec/bench/run.sh --runs $RUNS --scale-runs $SCALE_RUNS --facter-runs $FACTER_RUNS\` on $(date -u +%Y-%m-%d) (issue 6)."
	echo
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), Linux $(uname -r)"
	echo "- load average (1, 5, 15 min) at start: $LOAD_START; at end: $LOAD_END"
	echo "- $(go version | cut -d' ' -f3), $(facter --version | head -n1 | sed 's/^/facter /'), $(ruby --version | cut -d' ' -f1-2), $(ip -V)"
	echo "- binary: $(basename "$BIN"), $((BIN_SIZE / 1024)) KiB ($(if [[ $BIN == "$TMP/gluster-vip" ]]; then echo "built by run.sh as the Rakefile does"; else echo "$BIN"; fi))"
	echo "- every command runs as \`ip netns exec NS /usr/bin/time -f %M COMMAND\` under a clock that reports its wall time and its CPU time (user + system of the whole tree, from rusage); rounds interleaved, one uncounted warm-up round"
	echo "- \"net\" is the median minus the median of \`ip netns exec NS true\` measured in the same rounds, for wall and CPU time alike"
	echo
	echo "## Side by side (one node: a veth with carrier and 5 addresses)"
	echo
	echo "| command | runs | wall median ms | wall p10–p90 ms | wall min–max ms | wall net ms | CPU median ms | CPU net ms | peak RSS KiB (median / max) |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$REPORT"

MAIN_LABELS=("netns entry (true)" "gluster-vip, non-holder" "gluster-vip, non-holder, GOMAXPROCS=1" "Go hello world (runtime floor)" "gluster-vip check, non-holder" "gluster-vip, holder, probe 200ms" "ip -o addr" "Ruby fact via facter --custom-dir" "facter networking")
MAIN_CMDS=("true" "gluster-vip --vip 203.0.113.99 --mode vip" "GOMAXPROCS=1 gluster-vip --vip 203.0.113.99 --mode vip" "Go hello world (static, -s -w)" "gluster-vip check --vip 203.0.113.99 --mode vip" "gluster-vip --vip 203.0.113.10 --mode vip --settle 0s" "ip -o addr" "facter --custom-dir DIR gb_vip_present" "facter networking")
for i in "${!MAIN_LABELS[@]}"; do
	read -r n med p10 p90 mn mx rmed rmax cmed cp10 cp90 <<<"$(stats main "${MAIN_LABELS[i]}")"
	printf '| `%s` | %d | %s | %s–%s | %s–%s | %s | %s | %s | %s / %s |\n' "${MAIN_CMDS[i]}" "$n" "$med" "$p10" "$p90" "$mn" "$mx" "$(calc "$med - $entry_main")" "$cmed" "$(calc "$cmed - $entry_main_cpu")" "$rmed" "$rmax" >>"$REPORT"
done

# The scaling table and the plot's data.
DAT=$TMP/scaling.dat
{
	echo
	echo "## Scaling: IPv6 /128s on lo (2001:db8:1::/64), plus 198.51.100.1/32, lo's 127.0.0.1 and ::1"
	echo
	echo "The IPv6 VIP (2001:db8:ffff::99, on no interface) makes the family-filtered dump read every bulk address; the IPv4 VIP (203.0.113.99) on the same node reads only the 2 IPv4 addresses. The last rows are a node with 507 IPv4 /32s (198.51.100.0/24 and 203.0.113.0/24, less the VIP), read by the IPv4 VIP. Facter runs only in the first $FACTER_RUNS rounds, and \`facter networking\` only up to $FACTER_MAX addresses."
	echo
	echo "| addresses | command | runs | wall median ms | wall p10–p90 ms | wall net ms | CPU median ms | CPU p10–p90 ms | CPU net ms | peak RSS KiB (median / max) |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >>"$REPORT"
printf '# addresses, then per series wall median p10 p90 (raw ms), CPU median p10 p90 (ms, net of the netns entry median):\n# gluster-vip IPv6 VIP | gluster-vip IPv4 VIP | ip -o addr | Ruby fact | facter networking | netns entry (CPU raw)\n' >"$DAT"
for n in $SIZES 507v4; do
	entry=$(median scale "$n|netns entry (true)")
	entry_cpu=$(cpumedian scale "$n|netns entry (true)")
	row="$n"
	for label in "netns entry (true)" "gluster-vip, IPv6 VIP, non-holder" "gluster-vip, IPv4 VIP, non-holder" "ip -o addr" "Ruby fact via facter --custom-dir" "facter networking"; do
		read -r cnt med p10 p90 mn mx rmed rmax cmed cp10 cp90 <<<"$(stats scale "$n|$label")"
		if ((cnt == 0)); then
			[[ $n == 507v4 ]] || row+=" - - - - - -"
			continue
		fi
		net=$(calc "$med - $entry") cnet=$(calc "$cmed - $entry_cpu")
		[[ $label == "netns entry (true)" ]] && net=$med cnet=$cmed
		printf '| %s | %s | %d | %s | %s–%s | %s | %s | %s–%s | %s | %s / %s |\n' "${n/v4/ (IPv4)}" "$label" "$cnt" "$med" "$p10" "$p90" "$net" "$cmed" "$cp10" "$cp90" "$cnet" "$rmed" "$rmax" >>"$REPORT"
		if [[ $n != 507v4 && $label != "netns entry (true)" ]]; then
			row+=" $med $p10 $p90 $cnet $(calc "$cp10 - $entry_cpu") $(calc "$cp90 - $entry_cpu")"
		fi
		[[ $n != 507v4 && $label == "netns entry (true)" ]] && entry_row="$med $p10 $p90 $cmed $cp10 $cp90"
	done
	[[ $n == 507v4 ]] || echo "$row $entry_row" >>"$DAT"
done

# --- goals ----------------------------------------------------------------------

pass() { if awk "BEGIN { exit !($1) }"; then echo PASS; else echo MISS; fi; }
fact=$(median main "gluster-vip, non-holder")
check=$(median main "gluster-vip check, non-holder")
ipaddr=$(median main "ip -o addr")
facter=$(median main "facter networking")
holder=$(median main "gluster-vip, holder, probe 200ms")
ratio_ip=$(calc "$fact / $ipaddr")
ratio_ip_check=$(calc "$check / $ipaddr")
ratio_ip_net=$(calc "($fact - $entry_main) / ($ipaddr - $entry_main)")
ratio_facter=$(awk "BEGIN { d = $fact - $entry_main; if (d <= 0) d = 0.01; printf \"%.0f\", ($facter - $entry_main) / d }")
big=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -n 1)
big_med=$(median scale "$big|gluster-vip, IPv6 VIP, non-holder")
big_net=$(calc "$big_med - $(median scale "$big|netns entry (true)")")
rss_max=0
for label in "gluster-vip, non-holder" "gluster-vip check, non-holder" "gluster-vip, holder, probe 200ms"; do
	r=$(stats main "$label" | cut -d' ' -f8)
	((r > rss_max)) && rss_max=$r
done
rss_big=$(stats scale "$big|gluster-vip, IPv6 VIP, non-holder" | cut -d' ' -f8)
holder_net=$(calc "$holder - $entry_main")
# The same comparisons by CPU time, which the machine's load inflates less.
c_fact=$(cpumedian main "gluster-vip, non-holder")
c_ip=$(cpumedian main "ip -o addr")
c_facter=$(cpumedian main "facter networking")
c_ratio_ip=$(calc "$c_fact / $c_ip")
c_ratio_facter=$(awk "BEGIN { d = $c_fact - $entry_main_cpu; if (d <= 0) d = 0.01; printf \"%.0f\", ($c_facter - $entry_main_cpu) / d }")
c_big_net=$(calc "$(cpumedian scale "$big|gluster-vip, IPv6 VIP, non-holder") - $(cpumedian scale "$big|netns entry (true)")")
c_holder_net=$(calc "$(cpumedian main "gluster-vip, holder, probe 200ms") - $entry_main_cpu")
{
	echo
	echo "## Goals (issue 6)"
	echo
	echo "The verdict is on wall-time medians, as the issue words the goals; the CPU-time column is the same comparison by CPU time, for a loaded machine."
	echo
	echo "| goal | measured (wall) | result | same by CPU time | result |"
	echo "|---|---|---|---|---|"
	echo "| non-holder fact ≤ 1.25× \`ip -o addr\` (raw medians, same \`ip netns exec\`) | $fact / $ipaddr ms = **${ratio_ip}×** (check: ${ratio_ip_check}×; net of netns entry: ${ratio_ip_net}×) | $(pass "$ratio_ip <= 1.25") | $c_fact / $c_ip ms = ${c_ratio_ip}× | $(pass "$c_ratio_ip <= 1.25") |"
	echo "| ≥ 200× faster than \`facter networking\`, netns entry subtracted from both | ($facter − $entry_main) / ($fact − $entry_main) = **${ratio_facter}×** | $(pass "$ratio_facter >= 200") | ${c_ratio_facter}× | $(pass "$c_ratio_facter >= 200") |"
	echo "| $big addresses ≤ 6 ms (IPv6 VIP, net of netns entry) | **$big_net ms** (raw $big_med ms) | $(pass "$big_net <= 6") | $c_big_net ms | $(pass "$c_big_net <= 6") |"
	echo "| peak RSS ≤ 6 MiB (6144 KiB), max over every gluster-vip run of the side-by-side phase | **$rss_max KiB** (with $big IPv6 addresses: $rss_big KiB) | $(pass "$rss_max <= 6144") | | |"
	echo "| holder with default probes ≤ 200 ms budget + 15 ms (net of netns entry) | **$holder_net ms** (raw $holder ms) | $(pass "$holder_net <= 215") | $c_holder_net ms CPU | |"
} >>"$REPORT"
if ((GO_BENCH)); then
	{
		echo
		echo "## Go benchmarks (\`go test ./facts -run '^\$' -bench . -benchmem -benchtime 300ms\`)"
		echo
		echo '```'
		grep -E '^(Benchmark|cpu:)' "$TMP/go-bench.txt"
		echo '```'
	} >>"$REPORT"
fi

# --- plot -----------------------------------------------------------------------

gnuplot <<EOF
set terminal pngcairo size 1100,620 font "sans,10"
set output "$TMP/scaling.png"
set multiplot layout 1,2 title "gluster-vip against addresses on the node (median, p10–p90 bars; $SCALE_RUNS rounds, Facter $FACTER_RUNS)"
set logscale xy
set xrange [5:20000]
set grid
set key outside bottom center horizontal maxrows 3 font ",9"
set datafile missing "-"
set xlabel "IPv6 addresses on the node"
set title "wall time per run, through ip netns exec (raw)"
set ylabel "ms"
plot "$DAT" using 1:2:3:4 with yerrorlines lw 2 title "gluster-vip, IPv6 VIP (reads them all)", \
     "$DAT" using 1:8:9:10 with yerrorlines lw 2 title "gluster-vip, IPv4 VIP (family filter)", \
     "$DAT" using 1:14:15:16 with yerrorlines lw 2 title "ip -o addr", \
     "$DAT" using 1:20:21:22 with yerrorlines lw 2 title "Ruby fact via Facter", \
     "$DAT" using 1:26:27:28 with yerrorlines lw 2 title "facter networking", \
     "$DAT" using 1:32:33:34 with yerrorlines lw 1 dt 2 title "ip netns exec NS true"
set title "CPU time per run (user + system), netns entry subtracted"
set ylabel "ms"
plot "$DAT" using 1:5:6:7 with yerrorlines lw 2 title "gluster-vip, IPv6 VIP (reads them all)", \
     "$DAT" using 1:11:12:13 with yerrorlines lw 2 title "gluster-vip, IPv4 VIP (family filter)", \
     "$DAT" using 1:17:18:19 with yerrorlines lw 2 title "ip -o addr", \
     "$DAT" using 1:23:24:25 with yerrorlines lw 2 title "Ruby fact via Facter", \
     "$DAT" using 1:29:30:31 with yerrorlines lw 2 title "facter networking", \
     6 with lines lw 1 dt 3 lc rgb "red" title "goal: 6 ms at 10,000"
unset multiplot
EOF

cat "$REPORT"
if ((WRITE)); then
	cp "$REPORT" "$OUT/results.md"
	cp "$SAMPLES" "$OUT/samples.tsv"
	cp "$DAT" "$OUT/scaling.dat"
	cp "$TMP/scaling.png" "$OUT/scaling.png"
	((GO_BENCH)) && cp "$TMP/go-bench.txt" "$OUT/go-bench.txt"
	log "wrote results.md, samples.tsv, scaling.dat, scaling.png and (unless --no-go-bench) go-bench.txt in $OUT"
fi
