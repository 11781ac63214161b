# @summary Whether this node holds the cluster's virtual IP, decided at compile time from its facts.
#
# For guarding resources other than execs. It is true only when the `gluster_vip_holder` fact is
# the Boolean `true` (a String "true", as a key=value fact would give, is not enough). When class
# `gluster_vip` has been evaluated before the call, the fact must also describe the vip and mode
# that the class writes: on the run that changes them the fact is stale, and this returns false.
#
# The facts are as old as the start of the run. The VIP can move before the catalog is applied;
# for an answer at apply time use `Deferred('gluster_vip::check', ...)` or `gluster_vip::exec`.
#
# @example Manage a cluster-wide resource on the holder only
#   include gluster_vip
#   if gluster_vip::holder() {
#     file { '/srv/shared/ring.conf':
#       ensure  => file,
#       content => $ring,
#     }
#   }
#
# @return [Boolean] true when this node held the VIP when its facts were collected.
function gluster_vip::holder() >> Boolean {
  $fact_holder = $facts['gluster_vip_holder'] ? {
    true    => true,
    default => false,
  }
  if defined('$gluster_vip::settings') {
    $fact_holder and gluster_vip::fact_describes($gluster_vip::settings)
  } else {
    $fact_holder and $facts.dig('gluster_vip', 'mode') != 'unconfigured'
  }
}
