package facts

import (
	"errors"

	"github.com/gluster-vip/gluster-vip/facts/elect"
	"net"
	"net/netip"
	"runtime"
	"time"
)

// ErrNotImplemented is returned where this operating system has no
// observation code: such a node never holds.
var ErrNotImplemented = errors.New("not implemented on " + runtime.GOOS + " (gluster-vip observes Linux only)")

// Address is one address as the kernel reports it.
type Address struct {
	Prefix    netip.Prefix // address and prefix length
	Interface string       // the interface's name, e.g. eth0
	Label     string       // IFA_LABEL, e.g. eth0:1 (IPv4 only)
	Index     int          // interface index
	Up        bool         // interface IFF_UP and IFF_RUNNING
	Tentative bool         // IPv6 DAD not finished: the address is not usable yet
	DADFailed bool         // IPv6 DAD found a duplicate
	// Deprecated still counts: keepalived marks its IPv6 VIPs so, to keep
	// them from being chosen as source addresses.
	Deprecated bool
	Secondary  bool
	NoDAD      bool
	Permanent  bool
	// Age is how long the address has existed, from IFA_CACHEINFO's
	// creation stamp. AgeKnown is false when the kernel gave no stamp.
	Age      time.Duration
	AgeKnown bool
}

// Interface is one link as the kernel reports it.
type Interface struct {
	Index   int
	Name    string
	Up      bool // IFF_UP
	Running bool // IFF_RUNNING: up and with carrier
	MAC     net.HardwareAddr
}

// Observation is everything Decide needs to know about the node.
type Observation struct {
	Addresses []Address
	// Err is the failure to list addresses; it makes the node not hold.
	Err error

	// Gateway is the IPv4 default gateway (zero when none or not looked up)
	// and GatewayInterface the interface that reaches it.
	Gateway          netip.Addr
	GatewayInterface string
	GatewayErr       error

	// Keepalived is set when a keepalived_pidfile is configured.
	Keepalived *KeepalivedState

	// Probe is set once the conflict and quorum probes have run.
	Probe *ProbeResult

	// Elect is set under backend etcd: what gluster-vip-elect answered.
	Elect *ElectState
}

// ElectState is gluster-vip-elect's answer, and the clock read after it.
type ElectState struct {
	Socket string
	Answer elect.Answer
	// Now is CLOCK_BOOTTIME in nanoseconds, read once the answer arrived:
	// the lease deadline and the settle time are measured against it.
	Now int64
	// Err is why the daemon could not be asked; it makes the node not hold.
	Err error
}

// KeepalivedState is what the pidfile says about keepalived.
type KeepalivedState struct {
	Pidfile string
	PID     int
	Alive   bool
	Err     error // why it could not be read or is not alive
}

// ProbeResult is what the link answered.
type ProbeResult struct {
	Budget      time.Duration
	Elapsed     time.Duration
	Sent        int
	ConflictMAC net.HardwareAddr // non-nil: someone else answers for the VIP
	Reached     []netip.Addr     // peers that answered, this node included
	Err         error
}
