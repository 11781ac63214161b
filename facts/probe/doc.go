// Package probe asks the link whether anyone else holds the VIP, and which
// peers answer.
//
// Having the VIP is not the same as owning it: after kill -9 of keepalived,
// or a silent partition, two nodes hold it at once (issue 5). Run sends,
// on one AF_PACKET socket and within one wall-clock budget:
//
//   - the conflict probe: for an IPv4 VIP, RFC 5227 ARP probes (sender IP
//     0.0.0.0, target the VIP); for an IPv6 VIP, neighbour solicitations
//     from :: to the VIP's solicited-node group. A second holder's kernel
//     answers either, 0.1–0.5 ms later. Any answer or claim for the VIP
//     from a link-layer address other than ours is a conflict;
//   - quorum requests: an ARP request, or a neighbour solicitation, from
//     the interface's primary address to each peer (from the VIP itself
//     only when Request.Own says it is this node's own fixed address). A
//     peer that answers is reached.
//
// Each is sent three times, at the start and at one and two thirds of the
// budget, so that one lost frame does not read as silence. Silence is the
// only evidence of no conflict, so a sole holder pays the whole budget; the
// call returns early only when nothing is left to learn (a conflict is
// found and every peer has answered, or there was no conflict probe and
// every peer has answered).
//
// Frames are built by hand on the packet socket because the libraries'
// own clients send the wrong thing here: mdlayher/arp's Client sends from
// the interface's first IPv4 address, which may be the VIP and would then
// rewrite the peers' ARP caches for it; mdlayher/ndp's Listen with
// ndp.Unspecified lets the kernel substitute a link-local source, and the
// other holder ignores a DAD-style solicitation that is not from ::.
//
// # Known limits
//
// The probe sees a conflict only through a different link-layer address.
// keepalived's use_vmac gives every master the same virtual MAC
// (00:00:5e:00:01:VRID), so two masters on use_vmac answer the probe with
// the MAC we have ourselves, and the conflict probe cannot tell them
// apart: there, only quorum and the keepalived liveness check stand
// between two masters and a double run. VRRP advertisements are not
// watched: an earlier version could listen for them, but nothing used it,
// so it was removed (issue 10, item 17).
//
// The socket is ETH_P_ALL, so it sets PACKET_IGNORE_OUTGOING (Linux 4.20)
// to get no copy of what the node itself sends, storage traffic included.
// An older kernel refuses the option and the probe goes on: the filter
// drops all but ARP and NDP, and frames from our own MAC never count.
//
// Other limits, each erring towards "conflict" or "not reached", never
// towards a silent second holder except where said:
//
//   - a second holder is silent if its kernel does not answer ARP for the
//     VIP: arp_ignore=8, or the VIP on lo with arp_ignore of 1 or more;
//   - another node's ARP probe for the VIP (sender 0.0.0.0) is not counted
//     as a conflict: it only asks, and if that node holds the VIP our own
//     probe gets its kernel's answer;
//   - on a parent device, VLAN-tagged frames arrive untagged, so another
//     VLAN's claim on the VIP reads as a conflict;
//   - the conflict probe cannot see across a partition: a node cut off
//     from the other holder hears silence. Quorum (Peers) is what covers
//     that case, so a caller should not run the conflict probe alone where
//     partitions matter;
//   - an interface without a carrier is an error, not silence: the kernel
//     then swallows every frame and reports success. A frame the kernel
//     refuses with ENOBUFS is treated as lost on the wire, but a probe of
//     which no frame went out at all is an error;
//   - the probe lasts Budget; a conflict that starts later is the next
//     run's to see.
//
// Run tests, as root, in network namespaces it creates itself
// (pp-PID-Na, pp-PID-Nb, on 198.51.100.0/24 and 2001:db8:5::/64):
//
//	go test ./facts/probe
//	go test ./facts/probe -run '^$' -fuzz FuzzParseFrame -fuzztime 30s
//	go test ./facts/probe -run '^$' -bench .
//
// Without root they skip, unless CI=true, where they fail.
package probe
