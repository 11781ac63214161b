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
# @example No lock: every node runs every guarded exec
#   class { 'gluster_vip':
#     vip => '',
#   }
#
# @param vip
#   The cluster's virtual IP, a bare IPv4 or IPv6 address (see `Gluster_vip::Vip`), or `''` for
#   mode `all`. A bad value fails compilation with a message that names it.
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
#   When set, the VIP counts only while the keepalived named by this pidfile is alive.
# @param config_file
#   Where to write the config. The binary reads `/etc/gluster-vip/gluster-vip.conf`, or the file
#   named by `GLUSTER_VIP_CONFIG`; guarded execs pass this path with `--config`.
# @param manage_config_dir
#   Whether to manage the config file's directory (root, 0755).
class gluster_vip (
  String $vip,
  Optional[Gluster_vip::Mode] $mode = undef,
  Optional[Gluster_vip::Duration] $settle = undef,
  Optional[Gluster_vip::Interface] $interface = undef,
  Array[Stdlib::IP::Address::Nosubnet] $peers = [],
  Optional[Gluster_vip::Duration] $probe = undef,
  Optional[Stdlib::Absolutepath] $keepalived_pidfile = undef,
  Stdlib::Absolutepath $config_file = '/etc/gluster-vip/gluster-vip.conf',
  Boolean $manage_config_dir = true,
) {
  # Checked here, not in the signature: a signature type error does not name the value.
  assert_type(Gluster_vip::Vip, $vip) |$expected, $actual| {
    fail("gluster_vip: vip '${vip}' is not a bare IPv4 or IPv6 address, nor '' (mode all)")
  }
  if $vip == '' and $mode =~ Enum['vip', 'master'] {
    fail("gluster_vip: mode ${mode} needs a vip, but vip is ''")
  }
  if $vip != '' and $mode == 'all' {
    fail("gluster_vip: mode all needs vip => '', but vip is '${vip}'")
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
    'keepalived_pidfile' => $keepalived_pidfile,
  }.filter |$key, $value| { $value =~ NotUndef }

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
}
