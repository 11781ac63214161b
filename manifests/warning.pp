# @summary Warns in the node's report when the node has the VIP but a check stops it from running guarded operations.
#
# Read from the node's `gluster_vip` fact: its `address` check passed (the VIP is on this node) and
# a later check failed (settle, keepalived, conflict, quorum, mode), or the fact carries an error.
# The message names the check and its detail, as the binary wrote it. It is a `notify` at
# loglevel `warning`: a compile-time `warning()` would reach the server's log only, while this
# reaches the agent's log and its report (and counts as a change there).
#
# @api private
class gluster_vip::warning {
  assert_private()

  $fact = $facts['gluster_vip']
  if $fact =~ Hash and $fact['holder'] != true {
    $checks = $fact['checks'] ? {
      Array   => $fact['checks'].filter |$c| { $c =~ Hash },
      default => [],
    }
    $has_vip = !$checks.filter |$c| { $c['name'] == 'address' and $c['ok'] == true }.empty
    $stops = $checks.filter |$c| { $c['ok'] == false and !($c['name'] in ['config', 'address']) }
    $error = $fact['error'] ? { String[1] => $fact['error'], default => undef }

    if $has_vip and !$stops.empty {
      $stop = $stops[0]
      $message = @("MSG"/L)
        gluster_vip: this node has the VIP ${fact['vip']} but runs no guarded operation: \
        the ${stop['name']} check stops it: ${stop['detail']}
        |- MSG
    } elsif $error =~ NotUndef {
      $message = "gluster_vip: this node runs no guarded operation: the gluster_vip fact reports an error: ${error}"
    } else {
      $message = undef
    }

    if $message =~ NotUndef {
      notify { 'gluster_vip: a check stops this node':
        message  => $message,
        loglevel => 'warning',
      }
    }
  }
}
