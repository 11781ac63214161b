# @summary Whether this node holds the cluster's virtual IP, decided at compile time from its facts.
#
# For guarding resources other than execs. It is true only when the `gluster_vip_holder` fact and
# the fact's `holder` are the Boolean `true` (a String "true", as a key=value fact would give, is
# not enough) AND the fact describes the settings that class `gluster_vip` writes in this catalog:
# the same vip and mode (`gluster_vip::fact_describes`), and a decision at least as strict as the
# other settings ask (`gluster_vip::fact_holds`: the interface, `held_for` against the settle time,
# the conflict probe, quorum and keepalived checks passed). On a node's first run, or on the run
# that changes them, the fact is stale and this returns false.
#
# Class `gluster_vip` must be declared before the call, so that the answer never depends on the
# order in which Puppet evaluates classes: called earlier, the compilation fails.
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
# @return [Boolean] true when this node held the VIP, under this catalog's settings, when its
#   facts were collected.
function gluster_vip::holder() >> Boolean {
  unless defined('$gluster_vip::settings') {
    fail(@(MSG/L))
      gluster_vip::holder(): class gluster_vip is not declared yet, so the VIP this catalog sets is \
      unknown and the fact cannot be checked against it. Declare the class (include gluster_vip, or \
      class { 'gluster_vip': ... }) before calling gluster_vip::holder()
      | MSG
  }
  $facts['gluster_vip_holder'] ? {
    true    => $facts.dig('gluster_vip', 'holder') ? {
      true    => gluster_vip::fact_describes($gluster_vip::settings) and gluster_vip::fact_holds($gluster_vip::settings),
      default => false,
    },
    default => false,
  }
}
