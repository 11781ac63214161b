package facts

import (
	"context"
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
// already says "holder", so that non-holders pay nothing for them. full
// observes everything, for explain.
func Evaluate(ctx context.Context, cfg Config, src Source, full bool) (Facts, Observation) {
	var obs Observation
	needAddrs := cfg.Err == nil && cfg.Configured && cfg.Mode != ModeAll
	if needAddrs || full {
		family := 0
		if !full {
			family = 6
			if cfg.VIP.Is4() {
				family = 4
			}
		}
		var only netip.Addr
		if !full && cfg.Interface == "" {
			// With an interface set, its absence must still be told apart.
			only = cfg.VIP
		}
		obs.Addresses, obs.Err = src.Addresses(family, only)
	}
	if (needAddrs && cfg.Mode == ModeUnset) || full {
		obs.Gateway, obs.GatewayErr = src.Gateway()
		obs.GatewayInterface = gatewayInterface(obs.Gateway, obs.Addresses)
	}
	if cfg.KeepalivedPidfile != "" && (needAddrs || full) {
		k := src.Keepalived(cfg.KeepalivedPidfile)
		obs.Keepalived = &k
	}
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
	return f, obs
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
