//go:build linux && !gluster_vip_stub

package facts

// Benchmarks for issue 6: what one fact run costs inside the process.
// spec/bench/run.sh measures the whole process against ip, Facter and a
// Ruby fact; these split that cost into its parts.
//
//	go test ./facts -run '^$' -bench . -benchmem
//	go test ./facts -run '^$' -bench 'OS/ipv6-10000' -cpuprofile cpu.out -memprofile mem.out
//
// BenchmarkOS needs root: it creates network namespaces named
// gb-bench-PID-N, fills their lo with N addresses from 2001:db8::/32 and
// deletes them when done. Without root it skips.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gluster-vip/gluster-vip/facts/internal/rtnl"
	"golang.org/x/sys/unix"
)

// benchSizes are the address counts of the scaling benchmarks.
var benchSizes = []int{10, 1000, 10000}

// benchVIP6 is the non-holder IPv6 VIP: it is never among the bulk
// addresses, so Decide walks all of them.
const benchVIP6 = "2001:db8:ffff::99"

// benchConfig merges flags the way the binary does.
func benchConfig(b *testing.B, flags map[string]string) Config {
	b.Helper()
	s := Settings{}
	for k, v := range flags {
		s[k] = Setting{Value: v, Source: "flag --" + k}
	}
	c := Merge(s, nil, "", nil)
	if c.Err != nil {
		b.Fatalf("config %v: %v", flags, c.Err)
	}
	return c
}

// bulkAddress is the i-th address of a synthetic node: IPv6 /128s from
// 2001:db8:1::/64 on lo, as run.sh adds them.
func bulkAddress(i int) netip.Addr {
	var a [16]byte
	copy(a[:], []byte{0x20, 0x01, 0x0d, 0xb8, 0, 1})
	binary.BigEndian.PutUint32(a[12:], uint32(i+1))
	return netip.AddrFrom16(a)
}

// benchObservation is a node with n IPv6 addresses besides its own.
func benchObservation(n int) Observation {
	addrs := []Address{
		{Prefix: netip.MustParsePrefix("127.0.0.1/8"), Interface: "lo", Label: "lo", Index: 1, Up: true, Permanent: true, Age: time.Hour, AgeKnown: true},
		{Prefix: netip.MustParsePrefix("198.51.100.1/24"), Interface: "eth0", Label: "eth0", Index: 2, Up: true, Permanent: true, Age: time.Hour, AgeKnown: true},
		{Prefix: netip.MustParsePrefix("203.0.113.10/32"), Interface: "eth0", Label: "eth0", Index: 2, Up: true, Age: time.Minute, AgeKnown: true},
	}
	for i := 0; i < n; i++ {
		addrs = append(addrs, Address{Prefix: netip.PrefixFrom(bulkAddress(i), 128), Interface: "lo", Index: 1,
			Up: true, NoDAD: true, Permanent: true, Age: time.Hour, AgeKnown: true})
	}
	return Observation{Addresses: addrs}
}

// benchHolder is a sole holder whose probe has run and reached its peers.
func benchHolder(b *testing.B) (Config, Observation, Facts) {
	cfg := benchConfig(b, map[string]string{"vip": "203.0.113.10", "mode": "vip", "settle": "5s",
		"peers": "198.51.100.1,198.51.100.2,198.51.100.3"})
	obs := benchObservation(0)
	obs.Probe = &ProbeResult{Budget: DefaultProbe, Elapsed: DefaultProbe, Sent: 9, Reached: cfg.Peers}
	f := Decide(cfg, obs)
	if !f.Holder {
		b.Fatalf("benchHolder does not hold: %s", f.Reason)
	}
	return cfg, obs, f
}

var sinkFacts Facts

func BenchmarkDecide(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("nonholder-%d", n), func(b *testing.B) {
			cfg := benchConfig(b, map[string]string{"vip": benchVIP6, "mode": "vip"})
			obs := benchObservation(n)
			for b.Loop() {
				sinkFacts = Decide(cfg, obs)
			}
			if sinkFacts.Holder {
				b.Fatal("the non-holder holds")
			}
		})
	}
	b.Run("holder-pending-probe", func(b *testing.B) {
		cfg, obs, _ := benchHolder(b)
		obs.Probe = nil
		for b.Loop() {
			sinkFacts = Decide(cfg, obs)
		}
		if sinkFacts.Probe == nil {
			b.Fatal("no probe was asked for")
		}
	})
	b.Run("holder-probed", func(b *testing.B) {
		cfg, obs, _ := benchHolder(b)
		for b.Loop() {
			sinkFacts = Decide(cfg, obs)
		}
	})
}

func BenchmarkRender(b *testing.B) {
	cfg, obs, f := benchHolder(b)
	m := Meta{Command: "/opt/gluster-vip/gluster-vip", Version: "bench"}
	var buf bytes.Buffer
	for _, format := range Formats {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				buf.Reset()
				if err := Render(&buf, format, f, m); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
	b.Run("explain", func(b *testing.B) {
		for b.Loop() {
			buf.Reset()
			if err := Explain(&buf, cfg, obs, f, m); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(buf.Len()))
	})
	// explain lists every address, so it grows with the node.
	b.Run("explain-10000", func(b *testing.B) {
		obs := benchObservation(10000)
		obs.Probe = &ProbeResult{Budget: DefaultProbe, Elapsed: DefaultProbe, Sent: 9, Reached: cfg.Peers}
		f := Decide(cfg, obs)
		for b.Loop() {
			if err := Explain(io.Discard, cfg, obs, f, m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Synthetic dump payloads, laid out as the kernel sends them. They are
// built here rather than with package rtnl's test helpers so that the
// benchmarks do not break when those tests change.

func benchAttr(typ uint16, v []byte) []byte {
	l := unix.SizeofRtAttr + len(v)
	b := make([]byte, (l+unix.RTA_ALIGNTO-1)&^(unix.RTA_ALIGNTO-1))
	binary.NativeEndian.PutUint16(b[0:], uint16(l))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[unix.SizeofRtAttr:], v)
	return b
}

func benchLink(index int, name string) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], unix.IFF_UP|unix.IFF_RUNNING|unix.IFF_LOWER_UP)
	b = append(b, benchAttr(unix.IFLA_IFNAME, append([]byte(name), 0))...)
	return append(b, benchAttr(unix.IFLA_ADDRESS, []byte{2, 0, 0, 0, 0, byte(index)})...)
}

// benchAddr is an RTM_NEWADDR payload with the attributes Linux 6.x sends
// for an IPv6 address: IFA_ADDRESS, IFA_CACHEINFO, IFA_FLAGS (and for
// IPv4 IFA_LOCAL and IFA_LABEL too).
func benchAddr(index int, p netip.Prefix, label string, cstamp uint32) []byte {
	b := make([]byte, unix.SizeofIfAddrmsg)
	b[0] = unix.AF_INET6
	if p.Addr().Is4() {
		b[0] = unix.AF_INET
	}
	b[1] = byte(p.Bits())
	b[2] = unix.IFA_F_PERMANENT
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	raw := p.Addr().AsSlice()
	b = append(b, benchAttr(unix.IFA_ADDRESS, raw)...)
	if p.Addr().Is4() {
		b = append(b, benchAttr(unix.IFA_LOCAL, raw)...)
		b = append(b, benchAttr(unix.IFA_LABEL, append([]byte(label), 0))...)
	}
	ci := make([]byte, 16)
	binary.NativeEndian.PutUint32(ci[0:], 0xffffffff)
	binary.NativeEndian.PutUint32(ci[4:], 0xffffffff)
	binary.NativeEndian.PutUint32(ci[8:], cstamp)
	binary.NativeEndian.PutUint32(ci[12:], cstamp)
	b = append(b, benchAttr(unix.IFA_CACHEINFO, ci)...)
	f := make([]byte, 4)
	binary.NativeEndian.PutUint32(f, unix.IFA_F_PERMANENT|unix.IFA_F_NODAD)
	return append(b, benchAttr(unix.IFA_FLAGS, f)...)
}

// benchDump is the link and address dump of a node with n bulk addresses.
func benchDump(n int) (links, addrs [][]byte) {
	links = [][]byte{benchLink(1, "lo"), benchLink(2, "eth0")}
	addrs = [][]byte{
		benchAddr(1, netip.MustParsePrefix("127.0.0.1/8"), "lo", 100),
		benchAddr(2, netip.MustParsePrefix("198.51.100.1/24"), "eth0", 100),
	}
	for i := 0; i < n; i++ {
		addrs = append(addrs, benchAddr(1, netip.PrefixFrom(bulkAddress(i), 128), "", 100))
	}
	return links, addrs
}

var sinkAddrs []Address

func BenchmarkParseDump(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			links, addrs := benchDump(n)
			var size int64
			for _, m := range addrs {
				size += int64(len(m))
			}
			b.SetBytes(size)
			for b.Loop() {
				var err error
				if sinkAddrs, err = rtnl.ParseDumpAs(links, addrs, 1000, fromKernel); err != nil {
					b.Fatal(err)
				}
			}
			if len(sinkAddrs) != n+2 {
				b.Fatalf("parsed %d addresses, want %d", len(sinkAddrs), n+2)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n+2), "ns/addr")
		})
	}
}

// benchNamespace creates network namespace name with lo up and n IPv6
// addresses on it (lo, because the kernel adds 10,000 addresses to lo in
// seconds and to a veth in half a minute; the dump does not care).
func benchNamespace(b *testing.B, name string, n int) {
	b.Helper()
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		b.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	b.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "delete", name).CombinedOutput(); err != nil {
			b.Errorf("ip netns delete %s: %v: %s", name, err, out)
		}
	})
	var batch strings.Builder
	batch.WriteString("link set lo up\n")
	batch.WriteString("addr add 198.51.100.1/32 dev lo\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&batch, "addr add %s/128 dev lo nodad\n", bulkAddress(i))
	}
	cmd := exec.Command("ip", "-n", name, "-batch", "-")
	cmd.Stdin = strings.NewReader(batch.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ip -n %s -batch: %v: %s", name, err, out)
	}
}

// enterNamespace moves this goroutine, locked to its thread, into the
// named network namespace. It never unlocks: the thread ends with the
// goroutine, so no other goroutine ever runs in the namespace.
func enterNamespace(b *testing.B, name string) {
	b.Helper()
	runtime.LockOSThread()
	f, err := os.Open("/run/netns/" + name)
	if err != nil {
		b.Fatalf("open namespace: %v", err)
	}
	defer f.Close()
	if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
		b.Fatalf("setns %s: %v", name, err)
	}
}

// BenchmarkOS reads real rtnetlink dumps from namespaces with 10, 1,000
// and 10,000 IPv6 addresses: Addresses for each family (the fact asks
// only for the VIP's family) and the whole non-holder Evaluate.
func BenchmarkOS(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		b.Skip("needs ip(8)")
	}
	for _, n := range benchSizes {
		ns := fmt.Sprintf("gb-bench-%d-%d", os.Getpid(), n)
		benchNamespace(b, ns, n)
		for _, family := range []int{6, 4} {
			b.Run(fmt.Sprintf("ipv%d-%d", family, n), func(b *testing.B) {
				enterNamespace(b, ns)
				src := NewOS()
				for b.Loop() {
					var err error
					if sinkAddrs, err = src.Addresses(family, netip.Addr{}); err != nil {
						b.Fatal(err)
					}
				}
				want := 2 // lo's 198.51.100.1 and 127.0.0.1
				if family == 6 {
					want = n + 1 // and ::1
				}
				if len(sinkAddrs) != want {
					b.Fatalf("dumped %d addresses, want %d", len(sinkAddrs), want)
				}
			})
		}
		b.Run(fmt.Sprintf("evaluate-nonholder-ipv6-%d", n), func(b *testing.B) {
			enterNamespace(b, ns)
			cfg := benchConfig(b, map[string]string{"vip": benchVIP6, "mode": "vip"})
			src := NewOS()
			for b.Loop() {
				sinkFacts, _ = Evaluate(context.Background(), cfg, src, false)
			}
			if sinkFacts.Holder || sinkFacts.Err != nil {
				b.Fatalf("want a plain non-holder, got holder=%v err=%v", sinkFacts.Holder, sinkFacts.Err)
			}
		})
	}
}

// BenchmarkInterfaces is the road not taken: net.Interfaces and their
// addresses, which the design rejected (no flags, no age, down links).
func BenchmarkInterfaces(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root to create network namespaces")
	}
	ns := fmt.Sprintf("gb-bench-%d-ifaces", os.Getpid())
	benchNamespace(b, ns, 10000)
	b.Run("10000", func(b *testing.B) {
		enterNamespace(b, ns)
		for b.Loop() {
			ifs, err := net.Interfaces()
			if err != nil {
				b.Fatal(err)
			}
			for _, ifi := range ifs {
				if _, err := ifi.Addrs(); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
