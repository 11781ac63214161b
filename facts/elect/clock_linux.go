package elect

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Boottime reads CLOCK_BOOTTIME in nanoseconds: it never jumps (unlike
// the wall clock) and, unlike CLOCK_MONOTONIC, it keeps counting while the
// machine sleeps, as the lease on the etcd server does.
func Boottime() (int64, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0, fmt.Errorf("clock_gettime(CLOCK_BOOTTIME): %w", err)
	}
	return ts.Nano(), nil
}

// PeerUID returns a check that the daemon at the other end runs as uid:
// a socket in a directory someone else could write must not make a node
// the holder.
func PeerUID(uid int) func(fd int) error {
	return func(fd int) error {
		cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
		if err != nil {
			return fmt.Errorf("peer credentials: %w", err)
		}
		if int(cred.Uid) != uid {
			return fmt.Errorf("the daemon runs as uid %d, not %d; refusing it", cred.Uid, uid)
		}
		return nil
	}
}
