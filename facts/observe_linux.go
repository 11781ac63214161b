//go:build linux && !gluster_vip_stub

package facts

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/jackpal/gateway"
	"golang.org/x/sys/unix"
)

// OS is the Source that reads this Linux node.
type OS struct {
	// ProcRoot is /proc; tests may point it elsewhere.
	ProcRoot string
}

// NewOS returns the Source for this node.
func NewOS() *OS { return &OS{ProcRoot: "/proc"} }

const (
	// A dump that the kernel flags as interrupted (addresses changed under
	// it) is taken again, this many times at most.
	dumpAttempts = 5
	// The kernel sends dumps in datagrams of at most 32 KiB; twice that
	// leaves room and keeps the resident set small.
	recvBufSize = 64 << 10
	// Every netlink read gives up after this long: never hang Facter.
	netlinkTimeout = 2 * time.Second
)

// Addresses dumps the node's addresses and links over rtnetlink, with
// their flags and IFA_CACHEINFO ages. net.Interfaces() shows neither,
// lists addresses on down links as if they counted, and can return a
// partial dump while addresses change.
//
// When only is an IPv6 address, the kernel is first asked for that one
// address: where it is absent (every non-holder) no dump is needed. IPv6
// dumps cost the kernel time that grows with the square of the address
// count (in6_dump_addrs walks its list from the start for every batch);
// IPv4 has no single-address request.
func (o *OS) Addresses(family int, only netip.Addr) ([]Address, error) {
	af := unix.AF_UNSPEC
	switch family {
	case 4:
		af = unix.AF_INET
	case 6:
		af = unix.AF_INET6
	}
	nl, err := dialNetlink()
	if err != nil {
		return nil, err
	}
	defer nl.close()
	if only.Is6() && !only.Is4In6() {
		found, err := nl.has6(only)
		if err != nil || !found {
			return nil, err
		}
	}
	var lastErr error
	for attempt := 0; attempt < dumpAttempts; attempt++ {
		var links [][]byte
		err := nl.request(unix.RTM_GETLINK, unix.NLM_F_DUMP, ifinfomsg(unix.AF_UNSPEC), func(m []byte) error {
			links = append(links, append([]byte(nil), m...))
			return nil
		})
		if err == nil {
			// Read the clock before the dump, so that ages can only come
			// out younger than they are.
			now, cerr := jiffyNow()
			if cerr != nil {
				return nil, cerr
			}
			var p *dumpParser
			if p, err = newDumpParser(links, now); err != nil {
				return nil, err
			}
			// Addresses are parsed in place, from the receive buffer.
			err = nl.request(unix.RTM_GETADDR, unix.NLM_F_DUMP, ifaddrmsg(af, 0), p.addr)
			if err == nil {
				return p.out, nil
			}
		}
		if !errors.Is(err, errDumpInterrupted) {
			return nil, err
		}
		lastErr = err
	}
	return nil, fmt.Errorf("netlink: %d dumps in a row were interrupted: %w", dumpAttempts, lastErr)
}

var errDumpInterrupted = errors.New("dump interrupted by a concurrent change (NLM_F_DUMP_INTR)")

type netlinkConn struct {
	fd  int
	seq uint32
	buf []byte
}

func dialNetlink() (*netlinkConn, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink: socket: %w", err)
	}
	tv := unix.NsecToTimeval(netlinkTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink: set receive timeout: %w", err)
	}
	// Ask for a strict dump: the kernel filters by family itself.
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 1)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink: bind: %w", err)
	}
	return &netlinkConn{fd: fd, seq: uint32(time.Now().UnixNano()), buf: make([]byte, recvBufSize)}, nil
}

func (c *netlinkConn) close() { unix.Close(c.fd) }

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

// has6 asks the kernel whether a is one of this node's IPv6 addresses.
func (c *netlinkConn) has6(a netip.Addr) (bool, error) {
	raw := a.As16()
	// Strict checking wants prefix length, flags and scope zero.
	body := append(ifaddrmsg(unix.AF_INET6, 0), rtattrBytes(unix.IFA_ADDRESS, raw[:])...)
	found := false
	err := c.request(unix.RTM_GETADDR, unix.NLM_F_ACK, body, func([]byte) error {
		found = true
		return nil
	})
	if errors.Is(err, unix.EADDRNOTAVAIL) {
		return false, nil
	}
	return found, err
}

func rtattrBytes(typ uint16, v []byte) []byte {
	l := unix.SizeofRtAttr + len(v)
	b := make([]byte, (l+unix.RTA_ALIGNTO-1)&^(unix.RTA_ALIGNTO-1))
	nativeEndian.PutUint16(b[0:], uint16(l))
	nativeEndian.PutUint16(b[2:], typ)
	copy(b[unix.SizeofRtAttr:], v)
	return b
}

// request sends one request and calls fn with the payload of every reply
// message, each starting with its ifinfomsg or ifaddrmsg. The payload is
// valid only during the call: the buffer is reused by the next read. A
// dump ends with NLMSG_DONE, a request with NLM_F_ACK with its ack.
func (c *netlinkConn) request(typ uint16, flags uint16, body []byte, fn func([]byte) error) error {
	c.seq++
	req := make([]byte, unix.SizeofNlMsghdr+len(body))
	h := (*unix.NlMsghdr)(unsafe.Pointer(&req[0]))
	h.Len = uint32(len(req))
	h.Type = typ
	h.Flags = unix.NLM_F_REQUEST | flags
	h.Seq = c.seq
	copy(req[unix.SizeofNlMsghdr:], body)
	if err := unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink: send %s: %w", dumpName(typ), err)
	}
	interrupted := false
	// Bounded: a dump of a million addresses is still far below this.
	for reads := 0; reads < 1<<16; reads++ {
		n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return fmt.Errorf("netlink: receive %s: %w", dumpName(typ), err)
		}
		b := c.buf[:n]
		for len(b) > 0 {
			m, rest, err := nextMessage(b)
			if err != nil {
				return fmt.Errorf("netlink: parse %s: %w", dumpName(typ), err)
			}
			b = rest
			if m.Header.Seq != c.seq {
				continue
			}
			if m.Header.Flags&unix.NLM_F_DUMP_INTR != 0 {
				interrupted = true
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				if interrupted {
					return errDumpInterrupted
				}
				return nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return fmt.Errorf("netlink: %s: short error message", dumpName(typ))
				}
				if errno := -int32(nativeEndian.Uint32(m.Data[:4])); errno != 0 {
					return fmt.Errorf("netlink: %s: %w", dumpName(typ), unix.Errno(errno))
				}
				return nil // the ack of a request
			default:
				if err := fn(m.Data); err != nil {
					return err
				}
			}
		}
	}
	return fmt.Errorf("netlink: %s: no end of reply", dumpName(typ))
}

type netlinkMessage struct {
	Header unix.NlMsghdr
	Data   []byte
}

// nextMessage splits the first netlink message off b.
func nextMessage(b []byte) (netlinkMessage, []byte, error) {
	if len(b) < unix.SizeofNlMsghdr {
		return netlinkMessage{}, nil, fmt.Errorf("%d bytes left, less than a message header", len(b))
	}
	var h unix.NlMsghdr
	h.Len = nativeEndian.Uint32(b[0:4])
	h.Type = nativeEndian.Uint16(b[4:6])
	h.Flags = nativeEndian.Uint16(b[6:8])
	h.Seq = nativeEndian.Uint32(b[8:12])
	h.Pid = nativeEndian.Uint32(b[12:16])
	l := int(h.Len)
	if l < unix.SizeofNlMsghdr || l > len(b) {
		return netlinkMessage{}, nil, fmt.Errorf("message length %d, %d bytes left", l, len(b))
	}
	adv := (l + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
	if adv > len(b) {
		adv = len(b)
	}
	return netlinkMessage{Header: h, Data: b[unix.SizeofNlMsghdr:l]}, b[adv:], nil
}

func dumpName(typ uint16) string {
	if typ == unix.RTM_GETLINK {
		return "link dump"
	}
	return "address dump"
}

// jiffyNow returns the kernel's clock in the units of IFA_CACHEINFO's
// cstamp: hundredths of a second since boot, wrapping at 32 bits.
//
// The clock is chosen deliberately. cstamp is taken from jiffies.
// CLOCK_MONOTONIC runs ahead of jiffies (0.2 s here), which would make
// addresses look older than they are: the unsafe direction. A time
// namespace shifts CLOCK_MONOTONIC and CLOCK_BOOTTIME too, which would let
// settle be bypassed. times(2) counts jiffies, in the same units, but from
// INITIAL_JIFFIES (-300 s) instead of boot, so that offset is removed.
func jiffyNow() (uint32, error) {
	var tms unix.Tms
	ticks, err := unix.Times(&tms)
	if err != nil {
		return 0, fmt.Errorf("clock: times(2): %w", err)
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0, fmt.Errorf("clock: CLOCK_BOOTTIME: %w", err)
	}
	return cstampNow(uint64(ticks), uint64(ts.Sec)*100+uint64(ts.Nsec)/1e7)
}

// cstampNow converts a times(2) reading to cstamp units. The kernel's HZ
// is not visible to user space, but the offset INITIAL_JIFFIES*100/HZ
// differs by minutes between the possible HZ values, so a rough boot-time
// reading picks the right one. The result is one hundredth early, so that
// rounding can only make an address look younger.
func cstampNow(ticks, bootCenti uint64) (uint32, error) {
	for _, hz := range []uint64{100, 250, 300, 1000, 1024, 1200} {
		off := ((1<<32)-300*hz)*100/hz + 0 // INITIAL_JIFFIES in clock ticks
		if ticks < off {
			continue
		}
		now := ticks - off
		if diff := int64(now) - int64(bootCenti); diff > -1000 && diff < 1000 {
			return uint32(now - 1), nil
		}
	}
	return 0, fmt.Errorf("clock: times(2) = %d does not match uptime %d.%02ds for any known HZ", ticks, bootCenti/100, bootCenti%100)
}

// Gateway reads the IPv4 default gateway from /proc/net/route.
func (o *OS) Gateway() (netip.Addr, error) {
	ip, err := gateway.DiscoverGateway()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("gateway: %w", err)
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}, fmt.Errorf("gateway: %q is not an address", ip)
	}
	return a.Unmap(), nil
}

// Keepalived reads the pidfile and checks that the process is keepalived.
// A pid that was reused by another program does not count.
func (o *OS) Keepalived(pidfile string) KeepalivedState {
	k := KeepalivedState{Pidfile: pidfile}
	data, err := os.ReadFile(pidfile)
	if err != nil {
		k.Err = fmt.Errorf("read pidfile: %w", unwrapPath(err))
		return k
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		k.Err = fmt.Errorf("pidfile holds %q, not a pid", strings.TrimSpace(string(data)))
		return k
	}
	k.PID = pid
	comm, err := os.ReadFile(filepath.Join(o.ProcRoot, strconv.Itoa(pid), "comm"))
	if err != nil {
		k.Err = fmt.Errorf("pid %d is not running", pid)
		return k
	}
	if name := strings.TrimSpace(string(comm)); name != "keepalived" {
		k.Err = fmt.Errorf("pid %d is %q, not keepalived", pid, name)
		return k
	}
	k.Alive = true
	return k
}

// Probe runs the conflict and quorum probes on the link.
func (o *OS) Probe(ctx context.Context, req ProbeRequest) ProbeResult {
	return runProbe(ctx, req)
}

// hardwareAddr copies a link-layer address attribute.
func hardwareAddr(b []byte) net.HardwareAddr {
	if len(b) == 0 {
		return nil
	}
	return append(net.HardwareAddr(nil), b...)
}
