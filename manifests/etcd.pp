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
# The unit runs the daemon under `ProtectSystem=strict`, `ProtectHome=yes` and `PrivateTmp=yes`,
# so the daemon may write only its socket's directory: `elect_socket` (class `gluster_vip`) in
# `/run/DIR` becomes the unit's `RuntimeDirectory=DIR` (systemd creates it, mode 0700, at every
# start, so it survives a reboot), anywhere else the unit's `ReadWritePaths=` (that directory must
# exist). The class refuses, at compile time, a socket in `/` or `/run` itself (that would make all
# of it writable), and a binary, config, socket or TLS file under `/tmp`, `/var/tmp`, `/home`,
# `/root` or `/run/user`, which the unit hides from the daemon; and paths in the unit with
# characters systemd would read as specifiers, quotes or separators.
#
# There is no way here to run the daemon without systemd: it exits on purpose when it loses its
# lease or etcd, and only a supervisor that starts it again (`Restart=always`) lets the node
# campaign anew. With `manage_service => false` the class installs the binary and the unit and
# leaves starting them to you (another supervisor, an image built offline, a test).
#
# @example Backend etcd on every Gluster node
#   class { 'gluster_vip':
#     backend        => 'etcd',
#     etcd_endpoints => ['https://198.51.100.11:2379', 'https://198.51.100.12:2379'],
#   }
#   include gluster_vip::etcd
#
# @example Install only: a supervisor of your own runs the unit's ExecStart line
#   class { 'gluster_vip':
#     backend        => 'etcd',
#     etcd_endpoints => ['https://198.51.100.11:2379'],
#   }
#   class { 'gluster_vip::etcd':
#     manage_service => false,
#   }
#
# @param binary
#   Where to install the daemon.
# @param binary_source
#   The daemon's binary on this node. Unset, it is found next to the fact's binary, named by the
#   `gluster_vip` fact's `command`.
# @param config_file
#   The config file the daemon reads. Unset, the one class `gluster_vip` writes.
# @param service_ensure
#   Whether the daemon runs (with `manage_service`).
# @param service_enable
#   Whether the daemon starts at boot (with `manage_service`).
# @param manage_service
#   Whether to manage the systemd service (and run `systemctl daemon-reload` when the unit
#   changes). `false`: only the binary and the unit file are managed, and `service_ensure` and
#   `service_enable` are ignored; nothing restarts the daemon when they or the config change.
# @param unit_dir
#   Where the unit `gluster-vip-elect.service` goes.
class gluster_vip::etcd (
  Stdlib::Absolutepath $binary = '/usr/local/sbin/gluster-vip-elect',
  Optional[Stdlib::Absolutepath] $binary_source = undef,
  Optional[Stdlib::Absolutepath] $config_file = undef,
  Enum['running', 'stopped'] $service_ensure = 'running',
  Boolean $service_enable = true,
  Boolean $manage_service = true,
  Stdlib::Absolutepath $unit_dir = '/etc/systemd/system',
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
  $unit = "${unit_dir}/gluster-vip-elect.service"

  # The daemon writes only its socket; ProtectSystem=strict makes everything else read-only.
  $socket = pick($gluster_vip::settings['elect_socket'], '/run/gluster-vip/elect.sock')
  $socket_dir = dirname($socket)
  $paths = {
    'binary'       => $binary,
    'config_file'  => $config,
    'elect_socket' => $socket,
  }
  $paths.each |$key, $path| {
    # systemd reads % as a specifier, and whitespace, quotes and \ as separators or escapes, in
    # ExecStart and the directory settings; a non-normalized path it ignores with a warning.
    unless $path =~ /\A(\/[A-Za-z0-9_@+=:,.~-]+)+\z/ and $path !~ /\/\.\.?(\/|\z)/ {
      fail("gluster_vip::etcd: ${key} '${path}': the unit can only take a normalized path of letters, digits and _@+=:,.~-")
    }
  }
  $tls = ['etcd_ca', 'etcd_cert', 'etcd_key'].reduce({}) |$memo, $key| {
    $gluster_vip::settings[$key] ? {
      undef   => $memo,
      default => $memo + { $key => $gluster_vip::settings[$key] },
    }
  }
  ($paths + $tls).each |$key, $path| {
    if $path =~ /\A\/(tmp|var\/tmp|home|root|run\/user)(\/|\z)/ {
      fail(@("MSG"/L))
        gluster_vip::etcd: ${key} '${path}' is under /${1}, which the unit hides from the daemon \
        (PrivateTmp=yes gives it its own /tmp and /var/tmp; ProtectHome=yes hides /home, /root and \
        /run/user): put it elsewhere
        | MSG
    }
  }
  if $socket_dir in ['/', '/run', '/var/run'] {
    fail(@("MSG"/L))
      gluster_vip::etcd: elect_socket '${socket}' is directly in ${socket_dir}, which the unit would \
      have to make writable as a whole: put the socket in a directory of its own, such as \
      /run/gluster-vip/elect.sock
      | MSG
  }
  # Under /run (a tmpfs, empty after a reboot) systemd creates the directory at every start.
  $runtime_directory = $socket_dir ? {
    /\A(\/var)?\/run\/(.+)\z/ => $2,
    default                   => undef,
  }
  $read_write_path = $runtime_directory ? {
    undef   => $socket_dir,
    default => undef,
  }

  # The settings the daemon reads, at start only. The unit names them, so that a change of one
  # restarts the daemon (through the unit), while a change of the others (settle, metrics) leaves
  # it alone: a restart of the leader is a resignation, and moves the lock.
  $daemon_keys = ['backend', 'etcd_endpoints', 'node_name', 'lease_ttl', 'etcd_prefix', 'etcd_ca', 'etcd_cert', 'etcd_key',
  'elect_socket']
  $daemon_settings = $gluster_vip::settings.filter |$key, $value| { $key in $daemon_keys }

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
        'binary'            => $binary,
        'config_file'       => $config,
        'socket'            => $socket,
        'runtime_directory' => $runtime_directory,
        'read_write_path'   => $read_write_path,
        'daemon_settings'   => $daemon_settings,
    }),
  }

  if $manage_service {
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

    # The config is written before the daemon (re)starts; its changes that matter to the daemon
    # restart it through the unit, which names them.
    if defined(File[$config]) {
      File[$config] -> Service['gluster-vip-elect']
    }
  }
}
