//go:build linux

package probe

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/packet"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// osEnv is the real system: rtnetlink through package net for the
// interface and addresses, and an AF_PACKET socket for the frames.
var osEnv = env{
	iface:      net.InterfaceByName,
	localAddrs: localAddrs,
	localMACs:  localMACs,
	listen:     listen,
}

// localMACs lists the link-layer address of every interface: a link
// dump only, cheap even when the node has many addresses.
func localMACs() ([]net.HardwareAddr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]net.HardwareAddr, 0, len(ifs))
	for _, i := range ifs {
		out = append(out, i.HardwareAddr)
	}
	return out, nil
}

// localAddrs lists this node's addresses on every interface: a peer given
// by an address on another interface is still this node.
func localAddrs() ([]netip.Addr, error) {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out, nil
}

// listen opens a raw ETH_P_ALL packet socket on ifi. ETH_P_ALL rather than
// one EtherType so that ARP, NDP and VRRP share one socket and one budget;
// the filter, applied before bind, keeps everything else in the kernel.
func listen(ifi *net.Interface, groups []net.HardwareAddr) (conn, error) {
	prog, err := bpf.Assemble(socketFilter)
	if err != nil {
		return nil, fmt.Errorf("assemble socket filter: %w", err)
	}
	c, err := packet.Listen(ifi, packet.Raw, unix.ETH_P_ALL, &packet.Config{Filter: prog})
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if err := c.JoinGroup(g); err != nil {
			c.Close()
			return nil, fmt.Errorf("join link-layer group %v: %w", g, err)
		}
	}
	return c, nil
}
