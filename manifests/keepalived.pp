# @summary Configures keepalived with one VRRP instance that holds the cluster's virtual IP.
#
# Optional: any VRRP setup that puts the VIP on one node works with the `gluster_vip` fact.
#
# Every node starts as `BACKUP`, so a fresh cluster never has several masters at once; VRRP then
# elects the node with the highest priority. Priorities come from the sorted list of `nodes`
# (see `gluster_vip::priority`), so no two nodes share one. With `nopreempt` (the default), a
# node that comes back does not take the VIP back from the node that holds it.
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
#   The VRRP router id, the same on every node of the cluster and unique on the link.
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
#   The `router_id` in `global_defs`. Unset, `node_name`.
# @param notify_master
#   A script (with arguments) keepalived runs when this node becomes master.
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
# @param config_file
#   Where to write keepalived's config.
# @param manage_config_dir
#   Whether to manage the config file's directory.
# @param validate
#   Whether to check the config with `keepalived -t -f` before it replaces the old one.
# @param keepalived_command
#   The keepalived binary, for `validate`.
# @param manage_package
#   Whether to install keepalived.
# @param package_name
#   The keepalived package.
# @param package_ensure
#   The package's `ensure`.
# @param manage_service
#   Whether to keep the keepalived service running and restart it when the config changes. Turn it
#   off when keepalived is started some other way (a test harness, a cluster manager).
# @param service_name
#   The keepalived service.
class gluster_vip::keepalived (
  Array[String[1], 1] $nodes,
  String[1] $node_name = pick($facts.dig('networking', 'fqdn'), $facts.dig('networking', 'hostname')),
  Optional[String] $vip = undef,
  Optional[Integer[0, 128]] $vip_prefix = undef,
  Optional[Gluster_vip::Interface] $interface = undef,
  Integer[1, 255] $virtual_router_id = 51,
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
  Stdlib::Absolutepath $config_file = '/etc/keepalived/keepalived.conf',
  Boolean $manage_config_dir = true,
  Boolean $validate = true,
  Stdlib::Absolutepath $keepalived_command = '/usr/sbin/keepalived',
  Boolean $manage_package = true,
  String[1] $package_name = 'keepalived',
  String[1] $package_ensure = 'installed',
  Boolean $manage_service = true,
  String[1] $service_name = 'keepalived',
) {
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

  $notify_scripts = {
    'notify_master' => $notify_master,
    'notify_backup' => $notify_backup,
    'notify_fault'  => $notify_fault,
    'notify_stop'   => $notify_stop,
    'notify'        => $notify_script,
  }.filter |$key, $script| { $script =~ NotUndef }

  $content = epp('gluster_vip/keepalived.conf.epp', {
      'router_id'         => pick($router_id, $node_name),
      'instance_name'     => $instance_name,
      'interface'         => $dev,
      'virtual_router_id' => $virtual_router_id,
      'priority'          => pick($priority, gluster_vip::priority($nodes, $node_name, $priority_base, $priority_step)),
      'advert_int'        => $advert_int,
      'vrrp_version'      => $vrrp_version,
      'nopreempt'         => $nopreempt,
      'auth_type'         => $auth_type,
      'auth_pass'         => $auth_pass ? { Sensitive => $auth_pass.unwrap, default => $auth_pass },
      'unicast_src_ip'    => $unicast_src_ip,
      'unicast_peers'     => $unicast_peers,
      'vip'               => "${address}/${prefix}",
      'notify_scripts'    => $notify_scripts,
      'script_user'       => $script_user,
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
  $validate_cmd = $validate ? { true => "${keepalived_command} -t -f %", default => undef }

  file { $config_file:
    ensure       => file,
    owner        => 'root',
    group        => 'root',
    mode         => '0640',
    content      => $file_content,
    validate_cmd => $validate_cmd,
  }

  if $manage_service {
    service { $service_name:
      ensure    => running,
      enable    => true,
      subscribe => File[$config_file],
    }
  }
}
