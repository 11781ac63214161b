//go:build linux

package rtnl

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Timeout bounds every read: a kernel that never answers must not hang
// Facter.
const Timeout = 2 * time.Second

// socket is the real Conn: a NETLINK_ROUTE socket.
type socket struct{ fd int }

// Dial opens a NETLINK_ROUTE socket and returns a Client on it, with the
// kernel clock.
func Dial() (*Client, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink: socket: %w", err)
	}
	fail := func(step string, err error) (*Client, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink: %s: %w", step, err)
	}
	tv := unix.NsecToTimeval(Timeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fail("set receive timeout", err)
	}
	// Ask for a strict dump: the kernel filters by family itself. Kernels
	// before 4.20 lack the option and filter less; the parser copes.
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 1)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fail("bind", err)
	}
	// The kernel addresses its replies to the port id it gave us.
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	nl, ok := sa.(*unix.SockaddrNetlink)
	if !ok {
		return fail("getsockname", fmt.Errorf("not a netlink address: %T", sa))
	}
	c := New(&socket{fd: fd}, nl.Pid, uint32(time.Now().UnixNano()))
	c.Clock = Now
	return c, nil
}

func (s *socket) Send(b []byte) error {
	return unix.Sendto(s.fd, b, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
}

// Receive reads one datagram. MSG_TRUNC makes the kernel return the
// datagram's whole length, so a truncation can't pass unseen.
func (s *socket) Receive(b []byte) (int, uint32, error) {
	n, from, err := unix.Recvfrom(s.fd, b, unix.MSG_TRUNC)
	if err != nil {
		return 0, 0, err
	}
	nl, ok := from.(*unix.SockaddrNetlink)
	if !ok {
		return 0, 0, errors.New("sender is not a netlink address")
	}
	return n, nl.Pid, nil
}

func (s *socket) Close() error { return unix.Close(s.fd) }
