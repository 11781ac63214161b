# @summary Whether the `gluster_vip` fact was computed with the given settings' vip and mode.
#
# The fact describes the config of the previous run. On a node's first run, or on the run that
# changes `vip` or `mode`, it describes another config, and its holder bit must not be trusted.
# Under backend etcd, the fact must come from backend etcd, for the same election (`etcd_prefix`
# and `etcd_endpoints`) and this node's `node_name` when set; under vrrp, from vrrp. Addresses are
# compared as strings, so an unusual spelling of an IPv6 address counts as a
# mismatch: that only hands the decision to the apply-time check.
#
# @api private
#
# @param settings
#   The settings this catalog writes (`$gluster_vip::settings`).
# @return [Boolean] true when the fact's backend, mode and vip (or node name) are those that `settings` give.
function gluster_vip::fact_describes(Hash[String[1], String] $settings) >> Boolean {
  $fact = $facts['gluster_vip']
  if $settings['backend'] == 'etcd' {
    # Backend etcd: a fact of the etcd backend, for this catalog's election (prefix and etcd
    # cluster) and this node's name when the catalog sets one. A fact of another election says
    # nothing of this one, where another node may lead.
    ($fact =~ Hash and $fact['backend'] == 'etcd' and $fact['mode'] == 'etcd'
      and $fact['election'] == pick($settings['etcd_prefix'], '/gluster-vip/election')
      and $fact['etcd_endpoints'] == $settings['etcd_endpoints']
      and ($settings['node_name'] =~ Undef or $fact['node_name'] == $settings['node_name']))
  } elsif $fact =~ Hash and $fact['backend'] =~ Undef {
    $fact_vip = $fact['vip'] ? { undef => '', default => String($fact['vip']) }
    $vip = $settings['vip']
    $modes = $settings['mode'] ? {
      undef   => $vip ? { '' => ['all'], default => ['vip', 'master'] },
      default => [$settings['mode']],
    }
    $fact_vip.downcase == $vip.downcase and $fact['mode'] in $modes
  } else {
    false
  }
}
