# @summary Configures keepalived with one VRRP instance that holds the cluster's virtual IP.
#
# Optional: any VRRP setup that puts the VIP on one node works with the `gluster_vip` fact (see
# the README for keepalived managed by another module, such as voxpupuli/puppet-keepalived).
#
# A change to the config *reloads* keepalived (SIGHUP, `systemctl reload`); it never restarts it.
# A restart of the master drops the VIP and forces a failover, so adding a node to `nodes` would
# move the VIP; a reload keeps every node's VRRP state. The config is checked with
# `keepalived -l -t -f` before it replaces the old one, so a bad config never reaches keepalived
# and its error shows up in Puppet's output.
#
# When the service is managed (or `pidfile` is given), class `gluster_vip` turns on its
# keepalived liveness check with this pidfile, so a node whose keepalived died does not count
# the (stale) VIP as held. Set `gluster_vip::keepalived_pidfile => ''` to turn that off.
#
# `virtual_router_id` is derived from the VIP unless given: every node computes the same id from
# the same VIP, so nothing needs coordinating, but two VRRP groups on one link collide with
# probability about 1/255 per pair. Give it explicitly when other VRRP runs on the link.
#
# Every node starts as `BACKUP`, so a fresh cluster never has several masters at once; VRRP then
# elects the node with the highest priority. Priorities come from the sorted list of `nodes`
# (see `gluster_vip::priority`), so no two nodes share one. With `nopreempt` (the default), a
# node that comes back does not take the VIP back from the node that holds it.
#
# The instance tracks quorum (`track_quorum`; on by default when class `gluster_vip` is in the
# catalog with backend `vrrp` and `peers`): keepalived runs, as root, the vrrp_script
# `<gluster-vip binary> quorum --config=<gluster_vip::config_file> --interface=<interface>`, which
# exits 0 only while a strict majority of `gluster_vip::peers` answers on VRRP's link (ARP/ND
# probes), whether or not the VIP is here. Its weight is 0, so
# `quorum_fall` failures put the instance in FAULT and keepalived drops the VIP; `quorum_rise`
# successes bring it back as BACKUP. Why: in a silent partition the cut-off master kept the VIP
# (running nothing, as it had no quorum) while the majority elected a master that ran the guarded
# operation. At the heal the old master won the MASTER-against-MASTER election on priority
# (`nopreempt` does not cover that), and as its VIP had never left, its age counted from before the
# partition: it was at once the settled holder and ran the non-idempotent operation a second time.
# With the script it has dropped the VIP, comes back as BACKUP and, with `nopreempt`, leaves the
# VIP on the majority's master.
# The price: a node without quorum holds no VIP, so a cluster without a majority has none (a
# 2-node cluster with one node down). If clients also reach a service through the VIP, that is an
# outage; `track_quorum => false` turns the script off (guarded operations still need quorum: the
# binary's check counts `peers` itself). The default reads class `gluster_vip` as it is when this
# class is evaluated: declare it first, or leave `vip` unset so that this class includes it.
# Declared after this class, it is not seen and `track_quorum` defaults to false.
#
# @example Three nodes, VRRPv3 with fast adverts, unicast
#   class { 'gluster_vip':
#     vip => '203.0.113.10',
#   }
#   class { 'gluster_vip::keepalived':
#     nodes          => ['198.51.100.1', '198.51.100.2', '198.51.100.3'],
#     node_name      => $facts['networking']['ip'],
#     interface      => 'eth0',
#     advert_int     => 0.1,
#     unicast_src_ip => $facts['networking']['ip'],
#     unicast_peers  => ['198.51.100.1', '198.51.100.2', '198.51.100.3'] - $facts['networking']['ip'],
#   }
#
# @example Without systemd (a network namespace in a test harness): keepalived by its pidfile
#   class { 'gluster_vip::keepalived':
#     nodes            => ['n1', 'n2', 'n3'],
#     node_name        => 'n1',
#     interface        => 'eth0',
#     config_file      => '/srv/n1/keepalived.conf',
#     pidfile          => '/srv/n1/keepalived.pid',
#     service_provider => 'base',
#     manage_package   => false,
#   }
#
# @param nodes
#   Every node of the cluster (names or addresses), each once. Their sorted order gives the priorities.
# @param node_name
#   This node, as it is spelled in `nodes`.
# @param vip
#   The address keepalived holds. Unset, `gluster_vip::vip` (class `gluster_vip` is then included).
#   It must not be `''`.
# @param vip_prefix
#   The prefix length keepalived gives the VIP. Unset, /32 for IPv4 and /128 for IPv6.
# @param interface
#   The interface that VRRP runs on and that gets the VIP. Unset, the node's primary interface.
# @param virtual_router_id
#   The VRRP router id, the same on every node of the cluster and unique on the link. Unset, it is
#   derived from the VIP: the first 32 bits of the SHA-256 of the VIP (as written, lower case),
#   modulo 255, plus 1: 203.0.113.10 gives 159 and 2001:db8::10 gives 114
#   (`printf %s VIP | sha256sum`, the first 8 hex digits). There is no default of
#   51, the id of every keepalived example, which collides with any other VRRP setup copied from
#   one. A derived id still collides with another group on the link with probability about 1/255
#   per pair (about 16% with 10 groups on one link): give it explicitly when the link has others.
# @param instance_name
#   The name of the `vrrp_instance`.
# @param advert_int
#   Seconds between adverts. VRRPv3 takes hundredths (`0.1`); VRRPv2 only whole seconds.
# @param vrrp_version
#   2 or 3. IPv6 needs 3.
# @param auth_pass
#   A password of up to 8 characters for `auth_type PASS`. VRRPv2 only (VRRPv3 has no authentication).
# @param auth_type
#   `PASS` or `AH`, used when `auth_pass` is set.
# @param unicast_src_ip
#   The source address for unicast adverts.
# @param unicast_peers
#   The other nodes' addresses. Empty, adverts are multicast.
# @param nopreempt
#   Whether a node with a higher priority leaves the VIP where it is.
# @param priority
#   This node's priority. Unset, it is derived from `nodes`.
# @param priority_base
#   The priority of the first of the sorted `nodes`.
# @param priority_step
#   How much lower each following node's priority is.
# @param router_id
#   The `router_id` in `global_defs`. Unset, `node_name`. It, `interface`, `script_user` and
#   `auth_pass` must be single words (see `Gluster_vip::Keepalived::Word`).
# @param notify_master
#   A script (with arguments) keepalived runs when this node becomes master. An absolute path;
#   `"`, `\`, braces, `#`, `!` and control characters are refused (see
#   `Gluster_vip::Keepalived::Script`): keepalived.conf cannot escape them.
# @param notify_backup
#   A script keepalived runs when this node becomes backup.
# @param notify_fault
#   A script keepalived runs when this instance enters the fault state.
# @param notify_stop
#   A script keepalived runs when the instance stops.
# @param notify_script
#   A script keepalived runs on every state change, with the instance, the state and the priority.
# @param script_user
#   The user that runs the notify scripts (with `enable_script_security`).
# @param track_quorum
#   Whether the instance tracks the quorum script (see above), so a node cut off from the majority
#   drops the VIP instead of keeping it through the partition and running the guarded operation a
#   second time after the heal. Unset, true exactly when class `gluster_vip` is in the catalog
#   (evaluated before this class) with backend `vrrp` and non-empty `peers`, the quorum the script
#   counts. `true` fails without that class, under backend `etcd` or without `peers`, where the
#   script could only exit 2 and hold every node in FAULT.
# @param quorum_interval
#   Seconds between runs of the quorum script (keepalived's `interval`).
# @param quorum_timeout
#   Seconds after which keepalived kills a run and counts it as failed (its `timeout`). keepalived
#   requires no relation to `quorum_interval`: a run still going at the next interval makes it skip
#   that run. Keep it above the probe's budget (`gluster_vip::probe`, 200ms by default).
# @param quorum_fall
#   Failed runs in a row that put the instance in FAULT (and drop the VIP): about
#   `quorum_fall * quorum_interval` seconds after a partition, longer when runs hit
#   `quorum_timeout`. Keep it below the majority's failover plus `gluster_vip::settle`: the cut-off
#   master must have dropped the VIP before the majority's new master may run a guarded operation.
# @param quorum_rise
#   Successful runs in a row that bring the instance back from FAULT (as BACKUP).
# @param config_file
#   Where to write keepalived's config.
# @param manage_config_dir
#   Whether to manage the config file's directory.
# @param validate
#   Whether to check the config with `keepalived -l -t -f` before it replaces the old one. The
#   check's messages go to stderr, so Puppet shows them in its error (measured with 2.2.7: `-t`
#   writes to stderr and never to syslog; `-l` keeps it so on versions that would log).
# @param keepalived_command
#   The keepalived binary, for `validate` and the `base` provider's start command.
# @param pidfile
#   Where keepalived writes its pid (its `-p`). Unset, `/run/keepalived.pid`, keepalived's and
#   Debian's default. The module does not tell a systemd-started keepalived where to write it:
#   give the path your unit uses. With the `base` provider, the start command passes it.
# @param manage_package
#   Whether to install keepalived.
# @param package_name
#   The keepalived package.
# @param package_ensure
#   The package's `ensure`.
# @param manage_service
#   Whether to keep the keepalived service running and reload it when the config changes. Turn it
#   off when keepalived is started some other way (a cluster manager).
# @param service_name
#   The keepalived service.
# @param service_provider
#   The `service` provider. Unset, Puppet's default (systemd on Debian), and the reload is
#   `systemctl reload <service_name>`. `base` manages keepalived by its pidfile with plain
#   commands, for hosts without systemd such as network namespaces in a test harness: start
#   `<keepalived_command> -f <config_file> -p <pidfile> -r <stem>_vrrp.pid -c <stem>_checkers.pid
#   -b <stem>_bfd.pid` (`<stem>` is `pidfile` without `.pid`; keepalived daemonizes itself), status
#   `kill -0` of the pid in `pidfile`, reload `kill -HUP`, stop `kill -TERM`.
# @param service_start
#   The start command, instead of the provider's (or the `base` default above).
# @param service_stop
#   The stop command, instead of the provider's.
# @param service_status
#   The status command (exit 0 while keepalived runs), instead of the provider's.
# @param service_reload
#   The command that makes keepalived reread its config without dropping the VIP, run when the
#   config changes (it is the `service`'s `restart`). Never give a restart here: a restart of the
#   master moves the VIP.
class gluster_vip::keepalived (
  Array[String[1], 1] $nodes,
  String[1] $node_name = pick($facts.dig('networking', 'fqdn'), $facts.dig('networking', 'hostname')),
  Optional[String] $vip = undef,
  Optional[Integer[0, 128]] $vip_prefix = undef,
  Optional[Gluster_vip::Interface] $interface = undef,
  Optional[Integer[1, 255]] $virtual_router_id = undef,
  Pattern[/\A[A-Za-z0-9_.-]{1,32}\z/] $instance_name = 'gluster_vip',
  Variant[Integer[1, 255], Float[0.01, 40.95]] $advert_int = 1,
  Integer[2, 3] $vrrp_version = 3,
  Optional[Variant[String[1, 8], Sensitive[String[1, 8]]]] $auth_pass = undef,
  Enum['PASS', 'AH'] $auth_type = 'PASS',
  Optional[Stdlib::IP::Address::Nosubnet] $unicast_src_ip = undef,
  Array[Stdlib::IP::Address::Nosubnet] $unicast_peers = [],
  Boolean $nopreempt = true,
  Optional[Integer[1, 254]] $priority = undef,
  Integer[1, 254] $priority_base = 200,
  Integer[1, 253] $priority_step = 10,
  Optional[String[1]] $router_id = undef,
  Optional[String[1]] $notify_master = undef,
  Optional[String[1]] $notify_backup = undef,
  Optional[String[1]] $notify_fault = undef,
  Optional[String[1]] $notify_stop = undef,
  Optional[String[1]] $notify_script = undef,
  String[1] $script_user = 'root',
  Optional[Boolean] $track_quorum = undef,
  Integer[1, 60] $quorum_interval = 1,
  Integer[1, 60] $quorum_timeout = 3,
  Integer[1, 10] $quorum_fall = 2,
  Integer[1, 10] $quorum_rise = 2,
  Stdlib::Absolutepath $config_file = '/etc/keepalived/keepalived.conf',
  Boolean $manage_config_dir = true,
  Boolean $validate = true,
  Stdlib::Absolutepath $keepalived_command = '/usr/sbin/keepalived',
  Optional[Stdlib::Absolutepath] $pidfile = undef,
  Boolean $manage_package = true,
  String[1] $package_name = 'keepalived',
  String[1] $package_ensure = 'installed',
  Boolean $manage_service = true,
  String[1] $service_name = 'keepalived',
  Optional[String[1]] $service_provider = undef,
  Optional[String[1]] $service_start = undef,
  Optional[String[1]] $service_stop = undef,
  Optional[String[1]] $service_status = undef,
  Optional[String[1]] $service_reload = undef,
) {
  $keepalived_pidfile = pick($pidfile, '/run/keepalived.pid')
  # What class gluster_vip reads for its liveness check. Set before `include gluster_vip` below,
  # so that the class finds it when this class is evaluated first.
  $liveness_pidfile = ($manage_service or $pidfile =~ NotUndef) ? {
    true    => $keepalived_pidfile,
    default => undef,
  }

  if $vip =~ Undef {
    include gluster_vip
    $address = $gluster_vip::vip
  } else {
    $address = $vip
  }
  assert_type(Stdlib::IP::Address::Nosubnet, $address) |$expected, $actual| {
    fail("gluster_vip::keepalived: vip '${address}' is not a bare IPv4 or IPv6 address (keepalived needs one)")
  }

  $ipv6 = $address =~ Stdlib::IP::Address::V6
  $family = $ipv6 ? { true => Stdlib::IP::Address::V6, default => Stdlib::IP::Address::V4 }
  $prefix = pick($vip_prefix, $ipv6 ? { true => 128, default => 32 })
  if !$ipv6 and $prefix > 32 {
    fail("gluster_vip::keepalived: vip_prefix ${prefix} is too long for IPv4 vip ${address}")
  }
  $dev = pick($interface, $facts.dig('networking', 'primary'))

  if $ipv6 and $vrrp_version == 2 {
    fail("gluster_vip::keepalived: IPv6 vip ${address} needs vrrp_version 3")
  }
  if $vrrp_version == 2 and $advert_int !~ Integer {
    fail("gluster_vip::keepalived: VRRPv2 takes whole seconds, not advert_int ${advert_int}")
  }
  if $vrrp_version == 3 and $auth_pass =~ NotUndef {
    fail('gluster_vip::keepalived: VRRPv3 has no authentication; leave auth_pass unset or use vrrp_version 2')
  }
  ([$unicast_src_ip] + $unicast_peers).each |$unicast| {
    if $unicast =~ NotUndef and $unicast !~ $family {
      fail("gluster_vip::keepalived: unicast address ${unicast} is not of the vip's family (${address})")
    }
  }

  # Every node derives the same id from the same VIP; see @param virtual_router_id.
  $vrid = pick($virtual_router_id, Integer("0x${sha256($address.downcase)[0, 8]}") % 255 + 1)

  # keepalived.conf has no escapes: a quote, brace, comment mark or newline in a value would change
  # the config's structure (a second instance, a script of the attacker's choosing). Refuse them,
  # naming the parameter (and the value, except the password).
  $rid = pick($router_id, $node_name)
  $words = { 'router_id' => $rid, 'interface' => $dev, 'script_user' => $script_user }
  $words.each |$param, $word| {
    unless $word =~ Gluster_vip::Keepalived::Word {
      fail(@("MSG"/L))
        gluster_vip::keepalived: ${param} ${String($word, '%p')} can't be written to keepalived.conf: \
        use one word of printable ASCII without quotes, backslashes, braces, '#' or '!'
        | MSG
    }
  }
  $auth_pass_plain = $auth_pass ? { Sensitive => $auth_pass.unwrap, default => $auth_pass }
  if $auth_pass_plain =~ NotUndef and $auth_pass_plain !~ Gluster_vip::Keepalived::Word {
    fail(@(MSG/L))
      gluster_vip::keepalived: auth_pass can't be written to keepalived.conf: \
      use printable ASCII without spaces, quotes, backslashes, braces, '#' or '!'
      | MSG
  }

  $notify_scripts = {
    'notify_master' => $notify_master,
    'notify_backup' => $notify_backup,
    'notify_fault'  => $notify_fault,
    'notify_stop'   => $notify_stop,
    'notify'        => $notify_script,
  }.filter |$key, $script| { $script =~ NotUndef }
  $notify_scripts.each |$key, $script| {
    unless $script =~ Gluster_vip::Keepalived::Script {
      $param = $key ? { 'notify' => 'notify_script', default => $key }
      fail(@("MSG"/L))
        gluster_vip::keepalived: ${param} ${String($script, '%p')} can't be written to keepalived.conf: \
        it must be an absolute path, then printable ASCII without '"', backslashes, braces, '#' or '!' \
        (keepalived.conf has no escape for them; put such a command in a script file)
        | MSG
    }
  }

  # The quorum script reads class gluster_vip's config: its peers are the quorum. The class is
  # seen only when it was evaluated before this point (declared first, or included above).
  $gluster_vip_seen = defined('$gluster_vip::settings')
  $vrrp_peers = $gluster_vip_seen ? {
    true    => $gluster_vip::backend ? { 'vrrp' => $gluster_vip::peers, default => [] },
    default => [],
  }
  if $track_quorum == true {
    unless $gluster_vip_seen {
      fail(@(MSG/L))
        gluster_vip::keepalived: track_quorum => true needs class gluster_vip, whose config file holds \
        the peers that `gluster-vip quorum` counts: declare it before this class (or leave vip unset, \
        so that this class includes it), or set track_quorum => false
        | MSG
    }
    if $gluster_vip::backend != 'vrrp' {
      fail(@("MSG"/L))
        gluster_vip::keepalived: track_quorum => true needs class gluster_vip's backend vrrp, but it \
        is ${gluster_vip::backend}: `gluster-vip quorum` would fail on every node and keep them all in \
        FAULT, without the VIP; set track_quorum => false
        | MSG
    }
    if $vrrp_peers.empty {
      fail(@(MSG/L))
        gluster_vip::keepalived: track_quorum => true needs the quorum's members, but class \
        gluster_vip has no peers: `gluster-vip quorum` would fail on every node and keep them all in \
        FAULT, without the VIP; give gluster_vip::peers (every node's address), or set \
        track_quorum => false
        | MSG
    }
  }
  $quorum = $track_quorum ? {
    undef   => !$vrrp_peers.empty,
    default => $track_quorum,
  }

  if $quorum {
    $quorum_command = gluster_vip::command()
    # Both paths go inside one double-quoted keepalived string, which keepalived splits on spaces
    # and groups on single quotes: each must stay one word.
    $quorum_paths = {
      "the gluster-vip binary (gluster_vip::command(), the gluster_vip fact's command)" => $quorum_command,
      'gluster_vip::config_file'                                                          => $gluster_vip::config_file,
    }
    $quorum_paths.each |$what, $path| {
      unless $path =~ Gluster_vip::Keepalived::Word {
        fail(@("MSG"/L))
          gluster_vip::keepalived: ${what} ${String($path, '%p')} can't be written to the quorum \
          script in keepalived.conf: use a path of printable ASCII without spaces, quotes, \
          backslashes, braces, '#' or '!', or set track_quorum => false
          | MSG
      }
    }
    # --interface: the peers are counted on VRRP's link, whether or not the VIP is here (a node in
    # FAULT has none, and must count to come back); gluster_vip's own interface may be unset.
    $quorum_script = "${quorum_command} quorum --config=${gluster_vip::config_file} --interface=${dev}"
    unless $nopreempt {
      warning(@(MSG/L))
        gluster_vip::keepalived: track_quorum with nopreempt => false: after a partition heals, the \
        returning node (the higher priority) preempts and takes the VIP back from the majority's \
        master, and may run a non-idempotent guarded operation a second time; keep nopreempt => true
        | MSG
    }
  } else {
    $quorum_script = undef
  }

  $content = epp('gluster_vip/keepalived.conf.epp', {
      'router_id'         => $rid,
      'instance_name'     => $instance_name,
      'interface'         => $dev,
      'virtual_router_id' => $vrid,
      'priority'          => pick($priority, gluster_vip::priority($nodes, $node_name, $priority_base, $priority_step)),
      'advert_int'        => $advert_int,
      'vrrp_version'      => $vrrp_version,
      'nopreempt'         => $nopreempt,
      'auth_type'         => $auth_type,
      'auth_pass'         => $auth_pass_plain,
      'unicast_src_ip'    => $unicast_src_ip,
      'unicast_peers'     => $unicast_peers,
      'vip'               => "${address}/${prefix}",
      'notify_scripts'    => $notify_scripts,
      'script_user'       => $script_user,
      'quorum_script'     => $quorum_script,
      'quorum_interval'   => $quorum_interval,
      'quorum_timeout'    => $quorum_timeout,
      'quorum_fall'       => $quorum_fall,
      'quorum_rise'       => $quorum_rise,
  })

  if $manage_package {
    package { $package_name:
      ensure => $package_ensure,
      before => File[$config_file],
    }
  }

  if $manage_config_dir {
    ensure_resource('file', dirname($config_file), {
        ensure => directory,
        owner  => 'root',
        group  => 'root',
        mode   => '0755',
    })
  }

  # The config holds the VRRP password, if any: keep it out of reports and diffs.
  $file_content = $auth_pass ? { undef => $content, default => Sensitive($content) }
  # -l: the check's messages go to the console (stderr), which Puppet puts in its error.
  $validate_cmd = $validate ? { true => "${keepalived_command} -l -t -f %", default => undef }

  file { $config_file:
    ensure       => file,
    owner        => 'root',
    group        => 'root',
    mode         => '0640',
    content      => $file_content,
    validate_cmd => $validate_cmd,
  }

  if $manage_service {
    # Single-quoted for sh: the base provider's commands run through a shell.
    $q = "'${keepalived_pidfile.regsubst("'", "'\\\\''", 'G')}'"
    $stem = $keepalived_pidfile.regsubst(/\.pid\z/, '')
    $base = $service_provider == 'base'
    $start = $base ? {
      true    => pick($service_start, join([
            $keepalived_command, '-f', $config_file, '-p', $keepalived_pidfile, '-r', "${stem}_vrrp.pid",
            '-c', "${stem}_checkers.pid", '-b', "${stem}_bfd.pid",
          ].map |$arg| { "'${arg.regsubst("'", "'\\\\''", 'G')}'" }, ' ')),
      default => $service_start,
    }
    # `sh -c 'kill -SIG "$(cat "$0")"' PIDFILE`: the pidfile is an argument, never part of the script.
    $signal = ['0', 'TERM', 'HUP'].reduce({}) |$memo, $sig| {
      $memo + { $sig => "/bin/sh -c 'kill -${sig} \"\$(cat \"\$0\")\"' ${q}" }
    }
    $status = $base ? { true => pick($service_status, $signal['0']), default => $service_status }
    $stop = $base ? { true => pick($service_stop, $signal['TERM']), default => $service_stop }
    $reload = pick($service_reload, ($service_provider =~ Undef or $service_provider == 'systemd') ? {
        true    => "/bin/systemctl reload ${service_name}",
        default => $signal['HUP'],
    })

    $enable = $base ? { true => undef, default => true }
    service { $service_name:
      ensure    => running,
      enable    => $enable,
      provider  => $service_provider,
      start     => $start,
      stop      => $stop,
      status    => $status,
      hasstatus => true,
      # Puppet runs `restart` when the config changes: make it a reload, which keeps the VIP.
      restart   => $reload,
      subscribe => File[$config_file],
    }
  }

  # Class gluster_vip was evaluated before this class (declared first), so it could not read
  # $liveness_pidfile: add the pidfile to the config file it writes, unless the user chose.
  if ($liveness_pidfile =~ NotUndef and defined('$gluster_vip::settings') and $gluster_vip::backend == 'vrrp'
    and $gluster_vip::keepalived_pidfile =~ Undef
    and !('keepalived_pidfile' in $gluster_vip::settings)) {
    File <| title == $gluster_vip::config_file |> {
      content => epp('gluster_vip/gluster-vip.conf.epp', {
          'settings' => $gluster_vip::settings + { 'keepalived_pidfile' => $liveness_pidfile },
      }),
    }
  }
}
