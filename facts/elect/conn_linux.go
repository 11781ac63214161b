//go:build linux

package elect

import (
	"errors"
	"io"
	"time"

	"golang.org/x/sys/unix"
)

// conn is a blocking unix stream socket whose every call is bounded by
// SO_RCVTIMEO and SO_SNDTIMEO (connect included, for AF_UNIX). It spares
// the fact the net package's dialer, which costs the VRRP path memory.
type conn struct{ fd int }

func dial(path string, d time.Duration) (*conn, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	c := &conn{fd: fd}
	tv := unix.NsecToTimeval(d.Nanoseconds())
	for _, opt := range []int{unix.SO_RCVTIMEO, unix.SO_SNDTIMEO} {
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, opt, &tv); err != nil {
			c.Close()
			return nil, err
		}
	}
	for {
		err = unix.Connect(fd, &unix.SockaddrUnix{Name: path})
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		c.Close()
		return nil, timeout(err)
	}
	return c, nil
}

func (c *conn) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(c.fd, p)
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case err != nil:
			return 0, timeout(err)
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

func (c *conn) Write(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := unix.Write(c.fd, p[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return n, timeout(err)
		}
		n += m
	}
	return n, nil
}

func (c *conn) Close() error { return unix.Close(c.fd) }

// timeout names the expiry of SO_RCVTIMEO/SO_SNDTIMEO, which the kernel
// reports as EAGAIN.
func timeout(err error) error {
	if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINPROGRESS) {
		return errors.New("timed out")
	}
	return err
}
