package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/mdlayher/packet"
)

// Request says what to probe for, on which link, and for how long.
type Request struct {
	// Interface is the kernel name of the interface the VIP is on.
	Interface string

	// VIP is the virtual address. An IPv4 VIP is probed with RFC 5227 ARP
	// probes, an IPv6 one with neighbour solicitations from ::.
	VIP netip.Addr

	// Source is this node's primary (non-VIP) address on Interface, the
	// sender of quorum requests. It must not be the VIP: a request from the
	// VIP would rewrite the peers' ARP caches for it. It may stay zero when
	// Peers names only this node.
	Source netip.Addr

	// Local lists this node's addresses, when the caller has them at hand
	// already; nil means Run lists them itself.
	Local []netip.Addr

	// Peers are the cluster's node addresses, this node included. An
	// address of this node counts as reached without a frame being sent;
	// duplicates count once.
	Peers []netip.Addr

	// Budget bounds the whole call: Run returns within Budget plus a few
	// milliseconds, whatever the link does. The conflict probe listens
	// for all of it, because silence is its only evidence.
	Budget time.Duration

	// Conflict runs the conflict probe for VIP.
	Conflict bool

	// Own allows Source to be the VIP: the address is this node's own
	// fixed address (mode master), so asking peers from it teaches them
	// nothing wrong.
	Own bool
}

// Result is what the link said within the budget.
type Result struct {
	// ConflictMAC, when not nil, is another link-layer address that
	// answered for, or claimed, the VIP.
	ConflictMAC net.HardwareAddr

	// Reached are the peers that answered, in Request.Peers order, this
	// node included.
	Reached []netip.Addr

	// Sent counts the frames sent, for explain.
	Sent int

	// Elapsed is the wall-clock time the call took.
	Elapsed time.Duration
}

// ErrNotImplemented is returned on systems without Linux packet sockets.
var ErrNotImplemented = errors.New("probe: not implemented on this OS")

// rounds is how many times each probe and request is sent, spread evenly
// over the budget: one lost frame must not read as silence.
const rounds = 3

// Run probes the link as req asks and returns what it heard. It returns
// within req.Budget plus a few milliseconds; it returns early only once
// nothing is left to learn. An error means the evidence is incomplete (the
// socket failed, the link has no carrier, or ctx ended first), so a
// caller must not read the Result as "no conflict"; the Result then holds
// what was learned before the error, for explain.
func Run(ctx context.Context, req Request) (Result, error) {
	return run(ctx, req, osEnv)
}

// conn is the part of *packet.Conn that the probe uses; tests fake it.
type conn interface {
	ReadFrom(b []byte) (int, net.Addr, error)
	WriteTo(b []byte, addr net.Addr) (int, error)
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	Close() error
}

// env is the one seam in front of the OS: everything Run reads from or does
// to the system goes through it.
type env struct {
	// iface looks the interface up by name.
	iface func(name string) (*net.Interface, error)
	// localAddrs lists every address of this node, on every interface.
	localAddrs func() ([]netip.Addr, error)
	// localMACs lists the link-layer addresses of every interface of this
	// node: another NIC of ours on the same link answers ARP for the VIP
	// too (arp_ignore=0), and that is no second holder.
	localMACs func() ([]net.HardwareAddr, error)
	// listen opens a packet socket on ifi that receives the frames
	// socketFilter passes, and none of this node's outgoing frames.
	listen func(ifi *net.Interface) (conn, error)
}

// peer is one peer the probe asks.
type peer struct {
	addr    netip.Addr
	request []byte // nil for this node
}

// plan is a validated Request, with every frame built before the clock
// matters.
type plan struct {
	ifname   string
	mac      mac
	vip      netip.Addr
	conflict bool
	probe    []byte // the conflict probe frame, nil if none
	peers    []peer // deduplicated, in Request order
	local    map[netip.Addr]bool
	// localMACs are this node's own link-layer addresses, on every interface.
	localMACs map[mac]bool
}

func run(ctx context.Context, req Request, e env) (res Result, err error) {
	start := time.Now()
	defer func() { res.Elapsed = time.Since(start) }()

	if err := check(req); err != nil {
		return res, err
	}
	ifi, err := e.iface(req.Interface)
	if err != nil {
		return res, fmt.Errorf("probe: %s: look up interface: %w", req.Interface, err)
	}
	local := req.Local
	if local == nil {
		if local, err = e.localAddrs(); err != nil {
			return res, fmt.Errorf("probe: %s: list local addresses: %w", req.Interface, err)
		}
	}
	p, err := newPlan(req, ifi, local)
	if err != nil {
		return res, err
	}
	macs, err := e.localMACs()
	if err != nil {
		return res, fmt.Errorf("probe: %s: list local interfaces: %w", req.Interface, err)
	}
	for _, m := range macs {
		if len(m) == 6 {
			p.localMACs[mac(m)] = true
		}
	}
	t := newTally(p)
	if t.done() {
		// Nothing needs the link: no socket, no cost.
		return t.result(), nil
	}
	c, err := e.listen(ifi)
	if err != nil {
		return res, fmt.Errorf("probe: %s: open packet socket: %w", req.Interface, err)
	}
	defer c.Close()

	err = exchange(ctx, c, p, t, start, req.Budget)
	res = t.result()
	return res, err
}

// check validates what can be validated without the OS.
func check(req Request) error {
	if req.Interface == "" {
		return errors.New("probe: request: no interface")
	}
	if req.Budget <= 0 {
		return fmt.Errorf("probe: request: budget %v is not positive", req.Budget)
	}
	if req.Conflict && !req.VIP.IsValid() {
		return errors.New("probe: request: conflict probe without a VIP")
	}
	vip, src := unzone(req.VIP), unzone(req.Source)
	if vip.IsValid() && (vip.IsUnspecified() || vip.IsMulticast()) {
		return fmt.Errorf("probe: request: VIP %v is not a unicast address", req.VIP)
	}
	if src.IsValid() {
		if src == vip && !req.Own {
			return fmt.Errorf("probe: request: source %v is the VIP", req.Source)
		}
		if src.IsUnspecified() || src.IsMulticast() {
			return fmt.Errorf("probe: request: source %v is not a unicast address", req.Source)
		}
	}
	for _, a := range req.Peers {
		a = unzone(a)
		if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() {
			return fmt.Errorf("probe: request: peer %v is not a unicast address", a)
		}
		if a == vip && !req.Own {
			// Counting a moving VIP as a node would let a holder outvote
			// itself; a master's own address is this node, counted once.
			return fmt.Errorf("probe: request: peer %v is the VIP", a)
		}
	}
	return nil
}

// unzone drops what makes equal addresses compare unequal: a zone, or an
// IPv4 address written as IPv4-mapped IPv6.
func unzone(a netip.Addr) netip.Addr { return a.WithZone("").Unmap() }

// newPlan builds every frame of the probe.
func newPlan(req Request, ifi *net.Interface, local []netip.Addr) (*plan, error) {
	name := req.Interface
	if len(ifi.HardwareAddr) != 6 {
		return nil, fmt.Errorf("probe: %s: not an Ethernet interface (link-layer address %q)", name, ifi.HardwareAddr)
	}
	if ifi.Flags&net.FlagUp == 0 {
		return nil, fmt.Errorf("probe: %s: interface is down", name)
	}
	if ifi.Flags&net.FlagRunning == 0 {
		// Without a carrier the kernel swallows every frame and reports
		// success, so silence would read as "no conflict".
		return nil, fmt.Errorf("probe: %s: interface has no carrier", name)
	}
	p := &plan{
		ifname:    name,
		vip:       unzone(req.VIP),
		conflict:  req.Conflict,
		local:     make(map[netip.Addr]bool, len(local)+1),
		localMACs: map[mac]bool{},
	}
	copy(p.mac[:], ifi.HardwareAddr)
	for _, a := range local {
		p.local[unzone(a)] = true
	}
	src := unzone(req.Source)
	if src.IsValid() {
		p.local[src] = true
	}

	var err error
	if p.conflict {
		if p.vip.Is4() {
			p.probe, err = arpProbe(p.mac, p.vip)
		} else {
			p.probe, err = neighborSolicitation(p.mac, netip.IPv6Unspecified(), p.vip)
		}
		if err != nil {
			return nil, fmt.Errorf("probe: %s: build conflict probe for %v: %w", name, p.vip, err)
		}
	}
	seen := make(map[netip.Addr]bool, len(req.Peers))
	for _, a := range req.Peers {
		a = unzone(a)
		if seen[a] {
			continue
		}
		seen[a] = true
		pr := peer{addr: a}
		if !p.local[a] {
			switch {
			case !src.IsValid():
				return nil, fmt.Errorf("probe: %s: peer %v: no source address to ask from", name, a)
			case a.Is4() != src.Is4():
				return nil, fmt.Errorf("probe: %s: peer %v: source %v is of the other address family", name, a, src)
			case a.Is4():
				pr.request, err = arpRequest(p.mac, src, a)
			default:
				pr.request, err = neighborSolicitation(p.mac, src, a)
			}
			if err != nil {
				return nil, fmt.Errorf("probe: %s: build request for peer %v: %w", name, a, err)
			}
		}
		p.peers = append(p.peers, pr)
	}
	return p, nil
}

// tally is what has been heard so far. observe is pure, so the rules for
// what counts as a conflict or an answer are tested frame by frame.
type tally struct {
	p        *plan
	conflict mac
	found    bool // conflict is set
	reached  map[netip.Addr]bool
	pending  int   // peers not reached yet
	sent     int   // frames sent
	probes   int   // conflict probes among them
	dropped  error // the last send the kernel dropped
}

func newTally(p *plan) *tally {
	t := &tally{p: p, reached: make(map[netip.Addr]bool, len(p.peers))}
	for _, pr := range p.peers {
		if pr.request == nil {
			t.reached[pr.addr] = true
		} else {
			t.pending++
		}
	}
	return t
}

// listening reports whether silence is still worth waiting for.
func (t *tally) listening() bool {
	return t.p.conflict && !t.found
}

// done reports whether more listening can change the result.
func (t *tally) done() bool { return !t.listening() && t.pending == 0 }

// observe applies one received frame.
func (t *tally) observe(f frame) {
	if f.ethSrc == t.p.mac {
		// Our own frame, seen going out on the ETH_P_ALL socket.
		return
	}
	switch f.kind {
	case kindARP:
		// Any ARP with the VIP as sender from another address is someone
		// else holding it: a reply to our probe, a gratuitous ARP, or a
		// request of its own. A probe from someone else (sender 0.0.0.0)
		// is not: it only asks, and a holder sending one is heard through
		// the reply its probe gets from us.
		if f.sender == t.p.vip {
			t.conflictFrom(f.linkAddr)
		}
		t.answer(f.sender)
	case kindNA:
		if f.target == t.p.vip {
			t.conflictFrom(f.linkAddr)
		}
		t.answer(f.target)
		t.answer(f.sender)
	case kindNS:
		// A solicitation from the VIP: the kernel only sends from an
		// address it holds and has finished DAD for.
		if f.sender == t.p.vip {
			t.conflictFrom(f.linkAddr)
		}
		t.answer(f.sender)
	}
}

func (t *tally) conflictFrom(m mac) {
	if !t.p.conflict || t.found || m == t.p.mac || t.p.localMACs[m] {
		return
	}
	t.conflict, t.found = m, true
}

// answer marks a as reached if it is a pending peer.
func (t *tally) answer(a netip.Addr) {
	if !a.IsValid() || t.reached[a] {
		return
	}
	for _, pr := range t.p.peers {
		if pr.addr == a {
			t.reached[a] = true
			t.pending--
			return
		}
	}
}

// result is the tally as a Result, Elapsed aside.
func (t *tally) result() Result {
	var r Result
	if t.found {
		r.ConflictMAC = t.conflict.hardwareAddr()
	}
	for _, pr := range t.p.peers {
		if t.reached[pr.addr] {
			r.Reached = append(r.Reached, pr.addr)
		}
	}
	r.Sent = t.sent
	return r
}

// longAgo is a deadline in the past, to wake a blocked read at once.
var longAgo = time.Unix(1, 0)

// exchange sends the probes on schedule and reads answers until the budget
// ends or nothing is left to learn. Reads and sends happen on this one
// goroutine, the read deadline being the next thing due, so no state is
// shared; ctx only wakes the read.
func exchange(ctx context.Context, c conn, p *plan, t *tally, start time.Time, budget time.Duration) error {
	end := start.Add(budget)
	if err := c.SetWriteDeadline(end); err != nil {
		return fmt.Errorf("probe: %s: set write deadline: %w", p.ifname, err)
	}
	// AfterFunc runs only after ctx.Err() is set, and the loop checks
	// ctx.Err() after every SetReadDeadline, so a cancellation can't be
	// lost between the two.
	stop := context.AfterFunc(ctx, func() { _ = c.SetReadDeadline(longAgo) })
	defer stop()

	var due [rounds]time.Time
	for i := range due {
		due[i] = start.Add(budget * time.Duration(i) / rounds)
	}
	buf := make([]byte, snapLen)
	next := 0
	for {
		now := time.Now()
		for next < rounds && !now.Before(due[next]) {
			if err := send(c, p, t); err != nil {
				return err
			}
			next++
		}
		if t.done() {
			return nil
		}
		if !now.Before(end) {
			if p.probe != nil && !t.found && t.probes == 0 {
				// Silence after no probe at all proves nothing.
				return fmt.Errorf("probe: %s: conflict probe for %v: no probe could be sent: %w", p.ifname, p.vip, t.dropped)
			}
			return nil
		}
		wake := end
		if next < rounds && due[next].Before(wake) {
			wake = due[next]
		}
		if err := c.SetReadDeadline(wake); err != nil {
			return fmt.Errorf("probe: %s: set read deadline: %w", p.ifname, err)
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("probe: %s: stopped before the budget ended: %w", p.ifname, err)
		}
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			if cerr := ctx.Err(); cerr != nil {
				return fmt.Errorf("probe: %s: stopped before the budget ended: %w", p.ifname, cerr)
			}
			if isTimeout(err) {
				continue
			}
			return fmt.Errorf("probe: %s: read: %w", p.ifname, err)
		}
		if f, err := parseFrame(buf[:n]); err == nil {
			t.observe(f)
		}
	}
}

// send sends one round: the conflict probe while it can still learn
// something, and a request to every peer not yet heard from.
func send(c conn, p *plan, t *tally) error {
	if p.probe != nil && !t.found {
		ok, err := t.write(c, p.probe)
		if err != nil {
			return fmt.Errorf("probe: %s: send conflict probe for %v: %w", p.ifname, p.vip, err)
		}
		if ok {
			t.probes++
		}
	}
	for _, pr := range p.peers {
		if pr.request == nil || t.reached[pr.addr] {
			continue
		}
		if _, err := t.write(c, pr.request); err != nil {
			return fmt.Errorf("probe: %s: send request to peer %v: %w", p.ifname, pr.addr, err)
		}
	}
	return nil
}

// write sends a whole frame to the destination it names. A frame the
// kernel drops (ENOBUFS: no carrier, or a full queue) is not an error,
// as a frame lost on the wire would not be: it returns false and the next
// round tries again. A peer never asked is simply not reached; a conflict
// probe never sent is caught at the end by exchange.
func (t *tally) write(c conn, b []byte) (bool, error) {
	n, err := c.WriteTo(b, &packet.Addr{HardwareAddr: net.HardwareAddr(b[0:6])})
	if err != nil {
		if errors.Is(err, syscall.ENOBUFS) {
			t.dropped = err
			return false, nil
		}
		return false, err
	}
	if n != len(b) {
		return false, fmt.Errorf("short write: %d of %d bytes", n, len(b))
	}
	t.sent++
	return true, nil
}

// isTimeout reports whether err is a read deadline passing.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
