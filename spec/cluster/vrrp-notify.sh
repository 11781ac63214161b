#!/bin/sh
# keepalived notify script of the cluster suite: records this node's VRRP state.
#   vrrp-notify.sh STATEFILE   (keepalived appends: INSTANCE|GROUP NAME STATE PRIORITY)
# Writes STATE to STATEFILE (atomically) and appends "epoch-seconds STATE" to STATEFILE.log.
set -u
f=$1
state=${4:-UNKNOWN}
printf '%s\n' "$state" >"$f.tmp" && mv -f "$f.tmp" "$f"
printf '%s %s\n' "$(date +%s.%N)" "$state" >>"$f.log"
