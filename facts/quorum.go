package facts

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
)

// QuorumAnswer is what `gluster-vip quorum` decides: whether a strict
// majority of the configured peers answers on the link, whether or not
// this node has the VIP.
//
// keepalived tracks it (a vrrp_script of weight 0), so a master cut off
// from the majority goes to FAULT and drops the VIP. Without it, the
// cut-off master keeps its address through a silent partition; when the
// partition heals it wins the election on priority, and its address's age
// still counts from before the partition, so it is the settled holder at
// once and runs again what the majority side ran meanwhile.
type QuorumAnswer struct {
	Quorum    *Quorum    // nil when no probe ran
	Interface string     // the interface the peers were asked on
	Source    netip.Addr // the address they were asked from
	Reason    string     // one line, for people
	Err       error      // an error, as opposed to a plain "not reached"
}

// Reached tells whether the answer is "quorum": no error and a majority.
func (q QuorumAnswer) Reached() bool {
	return q.Err == nil && q.Quorum.Met()
}

func quorumErr(err error) QuorumAnswer { return QuorumAnswer{Reason: err.Error(), Err: err} }

// EvaluateQuorum counts the peers that answer. Anything that keeps it from
// counting them is an error, never a quorum: keepalived then keeps (or
// puts) the instance in FAULT, and a node without the VIP runs nothing.
func EvaluateQuorum(ctx context.Context, cfg Config, src Source) QuorumAnswer {
	switch {
	case cfg.Err != nil:
		return quorumErr(cfg.Err)
	case cfg.Backend == BackendEtcd:
		return quorumErr(errors.New("quorum counts VRRP peers on the link; backend etcd has no peers (its quorum is etcd's)"))
	case !cfg.Configured:
		return quorumErr(errors.New("no vip is configured (no --vip and no config file): there are no peers to count"))
	case cfg.Mode == ModeAll:
		return quorumErr(errors.New("mode all (vip is empty): every node runs, there is no VIP to track"))
	case len(cfg.Peers) == 0:
		return quorumErr(errors.New("no peers are configured: there is no quorum to count (set peers)"))
	case cfg.Probe == 0:
		// Merge refuses peers with probe = 0s; a Config built any other way must not count nobody as a quorum.
		return quorumErr(errors.New("peers need the probe for quorum, but probe is 0s"))
	}
	family := 6
	if cfg.VIP.Is4() {
		family = 4
	}
	addrs, err := src.Addresses(family, netip.Addr{})
	if err != nil {
		return quorumErr(fmt.Errorf("addresses: %w", err))
	}
	var gw netip.Addr
	if cfg.Interface == "" && family == 4 {
		gw, _ = src.Gateway()
	}
	iface, err := quorumInterface(cfg, addrs, gw)
	if err != nil {
		return quorumErr(err)
	}
	req := ProbeRequest{Interface: iface, VIP: cfg.VIP, Peers: cfg.Peers, Budget: cfg.Probe,
		Source: quorumSource(iface, cfg.VIP, addrs)}
	if !req.Source.IsValid() {
		if cfg.Mode == ModeVIP || !carries(iface, cfg.VIP, addrs) {
			return quorumErr(fmt.Errorf("interface %s has no usable IPv%d address besides the VIP to ask the peers from", iface, family))
		}
		// A master's VIP is its own address, the only one it has here (see Decide).
		req.Source, req.Own = cfg.VIP, true
	}
	for _, a := range addrs {
		req.Local = append(req.Local, a.Prefix.Addr())
	}
	return decideQuorum(cfg, req, src.Probe(ctx, req))
}

// decideQuorum turns the probe's result into the answer.
func decideQuorum(cfg Config, req ProbeRequest, p ProbeResult) QuorumAnswer {
	a := QuorumAnswer{Interface: req.Interface, Source: req.Source}
	if p.Err != nil {
		a.Err = fmt.Errorf("probe on %s: %w", req.Interface, p.Err)
		a.Reason = a.Err.Error()
		return a
	}
	q := countQuorum(cfg.Peers, p.Reached)
	a.Quorum = q
	if !q.Met() {
		a.Reason = fmt.Sprintf("quorum not reached on %s: %d of %d peers answered, %d needed (%s)",
			req.Interface, q.Reached, q.Peers, q.Needed, missing(cfg.Peers, p.Reached))
		return a
	}
	a.Reason = fmt.Sprintf("quorum reached on %s: %d of %d peers answered, %d needed", req.Interface, q.Reached, q.Peers, q.Needed)
	return a
}

// quorumInterface is the link to count the peers on: the configured
// interface (a label names its interface), else the VIP's, else the IPv4
// default route's. A node without the VIP must still count, so that a
// node in FAULT comes back once the partition heals.
func quorumInterface(cfg Config, addrs []Address, gw netip.Addr) (string, error) {
	if cfg.Interface != "" {
		for _, a := range addrs {
			if a.Interface == cfg.Interface || a.Label == cfg.Interface {
				return a.Interface, nil
			}
		}
		return "", fmt.Errorf("interface %q: no such interface or label with an address of the VIP's family", cfg.Interface)
	}
	for _, a := range addrs {
		if a.Prefix.Addr() == cfg.VIP {
			return a.Interface, nil
		}
	}
	if i := gatewayInterface(gw, addrs); i != "" {
		return i, nil
	}
	return "", fmt.Errorf("no interface to count the peers on: %s is not here and no default route names one; set interface", cfg.VIP)
}

// quorumSource is an address on iface, while it is up, that the peers may
// be asked from (see canAskFrom).
func quorumSource(iface string, vip netip.Addr, addrs []Address) netip.Addr {
	for _, a := range addrs {
		if a.Interface == iface && a.Up && canAskFrom(a, vip) {
			return a.Prefix.Addr()
		}
	}
	return netip.Addr{}
}

func carries(iface string, vip netip.Addr, addrs []Address) bool {
	for _, a := range addrs {
		if a.Interface == iface && a.Prefix.Addr() == vip {
			return true
		}
	}
	return false
}
