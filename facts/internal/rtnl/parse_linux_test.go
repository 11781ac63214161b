//go:build linux

package rtnl

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Builders for the payloads of link and address dump messages, laid out
// as the kernel sends them. attr is the production encoder: messages built
// with it are what the request code sends, too.

func linkMsg(index int, name string, flags uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], flags)
	b = append(b, attr(unix.IFLA_IFNAME, append([]byte(name), 0))...)
	return append(b, attr(unix.IFLA_ADDRESS, []byte{2, 0, 0, 0, 0, byte(index)})...)
}

func addrMsg(index int, prefix, label string, flags uint32, cstamp uint32) []byte {
	p := netip.MustParsePrefix(prefix)
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0] = unix.AF_INET6
	if p.Addr().Is4() {
		b[0] = unix.AF_INET
	}
	b[1] = byte(p.Bits())
	b[2] = byte(flags)
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	raw := p.Addr().AsSlice()
	b = append(b, attr(unix.IFA_ADDRESS, raw)...)
	if p.Addr().Is4() {
		b = append(b, attr(unix.IFA_LOCAL, raw)...)
	}
	if label != "" {
		b = append(b, attr(unix.IFA_LABEL, append([]byte(label), 0))...)
	}
	f := make([]byte, 4)
	binary.NativeEndian.PutUint32(f, flags)
	b = append(b, attr(unix.IFA_FLAGS, f)...)
	ci := make([]byte, 16)
	binary.NativeEndian.PutUint32(ci[0:], 0xffffffff)
	binary.NativeEndian.PutUint32(ci[4:], 0xffffffff)
	binary.NativeEndian.PutUint32(ci[8:], cstamp)
	binary.NativeEndian.PutUint32(ci[12:], cstamp)
	return append(b, attr(unix.IFA_CACHEINFO, ci)...)
}

const upRunning = unix.IFF_UP | unix.IFF_RUNNING | unix.IFF_LOWER_UP

func TestParseDump(t *testing.T) {
	links := [][]byte{linkMsg(1, "lo", upRunning), linkMsg(2, "eth0", upRunning), linkMsg(3, "br-gluster", unix.IFF_UP)}
	addrs := [][]byte{
		addrMsg(2, "198.51.100.11/24", "eth0", unix.IFA_F_PERMANENT, 1000),
		addrMsg(2, "203.0.113.10/32", "eth0:1", 0, 5000),
		addrMsg(3, "203.0.113.20/24", "br-gluster", unix.IFA_F_SECONDARY, 5000),
		addrMsg(2, "2001:db8::10/128", "", unix.IFA_F_NODAD|unix.IFA_F_DEPRECATED, 4294967000), // before the wrap
		addrMsg(2, "2001:db8::11/64", "", unix.IFA_F_TENTATIVE, 5500),
		addrMsg(2, "2001:db8::12/64", "", unix.IFA_F_DADFAILED, 7000), // "from the future": age unknown
		addrMsg(9, "203.0.113.30/32", "gone", 0, 1),                   // link vanished between dumps
		addrMsg(2, "203.0.113.40/32", "eth0", 0, 6000+freshSlack),     // added just now: age 0
		addrMsg(2, "203.0.113.41/32", "eth0", 0, 6000+freshSlack+1),   // further ahead: unknown
	}
	got, err := ParseDump(links, addrs, 6000)
	require.NoError(t, err)
	require.Len(t, got, 8)
	assert.Equal(t, Address{Prefix: netip.MustParsePrefix("198.51.100.11/24"), Interface: "eth0", Label: "eth0", Index: 2,
		Up: true, Flags: unix.IFA_F_PERMANENT, Age: 50 * time.Second, AgeKnown: true}, got[0])
	assert.Equal(t, "eth0:1", got[1].Label)
	assert.Equal(t, 10*time.Second, got[1].Age)
	assert.False(t, got[2].Up, "IFF_UP without IFF_RUNNING is not up")
	assert.Equal(t, uint32(unix.IFA_F_SECONDARY), got[2].Flags)
	assert.Equal(t, uint32(unix.IFA_F_NODAD|unix.IFA_F_DEPRECATED), got[3].Flags, "IFA_FLAGS supersedes the 8-bit field")
	assert.Equal(t, time.Duration(6000+296)*10*time.Millisecond, got[3].Age, "the 32-bit stamp wraps")
	assert.False(t, got[5].AgeKnown)
	assert.True(t, got[6].AgeKnown, "a stamp just ahead of the early now is a new address")
	assert.Zero(t, got[6].Age)
	assert.False(t, got[7].AgeKnown)
}

func TestParseDumpRejectsTruncation(t *testing.T) {
	m := addrMsg(2, "198.51.100.11/24", "eth0", 0, 1)
	_, err := ParseDump(nil, [][]byte{m[:unix.SizeofIfAddrmsg-1]}, 0)
	assert.EqualError(t, err, "netlink: address message of 7 bytes is too short")
	bad := append([]byte(nil), m...)
	binary.NativeEndian.PutUint16(bad[unix.SizeofIfAddrmsg:], 200) // attribute longer than the message
	_, err = ParseDump(nil, [][]byte{bad}, 0)
	assert.ErrorContains(t, err, "netlink: attribute 1 has length 200")
	_, err = ParseDump([][]byte{{1, 2}}, nil, 0)
	assert.EqualError(t, err, "netlink: link message of 2 bytes is too short")
}

func TestParseLink(t *testing.T) {
	l, err := ParseLink(linkMsg(3, "br-gluster", unix.IFF_UP))
	require.NoError(t, err)
	assert.Equal(t, Link{Index: 3, Name: "br-gluster", Up: true, MAC: []byte{2, 0, 0, 0, 0, 3}}, l)
}

func TestNextMessage(t *testing.T) {
	buf := append(msg(unix.RTM_NEWADDR, 0, 7, 0, []byte{1, 2, 3}), done(7, 0)...)
	m, rest, err := nextMessage(buf)
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 2, 3}, m.Data)
	m, rest, err = nextMessage(rest)
	require.NoError(t, err)
	assert.Equal(t, uint16(unix.NLMSG_DONE), m.Header.Type)
	assert.Empty(t, rest)
	_, _, err = nextMessage(buf[:18]) // cut inside the first message
	assert.Error(t, err)
}

func FuzzParseDump(f *testing.F) {
	f.Add(addrMsg(2, "198.51.100.11/24", "eth0", 0, 1), linkMsg(2, "eth0", upRunning))
	f.Add(addrMsg(2, "2001:db8::10/128", "", unix.IFA_F_NODAD, 1), linkMsg(2, "eth-0", 0))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, addr, link []byte) {
		got, err := ParseDump([][]byte{link}, [][]byte{addr}, 1000)
		if err == nil {
			for _, a := range got {
				if !a.Prefix.IsValid() {
					t.Fatalf("invalid prefix accepted: %v", a)
				}
			}
		}
		for b := addr; len(b) > 0; {
			var err error
			if _, b, err = nextMessage(b); err != nil {
				break
			}
		}
	})
}
