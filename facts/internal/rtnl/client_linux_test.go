//go:build linux

package rtnl

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The dump loop against a fake connection: every branch without root.

const testPid = 4242

// datagram is one read of the fake connection.
type datagram struct {
	b    []byte
	n    int    // the length Receive reports when not len(b): truncation
	from uint32 // the sender's port id; 0 is the kernel
	err  error
}

// fakeConn answers each request with the datagrams its handler returns.
type fakeConn struct {
	handler func(typ, flags uint16, seq uint32) []datagram
	queue   []datagram
	sent    []uint16 // request types, in order
	closed  bool
}

func (f *fakeConn) Send(b []byte) error {
	typ := binary.NativeEndian.Uint16(b[4:])
	flags := binary.NativeEndian.Uint16(b[6:])
	seq := binary.NativeEndian.Uint32(b[8:])
	f.sent = append(f.sent, typ)
	f.queue = append(f.queue, f.handler(typ, flags, seq)...)
	return nil
}

func (f *fakeConn) Receive(b []byte) (int, uint32, error) {
	if len(f.queue) == 0 {
		return 0, 0, unix.EAGAIN // what SO_RCVTIMEO gives
	}
	d := f.queue[0]
	f.queue = f.queue[1:]
	if d.err != nil {
		return 0, 0, d.err
	}
	n := copy(b, d.b)
	if d.n != 0 {
		n = d.n
	}
	return n, d.from, nil
}

func (f *fakeConn) Close() error { f.closed = true; return nil }

// msg builds one netlink message, padded.
func msg(typ, flags uint16, seq, pid uint32, payload []byte) []byte {
	b := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(payload)+3)
	binary.NativeEndian.PutUint32(b[0:], uint32(unix.SizeofNlMsghdr+len(payload)))
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	binary.NativeEndian.PutUint32(b[12:], pid)
	b = append(b, payload...)
	for len(b)%unix.NLMSG_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

func errno32(e int32) []byte {
	b := make([]byte, 4)
	binary.NativeEndian.PutUint32(b, uint32(e))
	return b
}

// done is the end of a dump; errno is 0 or a negative errno.
func done(seq uint32, errno int32) []byte {
	return msg(unix.NLMSG_DONE, unix.NLM_F_MULTI, seq, testPid, errno32(errno))
}

func cat(ms ...[]byte) []byte {
	var b []byte
	for _, m := range ms {
		b = append(b, m...)
	}
	return b
}

// node is what the fake kernel holds: eth0 with two addresses.
var (
	nodeLinks = [][]byte{linkMsg(1, "lo", upRunning), linkMsg(2, "eth0", upRunning)}
	nodeAddrs = [][]byte{
		addrMsg(2, "198.51.100.11/24", "eth0", unix.IFA_F_PERMANENT, 1000),
		addrMsg(2, "203.0.113.10/32", "eth0", 0, 5000),
	}
)

// kernel answers a link dump and an address dump in one datagram per
// message, as multipart replies, and lets addrEnd end the address dump.
func kernel(addrEnd func(seq uint32, attempt int) []datagram) func(uint16, uint16, uint32) []datagram {
	attempt := 0
	return func(typ, _ uint16, seq uint32) []datagram {
		var out []datagram
		switch typ {
		case unix.RTM_GETLINK:
			for _, l := range nodeLinks {
				out = append(out, datagram{b: msg(unix.RTM_NEWLINK, unix.NLM_F_MULTI, seq, testPid, l)})
			}
			return append(out, datagram{b: done(seq, 0)})
		case unix.RTM_GETADDR:
			attempt++
			for _, a := range nodeAddrs {
				out = append(out, datagram{b: msg(unix.RTM_NEWADDR, unix.NLM_F_MULTI, seq, testPid, a)})
			}
			return append(out, addrEnd(seq, attempt)...)
		}
		panic("unexpected request")
	}
}

func client(h func(uint16, uint16, uint32) []datagram) (*Client, *fakeConn) {
	f := &fakeConn{handler: h}
	c := New(f, testPid, 100)
	c.Clock = func() (uint32, error) { return 6000, nil }
	return c, f
}

func TestAddressesMultipart(t *testing.T) {
	c, f := client(kernel(func(seq uint32, _ int) []datagram {
		return []datagram{{b: done(seq, 0)}}
	}))
	got, err := c.Addresses(4)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, Address{Prefix: netip.MustParsePrefix("198.51.100.11/24"), Index: 2, Interface: "eth0", Label: "eth0",
		Up: true, Flags: unix.IFA_F_PERMANENT, Age: 50 * time.Second, AgeKnown: true}, got[0])
	assert.Equal(t, "203.0.113.10/32", got[1].Prefix.String())
	assert.Equal(t, []uint16{unix.RTM_GETLINK, unix.RTM_GETADDR}, f.sent)
	assert.NoError(t, c.Close())
	assert.True(t, f.closed)
}

// Several messages in one datagram, as the kernel packs a dump.
func TestAddressesPacked(t *testing.T) {
	c, _ := client(func(typ, _ uint16, seq uint32) []datagram {
		if typ == unix.RTM_GETLINK {
			return []datagram{{b: cat(msg(unix.RTM_NEWLINK, unix.NLM_F_MULTI, seq, testPid, nodeLinks[1]), done(seq, 0))}}
		}
		return []datagram{
			{b: cat(msg(unix.RTM_NEWADDR, unix.NLM_F_MULTI, seq, testPid, nodeAddrs[0]), msg(unix.RTM_NEWADDR, unix.NLM_F_MULTI, seq, testPid, nodeAddrs[1]))},
			{b: done(seq, 0)},
		}
	})
	got, err := c.Addresses(0)
	require.NoError(t, err)
	assert.Len(t, got, 2)
}

// Issue 10, item 14: the kernel aborting a dump ends it with NLMSG_DONE
// carrying a negative errno. Read as the end of a complete list, the VIP
// (not yet sent) looked absent, with no error.
func TestDoneWithErrnoIsAnError(t *testing.T) {
	c, _ := client(kernel(func(seq uint32, _ int) []datagram {
		return []datagram{{b: done(seq, -int32(unix.EMSGSIZE))}}
	}))
	got, err := c.Addresses(4)
	assert.Nil(t, got)
	require.Error(t, err)
	assert.ErrorIs(t, err, unix.EMSGSIZE)
	assert.Equal(t, "netlink: address dump: the kernel aborted the dump: message too long", err.Error())
}

func TestDumpInterruptedIsTakenAgain(t *testing.T) {
	c, f := client(kernel(func(seq uint32, attempt int) []datagram {
		if attempt == 1 {
			// The kernel flags the messages of a dump that changed under it.
			return []datagram{{b: msg(unix.NLMSG_DONE, unix.NLM_F_MULTI|unix.NLM_F_DUMP_INTR, seq, testPid, errno32(0))}}
		}
		return []datagram{{b: done(seq, 0)}}
	}))
	got, err := c.Addresses(4)
	require.NoError(t, err)
	assert.Len(t, got, 2)
	assert.Equal(t, []uint16{unix.RTM_GETLINK, unix.RTM_GETADDR, unix.RTM_GETLINK, unix.RTM_GETADDR}, f.sent)
}

func TestDumpInterruptedEveryTimeGivesUp(t *testing.T) {
	c, f := client(func(typ, _ uint16, seq uint32) []datagram {
		m := unix.RTM_NEWADDR
		if typ == unix.RTM_GETLINK {
			m = unix.RTM_NEWLINK
		}
		payload := nodeAddrs[0]
		if typ == unix.RTM_GETLINK {
			payload = nodeLinks[1]
		}
		return []datagram{{b: cat(msg(uint16(m), unix.NLM_F_MULTI|unix.NLM_F_DUMP_INTR, seq, testPid, payload), done(seq, 0))}}
	})
	_, err := c.Addresses(4)
	assert.ErrorIs(t, err, ErrDumpInterrupted)
	assert.Equal(t, "netlink: 5 dumps in a row were interrupted: netlink: link dump: dump interrupted by a concurrent change (NLM_F_DUMP_INTR)", err.Error())
	assert.Len(t, f.sent, DumpAttempts, "one link dump per attempt, none of them complete")
}

func TestErrorMessage(t *testing.T) {
	c, _ := client(kernel(func(seq uint32, _ int) []datagram {
		return []datagram{{b: msg(unix.NLMSG_ERROR, 0, seq, testPid, errno32(-int32(unix.EPERM)))}}
	}))
	_, err := c.Addresses(4)
	assert.ErrorIs(t, err, unix.EPERM)
	assert.Equal(t, "netlink: address dump: operation not permitted", err.Error())

	c, _ = client(kernel(func(seq uint32, _ int) []datagram {
		return []datagram{{b: msg(unix.NLMSG_ERROR, 0, seq, testPid, []byte{1})}}
	}))
	_, err = c.Addresses(4)
	assert.EqualError(t, err, "netlink: address dump: short error message")

	c, _ = client(kernel(func(seq uint32, _ int) []datagram {
		return []datagram{{b: msg(unix.NLMSG_OVERRUN, 0, seq, testPid, nil)}}
	}))
	_, err = c.Addresses(4)
	assert.EqualError(t, err, "netlink: address dump: the kernel reports lost data (NLMSG_OVERRUN)")
}

// A datagram larger than the buffer loses its tail: the addresses in it
// would be missing without a word.
func TestTruncatedDatagramIsAnError(t *testing.T) {
	c, _ := client(kernel(func(seq uint32, _ int) []datagram {
		return []datagram{{b: done(seq, 0), n: recvBufSize + 100}}
	}))
	_, err := c.Addresses(4)
	assert.ErrorIs(t, err, ErrTruncated)
	assert.Equal(t, "netlink: receive address dump: datagram truncated: 65636 bytes, buffer 65536", err.Error())
}

// Replies to an earlier request, to another socket, or from another
// process are not ours: skipped, never taken for the end of our dump.
func TestForeignMessagesAreSkipped(t *testing.T) {
	c, _ := client(func(typ, _ uint16, seq uint32) []datagram {
		stale := done(seq-1, 0)
		other := msg(unix.NLMSG_DONE, unix.NLM_F_MULTI, seq, testPid+1, errno32(0))
		if typ == unix.RTM_GETLINK {
			return []datagram{
				{b: cat(stale, other)},
				{b: done(seq, 0), from: 777}, // a process, not the kernel
				{b: cat(msg(unix.RTM_NEWLINK, unix.NLM_F_MULTI, seq, testPid, nodeLinks[1]), done(seq, 0))},
			}
		}
		return []datagram{
			{b: cat(msg(unix.RTM_NEWADDR, unix.NLM_F_MULTI, seq-1, testPid, addrMsg(2, "203.0.113.99/32", "", 0, 1)), stale)},
			{b: msg(unix.RTM_NEWADDR, unix.NLM_F_MULTI, seq, testPid, nodeAddrs[1])},
			{b: done(seq, 0)},
		}
	})
	got, err := c.Addresses(4)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "203.0.113.10/32", got[0].Prefix.String())
}

func TestReceiveErrors(t *testing.T) {
	// EINTR is read again; a timeout is an error that names the request.
	c, _ := client(kernel(func(seq uint32, _ int) []datagram {
		return []datagram{{err: unix.EINTR}, {b: done(seq, 0)}}
	}))
	_, err := c.Addresses(4)
	assert.NoError(t, err)

	c, _ = client(kernel(func(uint32, int) []datagram { return nil }))
	_, err = c.Addresses(4)
	assert.ErrorIs(t, err, unix.EAGAIN)
	assert.Equal(t, "netlink: receive address dump: resource temporarily unavailable", err.Error())

	c, _ = client(kernel(func(uint32, int) []datagram { return []datagram{{b: []byte{1, 2, 3}}} }))
	_, err = c.Addresses(4)
	assert.EqualError(t, err, "netlink: parse address dump: 3 bytes left, less than a message header")

	c, _ = client(kernel(func(uint32, int) []datagram { return nil }))
	c.Clock = func() (uint32, error) { return 0, errors.New("clock: broken") }
	_, err = c.Addresses(4)
	assert.EqualError(t, err, "clock: broken")
}

func TestHas6(t *testing.T) {
	vip := netip.MustParseAddr("2001:db8::10")
	reply := func(ds ...func(seq uint32) []byte) func(uint16, uint16, uint32) []datagram {
		return func(typ, flags uint16, seq uint32) []datagram {
			if typ != unix.RTM_GETADDR || flags&unix.NLM_F_DUMP != 0 || flags&unix.NLM_F_ACK == 0 {
				panic("want a single-address request with an ack")
			}
			var out []datagram
			for _, d := range ds {
				out = append(out, datagram{b: d(seq)})
			}
			return out
		}
	}
	ack := func(e int32) func(uint32) []byte {
		return func(seq uint32) []byte {
			return msg(unix.NLMSG_ERROR, 0, seq, testPid, append(errno32(e), make([]byte, 16)...))
		}
	}
	newaddr := func(seq uint32) []byte {
		return msg(unix.RTM_NEWADDR, 0, seq, testPid, addrMsg(2, "2001:db8::10/128", "", unix.IFA_F_NODAD, 1))
	}

	c, _ := client(reply(newaddr, ack(0)))
	found, err := c.Has6(vip)
	assert.NoError(t, err)
	assert.True(t, found)

	c, _ = client(reply(ack(-int32(unix.EADDRNOTAVAIL))))
	found, err = c.Has6(vip)
	assert.NoError(t, err)
	assert.False(t, found)

	c, _ = client(reply(ack(-int32(unix.EINVAL))))
	_, err = c.Has6(vip)
	assert.EqualError(t, err, "netlink: address lookup: invalid argument")
}
