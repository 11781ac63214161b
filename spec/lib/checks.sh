# Sourced by the one-namespace harnesses (spec/metrics/node_exporter.sh, spec/reload/validate.sh):
# a timed log, die, check (counts a failure in $FAILED), the prerequisite rule (every missing one
# fails, never skips), removing a namespace and all in it, and the temp dir with the module and a
# fresh binary. Set $harness (the name in messages) and $REPO before sourcing.

T0=$(date +%s%N)
FAILED=0
log() { printf '%s [%ss] %s\n' "$harness" "$(awk -v t="$(($(date +%s%N) - T0))" 'BEGIN { printf "%.1f", t / 1e9 }')" "$*" >&2; }
die() { printf '%s: FAIL: %s\n' "$harness" "$*" >&2; exit 1; }
check() { # check DESC CMD...: run CMD, count a failure
  local desc=$1
  shift
  if "$@"; then log "ok: $desc"; else log "FAILED: $desc"; FAILED=1; fi
}

# require TOOL... : root, the tools, go (from /usr/local/go too) and Debian's stdlib module; dies
# naming every one missing, plus those already in the array $missing.
require() {
  [ "$(id -u)" = 0 ] || missing+=("root")
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  command -v go >/dev/null 2>&1 || PATH=$PATH:/usr/local/go/bin
  command -v go >/dev/null 2>&1 || missing+=("go")
  [ -d /usr/share/puppet/modules/stdlib ] || missing+=("puppet-module-puppetlabs-stdlib")
  [ "${#missing[@]}" = 0 ] || die "missing: ${missing[*]}"
}

# remove_ns NS: kills what still runs in NS, by PID, and deletes it.
remove_ns() {
  local pid
  if ip netns list | grep -qw "$1"; then
    for pid in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns del "$1"
  fi
}

# module_tmp PREFIX: sets TMP to a new temp dir (0755) with modules/gluster_vip (this checkout) and
# bin/gluster-vip, built from this checkout.
module_tmp() {
  TMP=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 0755 "$TMP"
  mkdir -p "$TMP/modules" "$TMP/bin"
  ln -s "$REPO" "$TMP/modules/gluster_vip"
  (cd "$REPO" && CGO_ENABLED=0 go build -o "$TMP/bin/gluster-vip" ./cmd/gluster-vip) || die "go build"
}
