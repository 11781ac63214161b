package facts

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// recorded is the Source fake: recorded observations, and a log of what
// was asked.
type recorded struct {
	obs      Observation
	families []int
	gateway  int
	probes   []ProbeRequest
	probe    ProbeResult
}

func (r *recorded) Addresses(family int, _ netip.Addr) ([]Address, error) {
	r.families = append(r.families, family)
	var out []Address
	for _, a := range r.obs.Addresses {
		if family == 0 || (family == 4) == a.Prefix.Addr().Is4() {
			out = append(out, a)
		}
	}
	return out, r.obs.Err
}

func (r *recorded) Gateway() (netip.Addr, error) { r.gateway++; return r.obs.Gateway, nil }

func (r *recorded) Keepalived(pidfile string) KeepalivedState {
	return KeepalivedState{Pidfile: pidfile, PID: 7, Alive: true}
}

func (r *recorded) Probe(_ context.Context, req ProbeRequest) ProbeResult {
	r.probes = append(r.probes, req)
	return r.probe
}

func TestEvaluateObservesOnlyWhatItNeeds(t *testing.T) {
	ctx := context.Background()
	withProbe := func(c *Config) { c.Probe = 100 * time.Millisecond }

	// Non-holder: one IPv4 dump, no probe.
	src := &recorded{obs: base()}
	f, _ := Evaluate(ctx, cfgFor("203.0.113.10", withProbe, func(c *Config) { c.Mode = ModeVIP }), src, false)
	assert.False(t, f.Holder)
	assert.Equal(t, []int{4}, src.families)
	assert.Zero(t, src.gateway, "the gateway is read only to infer the mode")
	assert.Empty(t, src.probes, "non-holders pay no probe cost")

	// Would-be holder: probed once, then decided.
	src = &recorded{obs: base(addr("eth0", "2001:db8::10/128", deprecated))}
	f, obs := Evaluate(ctx, cfgFor("2001:db8::10", withProbe), src, false)
	assert.True(t, f.Holder, f.Reason)
	assert.Equal(t, []int{6}, src.families)
	assert.Equal(t, 1, src.gateway)
	assert.Len(t, src.probes, 1)
	assert.NotNil(t, obs.Probe)
	// The gateway is IPv4 (jackpal/gateway reads /proc/net/route) and only
	// IPv6 was dumped, so no interface matches: IPv6 master needs mode master.
	assert.Equal(t, "", obs.GatewayInterface)

	// Mode all reads nothing at all; explain reads everything.
	src = &recorded{obs: base()}
	Evaluate(ctx, cfgFor(""), src, false)
	assert.Empty(t, src.families)
	Evaluate(ctx, cfgFor(""), src, true)
	assert.Equal(t, []int{0}, src.families)
}

// Issue 10, item 12: explain (full) decides exactly as the fact and check.
// Before, explain dumped both families first, found the IPv4 gateway's
// interface, took the IPv6 VIP the kernel lists first for that
// interface's primary address and reported master and holder, while the
// fact probed, saw the conflict and said no.
func TestEvaluateExplainDecidesAsTheFact(t *testing.T) {
	ctx := context.Background()
	conflict := ProbeResult{ConflictMAC: []byte{2, 0, 0, 0, 0, 0x12}, Sent: 3}
	withProbe := func(c *Config) { c.Probe = 100 * time.Millisecond }
	// The kernel lists the newest IPv6 address first: keepalived's VIP.
	vip6 := Observation{Addresses: []Address{
		addr("lo", "127.0.0.1/8"),
		addr("eth0", "198.51.100.11/24"),
		addr("eth0", "2001:db8::10/64", func(a *Address) { a.Age = time.Minute }),
		addr("eth0", "2001:db8::11/64"),
	}, Gateway: netip.MustParseAddr("198.51.100.1")}
	cases := []struct {
		name  string
		cfg   Config
		obs   Observation
		probe ProbeResult
	}{
		{"IPv6 VIP, another holder answers", cfgFor("2001:db8::10", withProbe), vip6, conflict},
		{"IPv4 VIP, another holder answers", cfgFor("203.0.113.10", withProbe), base(addr("eth0", "203.0.113.10/32")), conflict},
		{"master, another node answers for its address", cfgFor("198.51.100.11", withProbe), base(), conflict},
		{"IPv4 VIP absent", cfgFor("203.0.113.10", withProbe), base(), ProbeResult{}},
		{"IPv6 VIP on an interface with only IPv4", cfgFor("2001:db8::10", withProbe, func(c *Config) { c.Interface = "eth1" }),
			base(addr("eth1", "203.0.113.5/24")), ProbeResult{}},
		{"sole holder", cfgFor("203.0.113.10", withProbe), base(addr("eth0", "203.0.113.10/32")), ProbeResult{Sent: 3}},
		{"mode all", cfgFor(""), base(), ProbeResult{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fact, _ := Evaluate(ctx, c.cfg, &recorded{obs: c.obs, probe: c.probe}, false)
			src := &recorded{obs: c.obs, probe: c.probe}
			explain, obs := Evaluate(ctx, c.cfg, src, true)
			assert.Equal(t, fact.Holder, explain.Holder, "holder")
			assert.Equal(t, fact.Mode, explain.Mode, "mode")
			assert.Equal(t, fact.Reason, explain.Reason, "reason")
			assert.Equal(t, fact.Checks, explain.Checks, "checks")
			assert.Equal(t, fact.Conflict, explain.Conflict, "conflict")
			if c.cfg.Mode != ModeAll {
				// Explain still shows everything, both families.
				assert.Len(t, obs.Addresses, len(c.obs.Addresses))
				assert.Equal(t, 0, src.families[len(src.families)-1], "the display dump covers both families")
			}
		})
	}
}
