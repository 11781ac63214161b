//go:build linux && !gluster_vip_stub

package facts

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gluster-vip/gluster-vip/facts/internal/rtnl"
	"github.com/jackpal/gateway"
	"golang.org/x/sys/unix"
)

// OS is the Source that reads this Linux node.
type OS struct {
	// ProcRoot is /proc; tests may point it elsewhere.
	ProcRoot string
}

// NewOS returns the Source for this node.
func NewOS() *OS { return &OS{ProcRoot: "/proc"} }

// Addresses dumps the node's addresses and links over rtnetlink, with
// their flags and IFA_CACHEINFO ages. net.Interfaces() shows neither,
// lists addresses on down links as if they counted, and can return a
// partial dump while addresses change.
//
// When only is an IPv6 address, the kernel is first asked for that one
// address: where it is absent (every non-holder) no dump is needed, and
// IPv6 dumps cost time that grows with the square of the address count.
func (o *OS) Addresses(family int, only netip.Addr) ([]Address, error) {
	c, err := rtnl.Dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if only.Is6() && !only.Is4In6() {
		found, err := c.Has6(only)
		if err != nil || !found {
			return nil, err
		}
	}
	return rtnl.AddressesAs(c, family, fromKernel)
}

// fromKernel turns one of the kernel's addresses into the decision's.
func fromKernel(r rtnl.Address) Address {
	return Address{
		Prefix: r.Prefix, Interface: r.Interface, Label: r.Label, Index: r.Index, Up: r.Up,
		Tentative:  r.Flags&unix.IFA_F_TENTATIVE != 0,
		DADFailed:  r.Flags&unix.IFA_F_DADFAILED != 0,
		Deprecated: r.Flags&unix.IFA_F_DEPRECATED != 0,
		Secondary:  r.Flags&unix.IFA_F_SECONDARY != 0,
		NoDAD:      r.Flags&unix.IFA_F_NODAD != 0,
		Permanent:  r.Flags&unix.IFA_F_PERMANENT != 0,
		Age:        r.Age, AgeKnown: r.AgeKnown,
	}
}

// Gateway reads the IPv4 default gateway from /proc/net/route.
func (o *OS) Gateway() (netip.Addr, error) {
	ip, err := gateway.DiscoverGateway()
	if err != nil {
		return netip.Addr{}, fmt.Errorf("gateway: %w", err)
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}, fmt.Errorf("gateway: %q is not an address", ip)
	}
	return a.Unmap(), nil
}

// Keepalived reads the pidfile and checks that the process is keepalived.
// A pid that was reused by another program does not count.
func (o *OS) Keepalived(pidfile string) KeepalivedState {
	k := KeepalivedState{Pidfile: pidfile}
	data, err := os.ReadFile(pidfile)
	if err != nil {
		k.Err = fmt.Errorf("read pidfile: %w", UnwrapPath(err))
		return k
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		k.Err = fmt.Errorf("pidfile holds %q, not a pid", strings.TrimSpace(string(data)))
		return k
	}
	k.PID = pid
	comm, err := os.ReadFile(filepath.Join(o.ProcRoot, strconv.Itoa(pid), "comm"))
	if err != nil {
		k.Err = fmt.Errorf("pid %d is not running", pid)
		return k
	}
	if name := strings.TrimSpace(string(comm)); name != "keepalived" {
		k.Err = fmt.Errorf("pid %d is %q, not keepalived", pid, name)
		return k
	}
	k.Alive = true
	return k
}

// Probe runs the conflict and quorum probes on the link.
func (o *OS) Probe(ctx context.Context, req ProbeRequest) ProbeResult {
	return runProbe(ctx, req)
}
