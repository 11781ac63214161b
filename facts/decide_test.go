package facts

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// node builds recorded observations: eth0 with the node's own
// 198.51.100.11/24, plus whatever a case adds.
func addr(iface, prefix string, mod ...func(*Address)) Address {
	a := Address{Prefix: netip.MustParsePrefix(prefix), Interface: iface, Label: iface, Index: ifIndex(iface),
		Up: true, Age: time.Hour, AgeKnown: true, Permanent: true}
	if a.Prefix.Addr().Is6() {
		a.Label = ""
	}
	for _, m := range mod {
		m(&a)
	}
	return a
}

func ifIndex(name string) int {
	switch name {
	case "lo":
		return 1
	case "eth0":
		return 2
	}
	return 3
}

var (
	down       = func(a *Address) { a.Up = false }
	tentative  = func(a *Address) { a.Tentative = true }
	dadfailed  = func(a *Address) { a.DADFailed, a.Tentative = true, true } // as the kernel reports it
	deprecated = func(a *Address) { a.Deprecated, a.NoDAD = true, true }
	secondary  = func(a *Address) { a.Secondary = true }
	label      = func(l string) func(*Address) { return func(a *Address) { a.Label = l } }
	aged       = func(d time.Duration) func(*Address) { return func(a *Address) { a.Age = d } }
	noAge      = func(a *Address) { a.AgeKnown = false }
)

func base(extra ...Address) Observation {
	return Observation{Addresses: append([]Address{
		addr("lo", "127.0.0.1/8"),
		addr("eth0", "198.51.100.11/24"),
		addr("eth0", "2001:db8::11/64"),
	}, extra...), Gateway: netip.MustParseAddr("198.51.100.1"), GatewayInterface: "eth0"}
}

func cfgFor(vip string, mod ...func(*Config)) Config {
	c := Merge(Settings{"vip": {Value: vip, Source: "flag --vip"}, "probe": {Value: "0s", Source: "flag --probe"}}, nil, "", nil)
	for _, m := range mod {
		m(&c)
	}
	return c
}

func TestDecide(t *testing.T) {
	withMode := func(m Mode) func(*Config) { return func(c *Config) { c.Mode = m } }
	withIface := func(i string) func(*Config) { return func(c *Config) { c.Interface = i } }
	withSettle := func(d time.Duration) func(*Config) { return func(c *Config) { c.Settle = d } }
	cases := []struct {
		name   string
		cfg    Config
		obs    Observation
		holder bool
		mode   Mode
		reason string
		err    bool
	}{
		{"keepalived /32 on top of a /24, not flagged secondary", cfgFor("203.0.113.10"),
			base(addr("eth0", "203.0.113.10/32")), true, ModeVIP, "203.0.113.10 is on eth0, held for 1h0m0s", false},
		{"vip absent", cfgFor("203.0.113.10"), base(), false, ModeVIP, "203.0.113.10 is not on any interface of this node", false},
		{"secondary alias still counts", cfgFor("198.51.100.50"),
			base(addr("eth0", "198.51.100.50/24", secondary)), true, ModeVIP, "198.51.100.50 is on eth0, held for 1h0m0s", false},
		{"labelled alias eth0:1", cfgFor("203.0.113.10", withIface("eth0:1")),
			base(addr("eth0", "203.0.113.10/24", label("eth0:1"))), true, ModeVIP, "203.0.113.10 is on eth0, held for 1h0m0s", false},
		{"label given but vip carries another label", cfgFor("203.0.113.10", withIface("eth0:2")),
			base(addr("eth0", "203.0.113.10/24", label("eth0:1"))), false, ModeVIP,
			`interface "eth0:2": no such interface or label with an address of the VIP's family`, true},
		{"vip on eth0 but configured on eth0's alias label", cfgFor("203.0.113.10", withIface("eth0:1")),
			base(addr("eth0", "203.0.113.10/32"), addr("eth0", "203.0.113.20/24", label("eth0:1"))), false, ModeVIP,
			"203.0.113.10 is on eth0, not on the configured interface eth0:1", false},
		{"interface name with a dash", cfgFor("203.0.113.10", withIface("br-gluster")),
			base(addr("br-gluster", "203.0.113.10/32")), true, ModeVIP, "203.0.113.10 is on br-gluster, held for 1h0m0s", false},
		{"vip on another interface than configured", cfgFor("203.0.113.10", withIface("eth0")),
			base(addr("br-gluster", "203.0.113.10/32")), false, ModeVIP,
			"203.0.113.10 is on br-gluster, not on the configured interface eth0", false},
		{"configured interface missing", cfgFor("203.0.113.10", withIface("eth1")),
			base(addr("br-gluster", "203.0.113.10/32")), false, ModeVIP,
			`interface "eth1": no such interface or label with an address of the VIP's family`, true},
		{"IPv6 deprecated nodad /128 counts", cfgFor("2001:db8::10"),
			base(addr("eth0", "2001:db8::10/128", deprecated)), true, ModeVIP, "2001:db8::10 is on eth0, held for 1h0m0s", false},
		{"IPv6 tentative does not count", cfgFor("2001:db8::10"),
			base(addr("eth0", "2001:db8::10/64", tentative)), false, ModeVIP,
			"2001:db8::10 on eth0 is tentative (duplicate address detection is not done)", false},
		{"IPv6 dadfailed does not count", cfgFor("2001:db8::10"),
			base(addr("eth0", "2001:db8::10/64", dadfailed)), false, ModeVIP,
			"2001:db8::10 on eth0 failed duplicate address detection", false},
		{"down interface does not count", cfgFor("203.0.113.10"),
			base(addr("eth1", "203.0.113.10/32", down)), false, ModeVIP, "203.0.113.10 is on eth1, but that interface is down", false},
		{"down copy skipped for an up one", cfgFor("203.0.113.10"),
			base(addr("eth1", "203.0.113.10/32", down), addr("eth2", "203.0.113.10/32")), true, ModeVIP,
			"203.0.113.10 is on eth2, held for 1h0m0s", false},
		{"younger than settle", cfgFor("203.0.113.10", withSettle(5*time.Second)),
			base(addr("eth0", "203.0.113.10/32", aged(1200*time.Millisecond))), false, ModeVIP,
			"203.0.113.10 held for 1.2s, less than settle 5s", false},
		{"exactly settle", cfgFor("203.0.113.10", withSettle(5*time.Second)),
			base(addr("eth0", "203.0.113.10/32", aged(5*time.Second))), true, ModeVIP, "203.0.113.10 is on eth0, held for 5s", false},
		{"settle off accepts a fresh vip", cfgFor("203.0.113.10", withSettle(0)),
			base(addr("eth0", "203.0.113.10/32", aged(0))), true, ModeVIP, "203.0.113.10 is on eth0, held for 0s", false},
		{"unknown age fails settle", cfgFor("203.0.113.10"),
			base(addr("eth0", "203.0.113.10/32", noAge)), false, ModeVIP,
			"203.0.113.10: the kernel gave no creation time, so it can't be shown to have settled for 5s", false},
		{"master inferred from the primary address of the default-route interface", cfgFor("198.51.100.11"),
			base(), true, ModeMaster, "mode master: 198.51.100.11 is this node's own address on eth0", false},
		{"not inferred master: a /32 VIP on the gateway interface", cfgFor("203.0.113.10"),
			base(addr("eth0", "203.0.113.10/32")), true, ModeVIP, "203.0.113.10 is on eth0, held for 1h0m0s", false},
		{"master mode given explicitly, other node's address", cfgFor("198.51.100.12", withMode(ModeMaster)),
			base(), false, ModeMaster, "198.51.100.12 is not on any interface of this node", false},
		{"master mode given explicitly, own address", cfgFor("198.51.100.11", withMode(ModeMaster)),
			base(), true, ModeMaster, "mode master: 198.51.100.11 is this node's own address on eth0", false},
		{"explicit vip mode on the primary address stays vip", cfgFor("198.51.100.11", withMode(ModeVIP)),
			base(), true, ModeVIP, "198.51.100.11 is on eth0, held for 1h0m0s", false},
		{"mode all", cfgFor(""), Observation{}, true, ModeAll, "mode all: every node runs guarded operations", false},
		{"mode all ignores a broken observation", cfgFor(""), Observation{Err: errors.New("netlink: boom")}, true, ModeAll,
			"mode all: every node runs guarded operations", false},
		{"unconfigured", Merge(Settings{"settle": {Value: "1s", Source: "flag --settle"}}, nil, "", nil), base(), false, ModeUnconfigured,
			"no vip is configured (no --vip and no config file): this node runs no guarded operation", false},
		{"netlink failure", cfgFor("203.0.113.10"), Observation{Err: errors.New("netlink: address dump: operation not permitted")},
			false, ModeVIP, "netlink: address dump: operation not permitted", true},
		{"not implemented on this OS", cfgFor("203.0.113.10"), Observation{Err: ErrNotImplemented}, false, ModeVIP, ErrNotImplemented.Error(), true},
		{"config error", Merge(Settings{"vip": {Value: "203.0.113.300", Source: "flag --vip"}}, nil, "", nil), base(), false, ModeUnconfigured,
			`flag --vip: vip: "203.0.113.300" is not an IP address`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := Decide(c.cfg, c.obs)
			assert.Equal(t, c.holder, f.Holder, "holder")
			assert.Equal(t, c.mode, f.Mode, "mode")
			assert.Equal(t, c.reason, f.Reason, "reason")
			assert.Equal(t, c.err, f.Err != nil, "error: %v", f.Err)
			assert.Nil(t, f.Probe, "probe asked for with probe 0s")
		})
	}
}

func TestDecideProbes(t *testing.T) {
	peers := []netip.Addr{netip.MustParseAddr("198.51.100.11"), netip.MustParseAddr("198.51.100.12"), netip.MustParseAddr("198.51.100.13")}
	cfg := cfgFor("203.0.113.10", func(c *Config) { c.Probe = 200 * time.Millisecond; c.Peers = peers })
	obs := base(addr("eth0", "203.0.113.10/32"))

	f := Decide(cfg, obs)
	if assert.NotNil(t, f.Probe, "a would-be holder must ask for the probe") {
		assert.False(t, f.Holder, "no holder before the probe ran")
		assert.Equal(t, ProbeRequest{Interface: "eth0", VIP: cfg.VIP, Source: netip.MustParseAddr("198.51.100.11"),
			Peers: peers, Budget: 200 * time.Millisecond, Conflict: true}, *f.Probe)
	}
	// A non-holder never pays for a probe.
	assert.Nil(t, Decide(cfg, base()).Probe)

	cases := []struct {
		name     string
		probe    ProbeResult
		holder   bool
		conflict bool
		reason   string
		quorum   *Quorum
	}{
		{"sole holder with quorum", ProbeResult{Reached: peers}, true, false,
			"203.0.113.10 is on eth0, held for 1h0m0s, quorum 3/3", &Quorum{3, 2, 3}},
		{"bare majority", ProbeResult{Reached: peers[:2]}, true, false,
			"203.0.113.10 is on eth0, held for 1h0m0s, quorum 2/3", &Quorum{2, 2, 3}},
		{"cut off from the majority", ProbeResult{Reached: peers[:1]}, false, false,
			"quorum not reached: 1 of 3 peers answered, 2 needed (silent: 198.51.100.12, 198.51.100.13)", &Quorum{1, 2, 3}},
		{"conflict", ProbeResult{Reached: peers, ConflictMAC: net.HardwareAddr{2, 0, 0, 0, 0, 0x12}}, false, true,
			"conflict: 02:00:00:00:00:12 also answers for 203.0.113.10 on eth0, so two nodes hold it; nobody should run", nil},
		{"probe failure", ProbeResult{Err: errors.New("probe: eth0: socket: operation not permitted")}, false, false,
			"probe: eth0: socket: operation not permitted", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := obs
			o.Probe = &c.probe
			f := Decide(cfg, o)
			assert.Equal(t, c.holder, f.Holder)
			assert.Equal(t, c.conflict, f.Conflict)
			assert.Equal(t, c.reason, f.Reason)
			assert.Equal(t, c.quorum, f.Quorum)
			assert.Nil(t, f.Probe)
		})
	}
}

func TestDecideKeepalived(t *testing.T) {
	cfg := cfgFor("203.0.113.10", func(c *Config) { c.KeepalivedPidfile = "/run/keepalived.pid" })
	obs := base(addr("eth0", "203.0.113.10/32"))
	obs.Keepalived = &KeepalivedState{Pidfile: "/run/keepalived.pid", PID: 42, Err: errors.New("pid 42 is not running")}
	f := Decide(cfg, obs)
	assert.False(t, f.Holder)
	assert.Equal(t, "keepalived is not running (/run/keepalived.pid: pid 42 is not running), so the VIP may be stale", f.Reason)

	obs.Keepalived = &KeepalivedState{Pidfile: "/run/keepalived.pid", PID: 42, Alive: true}
	assert.True(t, Decide(cfg, obs).Holder)

	// Master mode keeps the check when it is configured (issue 10, item
	// 11): before, an inferred master skipped it.
	cfg = cfgFor("198.51.100.11", func(c *Config) { c.KeepalivedPidfile = "/run/keepalived.pid" })
	obs.Keepalived = &KeepalivedState{Pidfile: "/run/keepalived.pid", Err: errors.New("gone")}
	f = Decide(cfg, obs)
	assert.Equal(t, ModeMaster, f.Mode)
	assert.False(t, f.Holder)
	assert.Equal(t, "keepalived is not running (/run/keepalived.pid: gone), so the VIP may be stale", f.Reason)
}

// Issue 10, item 11: every mode keeps every safety check. An inferred
// master used to return "holder" before the probe, quorum and keepalived.
func TestDecideMasterKeepsEveryCheck(t *testing.T) {
	peers := []netip.Addr{netip.MustParseAddr("198.51.100.11"), netip.MustParseAddr("198.51.100.12"), netip.MustParseAddr("198.51.100.13")}
	for _, mode := range []Mode{ModeUnset, ModeMaster} {
		t.Run(string(mode)+"/"+"probe", func(t *testing.T) {
			cfg := cfgFor("198.51.100.11", func(c *Config) { c.Mode = mode; c.Probe = 200 * time.Millisecond; c.Peers = peers })
			obs := base()
			f := Decide(cfg, obs)
			assert.Equal(t, ModeMaster, f.Mode)
			assert.False(t, f.Holder, "no holder before the probe ran")
			if assert.NotNil(t, f.Probe, "a master must be probed too") {
				// eth0 has no other IPv4 address: the master asks from its own.
				assert.Equal(t, ProbeRequest{Interface: "eth0", VIP: cfg.VIP, Source: cfg.VIP, Own: true,
					Peers: peers, Budget: 200 * time.Millisecond, Conflict: true}, *f.Probe)
			}

			obs.Probe = &ProbeResult{Reached: peers, ConflictMAC: net.HardwareAddr{2, 0, 0, 0, 0, 0x12}}
			f = Decide(cfg, obs)
			assert.False(t, f.Holder)
			assert.True(t, f.Conflict)
			assert.Equal(t, "conflict: 02:00:00:00:00:12 also answers for 198.51.100.11 on eth0, so two nodes hold it; nobody should run", f.Reason)

			obs.Probe = &ProbeResult{Reached: peers[:1]}
			f = Decide(cfg, obs)
			assert.False(t, f.Holder)
			assert.Equal(t, "quorum not reached: 1 of 3 peers answered, 2 needed (silent: 198.51.100.12, 198.51.100.13)", f.Reason)

			obs.Probe = &ProbeResult{Reached: peers}
			f = Decide(cfg, obs)
			assert.True(t, f.Holder)
			assert.Equal(t, "mode master: 198.51.100.11 is this node's own address on eth0, quorum 3/3", f.Reason)
		})
	}
	// With another address on the interface, the master asks from that one.
	cfg := cfgFor("198.51.100.11", func(c *Config) { c.Probe = 200 * time.Millisecond })
	f := Decide(cfg, base(addr("eth0", "198.51.100.50/24", secondary, aged(time.Minute))))
	if assert.NotNil(t, f.Probe) {
		assert.Equal(t, netip.MustParseAddr("198.51.100.50"), f.Probe.Source)
		assert.False(t, f.Probe.Own)
	}
}

// Issue 10, item 11: which address is the node's own never depends on the
// order the kernel lists them in. Every case is decided on the list in
// both orders.
func TestDecideInferMode(t *testing.T) {
	cases := []struct {
		name   string
		vip    string
		obs    Observation
		mode   Mode
		detail string
	}{
		{"the node's own address", "198.51.100.11", base(), ModeMaster,
			"inferred master: 198.51.100.11/24 is the oldest address of the default gateway 198.51.100.1's subnet on eth0"},
		{"keepalived /32 listed before a re-added /24", "203.0.113.10",
			obsOf(addr("eth0", "203.0.113.10/32"), addr("eth0", "198.51.100.11/24", aged(time.Second))), ModeVIP,
			"inferred vip: 203.0.113.10/32 is a host address, as keepalived adds a VIP, not a node's own address"},
		{"keepalived /32 inside the gateway's subnet", "198.51.100.50",
			obsOf(addr("eth0", "198.51.100.50/32"), addr("eth0", "198.51.100.11/24", aged(time.Second))), ModeVIP,
			"inferred vip: 198.51.100.50/32 is a host address, as keepalived adds a VIP, not a node's own address"},
		{"a re-added /24 is still the node's own next to an older /32", "198.51.100.11",
			obsOf(addr("eth0", "203.0.113.10/32"), addr("eth0", "198.51.100.11/24", aged(time.Second))), ModeMaster,
			"inferred master: 198.51.100.11/24 is the oldest address of the default gateway 198.51.100.1's subnet on eth0"},
		{"a VIP of the subnet's length is secondary", "198.51.100.50",
			obsOf(addr("eth0", "198.51.100.50/24", secondary, aged(time.Minute)), addr("eth0", "198.51.100.11/24")), ModeVIP,
			"inferred vip: 198.51.100.50/24 is a secondary address"},
		{"younger than another address of the subnet", "198.51.100.50",
			obsOf(addr("eth0", "198.51.100.50/24", aged(time.Minute)), addr("eth0", "198.51.100.11/24", secondary)), ModeVIP,
			"inferred vip: 198.51.100.50/24 is not the oldest address of the default gateway's subnet on eth0 (198.51.100.11/24 is as old or older)"},
		{"as old as another address of the subnet", "198.51.100.11",
			obsOf(addr("eth0", "198.51.100.11/24"), addr("eth0", "198.51.100.50/24", secondary)), ModeVIP,
			"inferred vip: 198.51.100.11/24 is not the oldest address of the default gateway's subnet on eth0 (198.51.100.50/24 is as old or older)"},
		{"alias label", "198.51.100.50",
			obsOf(addr("eth0", "198.51.100.50/24", label("eth0:vip"))), ModeVIP,
			"inferred vip: 198.51.100.50/24 carries the alias label eth0:vip"},
		{"unknown age", "198.51.100.11", obsOf(addr("eth0", "198.51.100.11/24", noAge)), ModeVIP,
			"inferred vip: 198.51.100.11/24 has no known age, so it can't be shown to be the oldest of its subnet"},
		{"not the gateway's subnet", "203.0.113.20", base(addr("eth0", "203.0.113.20/24")), ModeVIP,
			"inferred vip: 203.0.113.20/24 does not contain the default gateway 198.51.100.1"},
		{"not the gateway's interface", "198.51.100.11",
			Observation{Addresses: []Address{addr("eth1", "198.51.100.11/24")}, Gateway: netip.MustParseAddr("198.51.100.1"), GatewayInterface: "eth0"}, ModeVIP,
			"inferred vip: the default gateway 198.51.100.1 is reached through eth0, not eth1"},
		{"IPv6: the IPv4 gateway's interface does not make a master", "2001:db8::10",
			obsOf(addr("eth0", "2001:db8::10/64"), addr("eth0", "198.51.100.11/24")), ModeVIP,
			"inferred vip: 2001:db8::10/64 does not contain the default gateway 198.51.100.1"},
		{"no gateway", "198.51.100.11", Observation{Addresses: []Address{addr("eth0", "198.51.100.11/24")}}, ModeVIP,
			"inferred vip: no default gateway is known"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, reversed := range []bool{false, true} {
				obs := c.obs
				obs.Addresses = append([]Address(nil), c.obs.Addresses...)
				if reversed {
					for i, j := 0, len(obs.Addresses)-1; i < j; i, j = i+1, j-1 {
						obs.Addresses[i], obs.Addresses[j] = obs.Addresses[j], obs.Addresses[i]
					}
				}
				f := Decide(cfgFor(c.vip, func(c *Config) { c.Settle = 0 }), obs)
				assert.Equal(t, c.mode, f.Mode, "reversed %v", reversed)
				assert.True(t, f.Holder, f.Reason)
				assert.Contains(t, f.Checks, Check{Name: "mode", OK: true, Detail: c.detail}, "reversed %v", reversed)
			}
		})
	}
}

// obsOf is a node with only the given addresses, the gateway on eth0.
func obsOf(addrs ...Address) Observation {
	return Observation{Addresses: addrs, Gateway: netip.MustParseAddr("198.51.100.1"), GatewayInterface: "eth0"}
}

// The interface check counts only addresses of the VIP's family, so that
// observing more can never change the decision (issue 10, item 12).
func TestDecideInterfaceOfTheVIPsFamily(t *testing.T) {
	obs := base(addr("eth1", "2001:db8:1::1/64"))
	f := Decide(cfgFor("203.0.113.10", func(c *Config) { c.Interface = "eth1" }), obs)
	assert.Equal(t, `interface "eth1": no such interface or label with an address of the VIP's family`, f.Reason)
	assert.Error(t, f.Err)
}

// Merge refuses peers with probe 0s (issue 10, item 13); Decide fails closed
// on the pair too, so a Config built any other way never drops quorum.
func TestDecidePeersWithoutProbe(t *testing.T) {
	cfg := cfgFor("203.0.113.10", func(c *Config) {
		c.Peers = []netip.Addr{netip.MustParseAddr("198.51.100.12"), netip.MustParseAddr("198.51.100.13")}
	})
	f := Decide(cfg, base(addr("eth0", "203.0.113.10/32")))
	assert.False(t, f.Holder)
	assert.Nil(t, f.Probe)
	if assert.Error(t, f.Err) {
		assert.Equal(t, "peers need the probe for quorum, but probe is 0s", f.Reason)
	}
}
