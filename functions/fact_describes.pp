# @summary Whether the `gluster_vip` fact was computed with the given settings' vip and mode.
#
# The fact describes the config of the previous run. On a node's first run, or on the run that
# changes `vip` or `mode`, it describes another config, and its holder bit must not be trusted.
# Addresses are compared as strings, so an unusual spelling of an IPv6 address counts as a
# mismatch: that only hands the decision to the apply-time check.
#
# @api private
#
# @param settings
#   The settings this catalog writes (`$gluster_vip::settings`).
# @return [Boolean] true when the fact's mode and vip are those that `settings` give.
function gluster_vip::fact_describes(Hash[String[1], String] $settings) >> Boolean {
  $fact = $facts['gluster_vip']
  if $fact =~ Hash {
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
