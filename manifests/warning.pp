# @summary Warns in the node's report when the node has the VIP but a check stops it from running guarded operations.
#
# Read from the node's `gluster_vip` fact: its `address` check passed (the VIP is on this node),
# or under backend etcd its `leader` check (it leads the election), and a later check failed
# (settle, keepalived, conflict, quorum, mode, lease), or the fact carries an error.
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
    # Backend etcd's counterpart of having the VIP: this node leads the election.
    $has_vip = !$checks.filter |$c| { $c['name'] in ['address', 'leader'] and $c['ok'] == true }.empty
    $stops = $checks.filter |$c| { $c['ok'] == false and !($c['name'] in ['config', 'address', 'leader']) }
    $what = $fact['backend'] ? {
      'etcd'  => "leads the etcd election (token ${fact['token']})",
      default => "has the VIP ${fact['vip']}",
    }
    $error = $fact['error'] ? { String[1] => $fact['error'], default => undef }

    if $has_vip and !$stops.empty {
      $stop = $stops[0]
      $message = @("MSG"/L)
        gluster_vip: this node ${what} but runs no guarded operation: \
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
