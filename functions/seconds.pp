# @summary A Go duration (`Gluster_vip::Duration`) in seconds.
#
# @api private
#
# @example
#   gluster_vip::seconds('1m30s') # => 90.0
#
# @param duration
#   A duration as the gluster-vip binary parses it: `5s`, `300ms`, `1m30s`, `0`.
# @return [Float] the duration in seconds.
function gluster_vip::seconds(Gluster_vip::Duration $duration) >> Float {
  $units = { 'ns' => 0.000000001, 'us' => 0.000001, 'ms' => 0.001, 's' => 1.0, 'm' => 60.0, 'h' => 3600.0 }
  $duration ? {
    '0'     => 0.0,
    default => $duration.split(/(?<=[a-z])(?=[0-9.])/).map |$part| {
      $m = $part.match(/\A(\d+\.?\d*|\.\d+)(ns|us|ms|s|m|h)\z/)
      # Float() wants digits on both sides of a point (".5" as "0.5", "2." as "2.0"), and a point:
      # Puppet 7.23's Float("0") fails.
      $leading = $m[1] ? { /\A\./ => "0${m[1]}", /\./ => $m[1], default => "${m[1]}.0" }
      $number = $leading ? { /\.\z/ => "${leading}0", default => $leading }
      Float($number) * $units[$m[2]]
    }.reduce(0.0) |$sum, $value| { $sum + $value },
  }
}
