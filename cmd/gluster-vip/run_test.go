package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tools makes a PATH of real files: bin/tool (executable), noexec/tool
// (0644), and bin/dir (a directory).
func tools(t *testing.T) (bin, noexec string) {
	t.Helper()
	root := t.TempDir()
	bin, noexec = filepath.Join(root, "bin"), filepath.Join(root, "noexec")
	require.NoError(t, os.MkdirAll(filepath.Join(bin, "dir"), 0o755))
	require.NoError(t, os.MkdirAll(noexec, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bin, "tool"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(noexec, "tool"), []byte("#!/bin/sh\n"), 0o644))
	return bin, noexec
}

func TestRunExecsOnlyOnRun(t *testing.T) {
	bin, noexec := tools(t)
	env := map[string]string{"PATH": noexec + ":" + bin}
	holder := []string{"--vip", "203.0.113.10", "--probe=0s"}
	cmd := []string{"tool", "-c", "--", "--vip=x", "check"} // after --, untouched

	r := runApp(t, vipHere, env, append(append([]string{"run"}, holder...), append([]string{"--"}, cmd...)...)...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	assert.Equal(t, []execCall{{filepath.Join(bin, "tool"), cmd, []string{"GV_TEST=1"}}}, r.execs,
		"looked up past the non-executable tool, argv untouched, environment passed through")

	r = runApp(t, vipHere, env, "run", "--vip=", "--", "tool")
	assert.Equal(t, 0, r.code, "mode all runs")
	assert.Len(t, r.execs, 1)

	for _, c := range []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"non-holder", env, []string{"--vip", "203.0.113.11", "--", "tool"}, 124,
			"gluster-vip run: not the holder, did not run: 203.0.113.11 is not on any interface of this node\n"},
		{"unconfigured", env, []string{"--settle=0s", "--", "tool"}, 124,
			"gluster-vip run: not the holder, did not run: no vip is configured (no --vip and no config file): this node runs no guarded operation\n"},
		{"config error", env, []string{"--vip", "203.0.113.10", "--settle", "5", "--", "tool"}, 125,
			"gluster-vip run: error, did not run: flag --settle: settle: \"5\" is not a duration (want Go syntax such as 5s or 300ms)\n"},
		{"quorum off", env, []string{"--vip", "203.0.113.10", "--peers", "198.51.100.12", "--probe=0s", "--", "tool"}, 125,
			"gluster-vip run: error, did not run: flag --peers: peers: peers need the probe, but probe is 0s (flag --probe), which would turn quorum off; set probe above 0s, or remove peers\n"},
		{"not found", env, []string{"--vip=", "--", "nosuchtool"}, 127,
			"gluster-vip run: error, did not run: nosuchtool: not found in $PATH (" + env["PATH"] + ")\n"},
		{"not found by path", env, []string{"--vip=", "--", bin + "/nosuchtool"}, 127,
			"gluster-vip run: error, did not run: " + bin + "/nosuchtool: not found\n"},
		{"through a file", env, []string{"--vip=", "--", bin + "/tool/x"}, 127,
			"gluster-vip run: error, did not run: " + bin + "/tool/x: not found\n"},
		{"not executable", map[string]string{"PATH": noexec}, []string{"--vip=", "--", "tool"}, 126,
			"gluster-vip run: error, did not run: " + noexec + "/tool: not executable (mode 0644)\n"},
		{"a directory", env, []string{"--vip=", "--", bin + "/dir"}, 126,
			"gluster-vip run: error, did not run: " + bin + "/dir: is a directory\n"},
		{"relative PATH entries are skipped", map[string]string{"PATH": "bin:.:"}, []string{"--vip=", "--", "tool"}, 127,
			"gluster-vip run: error, did not run: tool: not found in $PATH (bin:.:)\n"},
		{"no PATH", nil, []string{"--vip=", "--", "tool"}, 127,
			"gluster-vip run: error, did not run: tool: not found in $PATH ()\n"},
		{"empty command", env, []string{"--vip=", "--", ""}, 127,
			"gluster-vip run: error, did not run: empty command name\n"},
		// A missing command is told on every node, holder or not.
		{"not found on a non-holder", env, []string{"--vip", "203.0.113.11", "--", "nosuchtool"}, 127,
			"gluster-vip run: error, did not run: nosuchtool: not found in $PATH (" + env["PATH"] + ")\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runApp(t, vipHere, c.env, append([]string{"run"}, c.args...)...)
			assert.Equal(t, c.code, r.code)
			assert.Equal(t, c.stderr, r.stderr)
			assert.Empty(t, r.stdout)
			assert.Empty(t, r.execs, "nothing may run")
		})
	}
}

func TestRunExecFailureIs126(t *testing.T) {
	bin, _ := tools(t)
	a, _, errb, _ := testApp(vipHere, map[string]string{"PATH": bin})
	a.exec = func(string, []string, []string) error { return os.ErrPermission }
	assert.Equal(t, 126, a.run([]string{"run", "--vip=", "--", "tool"}))
	assert.Equal(t, "gluster-vip run: "+bin+"/tool: cannot execute: permission denied\n", errb.String())
}

// run decides through check's path: for every decision, run runs exactly
// when check exits 0.
func TestRunAgreesWithCheck(t *testing.T) {
	bin, _ := tools(t)
	env := map[string]string{"PATH": bin}
	for _, args := range [][]string{
		{"--vip", "203.0.113.10", "--probe=0s"},
		{"--vip", "203.0.113.10", "--probe=50ms"},
		{"--vip", "203.0.113.11"},
		{"--vip="},
		{"--vip=198.51.100.11", "--mode", "master"},
		{"--settle", "0s"},
		{"--vip", "203.0.113.256"},
		{"--vip", "203.0.113.10", "--keepalived-pidfile", "/nonexistent/k.pid", "--probe=0s"},
	} {
		check := runApp(t, vipHere, env, append([]string{"check"}, args...)...)
		run := runApp(t, vipHere, env, append(append([]string{"run"}, args...), "--", "tool")...)
		name := strings.Join(args, " ")
		assert.Equal(t, check.code == 0, len(run.execs) == 1, name)
		want := map[int]int{0: 0, 1: 124, 2: 125}[check.code]
		assert.Equal(t, want, run.code, name)
	}
}
