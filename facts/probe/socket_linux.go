//go:build linux

package probe

import (
	"errors"
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

// packetIgnoreOutgoing is PACKET_IGNORE_OUTGOING (Linux 4.20), which
// x/sys/unix does not name.
const packetIgnoreOutgoing = 23

// listen opens a raw ETH_P_ALL packet socket on ifi. ETH_P_ALL rather than
// one EtherType so that ARP and NDP share one socket and one budget; the
// filter, applied before bind, keeps everything else in the kernel.
//
// An ETH_P_ALL socket also gets a copy of every frame the node sends on
// ifi, storage traffic included, for as long as the probe lasts (issue
// 10, item 16). PACKET_IGNORE_OUTGOING stops that in the kernel. A kernel
// older than 4.20 refuses the option with ENOPROTOOPT; the probe then
// still works, only dearer: the filter drops all but ARP and NDP, and the
// tally ignores frames from our own MAC, so an outgoing copy never reads
// as an answer or a conflict. Any other error is an error.
func listen(ifi *net.Interface) (conn, error) {
	prog, err := bpf.Assemble(socketFilter)
	if err != nil {
		return nil, fmt.Errorf("assemble socket filter: %w", err)
	}
	c, err := packet.Listen(ifi, packet.Raw, unix.ETH_P_ALL, &packet.Config{Filter: prog})
	if err != nil {
		return nil, err
	}
	if err := ignoreOutgoing(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func ignoreOutgoing(c *packet.Conn) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return fmt.Errorf("ignore outgoing frames: %w", err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_PACKET, packetIgnoreOutgoing, 1)
	}); err != nil {
		return fmt.Errorf("ignore outgoing frames: %w", err)
	}
	if serr != nil && !errors.Is(serr, unix.ENOPROTOOPT) {
		return fmt.Errorf("ignore outgoing frames: setsockopt PACKET_IGNORE_OUTGOING: %w", serr)
	}
	return nil
}
