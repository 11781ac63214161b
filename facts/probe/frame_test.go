package probe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/ndp"
	"golang.org/x/net/bpf"
)

var (
	macOurs  = mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}
	macOther = mac{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}
	macVMAC  = mac{0x00, 0x00, 0x5e, 0x00, 0x01, 51}
)

// The frames below stand in for what the other node's kernel sends; they
// are built the way Linux builds them (arp_send_dst, ndisc_send_na).

// arpReply is an ARP reply from sender (at from) to target.
func arpReply(from mac, sender netip.Addr, to mac, target netip.Addr) []byte {
	p, err := arp.NewPacket(arp.OperationReply, from[:], sender, to[:], target)
	if err != nil {
		panic(err)
	}
	pb, _ := p.MarshalBinary()
	ef := ethernet.Frame{Destination: to[:], Source: from[:], EtherType: ethernet.EtherTypeARP, Payload: pb}
	b, _ := ef.MarshalBinary()
	return b
}

// gratuitousARP is a broadcast request from sender for itself.
func gratuitousARP(from mac, sender netip.Addr) []byte {
	b, err := arpFrame(from, sender, sender)
	if err != nil {
		panic(err)
	}
	return b
}

// ipv6Frame wraps an ICMPv6 message (checksum filled in) or another payload.
func ipv6Frame(from mac, to net.HardwareAddr, src, dst netip.Addr, next, hops byte, payload []byte) []byte {
	ip := make([]byte, ipv6HeaderLen+len(payload))
	ip[0] = 6 << 4
	binary.BigEndian.PutUint16(ip[4:6], uint16(len(payload)))
	ip[6], ip[7] = next, hops
	s, d := src.As16(), dst.As16()
	copy(ip[8:24], s[:])
	copy(ip[24:40], d[:])
	copy(ip[40:], payload)
	ef := ethernet.Frame{Destination: to, Source: from[:], EtherType: ethernet.EtherTypeIPv6, Payload: ip}
	b, _ := ef.MarshalBinary()
	return b
}

// neighborAdvert is an NA for target from src, with a target link-layer
// option unless lla is nil.
func neighborAdvert(from mac, src, dst, target netip.Addr, lla net.HardwareAddr) []byte {
	na := &ndp.NeighborAdvertisement{Override: true, TargetAddress: target}
	if lla != nil {
		na.Options = []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: lla}}
	}
	msg, err := ndp.MarshalMessageChecksum(na, src, dst)
	if err != nil {
		panic(err)
	}
	return ipv6Frame(from, multicastMAC(dst), src, dst, protoICMPv6, hopLimitLink, msg)
}

// VRRP, which the probe does not use (issue 10, item 17): its adverts
// must be dropped by the filter and the parser.
const (
	protoVRRP     = 112 // RFC 5798
	ipv4HeaderMin = 20
)

// vrrpAdvert is a VRRPv3 advertisement over IPv4 or IPv6, as keepalived
// sends it. The checksum is left zero.
func vrrpAdvert(from mac, src netip.Addr, vrid, prio uint8) []byte {
	v := []byte{0x31, vrid, prio, 1, 0, 10, 0, 0, 198, 51, 100, 10}
	if src.Is6() {
		return ipv6Frame(from, multicastMAC(netip.MustParseAddr("ff02::12")), src,
			netip.MustParseAddr("ff02::12"), protoVRRP, hopLimitLink, v[:8])
	}
	ip := make([]byte, ipv4HeaderMin+len(v))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:4], uint16(len(ip)))
	ip[8], ip[9] = hopLimitLink, protoVRRP
	s := src.As4()
	copy(ip[12:16], s[:])
	copy(ip[16:20], []byte{224, 0, 0, 18})
	copy(ip[20:], v)
	ef := ethernet.Frame{
		Destination: multicastMAC(netip.AddrFrom4([4]byte{224, 0, 0, 18})),
		Source:      from[:], EtherType: ethernet.EtherTypeIPv4, Payload: ip,
	}
	b, _ := ef.MarshalBinary()
	return b
}

var (
	tVIP4    = netip.MustParseAddr("203.0.113.10")
	tSelf4   = netip.MustParseAddr("203.0.113.1")
	tPeer4   = netip.MustParseAddr("203.0.113.2")
	tVIP6    = netip.MustParseAddr("2001:db8:7::10")
	tSelf6   = netip.MustParseAddr("2001:db8:7::1")
	tPeer6   = netip.MustParseAddr("2001:db8:7::2")
	allNodes = netip.MustParseAddr("ff02::1")
)

func TestARPProbe(t *testing.T) {
	b, err := arpProbe(macOurs, tVIP4)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // broadcast
		0x02, 0, 0, 0, 0, 0x0a, // us
		0x08, 0x06, // ARP
		0, 1, 0x08, 0x00, 6, 4, 0, 1, // Ethernet/IPv4, request
		0x02, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, // sender: us, 0.0.0.0 (RFC 5227)
		0, 0, 0, 0, 0, 0, 203, 0, 113, 10, // target: zero MAC, the VIP
	}
	want = append(want, make([]byte, 60-len(want))...) // Ethernet minimum
	if !bytes.Equal(want, b) {
		t.Fatalf("ARP probe:\nwant % x\n got % x", want, b)
	}
}

func TestARPRequest(t *testing.T) {
	b, err := arpRequest(macOurs, tSelf4, tPeer4)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseFrame(b)
	if err != nil {
		t.Fatal(err)
	}
	if want, got := (frame{kind: kindARP, ethSrc: macOurs, linkAddr: macOurs,
		sender: tSelf4, target: tPeer4, op: arp.OperationRequest}), f; want != got {
		t.Fatalf("want %+v, got %+v", want, got)
	}
	if _, err := arpRequest(macOurs, tSelf6, tPeer4); err == nil {
		t.Fatal("IPv6 sender: want an error")
	}
}

func TestNeighborSolicitation(t *testing.T) {
	for _, tc := range []struct {
		name    string
		source  netip.Addr
		wantLen int
	}{
		// DAD-style, from ::: no source link-layer option (RFC 4861 §4.3).
		{"from unspecified", netip.IPv6Unspecified(), 14 + 40 + 24},
		{"from source", tSelf6, 14 + 40 + 24 + 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := neighborSolicitation(macOurs, tc.source, tVIP6)
			if err != nil {
				t.Fatal(err)
			}
			if want, got := tc.wantLen, len(b); want != got {
				t.Fatalf("length: want %d, got %d", want, got)
			}
			// The solicited-node group of 2001:db8:7::10 and its MAC.
			if want, got := "33:33:ff:00:00:10", net.HardwareAddr(b[0:6]).String(); want != got {
				t.Errorf("destination MAC: want %s, got %s", want, got)
			}
			ip := b[14:]
			if want, got := byte(255), ip[7]; want != got {
				t.Errorf("hop limit: want %d, got %d", want, got)
			}
			if want, got := tc.source, netip.AddrFrom16([16]byte(ip[8:24])); want != got {
				t.Errorf("source: want %v, got %v", want, got)
			}
			dst := netip.MustParseAddr("ff02::1:ff00:10")
			if want, got := dst, netip.AddrFrom16([16]byte(ip[24:40])); want != got {
				t.Errorf("destination: want %v, got %v", want, got)
			}
			// The checksum matches the library's own.
			var opts []ndp.Option
			if !tc.source.IsUnspecified() {
				opts = []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Source, Addr: macOurs[:]}}
			}
			ref, err := ndp.MarshalMessageChecksum(&ndp.NeighborSolicitation{TargetAddress: tVIP6, Options: opts}, tc.source, dst)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ref, ip[40:]) {
				t.Errorf("ICMPv6:\nwant % x\n got % x", ref, ip[40:])
			}
			f, err := parseFrame(b)
			if err != nil {
				t.Fatal(err)
			}
			if want, got := (frame{kind: kindNS, ethSrc: macOurs, linkAddr: macOurs,
				sender: tc.source, target: tVIP6}), f; want != got {
				t.Errorf("parsed: want %+v, got %+v", want, got)
			}
		})
	}
	if _, err := neighborSolicitation(macOurs, tSelf4, tVIP6); err == nil {
		t.Error("IPv4 source: want an error")
	}
	if _, err := neighborSolicitation(macOurs, tSelf6, tVIP4); err == nil {
		t.Error("IPv4 target: want an error")
	}
}

func TestICMPv6Checksum(t *testing.T) {
	// An odd length exercises the padding byte.
	for _, msg := range []ndp.Message{
		&ndp.NeighborAdvertisement{Solicited: true, TargetAddress: tPeer6},
		&ndp.NeighborSolicitation{TargetAddress: tPeer6, Options: []ndp.Option{
			&ndp.LinkLayerAddress{Direction: ndp.Source, Addr: macOther[:]}}},
	} {
		ref, err := ndp.MarshalMessageChecksum(msg, tPeer6, allNodes)
		if err != nil {
			t.Fatal(err)
		}
		zero := bytes.Clone(ref)
		zero[2], zero[3] = 0, 0
		if want, got := binary.BigEndian.Uint16(ref[2:4]), icmpv6Checksum(tPeer6, allNodes, zero); want != got {
			t.Errorf("%T: want %#04x, got %#04x", msg, want, got)
		}
		if want, got := uint16(0), icmpv6Checksum(tPeer6, allNodes, ref); want != got {
			t.Errorf("%T: sum over a correct message: want 0, got %#04x", msg, got)
		}
	}
	odd := []byte{1, 2, 3}
	// ff02 + 0001 (ff02::1) + 0003 (length) + 003a (ICMPv6) + 0102 + 0300
	// (the message, padded) = 1_0342, folded 0343, complemented fcbc.
	if want, got := uint16(0xfcbc), icmpv6Checksum(netip.IPv6Unspecified(), allNodes, odd); want != got {
		t.Errorf("odd length: want %#04x, got %#04x", want, got)
	}
}

func TestParseFrame(t *testing.T) {
	badSum := neighborAdvert(macOther, tPeer6, allNodes, tVIP6, macOther[:])
	badSum[len(badSum)-1] ^= 0xff
	lowHops := neighborAdvert(macOther, tPeer6, allNodes, tVIP6, macOther[:])
	lowHops[14+7] = 64
	zeroOpt := neighborAdvert(macOther, tPeer6, allNodes, tVIP6, macOther[:])
	zeroOpt[14+40+24+1] = 0
	udp := vrrpAdvert(macOther, tPeer4, 51, 100)
	udp[14+9] = 17
	shortIPv6 := neighborAdvert(macOther, tPeer6, allNodes, tVIP6, nil)[:14+40+10]
	rarp := arpReply(macOther, tPeer4, macOurs, tSelf4)
	rarp[14+7] = 3

	for _, tc := range []struct {
		name    string
		b       []byte
		want    frame
		wantErr error // errNotOurs, or any other error when errSome
	}{
		{"ARP reply", arpReply(macOther, tVIP4, macOurs, netip.IPv4Unspecified()),
			frame{kind: kindARP, ethSrc: macOther, linkAddr: macOther, sender: tVIP4,
				target: netip.IPv4Unspecified(), op: arp.OperationReply}, nil},
		{"gratuitous ARP", gratuitousARP(macOther, tVIP4),
			frame{kind: kindARP, ethSrc: macOther, linkAddr: macOther, sender: tVIP4,
				target: tVIP4, op: arp.OperationRequest}, nil},
		{"RARP", rarp, frame{}, errNotOurs},
		{"NA with target option", neighborAdvert(macOther, tVIP6, allNodes, tVIP6, macVMAC[:]),
			frame{kind: kindNA, ethSrc: macOther, linkAddr: macVMAC, sender: tVIP6, target: tVIP6}, nil},
		{"NA without option", neighborAdvert(macOther, tPeer6, tSelf6, tPeer6, nil),
			frame{kind: kindNA, ethSrc: macOther, linkAddr: macOther, sender: tPeer6, target: tPeer6}, nil},
		{"NA bad checksum", badSum, frame{}, errSome},
		{"NA routed here", lowHops, frame{}, errNotOurs},
		{"NA zero-length option", zeroOpt, frame{}, errSome},
		{"IPv6 truncated", shortIPv6, frame{}, errSome},
		{"VRRPv3 IPv4: not used", vrrpAdvert(macVMAC, tPeer4, 51, 100), frame{}, errNotOurs},
		{"VRRPv3 IPv6: not used", vrrpAdvert(macVMAC, tPeer6, 52, 0), frame{}, errNotOurs},
		{"UDP", udp, frame{}, errNotOurs},
		{"empty", nil, frame{}, errSome},
		{"Ethernet header only", make([]byte, 14), frame{}, errNotOurs},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := parseFrame(tc.b)
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("want no error, got %v", err)
			case tc.wantErr == errNotOurs && !errors.Is(err, errNotOurs):
				t.Fatalf("want errNotOurs, got %v", err)
			case tc.wantErr == errSome && (err == nil || errors.Is(err, errNotOurs)):
				t.Fatalf("want a parse error, got %v", err)
			}
			if err == nil {
				if want, got := tc.want, f; want != got {
					t.Errorf("want %+v\n got %+v", want, got)
				}
			}
		})
	}
}

// errSome stands for "some error other than errNotOurs" in test tables.
var errSome = errors.New("some parse error")

// The socket filter passes exactly what parseFrame can use, checked on
// the classic BPF interpreter from x/net.
func TestSocketFilter(t *testing.T) {
	vm, err := bpf.NewVM(socketFilter)
	if err != nil {
		t.Fatalf("filter does not load: %v", err)
	}
	if _, err := bpf.Assemble(socketFilter); err != nil {
		t.Fatalf("filter does not assemble: %v", err)
	}
	probe4, _ := arpProbe(macOurs, tVIP4)
	ns6, _ := neighborSolicitation(macOurs, netip.IPv6Unspecified(), tVIP6)
	udp := vrrpAdvert(macOther, tPeer4, 51, 100)
	udp[14+9] = 17
	echo := ipv6Frame(macOther, macOurs[:], tPeer6, tSelf6, protoICMPv6, 64, []byte{128, 0, 0, 0, 0, 0, 0, 0})
	ra := ipv6Frame(macOther, macOurs[:], tPeer6, tSelf6, protoICMPv6, 255, make([]byte, 24))
	ra[14+40] = 134
	redirect := bytes.Clone(ra)
	redirect[14+40] = 137
	tcp6 := ipv6Frame(macOther, macOurs[:], tPeer6, tSelf6, 6, 64, make([]byte, 20))
	other := make([]byte, 60)
	binary.BigEndian.PutUint16(other[12:14], 0x88cc) // LLDP

	for _, tc := range []struct {
		name string
		b    []byte
		pass bool
	}{
		{"ARP probe", probe4, true},
		{"ARP reply", arpReply(macOther, tVIP4, macOurs, netip.IPv4Unspecified()), true},
		{"NS", ns6, true},
		{"NA", neighborAdvert(macOther, tVIP6, allNodes, tVIP6, macOther[:]), true},
		{"VRRP IPv4", vrrpAdvert(macOther, tPeer4, 51, 100), false},
		{"VRRP IPv6", vrrpAdvert(macOther, tPeer6, 51, 100), false},
		{"UDP", udp, false},
		{"ICMPv6 echo", echo, false},
		{"RA", ra, false},
		{"redirect", redirect, false},
		{"TCP over IPv6", tcp6, false},
		{"LLDP", other, false},
	} {
		n, err := vm.Run(tc.b)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if want, got := tc.pass, n > 0; want != got {
			t.Errorf("%s: want pass %v, got %v (%d bytes)", tc.name, want, got, n)
		}
	}
}

func BenchmarkBuildFrames(b *testing.B) {
	b.Run("ARPProbe", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := arpProbe(macOurs, tVIP4); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("NeighborSolicitation", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := neighborSolicitation(macOurs, tSelf6, tPeer6); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ParseNA", func(b *testing.B) {
		na := neighborAdvert(macOther, tVIP6, allNodes, tVIP6, macOther[:])
		b.ReportAllocs()
		for b.Loop() {
			if _, err := parseFrame(na); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Frames captured from Linux 6.x in the netns tests (the other node's
// answers), stored as the fuzz corpus; each must parse to what it is.
func TestParseCaptured(t *testing.T) {
	for _, tc := range []struct {
		file           string
		kind           kind
		sender, target string
	}{
		{"linux-arp-reply-to-probe", kindARP, "198.51.100.10", "0.0.0.0"},
		{"linux-arp-reply-from-peer", kindARP, "198.51.100.2", "198.51.100.1"},
		{"linux-na-to-dad", kindNA, "2001:db8:5::10", "2001:db8:5::10"},
		{"linux-na-from-peer", kindNA, "2001:db8:5::2", "2001:db8:5::2"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzParseFrame", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			// The corpus format: a header line, then []byte("...").
			_, lit, ok := strings.Cut(strings.TrimSpace(string(raw)), "\n")
			if !ok || !strings.HasPrefix(lit, "[]byte(") {
				t.Fatalf("not a fuzz corpus file: %q", raw)
			}
			s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lit, "[]byte("), ")"))
			if err != nil {
				t.Fatal(err)
			}
			f, err := parseFrame([]byte(s))
			if err != nil {
				t.Fatal(err)
			}
			if f.kind != tc.kind || f.sender.String() != tc.sender || f.target.String() != tc.target {
				t.Errorf("want %v %s -> %s, got %v %v -> %v", tc.kind, tc.sender, tc.target, f.kind, f.sender, f.target)
			}
			if f.linkAddr != f.ethSrc {
				t.Errorf("link address %v differs from the Ethernet source %v", f.linkAddr, f.ethSrc)
			}
		})
	}
}
