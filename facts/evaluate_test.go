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
