package facts

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Facts is the decision, in the shape the fact renders.
type Facts struct {
	Holder    bool
	Mode      Mode
	VIP       netip.Addr // zero in mode all and when unconfigured
	Interface string     // where the VIP was found, "" if nowhere
	Address   netip.Prefix
	Reason    string // one line, for people
	Conflict  bool
	HeldFor   time.Duration
	HeldKnown bool
	Settle    time.Duration
	Quorum    *Quorum
	// Checks lists every check that ran, in order, for explain and the fact.
	Checks []Check
	Config string // the config file read, "" if none
	Err    error  // an error, as opposed to a plain "no"

	// Backend etcd: Backend is "" under vrrp, so that the VRRP fact stays
	// as it was. NodeName is the daemon's name, Leader the election's
	// leader's, Token the leader key's create revision (0: none).
	Backend  Backend
	NodeName string
	Leader   string
	Token    int64
	// Election and Endpoints are the election this fact was decided for:
	// the config's etcd_prefix and etcd_endpoints.
	Election  string
	Endpoints []string

	// Probe, when set, asks the caller to run the probes and decide again:
	// every other check passed.
	Probe *ProbeRequest
}

// Quorum is how many cluster nodes answered, against a strict majority.
type Quorum struct {
	Reached, Needed, Peers int
}

// Check is one step of the decision.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// ProbeRequest is what the probes need to know.
type ProbeRequest struct {
	Interface string
	VIP       netip.Addr
	Source    netip.Addr // this node's own address on Interface, never the VIP
	Peers     []netip.Addr
	Budget    time.Duration
	Conflict  bool
	// Local lists this node's addresses of the VIP's family, so the probe
	// knows which peers are this node without listing them again.
	Local []netip.Addr
	// Own is set when Source is the VIP itself: mode master, where the
	// address is this node's own and no other is on the interface.
	Own bool
}

// no records a failed check: not the holder, for detail.
func (f *Facts) no(check, detail string) Facts {
	f.Checks = append(f.Checks, Check{Name: check, Detail: detail})
	f.Holder, f.Reason, f.Probe = false, detail, nil
	return *f
}

// fail records a check that failed on an error: not the holder, and the
// error is the fact's.
func (f *Facts) fail(check string, err error) Facts {
	f.Err = err
	return f.no(check, err.Error())
}

// pass records a check that passed.
func (f *Facts) pass(check, detail string) {
	f.Checks = append(f.Checks, Check{Name: check, OK: true, Detail: detail})
}

// Decide is the whole decision: a pure function of the configuration and
// the observation. It does no I/O and reads no clock.
func Decide(cfg Config, obs Observation) Facts {
	f := Facts{Mode: cfg.Mode, VIP: cfg.VIP, Settle: cfg.Settle, Config: cfg.ConfigFile}
	no, fail, pass := f.no, f.fail, f.pass

	if cfg.Err != nil {
		if f.Mode == ModeUnset || !cfg.Configured {
			f.Mode = ModeUnconfigured
		}
		return fail("config", cfg.Err)
	}
	if !cfg.Configured {
		f.Mode = ModeUnconfigured
		return no("config", "no vip is configured (no --vip and no config file): this node runs no guarded operation")
	}
	if cfg.Backend == BackendEtcd {
		return decideEtcd(f, cfg, obs)
	}
	pass("config", configDetail(cfg))
	if cfg.Mode == ModeAll {
		f.Holder = true
		f.Reason = "mode all: every node runs guarded operations"
		pass("mode", f.Reason)
		return f
	}
	if obs.Err != nil {
		if f.Mode == ModeUnset {
			f.Mode = ModeVIP
		}
		return fail("addresses", obs.Err)
	}

	if cfg.Interface != "" && !hasInterface(cfg.Interface, cfg.VIP, obs.Addresses) {
		if f.Mode == ModeUnset {
			f.Mode = ModeVIP
		}
		return fail("interface", fmt.Errorf("interface %q: no such interface or label with an address of the VIP's family", cfg.Interface))
	}
	addr, why := findVIP(cfg, obs.Addresses)
	if addr == nil {
		// Master mode is inferred only from an address that is here.
		if f.Mode == ModeUnset {
			f.Mode = ModeVIP
		}
		return no("address", why)
	}
	f.Interface, f.Address = addr.Interface, addr.Prefix
	f.HeldFor, f.HeldKnown = addr.Age, addr.AgeKnown
	pass("address", why)

	if f.Mode == ModeUnset {
		own, why := ownAddress(*addr, obs)
		f.Mode = ModeVIP
		if own {
			f.Mode = ModeMaster
		}
		pass("mode", fmt.Sprintf("inferred %s: %s", f.Mode, why))
	}

	switch {
	case cfg.Settle == 0:
		pass("settle", "settle is 0s: off")
	case !addr.AgeKnown:
		return no("settle", fmt.Sprintf("%s: the kernel gave no creation time, so it can't be shown to have settled for %s", addr.Prefix.Addr(), cfg.Settle))
	case addr.Age < cfg.Settle:
		return no("settle", fmt.Sprintf("%s held for %s, less than settle %s", addr.Prefix.Addr(), round(addr.Age), cfg.Settle))
	default:
		pass("settle", fmt.Sprintf("held for %s >= settle %s", round(addr.Age), cfg.Settle))
	}

	// Every mode keeps every check below (issue 10, item 11): the mode
	// says only which address must be here. A stale keepalived VIP taken
	// for a fixed address, or a second node that answers for the master's
	// own address, must still stop the run.
	if cfg.KeepalivedPidfile != "" {
		k := obs.Keepalived
		switch {
		case k == nil:
			return fail("keepalived", fmt.Errorf("keepalived %s: not observed", cfg.KeepalivedPidfile))
		case !k.Alive:
			return no("keepalived", fmt.Sprintf("keepalived is not running (%s: %v), so the VIP may be stale", k.Pidfile, k.Err))
		default:
			pass("keepalived", fmt.Sprintf("keepalived pid %d is running (%s)", k.PID, k.Pidfile))
		}
	}

	if cfg.Probe == 0 && len(cfg.Peers) > 0 {
		// Merge refuses this pair; a Config built any other way must not turn quorum off silently.
		return fail("probe", errors.New("peers need the probe for quorum, but probe is 0s"))
	}
	if cfg.Probe == 0 {
		pass("probe", "probe is 0s: conflict probe and quorum are off")
	} else {
		p := obs.Probe
		if p == nil {
			f.Probe = &ProbeRequest{Interface: addr.Interface, VIP: cfg.VIP, Source: sourceFor(*addr, obs.Addresses),
				Peers: cfg.Peers, Budget: cfg.Probe, Conflict: true}
			if f.Mode == ModeMaster && !f.Probe.Source.IsValid() {
				// A master's address is its own: asking peers from it
				// teaches them the right link-layer address.
				f.Probe.Source, f.Probe.Own = cfg.VIP, true
			}
			f.Reason = "probe pending"
			return f
		}
		if p.Err != nil {
			return fail("probe", p.Err)
		}
		if p.ConflictMAC != nil {
			f.Conflict = true
			return no("conflict", fmt.Sprintf("conflict: %s also answers for %s on %s, so two nodes hold it; nobody should run", p.ConflictMAC, cfg.VIP, addr.Interface))
		}
		pass("conflict", fmt.Sprintf("nobody else answered for %s in %s (%d probes)", cfg.VIP, round(p.Elapsed), p.Sent))
		if len(cfg.Peers) > 0 {
			q := countQuorum(cfg.Peers, p.Reached)
			f.Quorum = q
			if !q.Met() {
				return no("quorum", fmt.Sprintf("quorum not reached: %d of %d peers answered, %d needed (%s)", q.Reached, q.Peers, q.Needed, missing(cfg.Peers, p.Reached)))
			}
			pass("quorum", fmt.Sprintf("%d of %d peers answered, %d needed", q.Reached, q.Peers, q.Needed))
		}
	}

	f.Holder = true
	switch {
	case f.Mode == ModeMaster:
		f.Reason = fmt.Sprintf("mode master: %s is this node's own address on %s", addr.Prefix.Addr(), addr.Interface)
	case f.HeldKnown:
		f.Reason = fmt.Sprintf("%s is on %s, held for %s", addr.Prefix.Addr(), addr.Interface, round(addr.Age))
	default:
		f.Reason = fmt.Sprintf("%s is on %s and has settled", addr.Prefix.Addr(), addr.Interface)
	}
	if f.Quorum != nil {
		f.Reason += fmt.Sprintf(", quorum %d/%d", f.Quorum.Reached, f.Quorum.Peers)
	}
	return f
}

// findVIP returns the address that carries the VIP and may count, or nil
// and why not. Of several, the first usable one wins.
func findVIP(cfg Config, addrs []Address) (*Address, string) {
	var found []string
	var firstWhy string
	for i := range addrs {
		a := &addrs[i]
		if a.Prefix.Addr() != cfg.VIP {
			continue
		}
		where := a.Interface
		if a.Label != "" && a.Label != a.Interface {
			where += " (label " + a.Label + ")"
		}
		found = append(found, where)
		if cfg.Interface != "" && cfg.Interface != a.Interface && cfg.Interface != a.Label {
			continue
		}
		var why string
		switch {
		case !a.Up:
			why = fmt.Sprintf("%s is on %s, but that interface is down", cfg.VIP, where)
		case a.DADFailed: // the kernel keeps a failed address tentative too
			why = fmt.Sprintf("%s on %s failed duplicate address detection", cfg.VIP, where)
		case a.Tentative:
			why = fmt.Sprintf("%s on %s is tentative (duplicate address detection is not done)", cfg.VIP, where)
		default:
			return a, fmt.Sprintf("%s is on %s (up%s)", a.Prefix, where, flagNote(*a))
		}
		if firstWhy == "" {
			firstWhy = why
		}
	}
	switch {
	case firstWhy != "":
		return nil, firstWhy
	case len(found) > 0:
		return nil, fmt.Sprintf("%s is on %s, not on the configured interface %s", cfg.VIP, strings.Join(found, ", "), cfg.Interface)
	case cfg.Interface != "":
		return nil, fmt.Sprintf("%s is not on interface %s", cfg.VIP, cfg.Interface)
	}
	return nil, fmt.Sprintf("%s is not on any interface of this node", cfg.VIP)
}

// hasInterface reports whether name is an interface or label with an
// address of vip's family. The family is checked here, not left to what
// the caller observed, so that more observation can't change a decision.
func hasInterface(name string, vip netip.Addr, addrs []Address) bool {
	for _, a := range addrs {
		if (a.Interface == name || a.Label == name) && a.Prefix.Addr().Is4() == vip.Is4() {
			return true
		}
	}
	return false
}

func flagNote(a Address) string {
	var fl []string
	if a.Deprecated {
		fl = append(fl, "deprecated")
	}
	if a.NoDAD {
		fl = append(fl, "nodad")
	}
	if a.Secondary {
		fl = append(fl, "secondary")
	}
	if len(fl) == 0 {
		return ""
	}
	return ", " + strings.Join(fl, ", ")
}

// ownAddress reports whether a is this node's own fixed address, from
// which mode master is inferred, and says why or why not. It never
// depends on the order in which the kernel lists addresses (issue 10,
// item 11: a keepalived /32 listed before a re-added /24 was taken for the
// node's own address). The node's own address is the oldest address of
// the default gateway's subnet on the interface that reaches it; never a
// host-length address (/32, /128, as keepalived adds a VIP), a secondary,
// a labelled alias, a nodad or deprecated address (keepalived's IPv6 VIP),
// or one whose age is unknown. Since IPv4 is the only default route read,
// an IPv6 master is never inferred: it needs mode master.
//
// What it can't tell apart: a keepalived VIP configured with the subnet's
// own prefix length that was added before the node's address (the node's
// address re-added later, by a network restart). It is then taken for the
// fixed address; the checks that apply in every mode (keepalived
// liveness, the conflict probe, quorum) still stop a stale copy.
func ownAddress(a Address, obs Observation) (bool, string) {
	gw, ip := obs.Gateway, a.Prefix.Addr()
	switch {
	case !gw.IsValid():
		return false, "no default gateway is known"
	case a.Prefix.Bits() == ip.BitLen():
		return false, fmt.Sprintf("%s is a host address, as keepalived adds a VIP, not a node's own address", a.Prefix)
	case !a.Prefix.Contains(gw):
		return false, fmt.Sprintf("%s does not contain the default gateway %s", a.Prefix, gw)
	case a.Interface != obs.GatewayInterface:
		return false, fmt.Sprintf("the default gateway %s is reached through %s, not %s", gw, dashed(obs.GatewayInterface), a.Interface)
	case a.Secondary:
		return false, fmt.Sprintf("%s is a secondary address", a.Prefix)
	case a.Label != "" && a.Label != a.Interface:
		return false, fmt.Sprintf("%s carries the alias label %s", a.Prefix, a.Label)
	case a.NoDAD || a.Deprecated:
		return false, fmt.Sprintf("%s is nodad or deprecated, as keepalived's IPv6 VIPs are", a.Prefix)
	case !a.AgeKnown:
		return false, fmt.Sprintf("%s has no known age, so it can't be shown to be the oldest of its subnet", a.Prefix)
	}
	for _, b := range obs.Addresses {
		if b.Index != a.Index || b.Prefix.Addr() == ip || b.Prefix.Bits() == ip.BitLen() || !b.Prefix.Contains(gw) {
			continue
		}
		if !b.AgeKnown || b.Age >= a.Age {
			return false, fmt.Sprintf("%s is not the oldest address of the default gateway's subnet on %s (%s is as old or older)", a.Prefix, a.Interface, b.Prefix)
		}
	}
	return true, fmt.Sprintf("%s is the oldest address of the default gateway %s's subnet on %s", a.Prefix, gw, a.Interface)
}

func dashed(s string) string {
	if s == "" {
		return "no known interface"
	}
	return s
}

// sourceFor picks this node's own address on the VIP's interface, to ask
// peers from: never the VIP itself, or peers would learn the VIP's MAC
// from our quorum requests.
func sourceFor(vip Address, addrs []Address) netip.Addr {
	for _, b := range addrs {
		if b.Index == vip.Index && canAskFrom(b, vip.Prefix.Addr()) {
			return b.Prefix.Addr()
		}
	}
	return netip.Addr{}
}

// canAskFrom tells whether peers may be asked from a: one of this node's
// usable addresses of vip's family, and never vip itself, since a request
// from the VIP would teach the peers the VIP's link-layer address.
func canAskFrom(a Address, vip netip.Addr) bool {
	ip := a.Prefix.Addr()
	return ip != vip && ip.Is4() == vip.Is4() && !a.Tentative && !a.DADFailed && !ip.IsLinkLocalUnicast()
}

// countQuorum counts the peers that answered against a strict majority of
// them: the one rule of the fact, check and `gluster-vip quorum`.
func countQuorum(peers, reached []netip.Addr) *Quorum {
	return &Quorum{Reached: countReached(peers, reached), Needed: len(peers)/2 + 1, Peers: len(peers)}
}

// Met tells whether a strict majority answered.
func (q *Quorum) Met() bool { return q != nil && q.Reached >= q.Needed }

func countReached(peers, reached []netip.Addr) int {
	n := 0
	for _, p := range peers {
		for _, r := range reached {
			if p == r {
				n++
				break
			}
		}
	}
	return n
}

func missing(peers, reached []netip.Addr) string {
	var m []string
	for _, p := range peers {
		if countReached([]netip.Addr{p}, reached) == 0 {
			m = append(m, p.String())
		}
	}
	return "silent: " + strings.Join(m, ", ")
}

func configDetail(cfg Config) string {
	src := cfg.Sources["vip"]
	if cfg.Mode == ModeAll {
		return "vip is empty (" + src + ")"
	}
	return fmt.Sprintf("vip %s (%s)", cfg.VIP, src)
}

// round keeps durations readable: 12.34s, 850ms.
func round(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// since is later-earlier in nanoseconds for later >= earlier, saturated
// at the longest Duration instead of wrapping.
func since(later, earlier int64) time.Duration {
	d := later - earlier
	if d < 0 {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(d)
}

// decideEtcd is the decision of backend etcd: this node holds if its
// gluster-vip-elect is alive, leads the election, has just confirmed with a
// linearizable read that its leader key is still there under its lease,
// the lease can't have expired on the server yet, and it has led for at
// least settle.
func decideEtcd(f Facts, cfg Config, obs Observation) Facts {
	f.Backend, f.Mode, f.Election, f.Endpoints = BackendEtcd, ModeEtcd, cfg.EtcdPrefix, cfg.EtcdEndpoints
	no, fail, pass := f.no, f.fail, f.pass
	pass("config", fmt.Sprintf("backend etcd (%s), election %s, lease_ttl %s", cfg.Sources["backend"], cfg.EtcdPrefix, cfg.LeaseTTL))
	e := obs.Elect
	switch {
	case e == nil:
		return fail("daemon", errors.New("backend etcd: gluster-vip-elect was not asked"))
	case e.Err != nil:
		return fail("daemon", e.Err)
	}
	a := e.Answer
	f.NodeName, f.Leader = a.NodeName, a.Leader
	if cfg.NodeName != "" && a.NodeName != cfg.NodeName {
		return fail("daemon", fmt.Errorf("gluster-vip-elect at %s campaigns as %q, but node_name is %q (%s)", e.Socket, a.NodeName, cfg.NodeName, cfg.Sources["node_name"]))
	}
	// The daemon reads its config at start: until it restarts on a new
	// one, it campaigns in the old election, whose leadership is no lock
	// for the new one (another node may lead there already).
	if a.Prefix != cfg.EtcdPrefix || !slices.Equal(a.Endpoints, cfg.EtcdEndpoints) {
		return fail("daemon", fmt.Errorf("gluster-vip-elect at %s campaigns in election %s on %s, but the config names election %s on %s (%s); it takes a new config when it restarts",
			e.Socket, a.Prefix, strings.Join(a.Endpoints, ","), cfg.EtcdPrefix, strings.Join(cfg.EtcdEndpoints, ","), cfg.Sources["etcd_endpoints"]))
	}
	pass("daemon", fmt.Sprintf("gluster-vip-elect pid %d answered as %q in election %s (%s)", a.PID, a.NodeName, a.Prefix, e.Socket))
	if a.Error != "" {
		return fail("etcd", fmt.Errorf("gluster-vip-elect could not confirm with etcd: %s", a.Error))
	}
	if !a.Holder || a.Token <= 0 {
		leader := a.Leader
		if leader == "" {
			leader = "unknown"
		}
		return no("leader", fmt.Sprintf("%q is not the election's leader (leader: %s)", a.NodeName, leader))
	}
	f.Token = a.Token
	pass("leader", fmt.Sprintf("leader key %s confirmed by a linearizable read: token %d, lease %x", a.Key, a.Token, a.Lease))
	// Instants are compared, never subtracted first: a difference of two
	// int64 nanosecond counts can wrap and turn a deadline long past into
	// one far ahead.
	if a.Deadline <= e.Now {
		return no("lease", fmt.Sprintf("the lease's deadline passed %s ago without a renewal", round(since(e.Now, a.Deadline))))
	}
	pass("lease", fmt.Sprintf("the lease can't expire for %s at least", round(since(a.Deadline, e.Now))))
	if a.HeldSince <= 0 {
		// CLOCK_BOOTTIME is positive once the kernel runs: no daemon won
		// its campaign at or before boot.
		return fail("settle", fmt.Errorf("gluster-vip-elect gave no valid time of winning (%d)", a.HeldSince))
	}
	if a.HeldSince > e.Now {
		return fail("settle", fmt.Errorf("gluster-vip-elect says it leads since a time still to come (%s from now)", round(since(a.HeldSince, e.Now))))
	}
	held := since(e.Now, a.HeldSince)
	f.HeldFor, f.HeldKnown = held, true
	if held < cfg.Settle {
		return no("settle", fmt.Sprintf("leader for %s, less than settle %s", round(held), cfg.Settle))
	}
	pass("settle", fmt.Sprintf("leader for %s >= settle %s", round(held), cfg.Settle))
	f.Holder = true
	f.Reason = fmt.Sprintf("%q leads the etcd election, token %d, for %s", a.NodeName, a.Token, round(held))
	return f
}
