//go:build !linux

package elect

import (
	"errors"
	"runtime"
)

var errNotImplemented = errors.New("backend etcd: not implemented on " + runtime.GOOS)

// Boottime is Linux only: elsewhere no clock is known not to jump.
func Boottime() (int64, error) { return 0, errNotImplemented }

// PeerUID is Linux only: elsewhere every peer is refused.
func PeerUID(int) func(fd int) error {
	return func(int) error { return errNotImplemented }
}
