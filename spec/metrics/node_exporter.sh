#!/bin/bash
# The metrics reach Prometheus through the real consumer (issue 11, item 3): Debian's
# prometheus-node-exporter, with only its textfile collector, serves what class gluster_vip's
# metrics job writes.
#
#   bash spec/metrics/node_exporter.sh
#
# In a network namespace of its own (prefix "gm"): `puppet apply` of class gluster_vip with
# metrics => cron writes the config, the metrics script and the cron line; the test runs the cron
# line's command as cron would, starts node_exporter on 127.0.0.1:<port> of that namespace, scrapes
# it over HTTP and checks every metric: present, typed gauge, the right value. Three states:
# the holder (the VIP on the node's interface), a non-holder (VIP removed), and an error (the
# config made group-writable). node_textfile_scrape_error must be 0 throughout.
# Needs root, ip, puppet, go, curl and /usr/bin/prometheus-node-exporter: a missing one fails.
set -u
set -o pipefail

SELF=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SELF/../.." && pwd)
EXPORTER=/usr/bin/prometheus-node-exporter
NS="gm$$"
VIP=203.0.113.10
PORT=9$((100 + $$ % 800))
TMP=""
EXPORTER_PID=""
harness=metrics
# shellcheck source=../lib/checks.sh
. "$REPO/spec/lib/checks.sh"

cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  if [ -n "$EXPORTER_PID" ] && kill -0 "$EXPORTER_PID" 2>/dev/null; then
    kill -TERM "$EXPORTER_PID" 2>/dev/null
    for ((k = 0; k < 100; k++)); do kill -0 "$EXPORTER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$EXPORTER_PID" 2>/dev/null
    wait "$EXPORTER_PID" 2>/dev/null
  fi
  remove_ns "$NS"
  [ -n "$TMP" ] && rm -rf "$TMP"
  exit "$rc"
}

# --- prerequisites: every one missing is a failure, never a skip
missing=()
[ -x "$EXPORTER" ] || missing+=("$EXPORTER (apt-get install prometheus-node-exporter)")
require ip puppet curl ruby

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
log "building the binary"
module_tmp gm-metrics
mkdir -p "$TMP/textfile" "$TMP/etc" "$TMP/puppet"/{conf,var,code,log,run,public}
VERSION=$("$TMP/bin/gluster-vip" version | awk '{print $NF}')

# --- the node: a namespace with a veth pair; the VIP on gm0
ip netns add "$NS" || die "ip netns add $NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add gm0 type veth peer name gm1
ip -n "$NS" addr add 198.51.100.1/24 dev gm0
ip -n "$NS" link set gm0 up
ip -n "$NS" link set gm1 up
ip -n "$NS" addr add "$VIP/32" dev gm0

# --- puppet apply: the config, the metrics script and its cron line, as a node would get them
cat >"$TMP/site.pp" <<PP
class { 'gluster_vip':
  vip               => '$VIP',
  settle            => '0s',
  interface         => 'gm0',
  config_file       => '$TMP/etc/gluster-vip.conf',
  metrics           => 'cron',
  metrics_dir       => '$TMP/textfile',
  metrics_command   => '$TMP/bin/gluster-vip',
  metrics_script    => '$TMP/bin/gluster-vip-textfile',
  metrics_cron_file => '$TMP/etc/gluster-vip-metrics.cron',
}
PP
log "puppet apply (class gluster_vip, metrics => cron)"
ip netns exec "$NS" timeout 180 puppet apply --color=false --detailed-exitcodes \
  --confdir="$TMP/puppet/conf" --vardir="$TMP/puppet/var" --codedir="$TMP/puppet/code" \
  --logdir="$TMP/puppet/log" --rundir="$TMP/puppet/run" --publicdir="$TMP/puppet/public" \
  --modulepath="$TMP/modules:/usr/share/puppet/modules" "$TMP/site.pp" >"$TMP/puppet.log" 2>&1
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 2 ] || { tail -n 20 "$TMP/puppet.log" >&2; die "puppet apply exited $rc"; }
cron_line=$(grep -v '^#' "$TMP/etc/gluster-vip-metrics.cron")
log "cron line: $cron_line"
# "* * * * * root COMMAND": what cron runs, with sh.
job=$(awk '!/^#/ && NF >= 7 { $1 = $2 = $3 = $4 = $5 = $6 = ""; sub(/^ +/, ""); print }' "$TMP/etc/gluster-vip-metrics.cron")
[ "$job" = "$TMP/bin/gluster-vip-textfile" ] || die "unexpected cron command '$job'"
run_job() { ip netns exec "$NS" sh -c "$job"; }

# --- node_exporter, textfile collector only, on the namespace's loopback
ip netns exec "$NS" "$EXPORTER" --web.listen-address="127.0.0.1:$PORT" \
  --collector.disable-defaults --collector.textfile --collector.textfile.directory="$TMP/textfile" \
  >"$TMP/exporter.log" 2>&1 &
EXPORTER_PID=$!
scrape() { ip netns exec "$NS" curl -fsS --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
for ((k = 0; k < 100; k++)); do scrape >/dev/null 2>&1 && break; kill -0 "$EXPORTER_PID" 2>/dev/null || break; sleep 0.1; done
scrape >/dev/null 2>&1 || { cat "$TMP/exporter.log" >&2; die "node_exporter does not answer on 127.0.0.1:$PORT"; }
log "node_exporter pid $EXPORTER_PID on 127.0.0.1:$PORT ($($EXPORTER --version 2>&1 | head -n 1))"

# expect_metrics STATE NAME=VALUE...: run the job, scrape, and check each metric. VALUE "+" means
# greater than 0; NAME may carry labels. Every gluster_vip_* family must be typed gauge.
expect_metrics() {
  local state=$1 body
  shift
  run_job || { log "FAILED: $state: the metrics job exited $?"; FAILED=1; return; }
  body=$(scrape) || { log "FAILED: $state: scrape"; FAILED=1; return; }
  printf '%s\n' "$body" >"$TMP/scrape.$state"
  ruby -e '
    state, body, *want = ARGV
    samples = {}
    types = {}
    body.each_line do |l|
      if l =~ /\A# TYPE (\S+) (\S+)/ then types[$1] = $2
      elsif l =~ /\A([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)\s*\z/ then samples[$1] = $2.to_f
      end
    end
    bad = []
    want.each do |w|
      name, value = w.rpartition("=").values_at(0, 2)
      got = samples[name]
      if got.nil? then bad << "#{name} missing"
      elsif value == "+" then bad << "#{name} is #{got}, want > 0" unless got > 0
      elsif got != value.to_f then bad << "#{name} is #{got}, want #{value}"
      end
    end
    families = samples.keys.map { |k| k.sub(/\{.*/, "") }.uniq.grep(/\Agluster_vip_/)
    %w[gluster_vip_holder gluster_vip_conflict gluster_vip_held_seconds gluster_vip_quorum_reached
       gluster_vip_quorum_needed gluster_vip_error gluster_vip_info].each { |f| bad << "#{f}: no sample" unless families.include?(f) }
    families.each { |f| bad << "#{f} typed #{types[f].inspect}, want gauge" unless types[f] == "gauge" }
    if bad.empty?
      warn "metrics: #{state}: #{want.length} values and #{families.length} gauge families as expected"
    else
      bad.each { |b| warn "metrics: #{state}: #{b}" }
      exit 1
    end
  ' "$state" "$body" "$@" || { log "FAILED: $state (scrape kept in $TMP/scrape.$state)"; FAILED=1; return; }
  log "ok: $state"
}

info="gluster_vip_info{interface=\"gm0\",mode=\"vip\",version=\"$VERSION\",vip=\"$VIP\"}"
expect_metrics holder \
  gluster_vip_holder=1 gluster_vip_conflict=0 gluster_vip_error=0 gluster_vip_held_seconds=+ \
  gluster_vip_quorum_reached=0 gluster_vip_quorum_needed=0 "$info=1" \
  'gluster_vip_check{check="address"}=1' 'gluster_vip_check{check="conflict"}=1' \
  node_textfile_scrape_error=0 "node_textfile_mtime_seconds{file=\"$TMP/textfile/gluster_vip.prom\"}=+"

ip -n "$NS" addr del "$VIP/32" dev gm0
expect_metrics nonholder \
  gluster_vip_holder=0 gluster_vip_conflict=0 gluster_vip_error=0 gluster_vip_held_seconds=0 \
  'gluster_vip_check{check="address"}=0' node_textfile_scrape_error=0

chmod 0664 "$TMP/etc/gluster-vip.conf"
expect_metrics error gluster_vip_holder=0 gluster_vip_error=1 node_textfile_scrape_error=0
chmod 0644 "$TMP/etc/gluster-vip.conf"

check "no temporary file left in the textfile directory" [ "$(ls -A "$TMP/textfile")" = gluster_vip.prom ]
check "the textfile is mode 0644 (node_exporter may run as another user)" [ "$(stat -c %a "$TMP/textfile/gluster_vip.prom")" = 644 ]

if [ "$FAILED" = 0 ]; then
  echo "PASS: spec/metrics: node_exporter serves gluster-vip's metrics (holder, non-holder, error)"
else
  echo "FAIL: spec/metrics"
fi
exit "$FAILED"
