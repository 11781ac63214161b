package probe

// This file holds the pure half of the package: building the frames we send
// and parsing the frames we receive. Nothing here touches a socket or a
// clock, so it is tested on captured and hand-made frames, benchmarked and
// fuzzed without root.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"golang.org/x/net/bpf"
)

// mac is a 48-bit Ethernet address. An array, not a net.HardwareAddr, so
// that frames compare with == and parsing allocates nothing for it.
type mac [6]byte

// hardwareAddr returns m as a fresh net.HardwareAddr for the Result.
func (m mac) hardwareAddr() net.HardwareAddr { return net.HardwareAddr(append([]byte(nil), m[:]...)) }

// Protocol numbers the parser looks for. Named here because x/net's ipv6
// and iana packages would pull in more than they give.
const (
	protoICMPv6 = 58

	icmpNeighborSolicitation  = 135
	icmpNeighborAdvertisement = 136

	ndOptSourceLLA = 1
	ndOptTargetLLA = 2

	// hopLimitLink is the hop limit of link-local control traffic. NDP
	// receivers (RFC 4861 §7.1) drop anything else, because it was routed
	// here from off the link; so do we.
	hopLimitLink = 255

	ipv6HeaderLen = 40
	ndHeaderLen   = 24 // type, code, checksum, flags/reserved, target
)

// kind names the frames the probe acts on; parseFrame drops every other.
type kind uint8

const (
	kindARP kind = iota + 1 // ARP request or reply
	kindNS                  // ICMPv6 neighbour solicitation
	kindNA                  // ICMPv6 neighbour advertisement
)

// String returns the kind's name, for test failures.
func (k kind) String() string {
	switch k {
	case kindARP:
		return "ARP"
	case kindNS:
		return "NS"
	case kindNA:
		return "NA"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// frame is what the probe needs to know of one received frame.
type frame struct {
	kind   kind
	ethSrc mac // Ethernet source: tells our own outgoing frames apart

	// linkAddr is the link-layer address the frame claims for sender (ARP
	// sender hardware address, or an NDP source/target link-layer address
	// option); the Ethernet source when an NDP message carries no option.
	linkAddr mac

	// sender is the ARP sender IP, or the IPv6 source address.
	sender netip.Addr
	// target is the ARP target IP or the NDP target address.
	target netip.Addr

	op arp.Operation // ARP only
}

// errNotOurs reports a well-formed frame the probe has no use for.
var errNotOurs = errors.New("not a frame the probe uses")

// parseFrame parses an Ethernet frame as read from the packet socket. It
// returns errNotOurs for frames of no interest, and another error for
// malformed ones; it never panics, whatever the input (see FuzzParseFrame).
func parseFrame(b []byte) (frame, error) {
	var ef ethernet.Frame
	if err := ef.UnmarshalBinary(b); err != nil {
		return frame{}, fmt.Errorf("ethernet: %w", err)
	}
	var f frame
	copy(f.ethSrc[:], ef.Source)
	switch ef.EtherType {
	case ethernet.EtherTypeARP:
		return f, parseARP(&f, ef.Payload)
	case ethernet.EtherTypeIPv6:
		return f, parseIPv6(&f, ef.Payload)
	}
	return f, errNotOurs
}

// parseARP fills f from an ARP payload. Only Ethernet/IPv4 ARP is used:
// that is the only kind a Linux neighbour on Ethernet sends.
func parseARP(f *frame, b []byte) error {
	var p arp.Packet
	if err := p.UnmarshalBinary(b); err != nil {
		return fmt.Errorf("arp: %w", err)
	}
	if p.HardwareType != 1 || p.ProtocolType != uint16(ethernet.EtherTypeIPv4) ||
		p.HardwareAddrLength != 6 || p.IPLength != 4 {
		return errNotOurs
	}
	if p.Operation != arp.OperationRequest && p.Operation != arp.OperationReply {
		return errNotOurs
	}
	f.kind = kindARP
	f.op = p.Operation
	copy(f.linkAddr[:], p.SenderHardwareAddr)
	f.sender = p.SenderIP
	f.target = p.TargetIP
	return nil
}

// parseIPv6 fills f from an IPv6 packet carrying NDP. Extension headers
// are not followed: NDP does not use them.
func parseIPv6(f *frame, b []byte) error {
	if len(b) < ipv6HeaderLen {
		return fmt.Errorf("ipv6: header: %d bytes", len(b))
	}
	if b[0]>>4 != 6 {
		return fmt.Errorf("ipv6: version %d", b[0]>>4)
	}
	plen := int(binary.BigEndian.Uint16(b[4:6]))
	if ipv6HeaderLen+plen > len(b) {
		return fmt.Errorf("ipv6: payload length %d, %d bytes", plen, len(b)-ipv6HeaderLen)
	}
	next, hops := b[6], b[7]
	src := netip.AddrFrom16([16]byte(b[8:24]))
	dst := netip.AddrFrom16([16]byte(b[24:40]))
	payload := b[ipv6HeaderLen : ipv6HeaderLen+plen]
	if hops != hopLimitLink {
		return errNotOurs
	}
	if next != protoICMPv6 {
		return errNotOurs
	}
	f.sender = src
	return parseND(f, src, dst, payload)
}

// parseND fills f from a neighbour solicitation or advertisement. The
// checksum is checked, as the kernel would, so that a corrupted frame can't
// invent a conflict. ndp.ParseMessage is not used here: it may panic on
// input it considers impossible, and this parser must take any bytes.
func parseND(f *frame, src, dst netip.Addr, b []byte) error {
	if len(b) < ndHeaderLen {
		return errNotOurs
	}
	switch b[0] {
	case icmpNeighborSolicitation:
		f.kind = kindNS
	case icmpNeighborAdvertisement:
		f.kind = kindNA
	default:
		return errNotOurs
	}
	if b[1] != 0 {
		return fmt.Errorf("icmpv6: %v with code %d", f.kind, b[1])
	}
	if got := icmpv6Checksum(src, dst, b); got != 0 {
		// Summing a message that carries its correct checksum gives 0.
		return fmt.Errorf("icmpv6: %v: bad checksum", f.kind)
	}
	f.target = netip.AddrFrom16([16]byte(b[8:24]))
	f.linkAddr = f.ethSrc
	want := byte(ndOptSourceLLA)
	if f.kind == kindNA {
		want = ndOptTargetLLA
	}
	for opts := b[ndHeaderLen:]; len(opts) > 0; {
		if len(opts) < 2 || opts[1] == 0 {
			// RFC 4861 §4.6: a zero-length option makes the message invalid.
			return fmt.Errorf("icmpv6: %v: truncated option", f.kind)
		}
		n := int(opts[1]) * 8
		if n > len(opts) {
			return fmt.Errorf("icmpv6: %v: option length %d, %d bytes left", f.kind, n, len(opts))
		}
		if opts[0] == want && n >= 8 {
			copy(f.linkAddr[:], opts[2:8])
		}
		opts = opts[n:]
	}
	return nil
}

// arpProbe builds an RFC 5227 §2.1.1 ARP probe for vip: a broadcast request
// with sender IP 0.0.0.0, so that asking does not itself teach anyone's
// ARP cache that vip is at src. A second holder's kernel answers it.
func arpProbe(src mac, vip netip.Addr) ([]byte, error) {
	return arpFrame(src, netip.IPv4Unspecified(), vip)
}

// arpRequest builds a broadcast ARP request for peer from sender, this
// node's primary address.
func arpRequest(src mac, sender, peer netip.Addr) ([]byte, error) {
	return arpFrame(src, sender, peer)
}

func arpFrame(src mac, sender, target netip.Addr) ([]byte, error) {
	p, err := arp.NewPacket(arp.OperationRequest, src[:], sender,
		ethernet.Broadcast, target)
	if err != nil {
		return nil, fmt.Errorf("arp packet %v for %v: %w", sender, target, err)
	}
	// RFC 5227 wants the target hardware address zero, not broadcast.
	p.TargetHardwareAddr = make(net.HardwareAddr, 6)
	pb, err := p.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("arp packet %v for %v: %w", sender, target, err)
	}
	ef := ethernet.Frame{
		Destination: ethernet.Broadcast,
		Source:      src[:],
		EtherType:   ethernet.EtherTypeARP,
		Payload:     pb,
	}
	return ef.MarshalBinary()
}

// neighborSolicitation builds a neighbour solicitation for target, sent to
// target's solicited-node multicast group. With source :: it is an RFC 4862
// DAD probe, which a holder answers with an advertisement to all nodes, and
// it must carry no source link-layer option (RFC 4861 §4.3). With a real
// source it is an ordinary resolution, and carries one so the answer can
// come straight back.
func neighborSolicitation(src mac, source, target netip.Addr) ([]byte, error) {
	if !target.Is6() || target.Is4In6() {
		return nil, fmt.Errorf("solicited-node group of %v: not an IPv6 address", target)
	}
	dst := solicitedNode(target)
	if !source.Is6() || source.Is4In6() {
		return nil, fmt.Errorf("neighbour solicitation source %v: not IPv6", source)
	}
	// RFC 4861 §4.3: type 135, code 0, checksum, 4 reserved bytes, the
	// target, then a source link-layer address option unless sent from
	// :: (§7.2.2 forbids it there). Built by hand rather than with
	// mdlayher/ndp, whose imports (crypto/rand, math/big, net/url, idna)
	// cost every fact run about 1.6 ms of package init.
	msg := make([]byte, 24, 32)
	msg[0] = 135
	t16 := target.As16()
	copy(msg[8:24], t16[:])
	if !source.IsUnspecified() {
		msg = append(msg, 1, 1) // option 1 (source link-layer address), length 1 (8 bytes)
		msg = append(msg, src[:]...)
	}
	binary.BigEndian.PutUint16(msg[2:4], icmpv6Checksum(source, dst, msg))

	ip := make([]byte, ipv6HeaderLen+len(msg))
	ip[0] = 6 << 4
	binary.BigEndian.PutUint16(ip[4:6], uint16(len(msg)))
	ip[6] = protoICMPv6
	ip[7] = hopLimitLink
	s16, d16 := source.As16(), dst.As16()
	copy(ip[8:24], s16[:])
	copy(ip[24:40], d16[:])
	copy(ip[ipv6HeaderLen:], msg)

	ef := ethernet.Frame{
		Destination: multicastMAC(dst),
		Source:      src[:],
		EtherType:   ethernet.EtherTypeIPv6,
		Payload:     ip,
	}
	return ef.MarshalBinary()
}

// multicastMAC maps an IPv6 multicast group to its Ethernet group address
// (RFC 2464 §7), or an IPv4 one to 01:00:5e plus its low 23 bits
// (RFC 1112 §6.4).
func multicastMAC(group netip.Addr) net.HardwareAddr {
	if group.Is4() {
		g := group.As4()
		return net.HardwareAddr{0x01, 0x00, 0x5e, g[1] & 0x7f, g[2], g[3]}
	}
	g := group.As16()
	return net.HardwareAddr{0x33, 0x33, g[12], g[13], g[14], g[15]}
}

// icmpv6Checksum is the RFC 4443 §2.3 checksum of an ICMPv6 message over
// the RFC 8200 §8.1 pseudo-header. Over a message whose checksum field is
// zero it gives the value to store; over one with a correct checksum, 0.
func icmpv6Checksum(src, dst netip.Addr, msg []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for len(b) >= 2 {
			sum += uint32(b[0])<<8 | uint32(b[1])
			b = b[2:]
		}
		if len(b) == 1 {
			sum += uint32(b[0]) << 8
		}
	}
	s, d := src.As16(), dst.As16()
	add(s[:])
	add(d[:])
	var lenNext [8]byte
	binary.BigEndian.PutUint32(lenNext[0:4], uint32(len(msg)))
	lenNext[7] = protoICMPv6
	add(lenNext[:])
	add(msg)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// Offsets into an untagged Ethernet frame, for the socket filter.
const (
	offEtherType  = 12
	offIPv6Next   = 14 + 6
	offICMPv6Type = 14 + ipv6HeaderLen
	snapLen       = 9216 // a jumbo frame: the parser checks lengths, so never truncate
)

// socketFilter is the classic BPF program attached before bind, so that
// the kernel copies to us only ARP and NS/NA, and not the storage traffic
// a Gluster interface carries. parseFrame still checks everything: the
// filter only saves work. VLAN-tagged frames seen on the parent device
// are not filtered out; a foreign VLAN's claim on the VIP then reads as a
// conflict, which errs on the side of not running.
var socketFilter = []bpf.Instruction{
	/* 0 */ bpf.LoadAbsolute{Off: offEtherType, Size: 2},
	/* 1 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(ethernet.EtherTypeARP), SkipTrue: 7},
	/* 2 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(ethernet.EtherTypeIPv6), SkipFalse: 5},
	// IPv6: ICMPv6 NS or NA only.
	/* 3 */ bpf.LoadAbsolute{Off: offIPv6Next, Size: 1},
	/* 4 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: protoICMPv6, SkipFalse: 3},
	/* 5 */ bpf.LoadAbsolute{Off: offICMPv6Type, Size: 1},
	/* 6 */ bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: icmpNeighborSolicitation, SkipFalse: 1},
	/* 7 */ bpf.JumpIf{Cond: bpf.JumpGreaterThan, Val: icmpNeighborAdvertisement, SkipFalse: 1},
	/* 8 */ bpf.RetConstant{Val: 0},
	/* 9 */ bpf.RetConstant{Val: snapLen},
}

// solicitedNode is the solicited-node multicast group of a (RFC 4291
// §2.7.1): ff02::1:ff00:0/104 with a's low 24 bits.
func solicitedNode(a netip.Addr) netip.Addr {
	b := a.As16()
	return netip.AddrFrom16([16]byte{0xff, 0x02, 10: 0, 11: 0x01, 12: 0xff, 13: b[13], 14: b[14], 15: b[15]})
}
