//go:build linux && !gluster_vip_stub

package facts

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

var nativeEndian = binary.NativeEndian

// parseDump turns the payloads of a link dump and an address dump into
// Addresses. It is pure, so it is tested on built dumps. now is the
// kernel clock in cstamp units (see jiffyNow).
func parseDump(links, addrs [][]byte, now uint32) ([]Address, error) {
	p, err := newDumpParser(links, now)
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

// dumpParser collects Addresses from address messages as they arrive,
// so that the OS reads them in place from its receive buffer.
type dumpParser struct {
	ifs map[int]Interface
	now uint32
	out []Address
}

func newDumpParser(links [][]byte, now uint32) (*dumpParser, error) {
	p := &dumpParser{ifs: make(map[int]Interface, len(links)), now: now}
	for _, m := range links {
		ifi, err := parseLink(m)
		if err != nil {
			return nil, err
		}
		p.ifs[ifi.Index] = ifi
	}
	return p, nil
}

// addr parses one address message. Strings are copied out of m.
func (p *dumpParser) addr(m []byte) error {
	a, ok, err := parseAddr(m, p.now)
	if err != nil || !ok {
		return err
	}
	ifi, known := p.ifs[a.Index]
	if !known {
		// The link went away between the two dumps: its addresses are
		// gone too.
		return nil
	}
	a.Interface = ifi.Name
	a.Up = ifi.Up && ifi.Running
	p.out = append(p.out, a)
	return nil
}

func parseLink(m []byte) (Interface, error) {
	if len(m) < unix.SizeofIfInfomsg {
		return Interface{}, fmt.Errorf("netlink: link message of %d bytes is too short", len(m))
	}
	flags := nativeEndian.Uint32(m[8:12])
	ifi := Interface{
		Index:   int(int32(nativeEndian.Uint32(m[4:8]))),
		Up:      flags&unix.IFF_UP != 0,
		Running: flags&unix.IFF_RUNNING != 0,
	}
	err := walkAttrs(m[unix.SizeofIfInfomsg:], func(typ uint16, v []byte) {
		switch typ {
		case unix.IFLA_IFNAME:
			ifi.Name = cString(v)
		case unix.IFLA_ADDRESS:
			ifi.MAC = hardwareAddr(v)
		}
	})
	return ifi, err
}

// parseAddr parses one ifaddrmsg. ok is false for families we ignore.
func parseAddr(m []byte, now uint32) (a Address, ok bool, err error) {
	if len(m) < unix.SizeofIfAddrmsg {
		return a, false, fmt.Errorf("netlink: address message of %d bytes is too short", len(m))
	}
	family, bits := m[0], int(m[1])
	flags := uint32(m[2])
	a.Index = int(nativeEndian.Uint32(m[4:8]))
	if family != unix.AF_INET && family != unix.AF_INET6 {
		return a, false, nil
	}
	var local, address []byte
	var ci []byte
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
				flags = nativeEndian.Uint32(v)
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
	a.Tentative = flags&unix.IFA_F_TENTATIVE != 0
	a.DADFailed = flags&unix.IFA_F_DADFAILED != 0
	a.Deprecated = flags&unix.IFA_F_DEPRECATED != 0
	a.Secondary = flags&unix.IFA_F_SECONDARY != 0
	a.NoDAD = flags&unix.IFA_F_NODAD != 0
	a.Permanent = flags&unix.IFA_F_PERMANENT != 0
	// struct ifa_cacheinfo { u32 prefered, valid, cstamp, tstamp }.
	if len(ci) >= 16 {
		cstamp := nativeEndian.Uint32(ci[8:12])
		// Unsigned subtraction handles the 32-bit wrap. A stamp "from the
		// future" (a clock mismatch) reads as a huge age; refuse it.
		if age := now - cstamp; age < 1<<31 {
			a.Age, a.AgeKnown = time.Duration(age)*10*time.Millisecond, true
		}
	}
	return a, true, nil
}

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
