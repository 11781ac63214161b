//go:build linux

package rtnl

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// Address is one address as the kernel reports it, joined with its link.
type Address struct {
	Prefix    netip.Prefix
	Index     int    // the interface's index
	Interface string // the interface's name
	Label     string // IFA_LABEL (IPv4 only)
	Up        bool   // the link is IFF_UP and IFF_RUNNING
	Flags     uint32 // IFA_F_*, from IFA_FLAGS when the kernel sends it
	// Age is how long the address has existed, from IFA_CACHEINFO's
	// creation stamp; AgeKnown is false when there was no usable stamp.
	Age      time.Duration
	AgeKnown bool
}

// Link is one link as the kernel reports it.
type Link struct {
	Index   int
	Name    string
	Up      bool // IFF_UP
	Running bool // IFF_RUNNING: up and with carrier
	MAC     net.HardwareAddr
}

// ParseDump turns the payloads of a link dump and an address dump into
// Addresses. It is pure, so it is tested on built dumps. now is the
// kernel clock in cstamp units (see Now).
func ParseDump(links, addrs [][]byte, now uint32) ([]Address, error) {
	return ParseDumpAs(links, addrs, now, same)
}

// ParseDumpAs is ParseDump, each Address converted by conv as it is
// parsed, so that a caller with its own type pays for no second slice.
func ParseDumpAs[T any](links, addrs [][]byte, now uint32, conv func(Address) T) ([]T, error) {
	p, err := newDumpParser(links, now, conv)
	if err != nil {
		return nil, err
	}
	for _, m := range addrs {
		if err := p.addr(m); err != nil {
			return nil, err
		}
	}
	return p.out, nil
}

func same(a Address) Address { return a }

// dumpParser collects Addresses from address messages as they arrive,
// so that they are read in place from the receive buffer.
type dumpParser[T any] struct {
	links map[int]Link
	now   uint32
	conv  func(Address) T
	out   []T
}

func newDumpParser[T any](links [][]byte, now uint32, conv func(Address) T) (*dumpParser[T], error) {
	p := &dumpParser[T]{links: make(map[int]Link, len(links)), now: now, conv: conv}
	for _, m := range links {
		l, err := ParseLink(m)
		if err != nil {
			return nil, err
		}
		p.links[l.Index] = l
	}
	return p, nil
}

// addr parses one address message. Strings are copied out of m.
func (p *dumpParser[T]) addr(m []byte) error {
	a, ok, err := ParseAddr(m, p.now)
	if err != nil || !ok {
		return err
	}
	l, known := p.links[a.Index]
	if !known {
		// The link went away between the two dumps: its addresses are
		// gone too.
		return nil
	}
	a.Interface = l.Name
	a.Up = l.Up && l.Running
	p.out = append(p.out, p.conv(a))
	return nil
}

// ParseLink parses the payload of one RTM_NEWLINK message.
func ParseLink(m []byte) (Link, error) {
	if len(m) < unix.SizeofIfInfomsg {
		return Link{}, fmt.Errorf("netlink: link message of %d bytes is too short", len(m))
	}
	flags := nativeEndian.Uint32(m[8:12])
	l := Link{
		Index:   int(int32(nativeEndian.Uint32(m[4:8]))),
		Up:      flags&unix.IFF_UP != 0,
		Running: flags&unix.IFF_RUNNING != 0,
	}
	err := walkAttrs(m[unix.SizeofIfInfomsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.IFLA_IFNAME:
			l.Name = cString(v)
		case unix.IFLA_ADDRESS:
			if len(v) > 0 {
				l.MAC = append(net.HardwareAddr(nil), v...)
			}
		}
	})
	return l, err
}

// ParseAddr parses the payload of one RTM_NEWADDR message; ok is false
// for families other than IPv4 and IPv6. Interface and Up are left for
// the caller, who knows the links.
func ParseAddr(m []byte, now uint32) (a Address, ok bool, err error) {
	if len(m) < unix.SizeofIfAddrmsg {
		return a, false, fmt.Errorf("netlink: address message of %d bytes is too short", len(m))
	}
	family, bits := m[0], int(m[1])
	a.Flags = uint32(m[2])
	a.Index = int(nativeEndian.Uint32(m[4:8]))
	if family != unix.AF_INET && family != unix.AF_INET6 {
		return a, false, nil
	}
	var local, address, ci []byte
	err = walkAttrs(m[unix.SizeofIfAddrmsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.IFA_LOCAL:
			local = v
		case unix.IFA_ADDRESS:
			address = v
		case unix.IFA_LABEL:
			a.Label = cString(v)
		case unix.IFA_FLAGS:
			// The 32-bit attribute supersedes the 8-bit header field.
			if len(v) >= 4 {
				a.Flags = nativeEndian.Uint32(v)
			}
		case unix.IFA_CACHEINFO:
			ci = v
		}
	})
	if err != nil {
		return a, false, err
	}
	// For IPv4, IFA_LOCAL is our address and IFA_ADDRESS the peer on
	// point-to-point links; IPv6 sends only IFA_ADDRESS.
	raw := local
	if raw == nil {
		raw = address
	}
	ip, valid := netip.AddrFromSlice(raw)
	if !valid || (family == unix.AF_INET) != ip.Is4() {
		return a, false, fmt.Errorf("netlink: address attribute of %d bytes for family %d", len(raw), family)
	}
	if bits > ip.BitLen() {
		return a, false, fmt.Errorf("netlink: prefix length %d for %s", bits, ip)
	}
	a.Prefix = netip.PrefixFrom(ip, bits)
	// struct ifa_cacheinfo { u32 prefered, valid, cstamp, tstamp }.
	if len(ci) >= 16 {
		cstamp := nativeEndian.Uint32(ci[8:12])
		// Unsigned subtraction handles the 32-bit wrap. A stamp "from the
		// future" (a clock mismatch) reads as a huge age; refuse it. But
		// now is read one hundredth early on purpose (see cstampNow), so
		// an address added in the last few hundredths is stamped a little
		// ahead of it: that one is new, age 0, the safe reading. Without
		// this, a just-added VIP was "no creation time" (measured: 1 in
		// about 10 runs of TestKernelSettleAgainstRealTime).
		switch age := now - cstamp; {
		case age < 1<<31:
			a.Age, a.AgeKnown = time.Duration(age)*10*time.Millisecond, true
		case cstamp-now <= freshSlack:
			a.Age, a.AgeKnown = 0, true
		}
	}
	return a, true, nil
}

// freshSlack is how far ahead of now, in hundredths, a stamp may be and
// still read as just created: the early reading of now plus rounding.
const freshSlack = 10

// walkAttrs calls fn for every rtattr in b, and fails on a truncated one.
func walkAttrs(b []byte, fn func(typ uint16, v []byte)) error {
	for len(b) >= unix.SizeofRtAttr {
		l := int(nativeEndian.Uint16(b[0:2]))
		typ := nativeEndian.Uint16(b[2:4])
		if l < unix.SizeofRtAttr || l > len(b) {
			return fmt.Errorf("netlink: attribute %d has length %d, %d bytes left", typ, l, len(b))
		}
		fn(typ&^unix.NLA_F_NESTED, b[unix.SizeofRtAttr:l])
		adv := (l + unix.RTA_ALIGNTO - 1) &^ (unix.RTA_ALIGNTO - 1)
		if adv > len(b) {
			break
		}
		b = b[adv:]
	}
	return nil
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
