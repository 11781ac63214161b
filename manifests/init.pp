# @summary Writes the gluster-vip config that the `gluster_vip` fact and every guarded exec read.
#
# The module's fact (`facts.d/gluster_vip`) runs the gluster-vip binary, which reads this file and
# answers "does this node hold the cluster's virtual IP?". A node whose file has no `vip` is
# `unconfigured` and never holds, so the first Puppet run of a fresh node is decided by the
# apply-time check of `gluster_vip::exec`, which passes these settings as flags.
#
# The file is owned by root, mode 0644, in a root-owned directory: the binary refuses anything else
# when it runs as root, because the file decides who runs privileged commands. Puppet's `file`
# resource writes it atomically (a temporary file in the same directory, then a rename), so the
# fact never reads half a file.
#
# @example A floating VIP held by keepalived
#   class { 'gluster_vip':
#     vip    => '203.0.113.10',
#     settle => '5s',
#   }
#
# @example With the module's keepalived: the liveness check is on by itself
#   class { 'gluster_vip':
#     vip => '203.0.113.10',
#   }
#   class { 'gluster_vip::keepalived':
#     nodes     => ['gv1.example.com', 'gv2.example.com', 'gv3.example.com'],
#     interface => 'eth0',
#   }
#
# @example Metrics for node_exporter's textfile collector, every 30 seconds
#   class { 'gluster_vip':
#     vip     => '203.0.113.10',
#     metrics => 'systemd',
#   }
#
# @example Backend etcd: the lock is the leadership of an etcd election (see class gluster_vip::etcd)
#   class { 'gluster_vip':
#     backend        => 'etcd',
#     etcd_endpoints => ['https://198.51.100.11:2379', 'https://198.51.100.12:2379', 'https://198.51.100.13:2379'],
#     etcd_ca        => '/etc/gluster-vip/etcd-ca.pem',
#     etcd_cert      => '/etc/gluster-vip/etcd-client.pem',
#     etcd_key       => '/etc/gluster-vip/etcd-client-key.pem',
#   }
#   include gluster_vip::etcd
#
# @example No lock: every node runs every guarded exec
#   class { 'gluster_vip':
#     vip => '',
#   }
#
# @param vip
#   The cluster's virtual IP, a bare IPv4 or IPv6 address (see `Gluster_vip::Vip`), or `''` for
#   mode `all`. A bad value fails compilation with a message that names it. Required with
#   `backend => 'vrrp'` (the default); refused with `backend => 'etcd'`.
# @param mode
#   `vip`, `master` or `all`. Unset (the default), the binary infers `vip`, or `master` when the VIP
#   is this node's own primary address; an empty `vip` means `all`.
# @param settle
#   How long the VIP must have been on this node before it counts, as a Go duration (`5s`).
#   `0s` turns it off. Unset, the binary's default (5s) applies.
# @param interface
#   Count the VIP only on this interface. Unset, any up interface counts.
# @param peers
#   The cluster's node addresses, for the quorum probe. Empty, no quorum is required.
# @param probe
#   Time budget of the conflict and quorum probes, as a Go duration (`200ms`). `0s` turns them off.
# @param keepalived_pidfile
#   When set, the VIP counts only while the keepalived named by this pidfile is alive. Unset, the
#   pidfile of class `gluster_vip::keepalived` when that class manages the keepalived service (or
#   is given a `pidfile`), in either order of declaration; else no liveness check. `''` turns the
#   check off.
# @param backend
#   `vrrp` (the default): the lock is the VIP that keepalived moves. `etcd`: the lock is the
#   leadership of an etcd election, held under a lease by gluster-vip-elect (class
#   `gluster_vip::etcd`), for clusters where VRRP can't run (several subnets, clouds). Under `etcd`,
#   `vip`, `mode`, `interface`, `peers`, `probe` and `keepalived_pidfile` are refused and
#   `etcd_endpoints` is required; `settle` applies to both. Under `vrrp`, the etcd parameters are
#   refused, and the config file has no `backend` key, as before backends existed.
# @param etcd_endpoints
#   Backend etcd: the etcd cluster's client URLs (`https://198.51.100.11:2379`), no path.
# @param node_name
#   Backend etcd: this node's name in the election. Unset, the host name.
# @param lease_ttl
#   Backend etcd: the lease's TTL, whole seconds from `2s` to `5m`. Unset, the binary's default
#   (`10s`). A holder that dies or is cut off from etcd is replaced after at most `lease_ttl` +
#   `settle`; a shorter TTL fails over sooner but turns a slow etcd into lost leaderships.
# @param etcd_prefix
#   Backend etcd: the election's key prefix. Unset, `/gluster-vip/election`. Every node of one
#   cluster must use the same prefix, and no other cluster may.
# @param etcd_ca
#   Backend etcd: the CA bundle that signed the etcd servers' certificates. Unset, the system's.
# @param etcd_cert
#   Backend etcd: the client certificate, with `etcd_key`.
# @param etcd_key
#   Backend etcd: the client certificate's key. The daemon refuses a key file that group or other
#   may read: manage it with mode `0600` (or `0400`), owned by root.
# @param elect_socket
#   Backend etcd: the unix socket on which gluster-vip-elect answers the fact and the check. Unset,
#   `/run/gluster-vip/elect.sock`.
# @param config_file
#   Where to write the config. The binary reads `/etc/gluster-vip/gluster-vip.conf`, or the file
#   named by `GLUSTER_VIP_CONFIG`; guarded execs pass this path with `--config`.
# @param manage_config_dir
#   Whether to manage the config file's directory (root, 0755).
# @param warn_blocked
#   Whether to warn, in the node's report, when the node's fact says it has the VIP but a check
#   stops it from running guarded operations (settle, keepalived liveness, conflict, quorum), or
#   that the fact carries an error. The warning is a `notify` resource at loglevel `warning`, so it
#   reaches the agent's report and log (a compile-time `warning()` reaches only the server's log),
#   and it names the check and its detail, such as the other link-layer address that answers for
#   the VIP. Like every `notify`, it counts as a change in the report.
# @param metrics
#   Write the fact as Prometheus metrics (`gluster-vip --format=prometheus`) into node_exporter's
#   textfile directory, from a systemd timer (`systemd`, every `metrics_interval`) or a cron job
#   (`cron`, every minute); `off` (the default) manages none of it. The job runs
#   `gluster-vip --format=prometheus --textfile=<metrics_dir>/gluster_vip.prom`: the binary
#   replaces the file atomically (a temporary file in the same directory, mode 0644, then a
#   rename), and node_exporter reads only `*.prom`, never the temporary file.
# @param metrics_dir
#   node_exporter's `--collector.textfile.directory` (Debian's default). Not managed: the
#   exporter's package creates it.
# @param metrics_interval
#   How often the systemd timer writes the metrics, as a systemd time span (`30s`, `1min`).
# @param metrics_command
#   The gluster-vip binary (or dispatcher) the job runs. Unset, the `command` of the node's
#   `gluster_vip` fact, or the dispatcher where pluginsync puts it.
# @param metrics_script
#   The script that writes the file; the timer or cron job runs it, with no arguments.
# @param metrics_cron_file
#   The cron job's file, for `metrics => cron`.
# @param metrics_unit_dir
#   Where the systemd units go, for `metrics => systemd`.
class gluster_vip (
  Optional[String] $vip = undef,
  Optional[Gluster_vip::Mode] $mode = undef,
  Optional[Gluster_vip::Duration] $settle = undef,
  Optional[Gluster_vip::Interface] $interface = undef,
  Array[Stdlib::IP::Address::Nosubnet] $peers = [],
  Optional[Gluster_vip::Duration] $probe = undef,
  Optional[Variant[Stdlib::Absolutepath, Enum['']]] $keepalived_pidfile = undef,
  Stdlib::Absolutepath $config_file = '/etc/gluster-vip/gluster-vip.conf',
  Boolean $manage_config_dir = true,
  Boolean $warn_blocked = true,
  Enum['off', 'systemd', 'cron'] $metrics = 'off',
  Stdlib::Absolutepath $metrics_dir = '/var/lib/prometheus/node-exporter',
  Pattern[/\A[0-9]+(ms|s|sec|min|m|h)?\z/] $metrics_interval = '30s',
  Optional[Stdlib::Absolutepath] $metrics_command = undef,
  Stdlib::Absolutepath $metrics_script = '/usr/local/sbin/gluster-vip-textfile',
  Stdlib::Absolutepath $metrics_cron_file = '/etc/cron.d/gluster-vip-metrics',
  Stdlib::Absolutepath $metrics_unit_dir = '/etc/systemd/system',
  Enum['vrrp', 'etcd'] $backend = 'vrrp',
  Array[Pattern[/\Ahttps?:\/\/[^\/\s,?#@]+\z/]] $etcd_endpoints = [],
  Optional[Pattern[/\A[!-~]{1,253}\z/]] $node_name = undef,
  Optional[Gluster_vip::Duration] $lease_ttl = undef,
  Optional[Pattern[/\A\/[!-~]*[^\/]\z/]] $etcd_prefix = undef,
  Optional[Stdlib::Absolutepath] $etcd_ca = undef,
  Optional[Stdlib::Absolutepath] $etcd_cert = undef,
  Optional[Stdlib::Absolutepath] $etcd_key = undef,
  Optional[Stdlib::Absolutepath] $elect_socket = undef,
) {
  # Each backend refuses the other's parameters, as the binary refuses the other's keys: a
  # leftover vip under etcd (or lease_ttl under vrrp) would otherwise look like it did something.
  $vrrp_only = {
    'vip' => $vip, 'mode' => $mode, 'interface' => $interface, 'peers' => $peers ? { [] => undef, default => $peers },
    'probe' => $probe, 'keepalived_pidfile' => $keepalived_pidfile,
  }.filter |$key, $value| { $value =~ NotUndef }
  $etcd_only = {
    'etcd_endpoints' => $etcd_endpoints ? { [] => undef, default => $etcd_endpoints }, 'node_name' => $node_name,
    'lease_ttl' => $lease_ttl, 'etcd_prefix' => $etcd_prefix, 'etcd_ca' => $etcd_ca, 'etcd_cert' => $etcd_cert,
    'etcd_key' => $etcd_key, 'elect_socket' => $elect_socket,
  }.filter |$key, $value| { $value =~ NotUndef }
  if $backend == 'etcd' {
    unless $vrrp_only.empty {
      fail("gluster_vip: ${vrrp_only.keys.join(', ')}: only for backend vrrp, but backend is etcd")
    }
    if $etcd_endpoints.empty {
      fail("gluster_vip: backend etcd needs etcd_endpoints, the etcd cluster's client URLs")
    }
    if ($etcd_cert =~ Undef) != ($etcd_key =~ Undef) {
      fail('gluster_vip: etcd_cert and etcd_key go together (a client certificate and its key)')
    }
    if $lease_ttl =~ NotUndef {
      $ttl = gluster_vip::seconds($lease_ttl)
      if $ttl < 2 or $ttl > 300 or $ttl != Integer($ttl) {
        fail("gluster_vip: lease_ttl '${lease_ttl}': want whole seconds from 2s to 5m (etcd grants leases in seconds)")
      }
    }
  } else {
    unless $etcd_only.empty {
      fail("gluster_vip: ${etcd_only.keys.join(', ')}: only for backend etcd, but backend is vrrp")
    }
    if $vip =~ Undef {
      fail("gluster_vip: backend vrrp needs a vip (an address, or '' for mode all); or set backend => 'etcd'")
    }
    # Checked here, not in the signature: a signature type error does not name the value.
    assert_type(Gluster_vip::Vip, $vip) |$expected, $actual| {
      fail("gluster_vip: vip '${vip}' is not a bare IPv4 or IPv6 address, nor '' (mode all)")
    }
  }
  if $vip == '' and $mode =~ Enum['vip', 'master'] {
    fail("gluster_vip: mode ${mode} needs a vip, but vip is ''")
  }
  if $vip != '' and $mode == 'all' {
    fail("gluster_vip: mode all needs vip => '', but vip is '${vip}'")
  }
  # The binary refuses this pair too (it would turn quorum off); failing here names the class.
  if !$peers.empty and $probe =~ NotUndef and gluster_vip::seconds($probe) == 0.0 {
    fail("gluster_vip: peers need the probe for quorum, but probe is '${probe}'; set probe above 0s, or remove peers")
  }

  # The keepalived liveness check. gluster_vip::keepalived sets $liveness_pidfile before it
  # includes this class, so it is readable here when that class was declared first; declared
  # after, it adds the pidfile to this class's config file itself.
  $pidfile = $keepalived_pidfile ? {
    ''      => undef,
    undef   => ($backend == 'vrrp' and defined(Class['gluster_vip::keepalived'])) ? {
      true    => $gluster_vip::keepalived::liveness_pidfile,
      default => undef,
    },
    default => $keepalived_pidfile,
  }

  # The config, key by key, in the binary's order; unset keys are left out so the binary's
  # defaults apply.
  $settings = {
    'vip'                => $vip,
    'mode'               => $mode,
    'interface'          => $interface,
    'settle'             => $settle,
    'peers'              => $peers ? { [] => undef, default => $peers.join(',') },
    'probe'              => $probe,
    'keepalived_pidfile' => $pidfile,
    # Under vrrp no backend key: the file stays as it was before backends existed.
    'backend'            => $backend ? { 'etcd' => 'etcd', default => undef },
    'etcd_endpoints'     => $etcd_endpoints ? { [] => undef, default => $etcd_endpoints.join(',') },
    'node_name'          => $node_name,
    'lease_ttl'          => $lease_ttl,
    'etcd_prefix'        => $etcd_prefix,
    'etcd_ca'            => $etcd_ca,
    'etcd_cert'          => $etcd_cert,
    'etcd_key'           => $etcd_key,
    'elect_socket'       => $elect_socket,
  }.filter |$key, $value| { $value =~ NotUndef }

  # A value is one line of the file: a line break in one (older stdlib releases' Stdlib::Unixpath,
  # `^...$`, lets one through) would write another key, such as `probe = 0s`, and under
  # gluster_vip::etcd a line into its unit; no control character belongs in a path or a name.
  $settings.each |$key, $value| {
    if $value =~ /[[:cntrl:]]/ {
      fail("gluster_vip: ${key} ${String($value, '%p')} holds a control character (a line break?); refusing it")
    }
  }

  # The same settings as flags, for `gluster-vip check`: flags beat the config file, so the check
  # decides with what this catalog writes even when the file on disk is older. `--vip=` (with the
  # `=`) keeps an empty VIP a value.
  $check_flags = ["--config=${config_file}"] + $settings.map |$key, $value| { "--${key}=${value}" }

  if $manage_config_dir {
    # ensure_resource: gluster_vip::keepalived may put its config in the same directory.
    ensure_resource('file', dirname($config_file), {
        ensure => directory,
        owner  => 'root',
        group  => 'root',
        mode   => '0755',
    })
  }

  file { $config_file:
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => epp('gluster_vip/gluster-vip.conf.epp', { 'settings' => $settings }),
  }

  if $warn_blocked {
    contain gluster_vip::warning
  }

  unless $metrics == 'off' {
    contain gluster_vip::metrics
  }
}
