//go:build linux && etcdcluster

package main

// A real three-member etcd cluster (Debian's etcd-server) in network
// namespaces, one gluster-vip-elect per member's namespace, as on Gluster
// nodes that run etcd themselves. The facts are asked with the real
// gluster-vip binary. Needs root, ip and etcd: skipped outside CI, a
// failure under CI=true.
//
// It takes about 40 s and keeps both cores of a small machine busy, which
// upsets the probes' timing tests when go test runs packages side by
// side: so it has its own tag and its own script, spec/etcd/cluster.sh.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const (
	testTTL    = 3 * time.Second
	testSettle = 1 * time.Second
	// slack covers a loaded machine: process starts, etcd's fsyncs.
	slack = 3 * time.Second
)

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "root")
	}
	for _, tool := range tools {
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

func sh(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	require.NoError(t, err, "%s: %s", strings.Join(args, " "), out)
}

// node is one namespace: an etcd member and a daemon under a supervisor
// that restarts it as systemd would (Restart=always).
type node struct {
	name, ns, veth, conf, dir string
	ip                        string

	mu      sync.Mutex
	etcd    *exec.Cmd
	daemon  *exec.Cmd
	stopped bool
	starts  int
	exits   []string
	log     bytes.Buffer
}

type cluster struct {
	t             *testing.T
	factBin, elec string
	brns          string
	nodes         []*node
	start         time.Time
}

func build(t *testing.T, dir, pkg, name string) string {
	out := filepath.Join(dir, name)
	b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput()
	require.NoError(t, err, "go build %s: %s", pkg, b)
	return out
}

func newCluster(t *testing.T) *cluster {
	needTools(t, "ip", "etcd")
	dir := t.TempDir()
	c := &cluster{t: t, start: time.Now()}
	c.factBin = build(t, dir, "../gluster-vip", "gluster-vip")
	c.elec = build(t, dir, ".", "gluster-vip-elect")
	id := fmt.Sprintf("ge%d", os.Getpid()%100000)
	c.brns = id + "br"
	sh(t, "ip", "netns", "add", c.brns)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", c.brns).Run() })
	sh(t, "ip", "-n", c.brns, "link", "add", "br0", "type", "bridge")
	sh(t, "ip", "-n", c.brns, "link", "set", "br0", "up")
	var initial, endpoints []string
	for i := 1; i <= 3; i++ {
		n := &node{name: fmt.Sprintf("node%d", i), ns: fmt.Sprintf("%sn%d", id, i), veth: fmt.Sprintf("v%d", i),
			ip: fmt.Sprintf("198.51.100.%d", 10+i), dir: filepath.Join(dir, fmt.Sprintf("n%d", i))}
		require.NoError(t, os.Mkdir(n.dir, 0o700))
		sh(t, "ip", "netns", "add", n.ns)
		ns := n.ns
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		sh(t, "ip", "-n", c.brns, "link", "add", n.veth, "type", "veth", "peer", "name", "eth0", "netns", n.ns)
		sh(t, "ip", "-n", c.brns, "link", "set", n.veth, "master", "br0", "up")
		sh(t, "ip", "-n", n.ns, "link", "set", "lo", "up")
		sh(t, "ip", "-n", n.ns, "link", "set", "eth0", "up")
		sh(t, "ip", "-n", n.ns, "addr", "add", n.ip+"/24", "dev", "eth0")
		initial = append(initial, fmt.Sprintf("e%d=http://%s:2380", i, n.ip))
		endpoints = append(endpoints, fmt.Sprintf("http://%s:2379", n.ip))
		c.nodes = append(c.nodes, n)
	}
	for i, n := range c.nodes {
		n.conf = filepath.Join(n.dir, "gluster-vip.conf")
		conf := fmt.Sprintf("backend = etcd\netcd_endpoints = %s\nnode_name = %s\nlease_ttl = %s\nsettle = %s\netcd_prefix = /gv-test\nelect_socket = %s\n",
			strings.Join(endpoints, ","), n.name, testTTL, testSettle, filepath.Join(n.dir, "elect.sock"))
		require.NoError(t, os.WriteFile(n.conf, []byte(conf), 0o644))
		c.startEtcd(n, i+1, strings.Join(initial, ","), "new")
	}
	t.Cleanup(c.stop)
	for _, n := range c.nodes {
		go c.supervise(n)
	}
	return c
}

func (c *cluster) startEtcd(n *node, i int, initial, state string) {
	cmd := exec.Command("ip", "netns", "exec", n.ns, "etcd", "--name", fmt.Sprintf("e%d", i),
		"--data-dir", filepath.Join(n.dir, "etcd"),
		"--listen-peer-urls", "http://"+n.ip+":2380", "--initial-advertise-peer-urls", "http://"+n.ip+":2380",
		"--listen-client-urls", "http://"+n.ip+":2379", "--advertise-client-urls", "http://"+n.ip+":2379",
		"--initial-cluster", initial, "--initial-cluster-state", state, "--initial-cluster-token", "gv-test",
		"--heartbeat-interval", "100", "--election-timeout", "1000",
		// Without pre-vote (3.4's default; 3.5 turns it on), a member back
		// from a partition deposes the leader with its higher term.
		"--pre-vote")
	f, err := os.Create(filepath.Join(n.dir, "etcd.log"))
	require.NoError(c.t, err)
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(c.t, cmd.Start())
	n.mu.Lock()
	n.etcd = cmd
	n.mu.Unlock()
	go func() { cmd.Wait(); f.Close() }()
}

// supervise runs the daemon and restarts it a second after it exits.
func (c *cluster) supervise(n *node) {
	for {
		n.mu.Lock()
		if n.stopped {
			n.mu.Unlock()
			return
		}
		cmd := exec.Command("ip", "netns", "exec", n.ns, c.elec, "--config", n.conf)
		cmd.Stderr = &lockedWriter{n: n}
		if err := cmd.Start(); err != nil {
			n.exits = append(n.exits, "start: "+err.Error())
			n.mu.Unlock()
			return
		}
		n.daemon = cmd
		n.starts++
		n.mu.Unlock()
		err := cmd.Wait()
		n.mu.Lock()
		n.exits = append(n.exits, fmt.Sprintf("%s: %v", time.Since(c.start).Round(time.Millisecond), err))
		n.mu.Unlock()
		time.Sleep(time.Second)
	}
}

type lockedWriter struct{ n *node }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.n.mu.Lock()
	defer w.n.mu.Unlock()
	return w.n.log.Write(p)
}

func (c *cluster) stop() {
	for _, n := range c.nodes {
		n.mu.Lock()
		n.stopped = true
		d, e := n.daemon, n.etcd
		n.mu.Unlock()
		if d != nil && d.Process != nil {
			d.Process.Signal(syscall.SIGTERM)
		}
		if e != nil && e.Process != nil {
			defer e.Process.Kill()
		}
	}
	time.Sleep(500 * time.Millisecond)
	for _, n := range c.nodes {
		n.mu.Lock()
		if n.daemon != nil && n.daemon.Process != nil {
			n.daemon.Process.Kill()
		}
		if c.t.Failed() {
			c.t.Logf("%s daemon (starts %d, exits %v):\n%s", n.name, n.starts, n.exits, n.log.String())
			if b, err := exec.Command("sh", "-c", `grep -v '"level":"info"\|^[-0-9 :.]* I |' "$0" | tail -25`, filepath.Join(n.dir, "etcd.log")).Output(); err == nil {
				c.t.Logf("%s etcd warnings:\n%s", n.name, b)
			}
		}
		n.mu.Unlock()
	}
}

// fact is one answer of the real fact binary for a node.
type fact struct {
	node                string
	holder              bool
	token               int64
	leader, err, reason string
	start, end          time.Duration // since the cluster started
}

func (c *cluster) fact(n *node) fact {
	start := time.Since(c.start)
	cmd := exec.Command(c.factBin, "--config", n.conf)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.Output()
	f := fact{node: n.name, start: start, end: time.Since(c.start)}
	require.NoError(c.t, err, "fact %s", n.name)
	var doc struct {
		Holder bool `json:"gluster_vip_holder"`
		GV     struct {
			Holder bool    `json:"holder"`
			Token  *int64  `json:"token"`
			Leader *string `json:"leader"`
			Error  *string `json:"error"`
			Reason string  `json:"reason"`
		} `json:"gluster_vip"`
	}
	require.NoError(c.t, json.Unmarshal(out, &doc), "fact %s: %s", n.name, out)
	require.Equal(c.t, doc.Holder, doc.GV.Holder)
	f.holder, f.reason = doc.Holder, doc.GV.Reason
	if doc.GV.Token != nil {
		f.token = *doc.GV.Token
	}
	if doc.GV.Leader != nil {
		f.leader = *doc.GV.Leader
	}
	if doc.GV.Error != nil {
		f.err = *doc.GV.Error
	}
	require.Less(c.t, f.end-f.start, 5*time.Second+time.Second, "the fact keeps its 5 s bound")
	return f
}

// poll asks every node in parallel, each in its own loop, until stop
// says so or limit passes, and returns every answer.
func (c *cluster) poll(limit time.Duration, stop func([]fact) bool) []fact {
	var mu sync.Mutex
	var all []fact
	done := make(chan struct{})
	var once sync.Once
	end := time.Now().Add(limit)
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		wg.Add(1)
		go func(n *node) {
			defer wg.Done()
			for time.Now().Before(end) {
				select {
				case <-done:
					return
				default:
				}
				f := c.fact(n)
				mu.Lock()
				all = append(all, f)
				if stop != nil && stop(all) {
					once.Do(func() { close(done) })
				}
				mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		}(n)
	}
	wg.Wait()
	return all
}

// noOverlap fails if two nodes said "holder" in overlapping intervals:
// an answer holds somewhere between its start and its end.
func noOverlap(t *testing.T, all []fact) {
	t.Helper()
	for i, a := range all {
		for _, b := range all[i+1:] {
			if a.holder && b.holder && a.node != b.node && a.start < b.end && b.start < a.end {
				t.Errorf("two holders at once: %s [%s, %s] and %s [%s, %s]", a.node, a.start, a.end, b.node, b.start, b.end)
			}
		}
	}
}

func holders(all []fact, after time.Duration) map[string]int64 {
	h := map[string]int64{}
	for _, f := range all {
		if f.holder && f.start >= after {
			h[f.node] = f.token
		}
	}
	return h
}

func (c *cluster) byName(name string) *node {
	for _, n := range c.nodes {
		if n.name == name {
			return n
		}
	}
	c.t.Fatalf("no node %q", name)
	return nil
}

// waitHolder polls until one node holds, and returns it with its token.
func (c *cluster) waitHolder(t *testing.T, limit time.Duration, not string) (*node, int64, []fact) {
	t.Helper()
	all := c.poll(limit, func(all []fact) bool {
		for _, f := range all {
			if f.holder && f.node != not {
				return true
			}
		}
		return false
	})
	noOverlap(t, all)
	for _, f := range all {
		if f.holder && f.node != not {
			return c.byName(f.node), f.token, all
		}
	}
	var last []string
	for _, f := range all[max(0, len(all)-3):] {
		last = append(last, f.node+": "+f.reason)
	}
	t.Fatalf("no holder within %s; last answers: %s", limit, strings.Join(last, "; "))
	return nil, 0, nil
}

func TestEtcdCluster(t *testing.T) {
	c := newCluster(t)

	leader, tok1, _ := c.waitHolder(t, 30*time.Second, "")
	t.Logf("%s holds, token %d, %s after the cluster started", leader.name, tok1, time.Since(c.start).Round(time.Millisecond))

	t.Run("exactly one holder", func(t *testing.T) {
		from := time.Since(c.start)
		all := c.poll(2*time.Second, nil)
		noOverlap(t, all)
		h := holders(all, from)
		require.Equal(t, map[string]int64{leader.name: tok1}, h, "only the leader holds, always with the same token")
		var took []time.Duration
		for _, f := range all {
			took = append(took, f.end-f.start)
		}
		sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
		t.Logf("%d fact runs (process start to exit, a linearizable read each): median %s, max %s",
			len(took), took[len(took)/2].Round(100*time.Microsecond), took[len(took)-1].Round(100*time.Microsecond))
		for _, f := range all {
			if f.node != leader.name {
				require.Equal(t, leader.name, f.leader, "%s names the leader", f.node)
			}
		}
	})

	t.Run("run passes the token to the command", func(t *testing.T) {
		out, err := exec.Command(c.factBin, "run", "--config", leader.conf, "--", "sh", "-c", `echo "$GLUSTER_VIP_TOKEN"`).Output()
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("%d\n", tok1), string(out))
		other := c.nodes[0]
		if other == leader {
			other = c.nodes[1]
		}
		cmd := exec.Command(c.factBin, "run", "--config", other.conf, "--", "sh", "-c", "echo ran")
		out, err = cmd.Output()
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "a non-holder's run fails: %v", err)
		require.Equal(t, 124, ee.ExitCode())
		require.Empty(t, string(out))
	})

	t.Run("TLS to a plain etcd: holder false with the error, the daemon exits 1", func(t *testing.T) {
		n := c.nodes[0]
		bad := &node{name: "tls", dir: n.dir, conf: filepath.Join(n.dir, "tls.conf")}
		sock := filepath.Join(n.dir, "tls.sock")
		require.NoError(t, os.WriteFile(bad.conf, []byte(fmt.Sprintf(
			"backend = etcd\netcd_endpoints = https://%s:2379\nnode_name = tls\nlease_ttl = %s\nsettle = %s\netcd_prefix = /gv-test\nelect_socket = %s\n",
			n.ip, testTTL, testSettle, sock)), 0o644))
		cmd := exec.Command("ip", "netns", "exec", n.ns, c.elec, "--config", bad.conf)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		t.Cleanup(func() { cmd.Process.Kill() })
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(sock); err == nil {
				break
			}
		}
		f := c.fact(bad)
		require.False(t, f.holder)
		require.NotEmpty(t, f.err)
		t.Logf("fact beside a daemon that can't talk TLS to etcd (%s): %s", (f.end - f.start).Round(time.Millisecond), f.err)
		select {
		case err := <-exited:
			var ee *exec.ExitError
			require.True(t, errors.As(err, &ee), "%v", err)
			require.Equal(t, exitLost, ee.ExitCode(), stderr.String())
			t.Logf("the daemon exited %d: %s", ee.ExitCode(), strings.TrimSpace(stderr.String()))
		case <-time.After(testTTL + slack):
			t.Fatalf("the daemon did not exit within %s: %s", testTTL+slack, stderr.String())
		}
	})

	t.Run("SIGTERM: the leader resigns and another takes over without waiting for the lease", func(t *testing.T) {
		leader.mu.Lock()
		pid := leader.daemon.Process.Pid
		leader.mu.Unlock()
		stopped := time.Since(c.start)
		require.NoError(t, syscall.Kill(pid, syscall.SIGTERM))
		next, tok2, all := c.waitHolder(t, testTTL+testSettle+slack, leader.name)
		var first time.Duration = -1
		for _, f := range all {
			if f.holder && f.node == next.name && (first < 0 || f.end < first) {
				first = f.end
			}
		}
		took := first - stopped
		t.Logf("SIGTERM to %s's daemon: %s holds after %s (settle %s; lease_ttl %s not waited for), token %d -> %d",
			leader.name, next.name, took.Round(time.Millisecond), testSettle, testTTL, tok1, tok2)
		require.Greater(t, tok2, tok1)
		require.Less(t, took, testTTL, "a resigned lease is revoked: no wait for its expiry")
		leader.mu.Lock()
		exits := append([]string(nil), leader.exits...)
		leader.mu.Unlock()
		require.NotEmpty(t, exits)
		require.Contains(t, exits[len(exits)-1], "<nil>", "SIGTERM exits 0")
		leader, tok1 = next, tok2
	})

	t.Run("kill -9 of the leader's daemon", func(t *testing.T) {
		leader.mu.Lock()
		pid := leader.daemon.Process.Pid
		leader.mu.Unlock()
		killed := time.Since(c.start)
		require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
		f := c.fact(leader)
		require.False(t, f.holder, "the killed leader's node holds no more at once: %s", f.reason)
		t.Logf("at once after kill -9, %s: %s", leader.name, f.reason)
		next, tok2, all := c.waitHolder(t, testTTL+testSettle+slack+2*time.Second, "")
		takeover := all[len(all)-1].end - killed
		for _, f := range all {
			if f.holder && f.node == next.name && f.end-killed < takeover {
				takeover = f.end - killed
			}
		}
		t.Logf("kill -9 of %s's daemon: %s holds after %s (lease_ttl %s + settle %s), token %d -> %d",
			leader.name, next.name, takeover.Round(time.Millisecond), testTTL, testSettle, tok1, tok2)
		require.Greater(t, tok2, tok1, "the token grows with a new leader")
		require.LessOrEqual(t, takeover, testTTL+testSettle+slack)
		leader, tok1 = next, tok2
	})

	t.Run("the leader cut off from the etcd majority", func(t *testing.T) {
		// Let the killed daemon come back, as a follower.
		time.Sleep(2 * time.Second)
		// Poll all along: the old leader's answers before the cut count.
		polled := make(chan []fact, 1)
		go func() {
			polled <- c.poll(1*time.Second+testTTL+testSettle+slack+5*time.Second, func(all []fact) bool {
				for _, f := range all {
					if f.holder && f.node != leader.name {
						return true
					}
				}
				return false
			})
		}()
		time.Sleep(time.Second)
		cut := time.Since(c.start)
		sh(t, "ip", "-n", c.brns, "link", "set", leader.veth, "nomaster")
		// A run started now, while the daemon still believes it leads and
		// its lease deadline has not passed, must not start its command.
		marker := filepath.Join(leader.dir, "ran")
		cmd := exec.Command(c.factBin, "run", "--config", leader.conf, "--", "touch", marker)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "run on the cut-off leader: %v", err)
		require.Contains(t, []int{124, 125}, ee.ExitCode(), stderr.String())
		require.NoFileExists(t, marker)
		t.Logf("run on the cut-off leader, started at once after the cut, ended %s after it: exit %d: %s",
			(time.Since(c.start) - cut).Round(time.Millisecond), ee.ExitCode(), strings.TrimSpace(stderr.String()))

		all := <-polled
		noOverlap(t, all)
		var next string
		var tok2 int64
		var lastHeld, firstNew time.Duration = -1, -1
		for _, f := range all {
			if f.holder && f.node == leader.name && f.end > lastHeld {
				lastHeld = f.end
			}
			if f.holder && f.node != leader.name && (firstNew < 0 || f.start < firstNew) {
				firstNew, next, tok2 = f.start, f.node, f.token
			}
		}
		require.NotEmpty(t, next, "another node holds after the cut")
		require.GreaterOrEqual(t, lastHeld, time.Duration(0), "the leader held before the cut")
		t.Logf("timeline from the cut: last 'holder' answer of %s ended at %s; %s holds from %s (token %d -> %d)",
			leader.name, fmtRel(lastHeld, cut), next, fmtRel(firstNew, cut), tok1, tok2)
		require.Greater(t, tok2, tok1)
		require.Less(t, lastHeld, firstNew, "the old leader stops before the new one starts")
		sh(t, "ip", "-n", c.brns, "link", "set", leader.veth, "master", "br0")
		leader, tok1 = c.byName(next), tok2
		c.waitHealthy(t)
	})

	t.Run("one etcd member lost: nothing changes; the majority lost: nobody holds", func(t *testing.T) {
		time.Sleep(2 * time.Second)
		var others []*node
		for _, n := range c.nodes {
			if n != leader {
				others = append(others, n)
			}
		}
		others[0].mu.Lock()
		others[0].etcd.Process.Kill()
		others[0].mu.Unlock()
		from := time.Since(c.start)
		all := c.poll(testTTL+2*time.Second, nil)
		noOverlap(t, all)
		require.Equal(t, map[string]int64{leader.name: tok1}, holders(all, from), "one member down changes nothing")
		for _, f := range all {
			if f.node == leader.name {
				require.True(t, f.holder, "%s at %s: %s", f.node, f.start, f.reason)
			}
		}

		others[1].mu.Lock()
		others[1].etcd.Process.Kill()
		others[1].mu.Unlock()
		lost := time.Since(c.start)
		var nobodySince time.Duration = -1
		all = c.poll(testTTL+slack+5*time.Second, func(all []fact) bool {
			last := map[string]fact{}
			for _, f := range all {
				last[f.node] = f
			}
			if len(last) < 3 {
				return false
			}
			for _, f := range last {
				if f.holder {
					return false
				}
			}
			return true
		})
		noOverlap(t, all)
		for _, f := range all {
			if f.holder && f.end > nobodySince {
				nobodySince = f.end
			}
		}
		last := map[string]fact{}
		for _, f := range all {
			last[f.node] = f
		}
		for _, f := range last {
			require.False(t, f.holder, "%s still holds without the etcd majority", f.node)
			t.Logf("without the majority, %s: %s", f.node, f.reason)
		}
		t.Logf("majority lost at %s: last holder answer ended %s", lost, fmtRel(nobodySince, lost))
		// Still nobody a lease later.
		all = c.poll(testTTL, nil)
		require.Empty(t, holders(all, 0), "nobody holds without the majority")
	})
}

// waitHealthy waits until every etcd member answers a linearizable read.
func (c *cluster) waitHealthy(t *testing.T) {
	t.Helper()
	var eps []string
	for _, n := range c.nodes {
		eps = append(eps, "http://"+n.ip+":2379")
	}
	var out []byte
	var err error
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		cmd := exec.Command("ip", "netns", "exec", c.nodes[0].ns, "etcdctl", "--endpoints", strings.Join(eps, ","), "--command-timeout", "2s", "endpoint", "health")
		cmd.Env = []string{"ETCDCTL_API=3", "PATH=/usr/bin:/bin"}
		if out, err = cmd.CombinedOutput(); err == nil {
			return
		}
	}
	t.Fatalf("etcd did not become healthy within 20s: %v: %s", err, out)
}

func fmtRel(d, from time.Duration) string {
	if d < 0 {
		return "never"
	}
	return fmt.Sprintf("%+.3fs", (d - from).Seconds())
}
