package facts

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Mode names how a node decides that it holds the lock.
type Mode string

// The modes. ModeUnset means "infer": vip, or master when the VIP is this
// node's primary address on its default-route interface.
const (
	ModeUnset        Mode = ""
	ModeVIP          Mode = "vip"
	ModeMaster       Mode = "master"
	ModeAll          Mode = "all"
	ModeUnconfigured Mode = "unconfigured"
	// ModeEtcd is the mode of backend etcd: the lock is an etcd election's
	// leadership, held by this node's gluster-vip-elect daemon. It is
	// never parsed from mode; backend = etcd sets it.
	ModeEtcd Mode = "etcd"
)

// Backend names where the lock comes from.
type Backend string

// The backends. vrrp is today's: a VIP that keepalived moves. etcd is an
// election in an etcd cluster, held by gluster-vip-elect.
const (
	BackendVRRP Backend = "vrrp"
	BackendEtcd Backend = "etcd"
)

// Defaults. DefaultSettle covers VRRP's master-down interval with the
// default advert_int of 1 s: 3 × 1 s + skew (at most 1 s) = 4 s, plus one
// advertisement of margin. A VIP younger than that may still be taken back
// by a master that had not yet been heard. See the README.
const (
	DefaultSettle     = 5 * time.Second
	DefaultProbe      = 200 * time.Millisecond
	DefaultConfigPath = "/etc/gluster-vip/gluster-vip.conf"

	// DefaultLeaseTTL is the etcd lease of backend etcd. The takeover
	// after a dead node is lease_ttl + settle; the lease must outlive an
	// etcd leader election (about 1 s with etcd's defaults, and leases are
	// extended across one) and a few lost keepalives (sent every third of
	// it), and stay short enough that Puppet's next run finds a holder.
	// 10 s survives two lost keepalives and a slow disk's fsync. See the
	// README.
	DefaultLeaseTTL = 10 * time.Second
	// DefaultEtcdPrefix is the election's key prefix.
	DefaultEtcdPrefix = "/gluster-vip/election"
	// DefaultElectSocket is where gluster-vip-elect answers the fact.
	DefaultElectSocket = "/run/gluster-vip/elect.sock"
	// minLeaseTTL is etcd's own floor for a lease (1.5 × election timeout,
	// rounded up), below which it grants more than asked.
	minLeaseTTL  = 2 * time.Second
	maxLeaseTTL  = 5 * time.Minute
	maxEndpoints = 16

	// Bounds that keep a fact run well inside Facter's patience.
	maxSettle = time.Hour
	maxProbe  = 2 * time.Second
	maxPeers  = 64
	// A config file is a handful of lines; anything larger is not ours.
	maxConfigSize = 64 << 10
)

// Keys lists every config key. Each one has a command-line flag of the
// same name.
var Keys = []string{"vip", "mode", "interface", "settle", "peers", "probe", "keepalived_pidfile",
	"backend", "etcd_endpoints", "node_name", "lease_ttl", "etcd_prefix", "etcd_ca", "etcd_cert", "etcd_key", "elect_socket"}

// vrrpKeys apply to backend vrrp only, etcdKeys to backend etcd only:
// setting one under the other backend is an error, never silently unused.
var (
	vrrpKeys = []string{"vip", "mode", "interface", "peers", "probe", "keepalived_pidfile"}
	etcdKeys = []string{"etcd_endpoints", "node_name", "lease_ttl", "etcd_prefix", "etcd_ca", "etcd_cert", "etcd_key", "elect_socket"}
)

// Setting is one raw key = value, with where it came from.
type Setting struct {
	Value  string
	Source string // "flag --vip" or "/etc/gluster-vip/gluster-vip.conf:3"
}

// Settings maps a key to its raw value, for one source.
type Settings map[string]Setting

// Config is the validated, merged configuration.
type Config struct {
	// Configured is false when no source gave a vip: such a node never holds.
	Configured bool
	VIP        netip.Addr // invalid (zero) in mode all
	Mode       Mode       // ModeUnset: infer from the observation
	Interface  string     // "" means any interface
	Settle     time.Duration
	Peers      []netip.Addr
	Probe      time.Duration
	// KeepalivedPidfile, when set, makes a VIP count only while the
	// keepalived that owns it is alive.
	KeepalivedPidfile string

	// Backend etcd: see gluster-vip-elect. Backend is never "" after Merge.
	Backend       Backend
	EtcdEndpoints []string
	NodeName      string // "" means the host name (the daemon resolves it)
	LeaseTTL      time.Duration
	EtcdPrefix    string
	EtcdCA        string
	EtcdCert      string
	EtcdKey       string
	ElectSocket   string

	// ConfigFile is the file that was read, "" when none was.
	ConfigFile string
	// Sources tells, for each key, where its value came from.
	Sources map[string]string
	// Err is the first configuration error. A Config with Err set never holds.
	Err error
}

// ConfigError names the input that was wrong.
type ConfigError struct {
	Source string // file:line or "flag --x"
	Key    string
	Err    error
}

func (e *ConfigError) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s: %v", e.Source, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Source, e.Key, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

func isKey(k string) bool {
	for _, known := range Keys {
		if k == known {
			return true
		}
	}
	return false
}

// ParseConfig parses the text of a config file: "key = value" lines, with
// "#" comments and blank lines. name is used in error messages only.
func ParseConfig(name string, data []byte) (Settings, error) {
	if len(data) > maxConfigSize {
		return nil, &ConfigError{Source: name, Err: fmt.Errorf("larger than %d bytes", maxConfigSize)}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, &ConfigError{Source: name, Err: errors.New("contains a NUL byte")}
	}
	s := Settings{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxConfigSize)
	for line := 1; sc.Scan(); line++ {
		where := fmt.Sprintf("%s:%d", name, line)
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		k, v, ok := strings.Cut(text, "=")
		if !ok {
			return nil, &ConfigError{Source: where, Err: fmt.Errorf("want \"key = value\", got %q", text)}
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		// A trailing comment is allowed; values never contain '#'.
		if i := strings.IndexByte(v, '#'); i >= 0 {
			v = strings.TrimSpace(v[:i])
		}
		if !isKey(k) {
			return nil, &ConfigError{Source: where, Key: k, Err: fmt.Errorf("unknown key (known: %s)", strings.Join(Keys, ", "))}
		}
		if prev, dup := s[k]; dup {
			return nil, &ConfigError{Source: where, Key: k, Err: fmt.Errorf("duplicate key (first set at %s)", prev.Source)}
		}
		s[k] = Setting{Value: v, Source: where}
	}
	if err := sc.Err(); err != nil {
		return nil, &ConfigError{Source: name, Err: err}
	}
	return s, nil
}

// Merge builds the Config from the settings of each source, highest
// precedence first (flags, then the config file). file is the config
// file's path, "" if none was read. loadErr is an error met while finding or
// reading the file; it makes the whole config fail closed.
func Merge(flags, file Settings, path string, loadErr error) Config {
	c := Config{Settle: DefaultSettle, Probe: DefaultProbe, Sources: map[string]string{}, Backend: BackendVRRP,
		LeaseTTL: DefaultLeaseTTL, EtcdPrefix: DefaultEtcdPrefix, ElectSocket: DefaultElectSocket}
	if file != nil || loadErr != nil {
		c.ConfigFile = path
	}
	if loadErr != nil {
		c.Err = loadErr
		return c
	}
	get := func(k string) (Setting, bool) {
		if s, ok := flags[k]; ok {
			return s, true
		}
		s, ok := file[k]
		return s, ok
	}
	for _, k := range Keys {
		s, ok := get(k)
		if !ok {
			c.Sources[k] = "default"
			continue
		}
		c.Sources[k] = s.Source
		if err := c.set(k, s.Value); err != nil {
			c.Err = &ConfigError{Source: s.Source, Key: k, Err: err}
			return c
		}
	}
	if err := c.checkBackend(get); err != nil {
		c.Err = err
		return c
	}
	if c.Backend == BackendEtcd {
		// backend = etcd configures the node: there is no vip to give.
		c.Configured, c.Mode = true, ModeEtcd
		return c
	}
	// probe = 0s turns off the probe that counts the peers, so peers with
	// it would be a quorum that is never checked: refuse the pair rather
	// than hold without quorum (issue 10, item 13).
	if len(c.Peers) > 0 && c.Probe == 0 {
		c.Err = &ConfigError{Source: c.Sources["peers"], Key: "peers", Err: fmt.Errorf(
			"peers need the probe, but probe is 0s (%s), which would turn quorum off; set probe above 0s, or remove peers", c.Sources["probe"])}
		return c
	}
	// Only a vip (possibly empty) configures a node. Other settings alone,
	// even mode = all, leave it unconfigured, so that it never holds by
	// accident before Puppet has written its config.
	_, vipGiven := get("vip")
	c.Configured = vipGiven
	if !c.Configured {
		return c
	}
	switch {
	case !c.VIP.IsValid() && c.Mode != ModeUnset && c.Mode != ModeAll:
		c.Err = &ConfigError{Source: c.Sources["mode"], Key: "mode", Err: fmt.Errorf("mode %s needs a vip, but vip is empty (%s)", c.Mode, c.Sources["vip"])}
	case !c.VIP.IsValid():
		c.Mode = ModeAll
	case c.Mode == ModeAll:
		c.Err = &ConfigError{Source: c.Sources["mode"], Key: "mode", Err: fmt.Errorf("mode all needs an empty vip, but vip is %s (%s)", c.VIP, c.Sources["vip"])}
	}
	return c
}

// applies tells whether key k means anything under c's backend. The
// explain report leaves out, when unset, the keys that don't: the VRRP
// report stays as it was before backend etcd existed.
func (c Config) applies(k string) bool {
	switch {
	case k == "backend":
		return c.Backend == BackendEtcd
	case c.Backend == BackendEtcd:
		return !contains(vrrpKeys, k)
	}
	return !contains(etcdKeys, k)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// checkBackend refuses a key of the other backend, and an etcd backend
// without endpoints, naming where the offending key was set.
func (c *Config) checkBackend(get func(string) (Setting, bool)) error {
	wrong, other := etcdKeys, BackendEtcd
	if c.Backend == BackendEtcd {
		wrong, other = vrrpKeys, BackendVRRP
	}
	for _, k := range wrong {
		if s, ok := get(k); ok {
			return &ConfigError{Source: s.Source, Key: k, Err: fmt.Errorf(
				"applies to backend %s only, but backend is %s (%s)", other, c.Backend, c.Sources["backend"])}
		}
	}
	if c.Backend == BackendEtcd && len(c.EtcdEndpoints) == 0 {
		src := c.Sources["backend"]
		if s, ok := get("etcd_endpoints"); ok {
			src = s.Source
		}
		return &ConfigError{Source: src, Key: "etcd_endpoints", Err: errors.New("backend etcd needs etcd_endpoints (comma-separated URLs)")}
	}
	if (c.EtcdCert == "") != (c.EtcdKey == "") {
		k, other := "etcd_cert", "etcd_key"
		if c.EtcdKey != "" {
			k, other = other, k
		}
		return &ConfigError{Source: c.Sources[k], Key: k, Err: fmt.Errorf("needs %s too (a client certificate and its key)", other)}
	}
	return nil
}

func (c *Config) set(k, v string) error {
	var err error
	switch k {
	case "vip":
		c.VIP, err = ParseVIP(v)
	case "mode":
		c.Mode, err = ParseMode(v)
	case "interface":
		c.Interface, err = ParseInterface(v)
	case "settle":
		c.Settle, err = ParseDuration(v, maxSettle)
	case "probe":
		c.Probe, err = ParseDuration(v, maxProbe)
	case "peers":
		c.Peers, err = ParsePeers(v)
	case "keepalived_pidfile":
		if v != "" && !filepath.IsAbs(v) {
			err = fmt.Errorf("%q is not an absolute path", v)
		}
		c.KeepalivedPidfile = v
	case "backend":
		c.Backend, err = ParseBackend(v)
	case "etcd_endpoints":
		c.EtcdEndpoints, err = ParseEndpoints(v)
	case "node_name":
		c.NodeName, err = ParseNodeName(v)
	case "lease_ttl":
		c.LeaseTTL, err = ParseDuration(v, maxLeaseTTL)
		if err == nil && (c.LeaseTTL < minLeaseTTL || c.LeaseTTL%time.Second != 0) {
			err = fmt.Errorf("%q: want whole seconds from %s to %s (etcd grants leases in seconds)", v, minLeaseTTL, maxLeaseTTL)
		}
	case "etcd_prefix":
		if !strings.HasPrefix(v, "/") || strings.ContainsAny(v, " \t\n") || len(v) > 200 {
			err = fmt.Errorf("%q: want a key prefix starting with /, without spaces", v)
		}
		c.EtcdPrefix = strings.TrimRight(v, "/")
		if c.EtcdPrefix == "" && err == nil {
			err = fmt.Errorf("%q: the root is not a prefix", v)
		}
	case "etcd_ca", "etcd_cert", "etcd_key", "elect_socket":
		if !filepath.IsAbs(v) {
			err = fmt.Errorf("%q is not an absolute path", v)
		}
		switch k {
		case "etcd_ca":
			c.EtcdCA = v
		case "etcd_cert":
			c.EtcdCert = v
		case "etcd_key":
			c.EtcdKey = v
		default:
			c.ElectSocket = v
		}
	}
	return err
}

// ParseBackend parses vrrp or etcd.
func ParseBackend(s string) (Backend, error) {
	switch b := Backend(s); b {
	case BackendVRRP, BackendEtcd:
		return b, nil
	}
	return BackendVRRP, fmt.Errorf("%q is not a backend (want vrrp or etcd)", s)
}

// ParseEndpoints parses comma-separated etcd URLs: http:// or https://,
// then host:port ([v6]:port), nothing else. It is parsed by hand: net/url
// would add to the fact that every node runs on the VRRP path too.
func ParseEndpoints(s string) ([]string, error) {
	parts := strings.Split(s, ",")
	if len(parts) > maxEndpoints {
		return nil, fmt.Errorf("%d endpoints, more than %d", len(parts), maxEndpoints)
	}
	var eps []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		bad := fmt.Errorf("endpoint %q: want a URL such as https://198.51.100.1:2379", p)
		rest, ok := strings.CutPrefix(p, "https://")
		if !ok {
			if rest, ok = strings.CutPrefix(p, "http://"); !ok {
				return nil, bad
			}
		}
		rest = strings.TrimSuffix(rest, "/")
		host, port, err := net.SplitHostPort(rest)
		if err != nil || host == "" || strings.ContainsAny(host, "/@?#% ") {
			return nil, bad
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, bad
		}
		eps = append(eps, p)
	}
	return eps, nil
}

// ParseNodeName checks a node name: what the election records as its
// leader, so printable and short.
func ParseNodeName(s string) (string, error) {
	if s == "" || len(s) > 253 {
		return "", fmt.Errorf("%q: want 1 to 253 characters", s)
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return "", fmt.Errorf("%q: want printable ASCII without spaces", s)
		}
	}
	return s, nil
}

// ParseVIP parses a virtual IP: a bare IPv4 or IPv6 address, or "" for mode
// all. Prefixes, zones and addresses that can't be a VIP are refused.
func ParseVIP(s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, nil
	}
	if strings.Contains(s, "/") {
		return netip.Addr{}, fmt.Errorf("%q: want a bare address, not a prefix", s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("%q is not an IP address", s)
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q: a zone is not allowed", s)
	}
	a = a.Unmap()
	if a.IsUnspecified() || a.IsMulticast() || a.IsLoopback() || a.IsLinkLocalUnicast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return netip.Addr{}, fmt.Errorf("%q can't be a virtual IP (unspecified, loopback, link-local, multicast or broadcast)", s)
	}
	return a, nil
}

// ParseMode parses vip, master or all.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeVIP, ModeMaster, ModeAll:
		return m, nil
	}
	return ModeUnset, fmt.Errorf("%q is not a mode (want vip, master or all)", s)
}

// ParseInterface checks an interface name or label (eth0, br-lan, eth0:1).
func ParseInterface(s string) (string, error) {
	if len(s) > 15 { // IFNAMSIZ - 1, labels included
		return "", fmt.Errorf("%q is longer than 15 bytes", s)
	}
	for _, r := range s {
		if r <= ' ' || r == '/' || r > '~' {
			return "", fmt.Errorf("%q is not a valid interface name", s)
		}
	}
	return s, nil
}

// ParseDuration parses a Go duration between 0 and max. "0" means 0s.
func ParseDuration(s string, max time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (want Go syntax such as 5s or 300ms)", s)
	}
	if d < 0 || d > max {
		return 0, fmt.Errorf("%q is out of range (0s to %s)", s, max)
	}
	return d, nil
}

// ParsePeers parses a comma-separated list of node addresses.
func ParsePeers(s string) ([]netip.Addr, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxPeers {
		return nil, fmt.Errorf("%d peers, more than %d", len(parts), maxPeers)
	}
	peers := make([]netip.Addr, 0, len(parts))
	seen := map[netip.Addr]bool{}
	for _, p := range parts {
		a, err := ParseVIP(strings.TrimSpace(p))
		if err != nil || !a.IsValid() {
			return nil, fmt.Errorf("peer %q is not a usable IP address", strings.TrimSpace(p))
		}
		if seen[a] {
			return nil, fmt.Errorf("peer %s is listed twice", a)
		}
		seen[a] = true
		peers = append(peers, a)
	}
	return peers, nil
}

// UnwrapPath drops the *fs.PathError wrapper, whose path the caller
// names already, so that a message names the path once.
func UnwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
