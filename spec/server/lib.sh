# shellcheck shell=bash
# Library of the puppetserver suite (issue 7): a real puppetserver in a network
# namespace on the cluster bridge, and the cluster nodes as real agents of it.
#
# It builds on spec/cluster/lib.sh (sourced read-only): keepalived by PID, the
# VIP waits, the ledger, the keepalived and consumer manifests, the scenario
# runner. The names differ: everything here is "gs" plus a run id, so this suite
# and the cluster suite (gc) can run side by side.
#
#   namespace gs<id>-br   the bridge gsbr0; veth ports gsp0 (server), gsp1..3 (nodes)
#   namespace gs<id>-srv  puppetserver, eth0 198.51.100.2/24, certname puppet.example.test
#   namespace gs<id>-nI   node gs-nI, eth0 198.51.100.1I/24; VIP 203.0.113.10
#
# Each node's /etc/puppet is /etc/netns/gs<id>-nI/puppet (ip netns exec
# bind-mounts it over /etc/puppet), and its /etc/hosts names the server, so a
# plain `puppet agent --test` or `facter -p` inside the namespace is that node's.

GS_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../cluster/lib.sh
. "$GS_LIB_DIR/../cluster/lib.sh"

: "${GS_SERVER_START_TIMEOUT:=150}" # seconds for puppetserver to answer (measured ~25 s idle)
: "${GS_AGENT_TIMEOUT:=180}"        # seconds for one agent run
: "${GS_JAVA_HEAP:=-Xms256m -Xmx384m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC}"
: "${GS_JRUBY_INSTANCES:=2}"   # 2: pluginsync of 3 fresh agents (~200 stdlib files each) is served in parallel

GS_SERVER=puppet.example.test
GS_SERVER_ADDR=198.51.100.2
GS_SRV_NS="gs${GC_ID}-srv"
GS_SERVER_PID=""
GS_SERVER_READY_S=""         # seconds from start to /status/v1/simple "running"
GS_HOST_DIRS=()              # empty /etc/X mount points this run created (see gs_host_mountpoint)

# Our names, for the functions of spec/cluster/lib.sh that use them.
GC_BR_NS="gs${GC_ID}-br"
gc_node() { echo "gs-n$1"; }
gc_ns() { echo "gs${GC_ID}-n$1"; }
gc_node_index() { echo "${1#gs-n}"; }
gc_log() { printf '%s [%ss] %s\n' "gs" "$(gc_elapsed)" "$*" >&2; }
gc_die() { printf 'gs: FATAL: %s\n' "$*" >&2; exit 1; }

# --- prerequisites ------------------------------------------------------

# gs_require: root, the puppetserver package, and what the cluster suite needs.
# It never skips: whatever is missing, it says what and exits 1 (in CI and out).
gs_require() {
  local missing=() c
  [ "$(id -u)" = 0 ] || missing+=("root (run as root)")
  for c in ip keepalived puppet facter java unshare setsid setpriv ruby timeout; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  [ -f /usr/share/puppetserver/puppetserver.jar ] || missing+=("puppetserver (apt-get install --no-install-recommends puppetserver)")
  id puppet >/dev/null 2>&1 || missing+=("user puppet (made by the puppetserver package)")
  [ -d /usr/share/puppet/modules/stdlib ] || missing+=("puppet-module-puppetlabs-stdlib")
  command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ] || missing+=("go")
  # ip netns exec bind-mounts /etc/netns/NS/X over /etc/X only when /etc/X exists.
  [ -f /etc/hosts ] || missing+=("/etc/hosts (the nodes' /etc/netns/NS/hosts is mounted over it)")
  [ -d /etc/puppet ] || missing+=("/etc/puppet (the nodes' /etc/netns/NS/puppet is mounted over it)")
  if [ "${#missing[@]}" -gt 0 ]; then
    printf 'gs: FAIL: cannot set up the puppetserver suite, missing: %s\n' "${missing[*]}" >&2
    printf 'gs: FAIL: run spec/setup.sh as root; this suite never skips (CI=%s)\n' "${CI:-}" >&2
    exit 1
  fi
  command -v go >/dev/null 2>&1 || PATH=$PATH:/usr/local/go/bin
}

# --- lifecycle ----------------------------------------------------------

gs_init() {
  gs_require
  GC_TMP=$(mktemp -d /tmp/gs-server.XXXXXX)
  # puppetserver runs as user puppet and must reach its own directory below.
  chmod 755 "$GC_TMP"
  mkdir -p "$GC_TMP/nodes" "$GC_TMP/modules"
  : >"$GC_TMP/ledger"
  : >"$GC_TMP/ledger.start"
  trap 'gs_cleanup; exit 130' INT
  trap 'gs_cleanup; exit 143' TERM
  trap 'gs_cleanup' EXIT
}

# gs_cleanup: the server by its PID, then everything gc_cleanup removes
# (keepalived by PID, whatever still runs in our namespaces, the namespaces and
# their /etc/netns/<ns>, the temp dir), then the /etc mount points we made.
gs_cleanup() {
  local rc=$? d
  trap - EXIT INT TERM
  set +e
  gs_server_stop
  (exit "$rc")
  gc_cleanup
  # Another run of this suite may still bind-mount over it: leave it to that run.
  for d in "${GS_HOST_DIRS[@]}"; do
    compgen -G "/etc/netns/gs*/$(basename "$d")" >/dev/null || rmdir "$d" 2>/dev/null
  done
  ip netns list 2>/dev/null | grep -qw "$GS_SRV_NS" && echo "gs: cleanup: namespace $GS_SRV_NS is still there" >&2
  return "$rc"
}

# --- network ------------------------------------------------------------

# gs_net_up: the bridge namespace, the server's namespace and one per node,
# each with eth0 on the bridge. The veth pairs are made inside the bridge
# namespace, so no link appears in the host's namespace. IPv4 only: the suite
# is about delivery, and spec/cluster covers IPv6.
gs_net_up() {
  local i ns port addr
  gc_netns_add "$GC_BR_NS"
  ip -n "$GC_BR_NS" link add gsbr0 type bridge mcast_snooping 0 stp_state 0
  ip netns exec "$GC_BR_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  ip -n "$GC_BR_NS" link set gsbr0 up
  for i in 0 $(seq 1 "$GC_NODES"); do
    if [ "$i" = 0 ]; then ns=$GS_SRV_NS addr=$GS_SERVER_ADDR; else ns=$(gc_ns "$i") addr=$(gc_addr "$i"); fi
    port=gsp$i
    gc_netns_add "$ns"
    ip -n "$GC_BR_NS" link add "$port" type veth peer name eth0 netns "$ns"
    ip -n "$GC_BR_NS" link set "$port" master gsbr0 up
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    gs_netns_hosts "$ns"
  done
  gc_debug "network up: $GC_BR_NS, $GS_SRV_NS ($GS_SERVER_ADDR) and $GC_NODES nodes"
}

# gs_netns_etc NS: /etc/netns/NS, made if needed (gc_cleanup removes it with NS).
gs_netns_etc() { mkdir -p "/etc/netns/$1" && echo "/etc/netns/$1"; }

# gs_host_mountpoint /etc/X: make sure /etc/X exists (an empty directory,
# removed at cleanup if this run made it), so that ip netns exec bind-mounts
# /etc/netns/NS/X over it. /etc/gluster-vip does not exist on a machine that
# never ran the module, and each node needs its own.
gs_host_mountpoint() {
  [ -d "$1" ] && return 0
  mkdir -m 755 "$1" || gc_die "mkdir $1"
  GS_HOST_DIRS+=("$1")
}

# gs_netns_hosts NS: NS's /etc/hosts, which names the server.
gs_netns_hosts() {
  local d
  d=$(gs_netns_etc "$1")
  printf '127.0.0.1 localhost\n%s %s puppet\n' "$GS_SERVER_ADDR" "$GS_SERVER" >"$d/hosts"
}

# --- the module -----------------------------------------------------------

# gs_module_version [DIR]: the version in DIR/metadata.json (default: the repo).
gs_module_version() {
  ruby -rjson -e 'puts JSON.parse(File.read(ARGV[0]))["version"]' "${1:-$GC_REPO}/metadata.json"
}

gs_arch() {
  case "$(uname -m)" in
    x86_64) echo amd64 ;; aarch64 | arm64) echo arm64 ;; *) gc_die "unsupported build arch $(uname -m)" ;;
  esac
}

# gs_build_binary DIR VERSION: build this machine's gluster-vip binary into
# DIR/facts.d/.gluster_vip, as `rake build` does (static, -trimpath, version
# from -X main.version), to a temp name and renamed, so a reader never sees
# half a file.
gs_build_binary() {
  local dir=$1 version=$2 out
  out="$dir/facts.d/.gluster_vip/gluster-vip-linux-$(gs_arch)"
  mkdir -p "$(dirname "$out")"
  (cd "$GC_REPO" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" \
    -o "$out.gs$$" ./cmd/gluster-vip) || gc_die "go build ./cmd/gluster-vip (version $version) failed"
  mv -f "$out.gs$$" "$out"
  echo "$out"
}

# gs_module_copy DEST: the module's files (what a release carries: the Puppet
# code, lib/, facts.d/ with the dispatcher, metadata.json), without the Go
# sources, the tests or the binaries.
gs_module_copy() {
  local dest=$1 f
  mkdir -p "$dest"
  for f in manifests functions types templates data lib facts.d metadata.json hiera.yaml; do
    [ -e "$GC_REPO/$f" ] && cp -a "$GC_REPO/$f" "$dest/"
  done
  rm -rf "$dest/facts.d/.gluster_vip"
}

# gs_module_bump DIR: bump the patch level of DIR/metadata.json; print the new version.
gs_module_bump() {
  ruby -rjson -e '
    f = ARGV[0]; m = JSON.parse(File.read(f))
    v = m["version"].split(".").map(&:to_i); v[2] += 1; m["version"] = v.join(".")
    File.write(f, JSON.pretty_generate(m) + "\n"); puts m["version"]' "$1/metadata.json"
}

# --- the server -----------------------------------------------------------

gs_srv_dir() { echo "$GC_TMP/server"; }
gs_env_dir() { echo "$(gs_srv_dir)/code/environments/production"; }
gs_site_pp() { echo "$(gs_env_dir)/manifests/site.pp"; }

# gs_server_config: puppetserver's conf.d, logback and puppet.conf, all under
# the temp dir. Debian's defaults point at /etc/puppet, /var/lib/puppet(server)
# and /var/log/puppetserver; nothing here reads or writes those.
gs_server_config() {
  local s env
  s=$(gs_srv_dir)
  env=$(gs_env_dir)
  mkdir -p "$s"/{conf.d,puppet,code/modules,var,run,log,ssl,public,home} "$env"/{manifests,modules}
  cp /etc/puppet/puppetserver/conf.d/{auth.conf,ca.conf,metrics.conf,web-routes.conf} "$s/conf.d/"
  cat >"$s/conf.d/global.conf" <<EOF
global: {
    logging-config: $s/logback.xml
}
product: {
    check-for-updates: false
}
EOF
  cat >"$s/conf.d/puppetserver.conf" <<EOF
jruby-puppet: {
    ruby-load-path: [/usr/lib/puppetserver/ruby/vendor_ruby]
    gem-home: /var/lib/puppetserver/jruby-gems
    gem-path: [\${jruby-puppet.gem-home}, "/usr/lib/puppetserver/vendored-jruby-gems"]
    server-conf-dir: $s/puppet
    server-code-dir: $s/code
    server-var-dir: $s/var
    server-run-dir: $s/run
    server-log-dir: $s/log
    max-active-instances: $GS_JRUBY_INSTANCES
}
http-client: {
}
profiler: {
}
dropsonde: {
    enabled: false
}
EOF
  cat >"$s/conf.d/webserver.conf" <<EOF
webserver: {
    access-log-config: $s/request-logging.xml
    client-auth: want
    ssl-host: $GS_SERVER_ADDR
    ssl-port: 8140
}
EOF
  cat >"$s/logback.xml" <<EOF
<configuration>
    <appender name="F1" class="ch.qos.logback.core.FileAppender">
        <file>$s/log/puppetserver.log</file>
        <append>true</append>
        <encoder><pattern>%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5p [%t] [%c{2}] %m%n</pattern></encoder>
    </appender>
    <logger name="org.eclipse.jetty" level="INFO"/>
    <logger name="org.apache.http" level="INFO"/>
    <logger name="jruby" level="info"/>
    <root level="info"><appender-ref ref="F1"/></root>
</configuration>
EOF
  cat >"$s/request-logging.xml" <<EOF
<configuration debug="false">
    <appender name="FILE" class="ch.qos.logback.core.FileAppender">
        <file>$s/log/puppetserver-access.log</file>
        <append>true</append>
        <encoder><pattern>%h %l %u [%t] "%r" %s %b %D</pattern></encoder>
    </appender>
    <appender-ref ref="FILE" />
</configuration>
EOF
  cat >"$s/puppet/puppet.conf" <<EOF
# The server's puppet.conf (jruby-puppet server-conf-dir). Every path is set:
# Debian's puppet hard-codes ssldir, rundir, logdir and publicdir.
[main]
certname = $GS_SERVER
server = $GS_SERVER
vardir = $s/var
ssldir = $s/ssl
rundir = $s/run
logdir = $s/log
publicdir = $s/public
codedir = $s/code

[server]
cadir = $s/ssl/ca
autosign = true
dns_alt_names = $GS_SERVER,puppet
environmentpath = $s/code/environments
basemodulepath = $s/code/modules
environment_timeout = 0
reports = store
# Keep each node's last facts (server_data/facts/NODE.json), so the suite can
# check the facts an agent sent on a given run. Debian's default keeps none.
facts_terminus = json
EOF
  # The production environment: only this module, the example consumer and
  # stdlib, each a symlink; an explicit modulepath, so Debian's basemodulepath
  # (/usr/share/puppet/modules, ~245 more files per first sync) stays out.
  printf 'modulepath = modules\n' >"$env/environment.conf"
  ln -sfn "$GC_REPO" "$env/modules/gluster_vip"
  ln -sfn "$GC_REPO/modules/gluster_volume_example" "$env/modules/gluster_volume_example"
  ln -sfn /usr/share/puppet/modules/stdlib "$env/modules/stdlib"
  : >"$(gs_site_pp)"
  chown -R puppet:puppet "$s"
}

# gs_server_start: start puppetserver in its namespace, as user puppet, with
# the java command line of Debian's puppetserver.service (plus --add-opens,
# which silences a warning on stdout). $! is java itself: ip netns exec and
# setpriv both exec. Readiness is trapperkeeper's restart file turning to 1,
# which is what the service's ExecStartPost waits for.
gs_server_start() {
  local s
  s=$(gs_srv_dir)
  printf 0 >"$s/run/restart"
  chown puppet:puppet "$s/run/restart"
  # shellcheck disable=SC2086 # GS_JAVA_HEAP is a list of flags
  ip netns exec "$GS_SRV_NS" setpriv --reuid=puppet --regid=puppet --init-groups \
    env -i HOME="$s/home" PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    java $GS_JAVA_HEAP -Djruby.logger.class=com.puppetlabs.jruby_utils.jruby.Slf4jLogger \
    --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED \
    -Djruby.lib=/usr/share/jruby/lib -XX:+CrashOnOutOfMemoryError \
    -XX:ErrorFile="$s/log/puppetserver_err_pid%p.log" -Djava.io.tmpdir="$s/home" \
    -jar /usr/share/puppetserver/puppetserver.jar \
    --config "$s/conf.d" --bootstrap-config /etc/puppet/puppetserver/services.d \
    --restart-file "$s/run/restart" \
    >>"$s/log/stdout.log" 2>&1 </dev/null &
  GS_SERVER_PID=$!
  GS_SERVER_T0=$(gc_now_ms)
  gc_debug "puppetserver: pid $GS_SERVER_PID"
}

# gs_server_wait: until the restart file says 1 and /status/v1/simple answers
# "running", at most GS_SERVER_START_TIMEOUT seconds; sets GS_SERVER_READY_S to
# the seconds since the start. It runs in this shell, not in $(...), so that a
# SIGTERM's trap runs within half a second, not when the wait ends.
gs_server_wait() {
  local s deadline status=""
  s=$(gs_srv_dir)
  deadline=$(($(gc_now_ms) + GS_SERVER_START_TIMEOUT * 1000))
  while (($(gc_now_ms) < deadline)); do
    if ! gc_pid_alive "$GS_SERVER_PID"; then
      tail -n 30 "$s/log/puppetserver.log" "$s/log/stdout.log" >&2
      gc_die "puppetserver (pid $GS_SERVER_PID) exited during start"
    fi
    if [ "$(head -c1 "$s/run/restart" 2>/dev/null)" = 1 ]; then
      status=$(ip netns exec "$GS_SRV_NS" timeout 10 ruby -rnet/http -ropenssl -e '
        h = Net::HTTP.new(ARGV[0], 8140); h.use_ssl = true; h.ca_file = ARGV[1]
        h.ipaddr = ARGV[2]; h.open_timeout = h.read_timeout = 5
        print h.get("/status/v1/simple").body' "$GS_SERVER" "$s/ssl/certs/ca.pem" "$GS_SERVER_ADDR" 2>/dev/null)
      [ "$status" = running ] && break
    fi
    sleep 0.5
  done
  if [ "$status" != running ]; then
    tail -n 30 "$s/log/puppetserver.log" >&2
    gc_die "puppetserver did not answer /status/v1/simple within ${GS_SERVER_START_TIMEOUT}s (got '$status')"
  fi
  # shellcheck disable=SC2034 # read by the scenarios
  GS_SERVER_READY_S=$(awk -v ms=$(($(gc_now_ms) - GS_SERVER_T0)) 'BEGIN { printf "%.1f", ms / 1000 }')
}

# gs_server_stop: SIGTERM the server by its PID, at most 20 s, then SIGKILL.
gs_server_stop() {
  local n
  [ -n "$GS_SERVER_PID" ] || return 0
  if gc_pid_alive "$GS_SERVER_PID"; then
    kill -TERM "$GS_SERVER_PID" 2>/dev/null
    for ((n = 0; n < 200; n++)); do gc_pid_alive "$GS_SERVER_PID" || break; sleep 0.1; done
    if gc_pid_alive "$GS_SERVER_PID"; then
      gc_log "puppetserver (pid $GS_SERVER_PID) ignored SIGTERM for 20 s, sending SIGKILL"
      kill -KILL "$GS_SERVER_PID" 2>/dev/null
    fi
  fi
  wait "$GS_SERVER_PID" 2>/dev/null
  GS_SERVER_PID=""
}

# gs_server_rss_mb: the server's resident memory, in MB.
gs_server_rss_mb() { awk '/^VmRSS/ { printf "%d\n", $2 / 1024 }' "/proc/$GS_SERVER_PID/status" 2>/dev/null; }

# gs_server_facts NODE: the facts NODE's agent sent on its last run, as the
# server stored them, printed as JSON (gluster_vip_holder and gluster_vip only).
gs_server_facts() {
  ruby -rjson -e '
    v = JSON.parse(File.read(ARGV[0]))["values"]
    puts JSON.generate({"gluster_vip_holder" => v["gluster_vip_holder"], "gluster_vip" => v["gluster_vip"]})
  ' "$(gs_srv_dir)/var/server_data/facts/$1.json"
}

# --- the agents -----------------------------------------------------------

gs_agent_dir() { gc_node_dir "$(gc_node_index "$1")"; }
# gs_vardir NODE: NODE's agent vardir; pluginsync writes $vardir/facts.d and $vardir/lib.
# (spec/cluster's gc_apply uses NODE/puppet/*: apart, so provisioning leaves the agent fresh.)
gs_vardir() { echo "$(gs_agent_dir "$1")/agent/var"; }
gs_agent_log() { echo "$(gs_agent_dir "$1")/agent.log"; }

# gs_agent_config NODE: NODE's /etc/puppet/puppet.conf (/etc/netns/NS/puppet/puppet.conf)
# and its /etc/gluster-vip (/etc/netns/NS/gluster-vip, a link to NODE/etc, so that
# the module's default config path inside the namespace is gc_gv_conf outside).
gs_agent_config() {
  local node=$1 d etc
  d=$(gs_agent_dir "$node")/agent
  mkdir -p "$d"/{var,ssl,run,log,public,code} "$(gs_agent_dir "$node")/etc"
  chmod 755 "$(gs_agent_dir "$node")/etc"
  etc=$(gs_netns_etc "$(gc_ns "$(gc_node_index "$node")")")
  mkdir -p "$etc/puppet"
  ln -sfn "$(gs_agent_dir "$node")/etc" "$etc/gluster-vip"
  cat >"$etc/puppet/puppet.conf" <<EOF
# $node: written by spec/server. Every path is set: Debian's puppet
# hard-codes ssldir (the server's /var/lib/puppet/ssl), rundir, logdir and
# publicdir, which would not follow vardir.
[main]
certname = $node
server = $GS_SERVER
vardir = $d/var
ssldir = $d/ssl
rundir = $d/run
logdir = $d/log
publicdir = $d/public
codedir = $d/code
# Without it a fresh agent stalls ~30 s after its CSR, until the server's idle timeout.
http_keepalive_timeout = 0
EOF
}

# gs_in_node NODE CMD...: run CMD in NODE's namespace (its /etc/puppet,
# /etc/gluster-vip and /etc/hosts) in a fresh PID namespace (Facter then reads
# our own /proc/1/environ, not the host's), bounded in time. GS_PATH_PREFIX
# goes in front of PATH.
gs_in_node() {
  local node=$1 rubylib=${RUBYLIB:-}
  shift
  [ "$GC_FACTER_SHIM" = 1 ] && rubylib="$GC_LIB_DIR/rubylib${rubylib:+:$rubylib}"
  ip netns exec "$(gc_ns "$(gc_node_index "$node")")" \
    env RUBYLIB="$rubylib" PATH="${GS_PATH_PREFIX:+$GS_PATH_PREFIX:}$PATH" \
    unshare --pid --fork --mount-proc \
    timeout --kill-after=5 "$GS_AGENT_TIMEOUT" "$@"
}

declare -A GS_AGENT_RC=()   # node -> exit code of its last agent run
GS_AGENT_SEQ=0

# gs_agent NODE [ARGS...]: one `puppet agent --test` on NODE; its output goes
# to NODE's agent.log. Returns the agent's exit code (0, 2: ok; 1, 4, 6: failed).
gs_agent() {
  local node=$1
  shift
  {
    echo "=== agent run $GS_AGENT_SEQ at $(gc_elapsed)s: puppet agent --test $*"
    gs_in_node "$node" puppet agent --test --color=false "$@"
  } >>"$(gs_agent_log "$node")" 2>&1 </dev/null
}

# gs_agent_all [--nodes "N1 N2"] [ARGS...]: agent runs on the nodes (default:
# all) concurrently; fills GS_AGENT_RC; true when every run exited 0 or 2.
gs_agent_all() {
  local nodes n ok=0
  declare -A pids=()
  if [ "${1:-}" = --nodes ]; then nodes=$2; shift 2; else nodes=$(gc_all_nodes | paste -sd' ' -); fi
  GS_AGENT_SEQ=$((GS_AGENT_SEQ + 1))
  for n in $nodes; do
    gs_agent "$n" "$@" &
    pids[$n]=$!
    GC_BG_PIDS+=("$!")
  done
  for n in $nodes; do
    wait "${pids[$n]}"
    GS_AGENT_RC[$n]=$?
    case "${GS_AGENT_RC[$n]}" in
      0 | 2) ;;
      *)
        ok=1
        gc_log "$n: puppet agent --test exited ${GS_AGENT_RC[$n]}; last lines of its log:"
        tail -n 15 "$(gs_agent_log "$n")" >&2
        ;;
    esac
  done
  GC_BG_PIDS=()
  gc_debug "agent run $GS_AGENT_SEQ: $(for n in $nodes; do printf '%s=%s ' "$n" "${GS_AGENT_RC[$n]}"; done)"
  return "$ok"
}

# gs_fact NODE ARGS...: plain `facter -p ARGS` in NODE's namespace (stderr dropped).
gs_fact() {
  local node=$1
  shift
  gs_in_node "$node" facter -p "$@" 2>>"$(gs_agent_dir "$node")/facter.log" </dev/null
}

# --- the catalog ----------------------------------------------------------

# gs_site VIP: the production environment's site.pp: one node block per
# node, with class gluster_vip, gluster_vip::keepalived and the example
# consumer, its gluster command the node's ledger wrapper (spec/cluster).
gs_site() {
  local vip=$1 n f tmp
  f=$(gs_site_pp)
  tmp="$f.tmp"
  {
    echo "# written by spec/server: the catalog every agent receives"
    for n in $(gc_all_nodes); do
      echo "node '$n' {"
      {
        echo "class { 'gluster_vip':"
        echo "  vip         => $(gc_pp_str "$vip"),"
        echo "  settle      => $(gc_pp_str "$GC_SETTLE"),"
        echo "  interface   => 'eth0',"
        [ -n "$GC_PROBE" ] && echo "  probe       => $(gc_pp_str "$GC_PROBE"),"
        echo "}"
        gc_keepalived_pp "$n"
        gc_consumer_pp "$n"
      } | sed 's/^/  /'
      echo "}"
    done
  } >"$tmp"
  chown puppet:puppet "$tmp"
  mv -f "$tmp" "$f"
}

# --- assertions -----------------------------------------------------------

# gs_expect_eq DESC WANT HAVE
gs_expect_eq() {
  if [ "$2" = "$3" ]; then gc_debug "ok: $1 = '$3'"; return 0; fi
  gc_log "check failed: $1: want '$2', have '$3'"
  GC_CHECK_FAILED=1
  return 1
}

# gs_json_get JSON PATH: the value at PATH (dot-separated keys) as JSON.
gs_json_get() {
  ruby -rjson -e '
    v = JSON.parse(ARGV[0]); ARGV[1].split(".").each { |k| v = v.is_a?(Hash) ? v[k] : nil }
    puts JSON.generate(v)' "$1" "$2" 2>/dev/null || echo '<not JSON>'
}
