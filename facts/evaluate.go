package facts

import (
	"context"
	"errors"
	"net/netip"
)

// Source is the one seam in front of the OS. The Linux implementation
// reads rtnetlink, /proc/net/route, the keepalived pidfile and the link;
// unit tests feed recorded observations instead.
type Source interface {
	// Addresses lists the node's addresses of one family (4 or 6), or of
	// both when family is 0. When only is valid, the source may return
	// nothing if no address equals it: the decision needs the rest only
	// when the VIP is here.
	Addresses(family int, only netip.Addr) ([]Address, error)
	// Gateway returns the IPv4 default gateway.
	Gateway() (netip.Addr, error)
	// Keepalived tells whether the keepalived of pidfile is alive.
	Keepalived(pidfile string) KeepalivedState
	// Probe asks the link who else answers for the VIP, and which peers answer.
	Probe(ctx context.Context, req ProbeRequest) ProbeResult
}

// Evaluate observes what cfg needs and decides. Observation stays as
// small as the decision allows: one address family, the gateway only when
// the mode must be inferred, and the probes only when every other check
// already says "holder", so that non-holders pay nothing for them.
//
// full is for explain. It never changes the decision (issue 10, item 12):
// the decision is made first, on exactly what the fact and check observe,
// and only then is more read for display: both address families, the
// gateway and keepalived. Observing both families before deciding once
// made explain see an IPv6 VIP on the IPv4 gateway's interface and call
// it master while check saw a conflict.
func Evaluate(ctx context.Context, cfg Config, src Source, full bool) (Facts, Observation) {
	if cfg.Err == nil && cfg.Backend == BackendEtcd {
		// Backend etcd observes nothing of the node's addresses: only the
		// daemon that holds the lease, which confirms it against etcd.
		var obs Observation
		obs.Elect = observeElect(ctx, cfg, src)
		return Decide(cfg, obs), obs
	}
	obs := observe(cfg, src)
	f := Decide(cfg, obs)
	if f.Probe != nil {
		req := *f.Probe
		req.Local = make([]netip.Addr, 0, len(obs.Addresses))
		for _, a := range obs.Addresses {
			req.Local = append(req.Local, a.Prefix.Addr())
		}
		p := src.Probe(ctx, req)
		obs.Probe = &p
		f = Decide(cfg, obs)
	}
	if full {
		addDisplay(&obs, cfg, src)
	}
	return f, obs
}

// ElectSource is the seam in front of gluster-vip-elect's socket. It is
// apart from Source so that the VRRP path's fakes need not know it.
type ElectSource interface {
	Elect(ctx context.Context, socket string) ElectState
}

func observeElect(ctx context.Context, cfg Config, src Source) *ElectState {
	es, ok := src.(ElectSource)
	if !ok {
		return &ElectState{Socket: cfg.ElectSocket, Err: errors.New("backend etcd: this source can't ask gluster-vip-elect")}
	}
	s := es.Elect(ctx, cfg.ElectSocket)
	return &s
}

// observe reads what the decision needs, and nothing more.
func observe(cfg Config, src Source) Observation {
	var obs Observation
	if cfg.Err != nil || !cfg.Configured || cfg.Mode == ModeAll {
		return obs
	}
	family := 6
	if cfg.VIP.Is4() {
		family = 4
	}
	var only netip.Addr
	if cfg.Interface == "" {
		// With an interface set, its absence must still be told apart.
		only = cfg.VIP
	}
	obs.Addresses, obs.Err = src.Addresses(family, only)
	if cfg.Mode == ModeUnset {
		obs.Gateway, obs.GatewayErr = src.Gateway()
		obs.GatewayInterface = gatewayInterface(obs.Gateway, obs.Addresses)
	}
	if cfg.KeepalivedPidfile != "" {
		k := src.Keepalived(cfg.KeepalivedPidfile)
		obs.Keepalived = &k
	}
	return obs
}

// addDisplay adds to a decided observation what explain shows besides:
// every address of both families, the gateway and keepalived's state. It
// runs after Decide, so nothing it reads can change the decision. When
// the second dump fails, the addresses the decision saw stay.
func addDisplay(obs *Observation, cfg Config, src Source) {
	if obs.Err == nil {
		if all, err := src.Addresses(0, netip.Addr{}); err == nil {
			obs.Addresses = all
		}
	}
	if !obs.Gateway.IsValid() && obs.GatewayErr == nil {
		obs.Gateway, obs.GatewayErr = src.Gateway()
	}
	if obs.GatewayInterface == "" {
		obs.GatewayInterface = gatewayInterface(obs.Gateway, obs.Addresses)
	}
	if obs.Keepalived == nil && cfg.KeepalivedPidfile != "" {
		k := src.Keepalived(cfg.KeepalivedPidfile)
		obs.Keepalived = &k
	}
}

// gatewayInterface finds the interface whose subnet holds the gateway.
// /proc/net/route names it too, but jackpal/gateway does not expose it.
func gatewayInterface(gw netip.Addr, addrs []Address) string {
	if !gw.IsValid() {
		return ""
	}
	best, bits := "", -1
	for _, a := range addrs {
		if a.Up && a.Prefix.Contains(gw) && a.Prefix.Bits() > bits && a.Prefix.Bits() < gw.BitLen() {
			best, bits = a.Interface, a.Prefix.Bits()
		}
	}
	return best
}
