//go:build linux

package rtnl

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

var nativeEndian = binary.NativeEndian

// Conn is one netlink socket, the seam under the dump loop.
type Conn interface {
	// Send sends one request datagram to the kernel.
	Send(b []byte) error
	// Receive reads one datagram into b. n is the datagram's whole length,
	// more than len(b) when it was truncated; from is the sender's port
	// id, 0 for the kernel.
	Receive(b []byte) (n int, from uint32, err error)
	Close() error
}

const (
	// DumpAttempts bounds how often a dump that the kernel flags as
	// interrupted (addresses changed under it) is taken again.
	DumpAttempts = 5
	// The kernel sends dumps in datagrams of at most 32 KiB; twice that
	// leaves room and keeps the resident set small.
	recvBufSize = 64 << 10
	// maxReads bounds one reply: a dump of a million addresses is still
	// far below it.
	maxReads = 1 << 16
)

var (
	// ErrDumpInterrupted is a dump that the kernel flagged with
	// NLM_F_DUMP_INTR: it may have missed or doubled entries.
	ErrDumpInterrupted = errors.New("dump interrupted by a concurrent change (NLM_F_DUMP_INTR)")
	// ErrTruncated is a datagram larger than the receive buffer.
	ErrTruncated = errors.New("datagram truncated")
)

// Client sends requests on one Conn and reads their replies.
type Client struct {
	conn Conn
	pid  uint32 // our port id; 0 skips the check
	seq  uint32
	buf  []byte
	// Clock reads the kernel clock in IFA_CACHEINFO cstamp units (see
	// Now). Dial sets it; Addresses needs it.
	Clock func() (uint32, error)
}

// New returns a Client on conn. pid is the port id the kernel gave conn
// (replies to other ports are skipped), seq the first sequence number
// less one.
func New(conn Conn, pid, seq uint32) *Client {
	return &Client{conn: conn, pid: pid, seq: seq, buf: make([]byte, recvBufSize)}
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Addresses dumps links, then the addresses of family (4, 6, or 0 for
// both), and joins them. A dump that the kernel flags as interrupted is
// taken again, DumpAttempts times at most: a partial list could hide the
// VIP.
func (c *Client) Addresses(family int) ([]Address, error) {
	return AddressesAs(c, family, same)
}

// AddressesAs is Addresses, each Address converted by conv as it is
// read, so that a caller with its own type pays for no second slice.
func AddressesAs[T any](c *Client, family int, conv func(Address) T) ([]T, error) {
	af := unix.AF_UNSPEC
	switch family {
	case 4:
		af = unix.AF_INET
	case 6:
		af = unix.AF_INET6
	}
	var lastErr error
	for attempt := 0; attempt < DumpAttempts; attempt++ {
		var links [][]byte
		err := c.Request(unix.RTM_GETLINK, unix.NLM_F_DUMP, ifinfomsg(unix.AF_UNSPEC), func(m []byte) error {
			links = append(links, append([]byte(nil), m...))
			return nil
		})
		if err == nil {
			// Read the clock before the address dump, so that ages can
			// only come out younger than they are.
			now, cerr := c.Clock()
			if cerr != nil {
				return nil, cerr
			}
			var p *dumpParser[T]
			if p, err = newDumpParser(links, now, conv); err != nil {
				return nil, err
			}
			// Addresses are parsed in place, from the receive buffer.
			if err = c.Request(unix.RTM_GETADDR, unix.NLM_F_DUMP, ifaddrmsg(af, 0), p.addr); err == nil {
				return p.out, nil
			}
		}
		if !errors.Is(err, ErrDumpInterrupted) {
			return nil, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("netlink: %d dumps in a row were interrupted: %w", DumpAttempts, lastErr)
}

// Has6 asks the kernel whether a is one of this node's IPv6 addresses,
// without a dump. IPv6 dumps cost the kernel time that grows with the
// square of the address count (in6_dump_addrs walks its list from the
// start for every batch), so a non-holder is answered cheaply; IPv4 has
// no single-address request.
func (c *Client) Has6(a netip.Addr) (bool, error) {
	raw := a.As16()
	// Strict checking wants prefix length, flags and scope zero.
	body := append(ifaddrmsg(unix.AF_INET6, 0), attr(unix.IFA_ADDRESS, raw[:])...)
	found := false
	err := c.Request(unix.RTM_GETADDR, unix.NLM_F_ACK, body, func([]byte) error {
		found = true
		return nil
	})
	if errors.Is(err, unix.EADDRNOTAVAIL) {
		return false, nil
	}
	return found, err
}

// Request sends one request and calls fn with the payload of every reply
// message, each starting with its ifinfomsg or ifaddrmsg. The payload is
// valid only during the call: the buffer is reused by the next read. A
// dump ends with NLMSG_DONE, a request with NLM_F_ACK with its ack.
func (c *Client) Request(typ uint16, flags uint16, body []byte, fn func([]byte) error) error {
	name := requestName(typ, flags)
	c.seq++
	req := make([]byte, unix.SizeofNlMsghdr+len(body))
	nativeEndian.PutUint32(req[0:], uint32(len(req)))
	nativeEndian.PutUint16(req[4:], typ)
	nativeEndian.PutUint16(req[6:], unix.NLM_F_REQUEST|flags)
	nativeEndian.PutUint32(req[8:], c.seq)
	copy(req[unix.SizeofNlMsghdr:], body)
	if err := c.conn.Send(req); err != nil {
		return fmt.Errorf("netlink: send %s: %w", name, err)
	}
	interrupted := false
	for reads := 0; reads < maxReads; reads++ {
		n, from, err := c.conn.Receive(c.buf)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("netlink: receive %s: %w", name, err)
		}
		if n > len(c.buf) {
			// The rest of the datagram is lost: its addresses would be
			// missing from the list without a word.
			return fmt.Errorf("netlink: receive %s: %w: %d bytes, buffer %d", name, ErrTruncated, n, len(c.buf))
		}
		if from != 0 {
			// Another process may send to our port; only the kernel answers.
			continue
		}
		b := c.buf[:n]
		for len(b) > 0 {
			m, rest, err := nextMessage(b)
			if err != nil {
				return fmt.Errorf("netlink: parse %s: %w", name, err)
			}
			b = rest
			if m.Header.Seq != c.seq || (c.pid != 0 && m.Header.Pid != c.pid) {
				// A late reply to an earlier request, or to another socket.
				continue
			}
			if m.Header.Flags&unix.NLM_F_DUMP_INTR != 0 {
				interrupted = true
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				// The kernel ends an aborted dump with NLMSG_DONE too, its
				// payload then a negative errno: the list is incomplete.
				if len(m.Data) >= 4 {
					if errno := int32(nativeEndian.Uint32(m.Data[:4])); errno < 0 {
						return fmt.Errorf("netlink: %s: the kernel aborted the dump: %w", name, unix.Errno(-errno))
					}
				}
				if interrupted {
					return fmt.Errorf("netlink: %s: %w", name, ErrDumpInterrupted)
				}
				return nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return fmt.Errorf("netlink: %s: short error message", name)
				}
				if errno := -int32(nativeEndian.Uint32(m.Data[:4])); errno != 0 {
					return fmt.Errorf("netlink: %s: %w", name, unix.Errno(errno))
				}
				return nil // the ack of a request
			case unix.NLMSG_NOOP:
			case unix.NLMSG_OVERRUN:
				return fmt.Errorf("netlink: %s: the kernel reports lost data (NLMSG_OVERRUN)", name)
			default:
				if err := fn(m.Data); err != nil {
					return err
				}
			}
		}
	}
	return fmt.Errorf("netlink: %s: no end of reply after %d reads", name, maxReads)
}

// Message is one netlink message: its header and payload.
type Message struct {
	Header unix.NlMsghdr
	Data   []byte
}

// nextMessage splits the first netlink message off b.
func nextMessage(b []byte) (Message, []byte, error) {
	if len(b) < unix.SizeofNlMsghdr {
		return Message{}, nil, fmt.Errorf("%d bytes left, less than a message header", len(b))
	}
	var h unix.NlMsghdr
	h.Len = nativeEndian.Uint32(b[0:4])
	h.Type = nativeEndian.Uint16(b[4:6])
	h.Flags = nativeEndian.Uint16(b[6:8])
	h.Seq = nativeEndian.Uint32(b[8:12])
	h.Pid = nativeEndian.Uint32(b[12:16])
	l := int(h.Len)
	if l < unix.SizeofNlMsghdr || l > len(b) {
		return Message{}, nil, fmt.Errorf("message length %d, %d bytes left", l, len(b))
	}
	adv := (l + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
	if adv > len(b) {
		adv = len(b)
	}
	return Message{Header: h, Data: b[unix.SizeofNlMsghdr:l]}, b[adv:], nil
}

func requestName(typ, flags uint16) string {
	switch {
	case typ == unix.RTM_GETLINK:
		return "link dump"
	case flags&unix.NLM_F_DUMP != 0:
		return "address dump"
	}
	return "address lookup"
}

func ifinfomsg(family int) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = byte(family)
	return b
}

func ifaddrmsg(family, bits int) []byte {
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0], b[1] = byte(family), byte(bits)
	return b
}

// attr encodes one rtattr, padded.
func attr(typ uint16, v []byte) []byte {
	l := unix.SizeofRtAttr + len(v)
	b := make([]byte, (l+unix.RTA_ALIGNTO-1)&^(unix.RTA_ALIGNTO-1))
	nativeEndian.PutUint16(b[0:], uint16(l))
	nativeEndian.PutUint16(b[2:], typ)
	copy(b[unix.SizeofRtAttr:], v)
	return b
}
