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

	// Master mode does not need keepalived at all.
	cfg = cfgFor("198.51.100.11", func(c *Config) { c.KeepalivedPidfile = "/run/keepalived.pid" })
	obs.Keepalived = &KeepalivedState{Pidfile: "/run/keepalived.pid", Err: errors.New("gone")}
	assert.True(t, Decide(cfg, obs).Holder)
}
