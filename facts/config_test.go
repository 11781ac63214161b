package facts

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseConfig(t *testing.T) {
	s, err := ParseConfig("/etc/gv.conf", []byte("# written by Puppet\n\nvip = 203.0.113.10\nmode=vip # trailing comment\n  settle =  3s\npeers = 198.51.100.11, 198.51.100.12\n"))
	require.NoError(t, err)
	assert.Equal(t, Setting{Value: "203.0.113.10", Source: "/etc/gv.conf:3"}, s["vip"])
	assert.Equal(t, Setting{Value: "vip", Source: "/etc/gv.conf:4"}, s["mode"])
	assert.Equal(t, "3s", s["settle"].Value)
	assert.Equal(t, "198.51.100.11, 198.51.100.12", s["peers"].Value)

	for text, want := range map[string]string{
		"vip = 203.0.113.10\nvip = 203.0.113.11\n": "/etc/gv.conf:2: vip: duplicate key (first set at /etc/gv.conf:1)",
		"vpi = 203.0.113.10\n":                     "/etc/gv.conf:1: vpi: unknown key (known: vip, mode, interface, settle, peers, probe, keepalived_pidfile, backend, etcd_endpoints, node_name, lease_ttl, etcd_prefix, etcd_ca, etcd_cert, etcd_key, elect_socket)",
		"\n\nvip 203.0.113.10\n":                   `/etc/gv.conf:3: want "key = value", got "vip 203.0.113.10"`,
		"vip = 1\x00\n":                            "/etc/gv.conf: contains a NUL byte",
	} {
		_, err := ParseConfig("/etc/gv.conf", []byte(text))
		if assert.Error(t, err, text) {
			assert.Equal(t, want, err.Error())
		}
	}
}

func TestMerge(t *testing.T) {
	file := Settings{"vip": {"203.0.113.10", "f:1"}, "settle": {"3s", "f:2"}, "interface": {"eth0", "f:3"}}
	flags := Settings{"settle": {"0s", "flag --settle"}}
	c := Merge(flags, file, "f", nil)
	require.NoError(t, c.Err)
	assert.True(t, c.Configured)
	assert.Equal(t, netip.MustParseAddr("203.0.113.10"), c.VIP)
	assert.Equal(t, time.Duration(0), c.Settle, "a flag beats the file")
	assert.Equal(t, "flag --settle", c.Sources["settle"])
	assert.Equal(t, "eth0", c.Interface)
	assert.Equal(t, DefaultProbe, c.Probe)
	assert.Equal(t, "default", c.Sources["probe"])
	assert.Equal(t, "f", c.ConfigFile)

	// An empty vip, from any source, is mode all.
	c = Merge(Settings{"vip": {"", "flag --vip"}}, file, "f", nil)
	assert.Equal(t, ModeAll, c.Mode)
	assert.True(t, c.Configured)

	// Flags other than vip don't configure a node; nor does mode all alone.
	for _, s := range []Settings{{"settle": {"1s", "flag --settle"}}, {"mode": {"all", "flag --mode"}}, {}} {
		c = Merge(s, nil, "", nil)
		assert.NoError(t, c.Err)
		assert.False(t, c.Configured, "%v", s)
	}

	for _, tc := range []struct {
		s    Settings
		want string
	}{
		{Settings{"vip": {"203.0.113.10/32", "f:1"}}, `f:1: vip: "203.0.113.10/32": want a bare address, not a prefix`},
		{Settings{"vip": {"fe80::1%eth0", "f:1"}}, `f:1: vip: "fe80::1%eth0": a zone is not allowed`},
		{Settings{"vip": {"127.0.0.1", "f:1"}}, `f:1: vip: "127.0.0.1" can't be a virtual IP (unspecified, loopback, link-local, multicast or broadcast)`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "mode": {"master-ish", "f:2"}}, `f:2: mode: "master-ish" is not a mode (want vip, master or all)`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "settle": {"5", "f:2"}}, `f:2: settle: "5" is not a duration (want Go syntax such as 5s or 300ms)`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "settle": {"-1s", "f:2"}}, `f:2: settle: "-1s" is out of range (0s to 1h0m0s)`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "probe": {"10s", "f:2"}}, `f:2: probe: "10s" is out of range (0s to 2s)`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "peers": {"198.51.100.11,,", "f:2"}}, `f:2: peers: peer "" is not a usable IP address`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "peers": {"198.51.100.11,198.51.100.11", "f:2"}}, `f:2: peers: peer 198.51.100.11 is listed twice`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "interface": {"eth0 eth1", "f:2"}}, `f:2: interface: "eth0 eth1" is not a valid interface name`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "keepalived_pidfile": {"run/k.pid", "f:2"}}, `f:2: keepalived_pidfile: "run/k.pid" is not an absolute path`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "mode": {"all", "f:2"}}, `f:2: mode: mode all needs an empty vip, but vip is 203.0.113.10 (f:1)`},
		{Settings{"vip": {"", "f:1"}, "mode": {"master", "f:2"}}, `f:2: mode: mode master needs a vip, but vip is empty (f:1)`},
		{Settings{"vip": {"203.0.113.10", "f:1"}, "peers": {"198.51.100.11,198.51.100.12", "f:2"}, "probe": {"0s", "f:3"}},
			`f:2: peers: peers need the probe, but probe is 0s (f:3), which would turn quorum off; set probe above 0s, or remove peers`},
	} {
		c := Merge(nil, tc.s, "f", nil)
		if assert.Error(t, c.Err) {
			assert.Equal(t, tc.want, c.Err.Error())
		}
	}
}

func TestReadConfigFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	path := filepath.Join(dir, "gluster-vip.conf")

	s, err := ReadConfigFile(path, false, 0)
	assert.NoError(t, err, "a missing default file means unconfigured")
	assert.Nil(t, s)
	_, err = ReadConfigFile(path, true, 0)
	assert.EqualError(t, err, path+": open: no such file or directory")

	require.NoError(t, os.WriteFile(path, []byte("vip = 203.0.113.10\n"), 0o644))
	require.NoError(t, os.Chmod(path, 0o644))
	if os.Geteuid() == 0 {
		s, err = ReadConfigFile(path, true, 0)
		require.NoError(t, err)
		assert.Equal(t, "203.0.113.10", s["vip"].Value)

		require.NoError(t, os.Chmod(path, 0o664))
		_, err = ReadConfigFile(path, true, 0)
		assert.EqualError(t, err, path+": file is writable by group or other (mode 0664); refusing it (chmod go-w)")

		require.NoError(t, os.Chmod(path, 0o644))
		require.NoError(t, os.Chown(path, 1000, 0))
		_, err = ReadConfigFile(path, true, 0)
		assert.EqualError(t, err, path+": file is owned by uid 1000, not root; refusing it")
		require.NoError(t, os.Chown(path, 0, 0))

		require.NoError(t, os.Chmod(dir, 0o777))
		_, err = ReadConfigFile(path, true, 0)
		assert.EqualError(t, err, path+": directory "+dir+" is writable by group or other (mode 0777); refusing it (chmod go-w)")
		require.NoError(t, os.Chmod(dir, 0o755))

		require.NoError(t, os.Chmod(path, 0o000))
		// Root reads a 0000 file anyway; the owner and mode checks are what matter.
		_, err = ReadConfigFile(path, true, 0)
		assert.NoError(t, err)
		require.NoError(t, os.Chmod(path, 0o644))
	}
	// Not root: no ownership rules, since no privileged command follows.
	require.NoError(t, os.Chmod(path, 0o666))
	_, err = ReadConfigFile(path, true, 1000)
	assert.NoError(t, err)

	_, err = ReadConfigFile(dir, true, 0)
	assert.EqualError(t, err, dir+": not a regular file (a directory); refusing it")
}
