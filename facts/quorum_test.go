package facts

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEvaluateQuorum(t *testing.T) {
	ip := netip.MustParseAddr
	peers := func(c *Config) {
		c.Peers = []netip.Addr{ip("198.51.100.11"), ip("198.51.100.12"), ip("198.51.100.13")}
		c.Probe = 100 * time.Millisecond
	}
	iface := func(i string) func(*Config) { return func(c *Config) { c.Interface = i } }
	mode := func(m Mode) func(*Config) { return func(c *Config) { c.Mode = m } }
	answered := func(a ...string) ProbeResult {
		r := ProbeResult{Sent: 2}
		for _, s := range a {
			r.Reached = append(r.Reached, ip(s))
		}
		return r
	}
	// The probe reports this node among the reached (it is one of the peers).
	two, one := answered("198.51.100.11", "198.51.100.12"), answered("198.51.100.11")
	noGateway := base()
	noGateway.Gateway = netip.Addr{}

	cases := []struct {
		name      string
		cfg       Config
		obs       Observation
		probe     ProbeResult
		reached   bool
		errs      bool
		reason    string
		iface     string
		source    string
		own       bool
		probed    bool
		conflicts bool
	}{
		{name: "majority, VIP not here: the gateway's interface",
			cfg: cfgFor("203.0.113.10", peers), obs: base(), probe: two, reached: true, probed: true,
			reason: "quorum reached on eth0: 2 of 3 peers answered, 2 needed", iface: "eth0", source: "198.51.100.11"},
		{name: "majority, VIP here: its interface, asked from the node's own address",
			cfg: cfgFor("203.0.113.10", peers), obs: base(addr("eth1", "203.0.113.10/32"), addr("eth1", "203.0.113.5/24")),
			probe: two, reached: true, probed: true,
			reason: "quorum reached on eth1: 2 of 3 peers answered, 2 needed", iface: "eth1", source: "203.0.113.5"},
		{name: "minority", cfg: cfgFor("203.0.113.10", peers), obs: base(), probe: one, probed: true,
			reason: "quorum not reached on eth0: 1 of 3 peers answered, 2 needed (silent: 198.51.100.12, 198.51.100.13)",
			iface:  "eth0", source: "198.51.100.11"},
		{name: "configured label names its interface", cfg: cfgFor("203.0.113.10", peers, iface("eth0:1")),
			obs: base(addr("eth0", "203.0.113.20/24", label("eth0:1"))), probe: two, reached: true, probed: true,
			reason: "quorum reached on eth0: 2 of 3 peers answered, 2 needed", iface: "eth0", source: "198.51.100.11"},
		{name: "IPv6", cfg: cfgFor("2001:db8::10", peers, func(c *Config) {
			c.Peers = []netip.Addr{ip("2001:db8::11"), ip("2001:db8::12"), ip("2001:db8::13")}
		}, iface("eth0")), obs: base(), probe: answered("2001:db8::11", "2001:db8::13"), reached: true, probed: true,
			reason: "quorum reached on eth0: 2 of 3 peers answered, 2 needed", iface: "eth0", source: "2001:db8::11"},
		{name: "master: the VIP is the only address, and its own", cfg: cfgFor("203.0.113.5", peers, mode(ModeMaster)),
			obs: base(addr("eth1", "203.0.113.5/24")), probe: two, reached: true, probed: true,
			reason: "quorum reached on eth1: 2 of 3 peers answered, 2 needed", iface: "eth1", source: "203.0.113.5", own: true},

		{name: "probe error", cfg: cfgFor("203.0.113.10", peers), obs: base(),
			probe: ProbeResult{Err: errors.New("socket: operation not permitted")}, errs: true, probed: true,
			reason: "probe on eth0: socket: operation not permitted", iface: "eth0", source: "198.51.100.11"},
		{name: "vip mode: the VIP is never the source", cfg: cfgFor("203.0.113.5", peers, mode(ModeVIP)),
			obs: base(addr("eth1", "203.0.113.5/24")), errs: true,
			reason: "interface eth1 has no usable IPv4 address besides the VIP to ask the peers from"},
		{name: "interface down", cfg: cfgFor("203.0.113.10", peers, iface("eth1")),
			obs: base(addr("eth1", "203.0.113.5/24", func(a *Address) { a.Up = false })), errs: true,
			reason: "interface eth1 has no usable IPv4 address besides the VIP to ask the peers from"},
		{name: "no such interface", cfg: cfgFor("203.0.113.10", peers, iface("eth9")), obs: base(), errs: true,
			reason: `interface "eth9": no such interface or label with an address of the VIP's family`},
		{name: "no VIP, no interface, no gateway", cfg: cfgFor("203.0.113.10", peers), obs: noGateway, errs: true,
			reason: "no interface to count the peers on: 203.0.113.10 is not here and no default route names one; set interface"},
		{name: "no peers", cfg: cfgFor("203.0.113.10"), obs: base(), errs: true,
			reason: "no peers are configured: there is no quorum to count (set peers)"},
		{name: "peers without the probe", cfg: cfgFor("203.0.113.10", peers, func(c *Config) { c.Probe = 0 }), obs: base(), errs: true,
			reason: "peers need the probe for quorum, but probe is 0s"},
		{name: "mode all", cfg: cfgFor("", peers), obs: base(), errs: true,
			reason: "mode all (vip is empty): every node runs, there is no VIP to track"},
		{name: "unconfigured", cfg: Merge(nil, nil, "", nil), obs: base(), errs: true,
			reason: "no vip is configured (no --vip and no config file): there are no peers to count"},
		{name: "config error", cfg: cfgFor("not-an-ip"), obs: base(), errs: true},
		{name: "backend etcd", cfg: func() Config { c := cfgFor("203.0.113.10", peers); c.Backend = BackendEtcd; return c }(),
			obs: base(), errs: true, reason: "quorum counts VRRP peers on the link; backend etcd has no peers (its quorum is etcd's)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &recorded{obs: c.obs, probe: c.probe}
			q := EvaluateQuorum(context.Background(), c.cfg, src)
			assert.Equal(t, c.reached, q.Reached(), q.Reason)
			assert.Equal(t, c.errs, q.Err != nil, "error: %v", q.Err)
			if c.reason != "" {
				assert.Equal(t, c.reason, q.Reason)
			}
			if q.Err != nil {
				assert.Equal(t, q.Err.Error(), q.Reason)
			}
			require.Equal(t, c.probed, len(src.probes) == 1, "probes: %v", src.probes)
			if !c.probed {
				return
			}
			req := src.probes[0]
			assert.Equal(t, c.iface, req.Interface)
			assert.Equal(t, c.source, req.Source.String())
			assert.Equal(t, c.own, req.Own)
			assert.False(t, req.Conflict, "quorum asks the peers only: the VIP may be elsewhere")
			assert.Equal(t, c.cfg.Peers, req.Peers)
			assert.Equal(t, c.cfg.Probe, req.Budget)
			assert.NotEmpty(t, req.Local, "the probe knows which peer is this node")
		})
	}
}

// An address dump that fails is an error, never a quorum.
func TestEvaluateQuorumAddressError(t *testing.T) {
	obs := base()
	obs.Err = errors.New("netlink: operation not permitted")
	cfg := cfgFor("203.0.113.10", func(c *Config) {
		c.Peers = []netip.Addr{netip.MustParseAddr("198.51.100.11")}
		c.Probe = time.Millisecond
	})
	src := &recorded{obs: obs, probe: ProbeResult{Reached: cfg.Peers}}
	q := EvaluateQuorum(context.Background(), cfg, src)
	assert.False(t, q.Reached())
	assert.EqualError(t, q.Err, "addresses: netlink: operation not permitted")
	assert.Empty(t, src.probes)
}
