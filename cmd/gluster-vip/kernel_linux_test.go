//go:build linux

package main

// Real-kernel tests: two network namespaces joined by a veth pair, real
// addresses, and the built binary run inside each. No fakes.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// needRoot skips outside CI and fails inside it: CI must never pass by
// skipping the tests that matter.
func needRoot(t *testing.T, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range append([]string{"ip"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but this test needs %s", strings.Join(missing, ", "))
	}
	t.Skipf("needs %s (runs in CI)", strings.Join(missing, ", "))
}

var builtBinary string

// binary builds gluster-vip once per test run.
func binary(t *testing.T) string {
	t.Helper()
	if builtBinary != "" {
		return builtBinary
	}
	dir, err := os.MkdirTemp("", "gv-bin-")
	require.NoError(t, err)
	require.NoError(t, os.Chmod(dir, 0o755))
	out := filepath.Join(dir, "gluster-vip")
	cmd := exec.Command("go", "build", "-ldflags", "-X main.version=test", "-o", out, ".")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", b)
	builtBinary = out
	return out
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBinary != "" {
		os.RemoveAll(filepath.Dir(builtBinary))
	}
	os.Exit(code)
}

func sh(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(args, " "), out)
	return string(out)
}

// pair makes namespaces A and B, each with eth0, joined by a veth pair:
// A is 198.51.100.11/24, B 198.51.100.12/24.
func pair(t *testing.T) (a, b string) {
	t.Helper()
	id := fmt.Sprintf("gk%d%d", os.Getpid()%10000, time.Now().UnixNano()%1000)
	a, b = id+"a", id+"b"
	for _, ns := range []string{a, b} {
		sh(t, "ip", "netns", "add", ns)
		ns := ns
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	sh(t, "ip", "-n", a, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", b)
	for i, ns := range []string{a, b} {
		sh(t, "ip", "-n", ns, "link", "set", "lo", "up")
		sh(t, "ip", "-n", ns, "link", "set", "eth0", "up")
		sh(t, "ip", "-n", ns, "addr", "add", fmt.Sprintf("198.51.100.1%d/24", i+1), "dev", "eth0")
	}
	return a, b
}

// writeConfig writes a config file as Puppet would: root's, 0644, in a
// 0755 directory, which is what the binary accepts when run as root.
func writeConfig(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	conf := filepath.Join(dir, "gluster-vip.conf")
	require.NoError(t, os.WriteFile(conf, []byte(text), 0o644))
	return conf
}

type answer struct {
	code int
	fact map[string]any
	out  string
	err  string
}

// in runs the binary in ns with args, and decodes the fact when there is one.
func in(t *testing.T, ns string, env []string, args ...string) answer {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns, binary(t)}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	a := answer{out: stdout.String(), err: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		a.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(a.out), &v), "fact output must be JSON: %q", a.out)
		a.fact = v["gluster_vip"].(map[string]any)
		require.Equal(t, a.fact["holder"], v["gluster_vip_holder"])
		agree(t, ns, env, args, a.fact)
	}
	return a
}

// agree runs check and explain with the same inputs as a fact run and
// asserts that all three decided alike: the fact's holder, check's exit
// code and explain's decision and mode (issue 10, item 12). Every fact
// run of this suite goes through it, so every scenario is covered.
func agree(t *testing.T, ns string, env []string, args []string, fact map[string]any) {
	t.Helper()
	run := func(sub string) (int, string) {
		cmd := exec.Command("ip", append([]string{"netns", "exec", ns, binary(t), sub}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		var stdout strings.Builder
		cmd.Stdout = &stdout
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), stdout.String()
		}
		require.NoError(t, err)
		return 0, stdout.String()
	}
	wantExit := exitNoRun
	switch {
	case fact["error"] != nil:
		wantExit = exitError
	case fact["holder"] == true:
		wantExit = exitRun
	}
	code, _ := run("check")
	assert.Equal(t, wantExit, code, "check %v exits %d, but the fact says holder %v, error %v (%v)", args, code, fact["holder"], fact["error"], fact["reason"])

	// quorum counts as the fact does: a fact that counted the peers and
	// a track script that disagreed would drop or keep the wrong VIP.
	if q, ok := fact["quorum"].(map[string]any); ok {
		want := exitNoRun
		if q["reached"].(float64) >= q["needed"].(float64) {
			want = exitRun
		}
		code, _ := run("quorum")
		assert.Equal(t, want, code, "quorum %v exits %d, but the fact counted %v", args, code, q)
	}

	_, report := run("explain")
	decision := "Decision: this node is NOT the holder"
	if fact["holder"] == true {
		decision = "Decision: this node is the holder"
	}
	assert.Contains(t, report, decision+":", "explain %v disagrees with the fact (%v)", args, fact["reason"])
	assert.Contains(t, report, fmt.Sprintf("\nMode:     %s\n", fact["mode"]), "explain %v: mode", args)
}

func TestKernelHolder(t *testing.T) {
	needRoot(t)
	a, b := pair(t)
	sh(t, "ip", "-n", a, "addr", "add", "203.0.113.10/32", "dev", "eth0")
	args := []string{"--vip", "203.0.113.10", "--settle", "0s"}

	// A holds it, with the default probe; B does not, and pays no probe.
	ra := in(t, a, nil, args...)
	assert.Equal(t, true, ra.fact["holder"], ra.fact["reason"])
	assert.Equal(t, "eth0", ra.fact["interface"])
	assert.Equal(t, "203.0.113.10/32", ra.fact["address"])
	assert.Empty(t, ra.err, "stderr stays empty when all is well")
	rb := in(t, b, nil, args...)
	assert.Equal(t, false, rb.fact["holder"])
	assert.Equal(t, "203.0.113.10 is not on any interface of this node", rb.fact["reason"])
	assert.Empty(t, rb.err)
	assert.Equal(t, 0, in(t, a, nil, append([]string{"check"}, args...)...).code)
	assert.Equal(t, 1, in(t, b, nil, append([]string{"check"}, args...)...).code)

	// Two holders: each one's kernel answers the other's probe, so both step down.
	sh(t, "ip", "-n", b, "addr", "add", "203.0.113.10/32", "dev", "eth0")
	for _, ns := range []string{a, b} {
		r := in(t, ns, nil, args...)
		assert.Equal(t, false, r.fact["holder"], ns)
		assert.Equal(t, true, r.fact["conflict"], ns)
		assert.Contains(t, r.fact["reason"], "also answers for 203.0.113.10")
		assert.Equal(t, 1, in(t, ns, nil, append([]string{"check"}, args...)...).code)
	}
	sh(t, "ip", "-n", b, "addr", "del", "203.0.113.10/32", "dev", "eth0")

	// A down interface does not count.
	sh(t, "ip", "-n", a, "link", "set", "eth0", "down")
	r := in(t, a, nil, args...)
	assert.Equal(t, false, r.fact["holder"])
	assert.Equal(t, "203.0.113.10 is on eth0, but that interface is down", r.fact["reason"])
	sh(t, "ip", "-n", a, "link", "set", "eth0", "up")
}

// TestKernelQuorum counts real peers: A and B answer, 198.51.100.13 does
// not exist. The VIP need not be here: a node in FAULT must count too, to
// come back once the partition heals.
func TestKernelQuorum(t *testing.T) {
	needRoot(t)
	a, b := pair(t)
	args := []string{"--vip", "203.0.113.10", "--settle", "0s", "--probe", "300ms",
		"--peers", "198.51.100.11,198.51.100.12,198.51.100.13"}
	quorum := func(ns string, extra ...string) answer {
		return in(t, ns, nil, append(append([]string{"quorum"}, args...), extra...)...)
	}

	// Without the VIP, the interface is the one given.
	r := quorum(a, "--interface", "eth0")
	assert.Equal(t, 0, r.code, r.err)
	assert.Equal(t, "gluster-vip quorum: quorum reached on eth0: 2 of 3 peers answered, 2 needed\n", r.out)
	assert.Empty(t, r.err)
	// Nor the default route's: nothing to count on.
	r = quorum(a)
	assert.Equal(t, 2, r.code)
	assert.Equal(t, "gluster-vip quorum: error, no quorum: no interface to count the peers on: 203.0.113.10 is not here and no default route names one; set interface\n", r.err)

	// With the VIP: its interface; the fact counted alike (in checks it).
	sh(t, "ip", "-n", a, "addr", "add", "203.0.113.10/32", "dev", "eth0")
	assert.Equal(t, 0, quorum(a).code)
	f := in(t, a, nil, args...)
	assert.Equal(t, true, f.fact["holder"], f.fact["reason"])

	// B stops answering for its address: A is alone, 1 of 3.
	sh(t, "ip", "-n", b, "addr", "del", "198.51.100.12/24", "dev", "eth0")
	r = quorum(a)
	assert.Equal(t, 1, r.code)
	assert.Equal(t, "gluster-vip quorum: quorum not reached on eth0: 1 of 3 peers answered, 2 needed (silent: 198.51.100.12, 198.51.100.13)\n", r.err)
	assert.Empty(t, r.out)
	f = in(t, a, nil, args...)
	assert.Equal(t, false, f.fact["holder"])
	assert.Contains(t, f.fact["reason"], "quorum not reached")

	// IPv6, on the same link: A and B answer neighbour solicitations.
	for i, ns := range []string{a, b} {
		sh(t, "ip", "-n", ns, "addr", "add", fmt.Sprintf("2001:db8::1%d/64", i+1), "dev", "eth0", "nodad")
	}
	r = in(t, a, nil, "quorum", "--vip", "2001:db8::10", "--interface", "eth0", "--probe", "300ms",
		"--peers", "2001:db8::11,2001:db8::12,2001:db8::13")
	assert.Equal(t, 0, r.code, r.err)
	assert.Equal(t, "gluster-vip quorum: quorum reached on eth0: 2 of 3 peers answered, 2 needed\n", r.out)
}

func TestKernelSettleAgainstRealTime(t *testing.T) {
	needRoot(t)
	a, _ := pair(t)
	args := []string{"--vip", "203.0.113.10", "--settle", "1s", "--probe", "0s"}
	sh(t, "ip", "-n", a, "addr", "add", "203.0.113.10/32", "dev", "eth0")
	added := time.Now()
	r := in(t, a, nil, args...)
	assert.Equal(t, false, r.fact["holder"], "a fresh VIP has not settled")
	assert.Contains(t, r.fact["reason"], "less than settle 1s")
	time.Sleep(time.Until(added.Add(1100 * time.Millisecond)))
	r = in(t, a, nil, args...)
	elapsed := time.Since(added).Seconds()
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])
	held := r.fact["held_for"].(float64)
	// The kernel's age must never exceed real time: that is the unsafe side.
	assert.LessOrEqual(t, held, elapsed+0.01, "held_for %.2f > real %.2f", held, elapsed)
	assert.GreaterOrEqual(t, held, 1.0)
}

func TestKernelAddressCases(t *testing.T) {
	needRoot(t)
	a, b := pair(t)
	sh(t, "ip", "-n", a, "link", "add", "br-gv", "type", "veth", "peer", "name", "br-gv-peer")
	sh(t, "ip", "-n", a, "link", "set", "br-gv", "up")
	sh(t, "ip", "-n", a, "link", "set", "br-gv-peer", "up")
	sh(t, "ip", "-n", a, "addr", "add", "203.0.113.20/24", "dev", "eth0", "label", "eth0:1")
	sh(t, "ip", "-n", a, "addr", "add", "203.0.113.30/32", "dev", "br-gv")
	// keepalived's IPv6 VIP: a /128 with nodad, deprecated.
	sh(t, "ip", "-n", a, "addr", "add", "2001:db8::10/128", "dev", "eth0", "nodad", "preferred_lft", "0")
	// DAD will fail: B holds the address already.
	sh(t, "ip", "-n", b, "addr", "add", "2001:db8::30/64", "dev", "eth0", "nodad")
	sh(t, "ip", "-n", a, "addr", "add", "2001:db8::30/64", "dev", "eth0")
	// Tentative: DAD takes a second and more here.
	sh(t, "ip", "netns", "exec", a, "sysctl", "-qw", "net.ipv6.conf.eth0.dad_transmits=30")
	sh(t, "ip", "-n", a, "addr", "add", "2001:db8::40/64", "dev", "eth0")

	off := []string{"--settle", "0s", "--probe", "0s"}
	r := in(t, a, nil, append([]string{"--vip", "203.0.113.20", "--interface", "eth0:1"}, off...)...)
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])
	r = in(t, a, nil, append([]string{"--vip", "203.0.113.20", "--interface", "eth0"}, off...)...)
	assert.Equal(t, true, r.fact["holder"], "the label's interface counts too: %v", r.fact["reason"])
	r = in(t, a, nil, append([]string{"--vip", "203.0.113.30", "--interface", "br-gv"}, off...)...)
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])
	assert.Equal(t, "br-gv", r.fact["interface"])
	r = in(t, a, nil, append([]string{"--vip", "2001:db8::10"}, off...)...)
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])
	r = in(t, a, nil, append([]string{"--vip", "2001:db8::99"}, off...)...)
	assert.Equal(t, false, r.fact["holder"])
	assert.Equal(t, "2001:db8::99 is not on any interface of this node", r.fact["reason"], "the single-address lookup says no")
	r = in(t, a, nil, append([]string{"--vip", "2001:db8::40"}, off...)...)
	assert.Equal(t, false, r.fact["holder"])
	assert.Equal(t, "2001:db8::40 on eth0 is tentative (duplicate address detection is not done)", r.fact["reason"])

	deadline := time.Now().Add(5 * time.Second)
	for {
		r = in(t, a, nil, append([]string{"--vip", "2001:db8::30"}, off...)...)
		if strings.Contains(r.fact["reason"].(string), "failed duplicate") || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, false, r.fact["holder"])
	assert.Equal(t, "2001:db8::30 on eth0 failed duplicate address detection", r.fact["reason"])

	r = in(t, a, nil, append([]string{"--vip", "203.0.113.30", "--interface", "nosuch0"}, off...)...)
	assert.Equal(t, false, r.fact["holder"])
	assert.Equal(t, `interface "nosuch0": no such interface or label with an address of the VIP's family`, r.fact["error"])
	assert.Equal(t, 2, in(t, a, nil, append([]string{"check", "--vip", "203.0.113.30", "--interface", "nosuch0"}, off...)...).code)

	// Master mode, inferred: the primary address of the default-route interface.
	sh(t, "ip", "-n", a, "route", "add", "default", "via", "198.51.100.1")
	r = in(t, a, nil, "--vip", "198.51.100.11", "--settle", "0s")
	assert.Equal(t, "master", r.fact["mode"])
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])
	r = in(t, b, nil, "--vip", "198.51.100.11", "--settle", "0s")
	assert.Equal(t, false, r.fact["holder"])
}

func TestKernelConfigFile(t *testing.T) {
	needRoot(t, "setpriv")
	a, _ := pair(t)
	sh(t, "ip", "-n", a, "addr", "add", "203.0.113.10/32", "dev", "eth0")
	conf := writeConfig(t, "# written by a test\nvip = 203.0.113.10\nsettle = 0s\nprobe = 0s\n")
	env := []string{"GLUSTER_VIP_CONFIG=" + conf}

	r := in(t, a, env)
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])
	assert.Equal(t, conf, r.fact["config"])

	require.NoError(t, os.Chmod(conf, 0o666))
	r = in(t, a, env)
	assert.Equal(t, false, r.fact["holder"])
	assert.Equal(t, conf+": file is writable by group or other (mode 0666); refusing it (chmod go-w)", r.fact["error"])
	assert.Equal(t, conf+": file is writable by group or other (mode 0666); refusing it (chmod go-w)\n",
		strings.TrimPrefix(r.err, "gluster-vip: "), "one line on stderr, naming the file")
	require.NoError(t, os.Chmod(conf, 0o600))

	// Unreadable: an unprivileged user can't read root's 0600 file.
	cmd := exec.Command("ip", "netns", "exec", a, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary(t), "check")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, 2, ee.ExitCode())
	assert.Equal(t, "gluster-vip check: error, do not run: "+conf+": open: permission denied\n", string(out))

	require.NoError(t, os.WriteFile(conf, []byte("vip = 203.0.113.10\nsetle = 0s\n"), 0o644))
	r = in(t, a, env)
	assert.Equal(t, conf+":2: setle: unknown key (known: vip, mode, interface, settle, peers, probe, keepalived_pidfile, backend, etcd_endpoints, node_name, lease_ttl, etcd_prefix, etcd_ca, etcd_cert, etcd_key, elect_socket)", r.fact["error"])
}

// Real Facter reads the binary as an external fact, and the holder fact
// arrives as a boolean, not the string "false" (which Puppet treats as true).
func TestFacterReadsABoolean(t *testing.T) {
	needRoot(t, "facter")
	a, b := pair(t)
	sh(t, "ip", "-n", a, "addr", "add", "203.0.113.10/32", "dev", "eth0")
	conf := writeConfig(t, "vip = 203.0.113.10\nsettle = 0s\n")
	ext := filepath.Join(filepath.Dir(conf), "facts.d")
	require.NoError(t, os.Mkdir(ext, 0o755))
	// The binary itself is the external fact (no wrapper).
	data, err := os.ReadFile(binary(t))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(ext, "gluster_vip"), data, 0o755))

	for ns, want := range map[string]bool{a: true, b: false} {
		cmd := exec.Command("ip", "netns", "exec", ns, "facter", "--json", "--external-dir", ext, "gluster_vip_holder", "gluster_vip.mode", "gluster_vip.vip")
		cmd.Env = append(os.Environ(), "GLUSTER_VIP_CONFIG="+conf)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		require.NoError(t, cmd.Run(), stderr.String())
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout.String()), &got), stdout.String())
		assert.Equal(t, want, got["gluster_vip_holder"], "%s: typed boolean", ns)
		assert.Equal(t, "vip", got["gluster_vip.mode"], ns)
		assert.Equal(t, "203.0.113.10", got["gluster_vip.vip"], ns)
		assert.NotContains(t, stderr.String(), "gluster", "no warnings from our fact")
	}
}

// Issue 10, item 11: mode inference does not depend on the kernel's
// address order, and a master keeps the conflict probe. A network restart
// re-adds the node's /24 after keepalived's /32, so the /32 is listed
// first; it was then taken for the node's own address (master, no probe).
func TestKernelMasterInference(t *testing.T) {
	needRoot(t)
	a, b := pair(t)
	sh(t, "ip", "-n", a, "addr", "add", "203.0.113.10/32", "dev", "eth0")
	sh(t, "ip", "-n", a, "addr", "del", "198.51.100.11/24", "dev", "eth0")
	sh(t, "ip", "-n", a, "addr", "add", "198.51.100.11/24", "dev", "eth0")
	sh(t, "ip", "-n", a, "route", "add", "default", "via", "198.51.100.1")
	listing := sh(t, "ip", "-n", a, "-4", "-o", "addr", "show", "dev", "eth0")
	require.Less(t, strings.Index(listing, "203.0.113.10/32"), strings.Index(listing, "198.51.100.11/24"),
		"the scenario needs the /32 listed first:\n%s", listing)

	off := []string{"--settle", "0s", "--probe", "0s"}
	r := in(t, a, nil, append([]string{"--vip", "203.0.113.10"}, off...)...)
	assert.Equal(t, "vip", r.fact["mode"], r.fact["reason"])
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])
	r = in(t, a, nil, append([]string{"--vip", "198.51.100.11"}, off...)...)
	assert.Equal(t, "master", r.fact["mode"])
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])

	// The master is probed like a VIP: alone, it runs; when a second node
	// answers for its address, nobody runs.
	r = in(t, a, nil, "--vip", "198.51.100.11", "--settle", "0s")
	assert.Equal(t, "master", r.fact["mode"])
	assert.Equal(t, true, r.fact["holder"], r.fact["reason"])
	sh(t, "ip", "-n", b, "addr", "add", "198.51.100.11/32", "dev", "eth0")
	r = in(t, a, nil, "--vip", "198.51.100.11", "--settle", "0s")
	assert.Equal(t, "master", r.fact["mode"])
	assert.Equal(t, false, r.fact["holder"])
	assert.Equal(t, true, r.fact["conflict"])
	assert.Contains(t, r.fact["reason"], "also answers for 198.51.100.11")
}

// Issue 10, item 12, as reported: an IPv6 VIP on the IPv4 default
// route's interface, listed first (newest), held by a second node too.
// check saw the conflict; explain called this node master and holder.
// in() asserts that fact, check and explain agree.
func TestKernelIPv6VIPOnTheGatewayInterface(t *testing.T) {
	needRoot(t)
	a, b := pair(t)
	sh(t, "ip", "-n", a, "route", "add", "default", "via", "198.51.100.1")
	sh(t, "ip", "-n", a, "addr", "add", "2001:db8::11/64", "dev", "eth0", "nodad")
	for _, ns := range []string{a, b} {
		sh(t, "ip", "-n", ns, "addr", "add", "2001:db8::10/64", "dev", "eth0", "nodad")
	}
	r := in(t, a, nil, "--vip", "2001:db8::10", "--settle", "0s")
	assert.Equal(t, "vip", r.fact["mode"])
	assert.Equal(t, false, r.fact["holder"])
	assert.Equal(t, true, r.fact["conflict"], r.fact["reason"])
}
