//go:build linux && !gluster_vip_stub

package facts

import (
	"context"

	"github.com/gluster-vip/gluster-vip/facts/probe"
)

// runProbe adapts facts/probe to the decision's types.
func runProbe(ctx context.Context, req ProbeRequest) ProbeResult {
	r, err := probe.Run(ctx, probe.Request{
		Interface: req.Interface, VIP: req.VIP, Source: req.Source,
		Peers: req.Peers, Budget: req.Budget, Conflict: req.Conflict, Local: req.Local, Own: req.Own,
	})
	return ProbeResult{Budget: req.Budget, Elapsed: r.Elapsed, Sent: r.Sent,
		ConflictMAC: r.ConflictMAC, Reached: r.Reached, Err: err}
}
