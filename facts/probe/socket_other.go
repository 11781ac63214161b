//go:build !linux

package probe

import (
	"net"
	"net/netip"
)

// osEnv fails the socket step: only Linux has AF_PACKET. The interface
// lookup still runs, so a bad name is reported as such everywhere.
var osEnv = env{
	iface:      net.InterfaceByName,
	localAddrs: func() ([]netip.Addr, error) { return nil, nil },
	localMACs:  func() ([]net.HardwareAddr, error) { return nil, nil },
	listen: func(*net.Interface) (conn, error) {
		return nil, ErrNotImplemented
	},
}
