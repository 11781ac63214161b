//go:build unix

package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// A FIFO as the config: opening it must not wait for a writer (item 10).
func TestConfigFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "gluster-vip.conf")
	require.NoError(t, unix.Mkfifo(fifo, 0o644))
	env := map[string]string{"GLUSTER_VIP_CONFIG": fifo}
	want := fifo + ": not a regular file (a FIFO); refusing it"
	for _, args := range [][]string{nil, {"--vip", "203.0.113.10"}} {
		start := time.Now()
		r := runApp(t, vipHere, env, args...)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, 0, r.code)
		f := factOf(t, r)
		assert.Equal(t, false, f["holder"])
		assert.Equal(t, want, f["error"])

		start = time.Now()
		r = runApp(t, vipHere, env, append([]string{"check"}, args...)...)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, exitError, r.code)
		assert.Equal(t, "gluster-vip check: error, do not run: "+want+"\n", r.stderr)

		r = runApp(t, vipHere, env, append(append([]string{"run"}, args...), "--", "/bin/true")...)
		assert.Equal(t, exitRunError, r.code)
		assert.Empty(t, r.execs)
	}
	r := runApp(t, vipHere, nil, "check", "--config", fifo, "--vip=")
	assert.Equal(t, exitError, r.code, "mode all too refuses a bad config file")
}
