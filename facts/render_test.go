package facts

import (
	"bytes"
	"encoding/json"
	"flag"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var meta = Meta{Command: "/opt/gluster-vip/gluster-vip", Version: "1.2.3"}

// scenes are the decisions whose rendering is pinned by golden files.
func scenes() map[string]struct {
	cfg Config
	obs Observation
} {
	peers := []netip.Addr{netip.MustParseAddr("198.51.100.11"), netip.MustParseAddr("198.51.100.12"), netip.MustParseAddr("198.51.100.13")}
	holderObs := base(addr("eth0", "203.0.113.10/32", aged(12340*time.Millisecond)))
	holderObs.Probe = &ProbeResult{Budget: 200 * time.Millisecond, Elapsed: 201 * time.Millisecond, Sent: 9, Reached: peers}
	conflictObs := base(addr("eth0", "203.0.113.10/32"))
	conflictObs.Probe = &ProbeResult{Budget: 200 * time.Millisecond, Elapsed: 3 * time.Millisecond, Sent: 1,
		ConflictMAC: net.HardwareAddr{0x02, 0x42, 0xc6, 0x33, 0x64, 0x0c}, Reached: peers}
	withPeers := func(c *Config) {
		c.Probe = 200 * time.Millisecond
		c.Peers = peers
		c.Sources["peers"] = "/etc/gluster-vip/gluster-vip.conf:4"
	}
	return map[string]struct {
		cfg Config
		obs Observation
	}{
		"holder":       {cfgFor("203.0.113.10", withPeers), holderObs},
		"nonholder":    {cfgFor("203.0.113.10"), base()},
		"conflict":     {cfgFor("203.0.113.10", withPeers), conflictObs},
		"all":          {cfgFor(""), Observation{}},
		"unconfigured": {Merge(nil, nil, "", nil), Observation{}},
		"error": {Merge(nil, nil, "/etc/gluster-vip/gluster-vip.conf",
			&ConfigError{Source: "/etc/gluster-vip/gluster-vip.conf", Err: errString("file is writable by group or other (mode 0666); refusing it (chmod go-w)")}), Observation{}},
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./facts -update to create it")
	assert.Equal(t, string(want), string(got), "%s is stale: rerun with -update and review the diff", path)
}

func TestRenderGolden(t *testing.T) {
	for name, s := range scenes() {
		f := Decide(s.cfg, s.obs)
		for _, format := range Formats {
			var b bytes.Buffer
			require.NoError(t, Render(&b, format, f, meta))
			golden(t, name+"."+format, b.Bytes())
		}
		var b bytes.Buffer
		require.NoError(t, Explain(&b, s.cfg, s.obs, f, meta))
		golden(t, name+".explain", b.Bytes())
	}
}

// The JSON must parse, with real booleans, whatever the decision.
func TestRenderJSONTypes(t *testing.T) {
	for name, s := range scenes() {
		f := Decide(s.cfg, s.obs)
		var b bytes.Buffer
		require.NoError(t, Render(&b, "json", f, meta))
		var v map[string]any
		require.NoError(t, json.Unmarshal(b.Bytes(), &v), name)
		assert.IsType(t, true, v["gluster_vip_holder"], name)
		body := v["gluster_vip"].(map[string]any)
		assert.Equal(t, v["gluster_vip_holder"], body["holder"], name)
		for _, k := range []string{"holder", "mode", "vip", "interface", "reason", "conflict", "held_for", "command", "version", "error"} {
			assert.Contains(t, body, k, name)
		}
	}
	assert.Error(t, Render(&bytes.Buffer{}, "toml", Facts{}, meta))
}
