# @summary Installs and runs gluster-vip-elect, the daemon that holds the lock of `backend => 'etcd'`.
#
# The daemon campaigns in an etcd election under a lease and answers the `gluster_vip` fact,
# `gluster-vip check` and `gluster-vip run` on a root-only unix socket, so that the fact itself never
# links the etcd client. It reads the same config file as the fact (written by class `gluster_vip`
# with `backend => 'etcd'`), runs in the foreground under systemd, and is restarted by systemd when it
# exits on a lost lease.
#
# The binary is delivered like the fact's: `rake build` puts `gluster-vip-elect-linux-<arch>` beside
# `gluster-vip-linux-<arch>` in `facts.d/.gluster_vip/`, pluginsync copies it with its mode, and this
# class copies it from there (found through the fact's `command`) to `$binary`.
#
# @example Backend etcd on every Gluster node
#   class { 'gluster_vip':
#     backend        => 'etcd',
#     etcd_endpoints => ['https://198.51.100.11:2379', 'https://198.51.100.12:2379'],
#   }
#   include gluster_vip::etcd
#
# @param binary
#   Where to install the daemon.
# @param binary_source
#   The daemon's binary on this node. Unset, it is found next to the fact's binary, named by the
#   `gluster_vip` fact's `command`.
# @param config_file
#   The config file the daemon reads. Unset, the one class `gluster_vip` writes.
# @param service_ensure
#   Whether the daemon runs.
# @param service_enable
#   Whether the daemon starts at boot.
class gluster_vip::etcd (
  Stdlib::Absolutepath $binary = '/usr/local/sbin/gluster-vip-elect',
  Optional[Stdlib::Absolutepath] $binary_source = undef,
  Optional[Stdlib::Absolutepath] $config_file = undef,
  Enum['running', 'stopped'] $service_ensure = 'running',
  Boolean $service_enable = true,
) {
  # Class gluster_vip writes the config the daemon reads; its parameters may come from Hiera.
  include gluster_vip
  if $gluster_vip::backend != 'etcd' {
    fail("gluster_vip::etcd: class gluster_vip has backend ${gluster_vip::backend}; set backend => 'etcd' (and etcd_endpoints) there")
  }
  $config = pick($config_file, $gluster_vip::config_file)
  $arch = $facts['os']['hardware'] ? {
    /^(x86_64|amd64)$/  => 'amd64',
    /^(aarch64|arm64)$/ => 'arm64',
    default             => fail("gluster_vip::etcd: no gluster-vip-elect binary for architecture ${facts['os']['hardware']}"),
  }
  if $binary_source =~ Undef {
    $command = $facts.dig('gluster_vip', 'command')
    if $command !~ String[1] {
      fail('gluster_vip::etcd: the gluster_vip fact names no command; is the module pluginsynced? Set binary_source')
    }
    # The fact's command is the binary (facts.d/.gluster_vip/gluster-vip-linux-ARCH) or, with no
    # binary for this node, the dispatcher (facts.d/gluster_vip): both lead to facts.d.
    $facts_d = regsubst($command, '/(\.gluster_vip/[^/]+|gluster_vip)$', '')
    $source = "${facts_d}/.gluster_vip/gluster-vip-elect-linux-${arch}"
  } else {
    $source = $binary_source
  }
  $unit = '/etc/systemd/system/gluster-vip-elect.service'

  file { $binary:
    ensure => file,
    source => $source,
    owner  => 'root',
    group  => 'root',
    mode   => '0755',
  }

  file { $unit:
    ensure  => file,
    owner   => 'root',
    group   => 'root',
    mode    => '0644',
    content => epp('gluster_vip/etcd/gluster-vip-elect.service.epp', {
        'binary'      => $binary,
        'config_file' => $config,
    }),
  }

  exec { 'gluster-vip-elect systemctl daemon-reload':
    command     => ['systemctl', 'daemon-reload'],
    path        => $facts['path'],
    refreshonly => true,
    subscribe   => File[$unit],
  }

  service { 'gluster-vip-elect':
    ensure    => $service_ensure,
    enable    => $service_enable,
    subscribe => [File[$binary], File[$unit], Exec['gluster-vip-elect systemctl daemon-reload']],
  }

  # A new config (endpoints, lease_ttl, node_name) takes effect through a restart.
  if defined(File[$config]) {
    File[$config] ~> Service['gluster-vip-elect']
  }
}
