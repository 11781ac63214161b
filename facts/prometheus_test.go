package facts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A label value may hold anything; the exposition format escapes
// backslash, double quote and newline, and nothing else.
func TestPrometheusLabelEscaping(t *testing.T) {
	f := Facts{Mode: ModeVIP, Interface: "eth0:1", Err: errors.New("x")}
	var b bytes.Buffer
	require.NoError(t, Render(&b, "prometheus", f, Meta{Version: "1.0 \"rc\" C:\\go\nnext"}))
	assert.Contains(t, b.String(), `gluster_vip_info{mode="vip",vip="",interface="eth0:1",version="1.0 \"rc\" C:\\go\nnext"} 1`+"\n")
	assert.Contains(t, b.String(), "gluster_vip_error 1\n")
}

var (
	promHelp   = regexp.MustCompile(`^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]+$`)
	promType   = regexp.MustCompile(`^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) gauge$`)
	promSample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+]+|NaN)$`)
)

// Every scene renders to well-formed exposition text: HELP then TYPE
// before a metric's samples, each metric once, every required metric.
func TestPrometheusWellFormed(t *testing.T) {
	for name, s := range scenes() {
		var b bytes.Buffer
		require.NoError(t, Render(&b, "prometheus", Decide(s.cfg, s.obs), meta))
		require.True(t, strings.HasSuffix(b.String(), "\n"), name)
		typed := map[string]bool{}
		helped := map[string]bool{}
		series := map[string]bool{}
		for i, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			switch {
			case promHelp.MatchString(line):
				m := promHelp.FindStringSubmatch(line)[1]
				assert.False(t, helped[m], "%s:%d: second HELP for %s", name, i+1, m)
				helped[m] = true
			case promType.MatchString(line):
				m := promType.FindStringSubmatch(line)[1]
				assert.True(t, helped[m], "%s:%d: TYPE before HELP", name, i+1)
				assert.False(t, typed[m], "%s:%d: second TYPE for %s", name, i+1, m)
				typed[m] = true
			case promSample.MatchString(line):
				m := promSample.FindStringSubmatch(line)[1]
				assert.True(t, typed[m], "%s:%d: sample before TYPE: %q", name, i+1, line)
				key := strings.Fields(line)[0]
				assert.False(t, series[key], "%s:%d: duplicate series %s", name, i+1, key)
				series[key] = true
			default:
				t.Errorf("%s:%d: not exposition format: %q", name, i+1, line)
			}
		}
		for _, m := range []string{"gluster_vip_holder", "gluster_vip_conflict", "gluster_vip_held_seconds",
			"gluster_vip_quorum_reached", "gluster_vip_quorum_needed", "gluster_vip_error", "gluster_vip_info"} {
			assert.True(t, typed[m], "%s: no %s", name, m)
		}
	}
}

func TestWriteTextfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gluster_vip.prom")
	require.NoError(t, WriteTextfile(path, []byte("a 1\n")))
	require.NoError(t, WriteTextfile(path, []byte("a 2\n")), "replaces the file")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "a 2\n", string(b))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "node_exporter may run as another user")

	assert.EqualError(t, WriteTextfile(filepath.Join(dir, "gluster_vip.txt"), nil),
		`textfile "`+dir+`/gluster_vip.txt": the name must end in .prom (node_exporter reads only those)`)
	assert.Error(t, WriteTextfile(dir+"/", nil), "a directory is not a textfile")
	missing := filepath.Join(dir, "no", "gluster_vip.prom")
	assert.EqualError(t, WriteTextfile(missing, nil), `textfile "`+missing+`": create: no such file or directory`)

	// A directory in the way of the rename: the temporary file goes away.
	blocked := filepath.Join(dir, "blocked.prom")
	require.NoError(t, os.MkdirAll(filepath.Join(blocked, "x"), 0o755))
	assert.ErrorContains(t, WriteTextfile(blocked, []byte("a 1\n")), "rename:")
	left, err := filepath.Glob(filepath.Join(dir, ".*"))
	require.NoError(t, err)
	assert.Empty(t, left, "temporary files left behind")
}
