# @summary Whether the gluster-vip binary runs its conflict and quorum probes with these settings.
#
# The probes send raw ARP/NDP frames, which needs root. Without a `probe` setting the binary's
# default budget (200ms) applies, so they are on; a zero duration (`0`, `0s`, `0ms`, `0.0s`...)
# turns them off.
#
# @api private
#
# @example
#   gluster_vip::probes_on({ 'vip' => '203.0.113.10', 'probe' => '0s' }) # => false
#
# @param settings
#   The settings this catalog writes (`$gluster_vip::settings`).
# @return [Boolean] true unless `probe` is set to a zero duration.
function gluster_vip::probes_on(Hash[String[1], String] $settings) >> Boolean {
  $settings['probe'] ? {
    undef                                         => true,
    /\A(0|((0+(\.0*)?|\.0+)(ns|us|ms|s|m|h))+)\z/ => false,
    default                                       => true,
  }
}
