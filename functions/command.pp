# @summary The absolute path of the gluster-vip binary on this node, for `check`.
#
# It is the `command` the `gluster_vip` fact reports (the running binary, or the dispatcher when
# no binary exists for the node's architecture, whose `check` then exits 2). Without the fact,
# pluginsync has not delivered the module: fall back to where it would put the dispatcher, so the
# guarded exec fails loudly rather than runs unguarded.
#
# @api private
#
# @return [Stdlib::Absolutepath] the path to run `check` on.
function gluster_vip::command() >> Stdlib::Absolutepath {
  $fact_command = $facts.dig('gluster_vip', 'command')
  $fact_command ? {
    Stdlib::Absolutepath => $fact_command,
    default              => "${settings::vardir}/facts.d/gluster_vip",
  }
}
