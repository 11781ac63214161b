//go:build !linux || gluster_vip_stub

package facts

import (
	"context"
	"net/netip"
)

// OS is the Source for this node. Off Linux it observes nothing, and
// every node is "not the holder", with the reason in the fact. The tag
// gluster_vip_stub builds this stub on Linux too, so tests can run it.
type OS struct{}

// NewOS returns the Source for this node.
func NewOS() *OS { return &OS{} }

// Addresses is not implemented here.
func (*OS) Addresses(int, netip.Addr) ([]Address, error) { return nil, ErrNotImplemented }

// Gateway is not implemented here.
func (*OS) Gateway() (netip.Addr, error) { return netip.Addr{}, ErrNotImplemented }

// Keepalived is not implemented here.
func (*OS) Keepalived(pidfile string) KeepalivedState {
	return KeepalivedState{Pidfile: pidfile, Err: ErrNotImplemented}
}

// Probe is not implemented here.
func (*OS) Probe(_ context.Context, req ProbeRequest) ProbeResult {
	return ProbeResult{Budget: req.Budget, Err: ErrNotImplemented}
}
