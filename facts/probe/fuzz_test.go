package probe

import (
	"net/netip"
	"testing"
)

// FuzzParseFrame feeds the parser and the tally arbitrary bytes: neither may
// panic, and a frame that parses must be self-consistent. The seeds are the
// frames the probe sends and the answers a Linux neighbour gives; more,
// captured from the real kernel in the netns tests, are in
// testdata/fuzz/FuzzParseFrame.
//
//	go test ./facts/probe -run '^$' -fuzz FuzzParseFrame -fuzztime 30s
func FuzzParseFrame(f *testing.F) {
	probe4, _ := arpProbe(macOurs, tVIP4)
	req4, _ := arpRequest(macOurs, tSelf4, tPeer4)
	dad6, _ := neighborSolicitation(macOurs, netip.IPv6Unspecified(), tVIP6)
	ns6, _ := neighborSolicitation(macOurs, tSelf6, tPeer6)
	for _, b := range [][]byte{
		probe4, req4, dad6, ns6,
		arpReply(macOther, tVIP4, macOurs, netip.IPv4Unspecified()),
		gratuitousARP(macOther, tVIP4),
		neighborAdvert(macOther, tVIP6, allNodes, tVIP6, macOther[:]),
		neighborAdvert(macOther, tPeer6, tSelf6, tPeer6, nil),
		vrrpAdvert(macVMAC, tPeer4, 51, 100),
		vrrpAdvert(macVMAC, tPeer6, 51, 100),
		{},
		make([]byte, 14),
	} {
		f.Add(b)
	}
	p4 := testPlan(tVIP4, true, tSelf4, tPeer4)
	p6 := testPlan(tVIP6, true, tSelf6, tPeer6)
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := parseFrame(b)
		if err != nil {
			return
		}
		switch fr.kind {
		case kindARP:
			if !fr.sender.Is4() || !fr.target.Is4() {
				t.Fatalf("ARP with non-IPv4 addresses: %+v", fr)
			}
		case kindNS, kindNA:
			if !fr.sender.Is6() || !fr.target.Is6() {
				t.Fatalf("NDP with non-IPv6 addresses: %+v", fr)
			}
		default:
			t.Fatalf("parsed a frame of no kind: %+v", fr)
		}
		for _, p := range []*plan{p4, p6} {
			tl := newTally(p)
			tl.observe(fr)
			if tl.found && tl.conflict == p.mac {
				t.Fatalf("our own MAC reported as a conflict: %+v", fr)
			}
			_ = tl.result()
		}
	})
}
