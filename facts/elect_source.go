package facts

import (
	"context"

	"github.com/gluster-vip/gluster-vip/facts/elect"
)

// Elect asks this node's gluster-vip-elect, which must run as root, for a
// freshly confirmed answer, and reads the clock once it has arrived.
func (o *OS) Elect(ctx context.Context, socket string) ElectState {
	s := ElectState{Socket: socket}
	s.Answer, s.Err = elect.Ask(ctx, socket, elect.PeerUID(0))
	if s.Err != nil {
		return s
	}
	s.Now, s.Err = elect.Boottime()
	return s
}
