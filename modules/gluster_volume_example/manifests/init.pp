# @summary Creates and starts a Gluster volume once for the whole cluster, from the node that holds the VIP.
#
# The puppet-gluster pattern: every node gets the same catalog, and `gluster volume create` must
# run on one node only. Each step is a `gluster_vip::exec`, so it runs only on the VIP holder, and
# each has an idempotent `unless`, because a VIP is a lease without a fencing token.
#
# @example
#   class { 'gluster_vip':
#     vip => '203.0.113.10',
#   }
#   class { 'gluster_volume_example':
#     volume  => 'gv0',
#     replica => 3,
#     bricks  => ['n1:/bricks/gv0', 'n2:/bricks/gv0', 'n3:/bricks/gv0'],
#   }
#
# @param volume
#   The volume's name.
# @param bricks
#   The bricks, `host:/path`, in the order Gluster should use them.
# @param replica
#   The replica count. Unset, a distributed volume.
# @param gluster
#   The gluster command.
# @param start
#   Whether to start the volume once it exists.
class gluster_volume_example (
  Array[String[1], 1] $bricks,
  Pattern[/\A[A-Za-z0-9_-]{1,64}\z/] $volume = 'gv0',
  Optional[Integer[2]] $replica = undef,
  Stdlib::Absolutepath $gluster = '/usr/sbin/gluster',
  Boolean $start = true,
) {
  $cli = [$gluster, '--mode=script']
  $layout = $replica ? {
    undef   => [],
    default => ['replica', String($replica)],
  }

  gluster_vip::exec { "gluster volume create ${volume}":
    command => $cli + ['volume', 'create', $volume] + $layout + $bricks,
    unless  => [$cli + ['volume', 'info', $volume]],
  }

  if $start {
    gluster_vip::exec { "gluster volume start ${volume}":
      command => $cli + ['volume', 'start', $volume],
      # "Status: Started" in `volume info` means there is nothing to do.
      unless  => [['sh', '-c', "${cli.join(' ')} volume info ${volume} | grep -qx 'Status: Started'"]],
      require => Gluster_vip::Exec["gluster volume create ${volume}"],
    }
  }
}
