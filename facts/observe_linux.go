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
	// One receive buffer large enough that the kernel fills it with big
	// batches: fewer system calls for nodes with many addresses.
	recvBufSize = 1 << 20
	// Every netlink read gives up after this long: never hang Facter.
	netlinkTimeout = 2 * time.Second
)

// Addresses dumps the node's addresses and links over rtnetlink, with
// their flags and IFA_CACHEINFO ages. net.Interfaces() shows neither,
// lists addresses on down links as if they counted, and can return a
// partial dump while addresses change.
func (o *OS) Addresses(family int) ([]Address, error) {
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
	var lastErr error
	for attempt := 0; attempt < dumpAttempts; attempt++ {
		links, err := nl.dump(unix.RTM_GETLINK, unix.AF_UNSPEC)
		if err == nil {
			var addrs [][]byte
			addrs, err = nl.dump(unix.RTM_GETADDR, af)
			if err == nil {
				now, cerr := jiffyNow()
				if cerr != nil {
					return nil, cerr
				}
				return parseDump(links, addrs, now)
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

// dump sends one dump request and returns the payload of every reply
// message, each starting with its ifinfomsg or ifaddrmsg.
func (c *netlinkConn) dump(typ uint16, family int) ([][]byte, error) {
	c.seq++
	var body []byte
	if typ == unix.RTM_GETLINK {
		body = make([]byte, unix.SizeofIfInfomsg)
	} else {
		body = make([]byte, unix.SizeofIfAddrmsg)
	}
	body[0] = byte(family)
	req := make([]byte, unix.SizeofNlMsghdr+len(body))
	h := (*unix.NlMsghdr)(unsafe.Pointer(&req[0]))
	h.Len = uint32(len(req))
	h.Type = typ
	h.Flags = unix.NLM_F_REQUEST | unix.NLM_F_DUMP
	h.Seq = c.seq
	copy(req[unix.SizeofNlMsghdr:], body)
	if err := unix.Sendto(c.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netlink: send %s: %w", dumpName(typ), err)
	}
	var out [][]byte
	interrupted := false
	// Bounded: a dump of a million addresses is still far below this.
	for reads := 0; reads < 1<<16; reads++ {
		n, _, err := unix.Recvfrom(c.fd, c.buf, 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return nil, fmt.Errorf("netlink: receive %s: %w", dumpName(typ), err)
		}
		msgs, err := splitMessages(c.buf[:n])
		if err != nil {
			return nil, fmt.Errorf("netlink: parse %s: %w", dumpName(typ), err)
		}
		for _, m := range msgs {
			if m.Header.Seq != c.seq {
				continue
			}
			if m.Header.Flags&unix.NLM_F_DUMP_INTR != 0 {
				interrupted = true
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				if interrupted {
					return nil, errDumpInterrupted
				}
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if errno := -int32(nativeEndian.Uint32(m.Data[:4])); errno != 0 {
						return nil, fmt.Errorf("netlink: %s: %w", dumpName(typ), unix.Errno(errno))
					}
				}
				return nil, fmt.Errorf("netlink: %s: error message", dumpName(typ))
			default:
				// The payload is copied: the buffer is reused by the next read.
				out = append(out, append([]byte(nil), m.Data...))
			}
		}
	}
	return nil, fmt.Errorf("netlink: %s: no end of dump", dumpName(typ))
}

type netlinkMessage struct {
	Header unix.NlMsghdr
	Data   []byte
}

// splitMessages splits one datagram into its netlink messages.
func splitMessages(b []byte) ([]netlinkMessage, error) {
	var msgs []netlinkMessage
	for len(b) >= unix.SizeofNlMsghdr {
		var h unix.NlMsghdr
		h.Len = nativeEndian.Uint32(b[0:4])
		h.Type = nativeEndian.Uint16(b[4:6])
		h.Flags = nativeEndian.Uint16(b[6:8])
		h.Seq = nativeEndian.Uint32(b[8:12])
		h.Pid = nativeEndian.Uint32(b[12:16])
		l := int(h.Len)
		if l < unix.SizeofNlMsghdr || l > len(b) {
			return nil, fmt.Errorf("message length %d, %d bytes left", l, len(b))
		}
		msgs = append(msgs, netlinkMessage{Header: h, Data: b[unix.SizeofNlMsghdr:l]})
		adv := (l + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if adv >= len(b) {
			break
		}
		b = b[adv:]
	}
	return msgs, nil
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
