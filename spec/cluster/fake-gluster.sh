#!/bin/sh
# A stand-in for the gluster CLI, for the example consumer (gluster_volume_example) in the
# cluster suite. Each node calls it through a wrapper that passes the shared ledgers and the
# node's name:
#   fake-gluster.sh LEDGER NODE [--mode=script] volume create|start|info VOLUME [ARGS...]
# create appends NODE to LEDGER, start appends NODE to LEDGER.start; both also append
# "epoch-seconds NODE create|start" to LEDGER.times (when it ran, for the chaos suite's timings).
# info exits 0 (and prints the status) only when the volume exists.
# The volume's state is per node by default: info answers for NODE's own creation, so that in
# mode all every node creates it once, and `unless` makes a second apply a no-op.
# When the file LEDGER.shared exists, the state is the cluster's, as glusterd's is: the volume
# exists once any node created it (chaos.sh --heal). create still appends NODE to LEDGER every
# time it is called, and fails when the volume already exists, so a second call is still counted.
set -u
ledger=$1 node=$2
shift 2
[ "${1:-}" = --mode=script ] && shift
[ "${1:-}" = volume ] || { echo "fake gluster: unsupported: $*" >&2; exit 2; }
cmd=${2:-} volume=${3:-}
if [ -e "$ledger.shared" ]; then
  created() { [ -s "$ledger" ]; }
  started() { [ -s "$ledger.start" ]; }
else
  created() { grep -qx "$node" "$ledger" 2>/dev/null; }
  started() { grep -qx "$node" "$ledger.start" 2>/dev/null; }
fi
stamp() { printf '%s %s %s\n' "$(date +%s.%N)" "$node" "$1" >>"$ledger.times"; }
case $cmd in
  create)
    if created; then
      [ -e "$ledger.shared" ] && { echo "$node" >>"$ledger"; stamp create; }
      echo "volume create: $volume: failed: Volume $volume already exists" >&2
      exit 1
    fi
    echo "$node" >>"$ledger"
    stamp create
    echo "volume create: $volume: success: please start the volume to access data"
    ;;
  start)
    created || { echo "volume start: $volume: failed: Volume $volume does not exist" >&2; exit 1; }
    if started; then echo "volume start: $volume: failed: Volume $volume already started" >&2; exit 1; fi
    echo "$node" >>"$ledger.start"
    stamp start
    echo "volume start: $volume: success"
    ;;
  info)
    created || { echo "Volume $volume does not exist" >&2; exit 1; }
    echo "Volume Name: $volume"
    if started; then echo "Status: Started"; else echo "Status: Created"; fi
    ;;
  *) echo "fake gluster: unsupported: volume $cmd" >&2; exit 2 ;;
esac
