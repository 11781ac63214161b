# Sourced by the bash test scripts (spec/acceptance/apply.sh, guard.sh, spec/etcd/apply.sh,
# spec/r10k/deploy.sh): TAP-style results, the skip-or-fail rule, stopping by PID and the temp
# dir's end. Set $harness (the name in messages) before sourcing; $tmp before finish_tmp.

# skip_or_fail MESSAGE: a missing prerequisite skips the test, or fails it under CI=true.
skip_or_fail() {
  if [ "${CI:-}" = true ]; then
    echo "$harness: FAIL: $*" >&2
    exit 1
  fi
  echo "$harness: SKIP: $*" >&2
  exit 0
}

passed=0
ok() {
  passed=$((passed + 1))
  echo "ok $passed - $*"
}
fail() {
  echo "not ok - $*" >&2
  exit 1
}

# since START: seconds since START (date +%s.%N), one decimal.
since() {
  awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $1 }"
}

# stop PID: TERM, up to 3 s to exit, then KILL. Only PIDs the script started or that their
# pidfiles name.
stop() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 30); do
    kill -0 "$1" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -9 "$1" 2>/dev/null || true
}

# go_arch: this machine's architecture as the binaries name it; fails for one without a binary.
go_arch() {
  case $(uname -m) in
    x86_64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) return 1 ;;
  esac
}

# finish_tmp RC: removes $tmp, or keeps it (and says where) after a failure with KEEP_TMP set.
finish_tmp() {
  if [ "$1" -ne 0 ] && [ -n "${KEEP_TMP:-}" ]; then
    echo "$harness: kept $tmp" >&2
  else
    rm -rf "$tmp"
  fi
}

# two_nodes: the namespaces $a and $b, joined by a veth pair (eth0 in each, up, with
# ${addr[$ns]}/24), and a directory $tmp/$ns for each. remove_two_nodes undoes it.
two_nodes() {
  ip netns add "$a"
  ip netns add "$b"
  ip link add "${a}0" type veth peer name "${b}0"
  for ns in "$a" "$b"; do
    ip link set "${ns}0" netns "$ns"
    ip -n "$ns" link set "${ns}0" name eth0
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "${addr[$ns]}/24" dev eth0
    ip -n "$ns" link set eth0 up
    mkdir -p "$tmp/$ns"
  done
}
remove_two_nodes() {
  ip netns del "$a" 2>/dev/null
  ip netns del "$b" 2>/dev/null
  ip link del "${a}0" 2>/dev/null
}
