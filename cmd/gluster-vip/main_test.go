package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gluster-vip/gluster-vip/facts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeNode is the one seam: a recorded address list.
type fakeNode struct {
	addrs []facts.Address
	err   error
	panic bool
	slow  time.Duration
}

func (n fakeNode) Addresses(int, netip.Addr) ([]facts.Address, error) {
	if n.panic {
		panic("boom")
	}
	time.Sleep(n.slow)
	return n.addrs, n.err
}
func (fakeNode) Gateway() (netip.Addr, error) { return netip.Addr{}, errors.New("no gateway") }
func (fakeNode) Keepalived(p string) facts.KeepalivedState {
	return facts.KeepalivedState{Pidfile: p, Err: errors.New("no")}
}
func (fakeNode) Probe(_ context.Context, r facts.ProbeRequest) facts.ProbeResult {
	return facts.ProbeResult{Budget: r.Budget, Elapsed: r.Budget, Sent: 3}
}

var vipHere = fakeNode{addrs: []facts.Address{
	{Prefix: netip.MustParsePrefix("198.51.100.11/24"), Interface: "eth0", Index: 2, Up: true, Age: time.Hour, AgeKnown: true},
	{Prefix: netip.MustParsePrefix("203.0.113.10/32"), Interface: "eth0", Index: 2, Up: true, Age: time.Hour, AgeKnown: true},
}}

type result struct {
	code           int
	stdout, stderr string
	execs          []execCall // what run would have executed
}

type execCall struct {
	path      string
	argv, env []string
}

// testApp is the CLI in-process: fake node, given environment, and an
// exec that records instead of replacing the test binary.
func testApp(src facts.Source, env map[string]string) (*app, *bytes.Buffer, *bytes.Buffer, *[]execCall) {
	var out, errb bytes.Buffer
	var execs []execCall
	a := &app{stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] },
		environ: func() []string { return []string{"GV_TEST=1"} },
		source:  src, euid: 1000, command: "/usr/local/bin/gluster-vip",
		exit: func(int) { panic("the watchdog fired in a test that does not expect it") },
		exec: func(path string, argv, env []string) error {
			execs = append(execs, execCall{path, argv, env})
			return nil
		}}
	return a, &out, &errb, &execs
}

func runApp(t *testing.T, src facts.Source, env map[string]string, args ...string) result {
	t.Helper()
	a, out, errb, execs := testApp(src, env)
	code := a.run(args)
	return result{code, out.String(), errb.String(), *execs}
}

func factOf(t *testing.T, r result) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), "stdout must always be JSON: %q", r.stdout)
	require.IsType(t, true, v["gluster_vip_holder"])
	return v["gluster_vip"].(map[string]any)
}

func noConfig(t *testing.T) map[string]string {
	return map[string]string{}
}

func TestFactAndCheck(t *testing.T) {
	none := noConfig(t)
	cases := []struct {
		name      string
		src       facts.Source
		args      []string
		holder    bool
		mode      string
		checkCode int
		stderr    bool // the fact writes stderr only on real errors
	}{
		{"holder", vipHere, []string{"--vip", "203.0.113.10", "--probe", "0s"}, true, "vip", 0, false},
		{"holder with probe", vipHere, []string{"--vip", "203.0.113.10", "--probe=50ms"}, true, "vip", 0, false},
		{"non-holder", vipHere, []string{"--vip=203.0.113.11"}, false, "vip", 1, false},
		{"mode all", vipHere, []string{"--vip="}, true, "all", 0, false},
		{"master", vipHere, []string{"--vip=198.51.100.11", "--mode", "master"}, true, "master", 0, false},
		{"unconfigured", vipHere, []string{"--settle", "0s"}, false, "unconfigured", 1, false},
		{"bad vip", vipHere, []string{"--vip", "203.0.113.256"}, false, "unconfigured", 2, true},
		{"bad mode", vipHere, []string{"--vip", "203.0.113.10", "--mode", "boss"}, false, "unconfigured", 2, true},
		{"bad settle", vipHere, []string{"--vip", "203.0.113.10", "--settle", "5"}, false, "unconfigured", 2, true},
		{"bad peers", vipHere, []string{"--vip", "203.0.113.10", "--peers", "198.51.100.1,nope"}, false, "unconfigured", 2, true},
		{"peers without probe", vipHere, []string{"--vip", "203.0.113.10", "--peers", "198.51.100.12", "--probe=0s"}, false, "unconfigured", 2, true},
		{"dashes and underscores", vipHere, []string{"--vip", "203.0.113.10", "--keepalived-pidfile", "/nonexistent/k.pid", "--probe=0s"}, false, "vip", 1, false},
		{"netlink error", fakeNode{err: errors.New("netlink: address dump: permission denied")}, []string{"--vip", "203.0.113.10"}, false, "vip", 2, true},
		{"panic", fakeNode{panic: true}, []string{"--vip", "203.0.113.10"}, false, "unconfigured", 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runApp(t, c.src, none, c.args...)
			assert.Equal(t, 0, r.code, "the fact always exits 0")
			f := factOf(t, r)
			assert.Equal(t, c.holder, f["holder"])
			assert.Equal(t, c.mode, f["mode"])
			assert.Equal(t, "/usr/local/bin/gluster-vip", f["command"])
			if c.stderr {
				assert.NotEmpty(t, r.stderr)
				assert.NotNil(t, f["error"])
				assert.Equal(t, 1, bytes.Count([]byte(r.stderr), []byte("\n")), "one line: %q", r.stderr)
			} else {
				assert.Empty(t, r.stderr, "Facter logs stderr as a warning")
				assert.Nil(t, f["error"])
			}

			r = runApp(t, c.src, none, append([]string{"check"}, c.args...)...)
			assert.Equal(t, c.checkCode, r.code, r.stderr)
			assert.Empty(t, r.stdout)
			if c.checkCode != 0 {
				assert.Contains(t, r.stderr, "gluster-vip check: ")
			}
		})
	}
}

// hang runs args with a bound of 300 ms on an app whose watchdog parks
// instead of ending the process, and returns the watchdog's exit code.
func hang(t *testing.T, src facts.Source, env map[string]string, args ...string) (result, time.Duration) {
	t.Helper()
	a, out, errb, execs := testApp(src, env)
	a.bound = 300 * time.Millisecond
	exited := make(chan int, 1)
	// The real exit ends the process; here the watchdog's goroutine parks.
	a.exit = func(code int) { exited <- code; select {} }
	start := time.Now()
	go a.run(args)
	select {
	case code := <-exited:
		return result{code, out.String(), errb.String(), *execs}, time.Since(start)
	case <-time.After(5 * time.Second):
		t.Fatal("the watchdog did not fire")
	}
	return result{}, 0
}

func TestNeverHangs(t *testing.T) {
	slow := fakeNode{slow: 10 * time.Second}
	r, took := hang(t, slow, nil, "--vip", "203.0.113.10")
	assert.Equal(t, 0, r.code, "the fact exits 0 even then")
	assert.Less(t, took, time.Second)
	f := factOf(t, r)
	assert.Equal(t, false, f["holder"])
	assert.Equal(t, "did not finish within 300ms", f["error"])
	assert.Equal(t, "gluster-vip: did not finish within 300ms\n", r.stderr)

	r, _ = hang(t, slow, nil, "check", "--vip", "203.0.113.10")
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, "gluster-vip check: error, do not run: did not finish within 300ms\n", r.stderr)

	r, _ = hang(t, slow, nil, "run", "--vip", "203.0.113.10", "--", "/bin/sh", "-c", "true")
	assert.Equal(t, exitRunError, r.code)
	assert.Empty(t, r.execs, "a run that timed out executes nothing")
	assert.Equal(t, "gluster-vip run: error, did not run: did not finish within 300ms\n", r.stderr)
}

// slowEnv stands for a config that blocks while it is found and read: the
// bound covers config resolution, not only the observation.
func TestConfigResolutionIsBounded(t *testing.T) {
	a, out, errb, _ := testApp(vipHere, nil)
	a.bound = 300 * time.Millisecond
	a.getenv = func(string) string { time.Sleep(10 * time.Second); return "" }
	exited := make(chan int, 1)
	a.exit = func(code int) { exited <- code; select {} }
	go a.run([]string{"check"})
	select {
	case code := <-exited:
		assert.Equal(t, exitError, code)
	case <-time.After(5 * time.Second):
		t.Fatal("config resolution ran outside the bound")
	}
	assert.Empty(t, out.String())
	assert.Contains(t, errb.String(), "did not finish within 300ms")
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	envConf := filepath.Join(dir, "env.conf")
	flagConf := filepath.Join(dir, "flag.conf")
	require.NoError(t, os.WriteFile(envConf, []byte("vip = 203.0.113.10\nsettle = 0s\nprobe = 0s\n"), 0o644))
	require.NoError(t, os.WriteFile(flagConf, []byte("vip = 203.0.113.11\n"), 0o644))
	env := map[string]string{"GLUSTER_VIP_CONFIG": envConf}

	f := factOf(t, runApp(t, vipHere, env))
	assert.Equal(t, true, f["holder"], "env names the config file")
	assert.Equal(t, envConf, f["config"])

	f = factOf(t, runApp(t, vipHere, env, "--config", flagConf))
	assert.Equal(t, false, f["holder"], "--config beats the environment")
	assert.Equal(t, "203.0.113.11", f["vip"])

	f = factOf(t, runApp(t, vipHere, env, "--vip", "203.0.113.11"))
	assert.Equal(t, "203.0.113.11", f["vip"], "a flag beats the file")

	r := runApp(t, vipHere, map[string]string{"GLUSTER_VIP_CONFIG": filepath.Join(dir, "missing.conf")})
	f = factOf(t, r)
	assert.Equal(t, false, f["holder"])
	assert.Contains(t, f["error"], "missing.conf: open: no such file or directory")
}

func TestFormatsAndSubcommands(t *testing.T) {
	r := runApp(t, vipHere, nil, "--vip=", "--format", "yaml")
	assert.Contains(t, r.stdout, "gluster_vip_holder: true\n")
	r = runApp(t, vipHere, nil, "--vip=", "--format", "keyvalue")
	assert.Contains(t, r.stdout, "gluster_vip_holder=true\n")
	r = runApp(t, vipHere, nil, "--vip=", "--format", "xml")
	assert.Equal(t, false, factOf(t, r)["holder"], "a bad format still prints a parseable fact")
	assert.Equal(t, 2, r.code, "a bad format is bad usage")

	r = runApp(t, vipHere, nil, "explain", "--vip", "203.0.113.10", "--probe=0s", "--settle=0s")
	assert.Equal(t, 0, r.code)
	assert.Contains(t, r.stdout, "Decision: this node is the holder")
	assert.Regexp(t, `203\.0\.113\.10/32 +true .*<- vip`, r.stdout)

	r = runApp(t, vipHere, nil, "version")
	assert.Equal(t, "gluster-vip dev\n", r.stdout)
	r = runApp(t, vipHere, nil, "frobnicate")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, `unknown command "frobnicate"`)
	r = runApp(t, vipHere, nil, "help")
	assert.Contains(t, r.stdout, "--keepalived_pidfile")
}

// --textfile writes only the named file; when the run overruns, the
// watchdog writes the error there too, so a stale "holder 1" can't linger.
func TestTextfile(t *testing.T) {
	prom := filepath.Join(t.TempDir(), "gluster_vip.prom")
	r := runApp(t, vipHere, nil, "--vip", "203.0.113.10", "--probe=0s", "--textfile", prom)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	b, err := os.ReadFile(prom)
	require.NoError(t, err)
	assert.Contains(t, string(b), "\ngluster_vip_holder 1\n")
	assert.Contains(t, string(b), "\ngluster_vip_held_seconds 3600\n")

	r, _ = hang(t, fakeNode{slow: 10 * time.Second}, nil, "--vip", "203.0.113.10", "--textfile", prom)
	assert.Equal(t, 0, r.code)
	assert.Empty(t, r.stdout)
	b, err = os.ReadFile(prom)
	require.NoError(t, err)
	assert.Contains(t, string(b), "\ngluster_vip_holder 0\n")
	assert.Contains(t, string(b), "\ngluster_vip_error 1\n")

	for _, args := range [][]string{
		{"--vip=", "--textfile", filepath.Join(filepath.Dir(prom), "gluster_vip.txt")},
		{"--vip=", "--textfile", prom, "--format", "json"},
		{"--vip=", "--textfile="},
	} {
		r = runApp(t, vipHere, nil, args...)
		assert.Equal(t, 2, r.code, "%q: %s", args, r.stderr)
	}
}

// answering is a node whose probe hears the given peers.
type answering struct {
	fakeNode
	reached []netip.Addr
}

func (n answering) Probe(_ context.Context, r facts.ProbeRequest) facts.ProbeResult {
	return facts.ProbeResult{Budget: r.Budget, Sent: 2, Reached: n.reached}
}

// quorum exits 0 on a counted majority only, with or without the VIP.
func TestQuorum(t *testing.T) {
	ip := netip.MustParseAddr
	flags := []string{"quorum", "--vip=203.0.113.10", "--peers=198.51.100.11,198.51.100.12,198.51.100.13", "--probe=100ms"}
	noVIP := fakeNode{addrs: vipHere.addrs[:1]}
	for _, c := range []struct {
		name   string
		src    facts.Source
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"majority, VIP elsewhere", answering{noVIP, []netip.Addr{ip("198.51.100.11"), ip("198.51.100.13")}}, []string{"--interface=eth0"}, 0,
			"gluster-vip quorum: quorum reached on eth0: 2 of 3 peers answered, 2 needed\n", ""},
		{"majority, VIP here", answering{vipHere, []netip.Addr{ip("198.51.100.11"), ip("198.51.100.12")}}, nil, 0,
			"gluster-vip quorum: quorum reached on eth0: 2 of 3 peers answered, 2 needed\n", ""},
		{"minority", answering{vipHere, []netip.Addr{ip("198.51.100.11")}}, nil, 1, "",
			"gluster-vip quorum: quorum not reached on eth0: 1 of 3 peers answered, 2 needed (silent: 198.51.100.12, 198.51.100.13)\n"},
		{"no interface known", answering{noVIP, nil}, nil, 2, "",
			"gluster-vip quorum: error, no quorum: no interface to count the peers on: 203.0.113.10 is not here and no default route names one; set interface\n"},
		{"address error", answering{fakeNode{err: errors.New("netlink: boom")}, nil}, nil, 2, "",
			"gluster-vip quorum: error, no quorum: addresses: netlink: boom\n"},
		{"panic", answering{fakeNode{panic: true}, nil}, nil, 2, "", "gluster-vip quorum: error, no quorum: internal error: boom\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runApp(t, c.src, noConfig(t), append(append([]string{}, flags...), c.args...)...)
			assert.Equal(t, c.code, r.code)
			assert.Equal(t, c.stdout, r.stdout)
			assert.Equal(t, c.stderr, r.stderr)
			assert.Empty(t, r.execs)
		})
	}
}
