# @summary One Gluster volume, the older class form of `gluster_volume_example::volume`, kept for the test harnesses.
#
# Declares `gluster_volume_example::volume { $volume: ... }`. The cluster harness's fake gluster
# knows no `peer status`, so this form leaves the peer check off unless told; new code should
# declare the define, once per volume.
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
# @param check_peers
#   Whether `volume create` waits until every brick host is a connected peer (see the define).
class gluster_volume_example (
  Array[String[1], 1] $bricks,
  Pattern[/\A[A-Za-z0-9_-]{1,64}\z/] $volume = 'gv0',
  Optional[Integer[2]] $replica = undef,
  Stdlib::Absolutepath $gluster = '/usr/sbin/gluster',
  Boolean $start = true,
  Boolean $check_peers = false,
) {
  gluster_volume_example::volume { $volume:
    bricks      => $bricks,
    replica     => $replica,
    gluster     => $gluster,
    start       => $start,
    check_peers => $check_peers,
  }
}
