//go:build !linux

package elect

import (
	"errors"
	"net"
	"runtime"
)

var errNotImplemented = errors.New("backend etcd: not implemented on " + runtime.GOOS)

// Boottime is Linux only: elsewhere no clock is known not to jump.
func Boottime() (int64, error) { return 0, errNotImplemented }

// PeerUID is Linux only: elsewhere every peer is refused.
func PeerUID(int) func(*net.UnixConn) error {
	return func(*net.UnixConn) error { return errNotImplemented }
}
