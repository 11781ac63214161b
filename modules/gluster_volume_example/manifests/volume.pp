# @summary One Gluster volume, created, tuned and started once for the whole cluster, from the node that holds the VIP.
#
# The pattern of purpleidea's `gluster::volume`: every node gets the same catalog, and each
# cluster-wide step is a `gluster_vip::exec`, so it runs only on the VIP holder (left out of the
# catalog elsewhere, and checked again just before it runs). Each step is also idempotent on its
# own, because a VIP is a lease without a fencing token:
#
# * `volume create` runs only if `volume info` fails (no such volume), and only once every brick
#   host is this node or a connected peer (`gluster peer status`), so a half-formed pool never
#   gets a volume with missing bricks.
# * each `volume set` runs only once the volume exists and `volume get` shows another value;
# * `volume start` runs only once the volume exists and `volume info` does not say
#   `Status: Started`.
#
# While a peer is not connected, nothing runs and nothing fails: the next run tries again. The
# peer check's reason (`gluster peer H is not connected`) is in the agent's debug log only.
#
# @example A replica 3 volume with two options
#   class { 'gluster_vip':
#     vip => '203.0.113.10',
#   }
#   gluster_volume_example::volume { 'gv0':
#     replica => 3,
#     bricks  => ['n1:/bricks/gv0', 'n2:/bricks/gv0', 'n3:/bricks/gv0'],
#     options => {
#       'performance.cache-size' => '256MB',
#       'nfs.disable'            => 'on',
#     },
#   }
#
# @param bricks
#   The bricks, `host:/path`, in the order Gluster should use them.
# @param replica
#   The replica count. Unset, a distributed volume.
# @param transport
#   The transport.
# @param force
#   Pass `force` to `volume create` (bricks on the root partition, or reused directories).
# @param options
#   Volume options for `gluster volume set`, as `key => value`; values are single words.
# @param check_peers
#   Whether `volume create` waits (is skipped, and retried on the next run) until every brick
#   host is this node or a connected peer.
# @param start
#   Whether to start the volume once it exists.
# @param gluster
#   The gluster command.
define gluster_volume_example::volume (
  Array[Pattern[/\A[A-Za-z0-9.:\[\]_-]+:\/[^\s]*\z/], 1] $bricks,
  Optional[Integer[2]] $replica = undef,
  Enum['tcp', 'rdma', 'tcp,rdma'] $transport = 'tcp',
  Boolean $force = false,
  Hash[Pattern[/\A[a-z0-9][a-z0-9._-]*\z/], Variant[Pattern[/\A[^\s]+\z/], Integer, Boolean]] $options = {},
  Boolean $check_peers = true,
  Boolean $start = true,
  Stdlib::Absolutepath $gluster = '/usr/sbin/gluster',
) {
  unless $title =~ Pattern[/\A[A-Za-z0-9_-]{1,64}\z/] {
    fail("gluster_volume_example::volume: '${title}' is not a volume name (letters, digits, _ and -, up to 64)")
  }
  $volume = $title
  $cli = [$gluster, '--mode=script']
  $layout = $replica ? {
    undef   => [],
    default => ['replica', String($replica)],
  }
  $transport_args = $transport ? { 'tcp' => [], default => ['transport', $transport] }
  $force_arg = $force ? { true => ['force'], default => [] }
  $create = "gluster volume create ${volume}"
  $exists = $cli + ['volume', 'info', $volume]

  # Every brick host is this node or a connected peer. `gluster peer status` lists each peer as
  # "Hostname: H", "State: Peer in Cluster (Connected)", then any "Other names:", one a line.
  $peer_check = @(SH/L)
    status=$("$0" --mode=script peer status) || exit 1
    me=" $(hostname) $(hostname -f 2>/dev/null) "
    for h in "$@"; do
      case $me in *" $h "*) continue ;; esac
      printf '%s\n' "$status" | awk -v h="$h" '
        function block() { if (connected && index(names, " " h " ")) found = 1; names = ""; connected = 0; other = 0 }
        /^Hostname: / { block(); names = " " $2 " "; next }
        /^State: Peer in Cluster \(Connected\)/ { connected = 1; next }
        /^Other names:/ { other = 1; next }
        other && NF == 1 { names = names $1 " "; next }
        END { block(); exit !found }' || { echo "gluster peer $h is not connected" >&2; exit 1; }
    done
    | SH
  $hosts = $bricks.map |$brick| { $brick.regsubst(/:\/.*\z/, '') }.unique
  $onlyif = $check_peers ? {
    true    => [['/bin/sh', '-c', $peer_check, $gluster] + $hosts],
    default => undef,
  }

  gluster_vip::exec { $create:
    command => $cli + ['volume', 'create', $volume] + $layout + $transport_args + $bricks + $force_arg,
    unless  => [$exists],
    onlyif  => $onlyif,
  }

  # `volume get VOL KEY` prints a header, then "KEY VALUE": exit 0 when VALUE is already set.
  $option_is_set = @(SH/L)
    "$0" --mode=script volume get "$1" "$2" | awk -v k="$2" -v v="$3" '$1 == k && $2 == v { f = 1 } END { exit !f }'
    | SH
  $sets = $options.map |$key, $value| {
    $set = "gluster volume set ${volume} ${key}"
    gluster_vip::exec { $set:
      command => $cli + ['volume', 'set', $volume, $key, String($value)],
      # Only once the volume exists: the create may have been skipped (peers not ready).
      onlyif  => [$exists],
      unless  => [['/bin/sh', '-c', $option_is_set, $gluster, $volume, $key, String($value)]],
      require => Gluster_vip::Exec[$create],
    }
    Gluster_vip::Exec[$set]
  }

  if $start {
    gluster_vip::exec { "gluster volume start ${volume}":
      command => $cli + ['volume', 'start', $volume],
      onlyif  => [$exists],
      # "Status: Started" in `volume info` means there is nothing to do.
      unless  => [['sh', '-c', "${cli.join(' ')} volume info ${volume} | grep -qx 'Status: Started'"]],
      require => [Gluster_vip::Exec[$create]] + $sets,
    }
  }
}
