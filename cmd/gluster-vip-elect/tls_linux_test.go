//go:build linux && etcdcluster

package main

// One etcd member with client TLS (--client-cert-auth) in a network
// namespace, real certificates made here with crypto/x509, and the daemon
// and the real gluster-vip fact in the same namespace: the right CA and
// client certificate win; a key others may read, the wrong CA and no
// client certificate all give holder false with the error. Needs root, ip,
// etcd and etcdctl: skipped outside CI, a failure under CI=true.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tlsIP is the etcd member's address, only inside the test's namespace.
const tlsIP = "198.51.100.21"

// tlsEnv is the namespace with its etcd member and the two binaries.
type tlsEnv struct {
	ns, dir, factBin, elec string
	ca, cert, key          string // the CA, and the client's certificate and key
}

// syncBuf is a stderr that can be read while the process writes it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started is a process started by the test, with its exit.
type started struct {
	cmd    *exec.Cmd
	stderr *syncBuf
	exited chan error
	at     time.Time
	ended  time.Time // set before the send on exited
}

// startIn starts args in the namespace; t.Cleanup kills it by PID and
// waits for it, a bounded time.
func (e *tlsEnv) startIn(t *testing.T, stdout *os.File, args ...string) *started {
	t.Helper()
	p := &started{cmd: exec.Command("ip", append([]string{"netns", "exec", e.ns}, args...)...), stderr: &syncBuf{}, exited: make(chan error, 1)}
	p.cmd.Env = []string{"PATH=/usr/bin:/bin:/usr/sbin:/sbin"}
	p.cmd.Stderr = p.stderr
	if stdout != nil {
		p.cmd.Stdout, p.cmd.Stderr = stdout, stdout
	}
	p.at = time.Now()
	require.NoError(t, p.cmd.Start())
	go func() {
		err := p.cmd.Wait()
		p.ended = time.Now()
		p.exited <- err
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		select {
		case err := <-p.exited:
			p.exited <- err // for a later reader
		case <-time.After(5 * time.Second):
			t.Errorf("%s (pid %d) did not end within 5s of SIGKILL", args[0], p.cmd.Process.Pid)
		}
	})
	return p
}

// exit waits at most limit for p to exit and returns its exit code.
func (p *started) exit(t *testing.T, limit time.Duration) (int, time.Duration) {
	t.Helper()
	select {
	case err := <-p.exited:
		p.exited <- err
		took := p.ended.Sub(p.at)
		if err == nil {
			return 0, took
		}
		var ee *exec.ExitError
		require.True(t, errors.As(err, &ee), "%v", err)
		return ee.ExitCode(), took
	case <-time.After(limit):
		t.Fatalf("%s did not exit within %s; stderr: %s", p.cmd.Args[4], limit, p.stderr.String())
		return 0, 0
	}
}

// tlsConf writes a config for the daemon and the fact; ca, cert and key
// may be "" (the key is then left out).
func (e *tlsEnv) tlsConf(t *testing.T, name string, ttl time.Duration, ca, cert, key string) (conf, sock string) {
	t.Helper()
	sock = filepath.Join(e.dir, name+".sock")
	s := fmt.Sprintf("backend = etcd\netcd_endpoints = https://%s:2379\nnode_name = %s\nlease_ttl = %s\nsettle = %s\netcd_prefix = /gv-tls-%s\nelect_socket = %s\n",
		tlsIP, name, ttl, testSettle, name, sock)
	if ca != "" {
		s += "etcd_ca = " + ca + "\n"
	}
	if cert != "" {
		s += "etcd_cert = " + cert + "\netcd_key = " + key + "\n"
	}
	conf = filepath.Join(e.dir, name+".conf")
	require.NoError(t, os.WriteFile(conf, []byte(s), 0o644))
	return conf, sock
}

// tlsFact is one answer of the real fact binary, run in the namespace.
type tlsFact struct {
	Holder bool `json:"gluster_vip_holder"`
	GV     struct {
		Holder   bool     `json:"holder"`
		Backend  string   `json:"backend"`
		NodeName *string  `json:"node_name"`
		Token    *int64   `json:"token"`
		HeldFor  *float64 `json:"held_for"`
		Error    *string  `json:"error"`
		Reason   string   `json:"reason"`
	} `json:"gluster_vip"`
	took time.Duration
}

func (f tlsFact) err() string {
	if f.GV.Error == nil {
		return ""
	}
	return *f.GV.Error
}

func (e *tlsEnv) fact(t *testing.T, conf string) tlsFact {
	t.Helper()
	// The fact bounds itself; this bounds the test if it did not.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", e.ns, e.factBin, "--config", conf)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	f := tlsFact{took: time.Since(start)}
	require.NoError(t, err, "fact: %s", stderr.String())
	require.NoError(t, json.Unmarshal(out, &f), "fact: %s", out)
	require.Equal(t, f.Holder, f.GV.Holder, "gluster_vip_holder and gluster_vip.holder agree")
	require.Equal(t, "etcd", f.GV.Backend)
	// The fact's own bound, with room for ip netns exec and a process start.
	require.Less(t, f.took, 5*time.Second, "the fact keeps its 5 s bound")
	return f
}

// waitSocket waits until the daemon listens, or exits, or limit passes.
func waitSocket(t *testing.T, p *started, sock string, limit time.Duration) {
	t.Helper()
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return
		}
		select {
		case err := <-p.exited:
			p.exited <- err
			t.Fatalf("the daemon exited (%v) before it listened: %s", err, p.stderr.String())
		default:
		}
	}
	t.Fatalf("no socket %s within %s: %s", sock, limit, p.stderr.String())
}

func newTLSEnv(t *testing.T) *tlsEnv {
	needTools(t, "ip", "etcd", "etcdctl")
	dir := t.TempDir()
	e := &tlsEnv{dir: dir, ns: fmt.Sprintf("gt%d", os.Getpid()%100000)}
	e.factBin = build(t, dir, "../gluster-vip", "gluster-vip")
	e.elec = build(t, dir, ".", "gluster-vip-elect")

	// The address is on the namespace's own loopback: nothing leaves it.
	sh(t, "ip", "netns", "add", e.ns)
	t.Cleanup(func() {
		if out, err := exec.Command("ip", "netns", "del", e.ns).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v: %s", e.ns, err, out)
		}
	})
	sh(t, "ip", "-n", e.ns, "addr", "add", tlsIP+"/32", "dev", "lo")
	sh(t, "ip", "-n", e.ns, "link", "set", "lo", "up")
	return e
}

// startEtcd starts the member with client TLS; it logs to etcd.log.
func (e *tlsEnv) startEtcd(t *testing.T, ca, cert, key string) *started {
	t.Helper()
	log, err := os.Create(filepath.Join(e.dir, "etcd.log"))
	require.NoError(t, err)
	t.Cleanup(func() { log.Close() })
	peer, client := "http://"+tlsIP+":2380", "https://"+tlsIP+":2379"
	p := e.startIn(t, log, "etcd", "--name", "t1", "--data-dir", filepath.Join(e.dir, "etcd"),
		"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
		"--listen-client-urls", client, "--advertise-client-urls", client,
		"--initial-cluster", "t1="+peer, "--initial-cluster-state", "new", "--initial-cluster-token", "gv-tls",
		"--cert-file", cert, "--key-file", key, "--trusted-ca-file", ca, "--client-cert-auth")
	t.Cleanup(func() {
		if t.Failed() {
			if b, err := exec.Command("tail", "-25", log.Name()).Output(); err == nil {
				t.Logf("etcd log:\n%s", b)
			}
		}
	})
	return p
}

// healthy waits, at most limit, until etcdctl with the right credentials
// finds the member healthy, and fails if etcd exited.
func (e *tlsEnv) healthy(t *testing.T, etcd *started, limit time.Duration) {
	t.Helper()
	var out []byte
	var err error
	for end := time.Now().Add(limit); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		select {
		case err := <-etcd.exited:
			etcd.exited <- err
			t.Fatalf("etcd exited: %v", err)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, "ip", "netns", "exec", e.ns, "etcdctl", "--endpoints", "https://"+tlsIP+":2379",
			"--cacert", e.ca, "--cert", e.cert, "--key", e.key, "--command-timeout", "2s", "endpoint", "health")
		cmd.Env = []string{"ETCDCTL_API=3", "PATH=/usr/bin:/bin"}
		out, err = cmd.CombinedOutput()
		cancel()
		if err == nil {
			return
		}
	}
	t.Fatalf("etcd not healthy over TLS within %s: %v: %s", limit, err, out)
}

func TestEtcdTLS(t *testing.T) {
	e := newTLSEnv(t)
	pki := filepath.Join(e.dir, "pki")
	require.NoError(t, os.Mkdir(pki, 0o700))
	ca := newTLSCA(t, pki, "ca")
	other := newTLSCA(t, pki, "other-ca")
	// Client auth too: etcd 3.4's gateway dials its own gRPC port with the
	// server's certificate as its client certificate.
	srvCert, srvKey := ca.issue(t, pki, "server", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}, net.ParseIP(tlsIP))
	e.ca = ca.path
	e.cert, e.key = ca.issue(t, pki, "client", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})
	for _, k := range []string{srvKey, e.key} {
		fi, err := os.Stat(k)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), k)
	}

	etcd := e.startEtcd(t, ca.path, srvCert, srvKey)
	began := time.Now()
	e.healthy(t, etcd, 20*time.Second)
	t.Logf("etcd healthy over TLS after %s", time.Since(began).Round(time.Millisecond))

	t.Run("right CA and client certificate: the daemon wins", func(t *testing.T) {
		conf, sock := e.tlsConf(t, "good", testTTL, e.ca, e.cert, e.key)
		d := e.startIn(t, nil, e.elec, "--config", conf)
		waitSocket(t, d, sock, 5*time.Second)
		var f tlsFact
		var asked int
		for end := time.Now().Add(testTTL + testSettle + slack + 5*time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			f = e.fact(t, conf)
			asked++
			if f.Holder {
				break
			}
			require.NotContains(t, f.GV.Reason, "certificate", "no TLS failure with the right credentials")
		}
		require.True(t, f.Holder, "no holder within the bound; last: %s; daemon: %s", f.GV.Reason, d.stderr.String())
		held := time.Since(d.at)
		require.NotNil(t, f.GV.Token)
		require.Positive(t, *f.GV.Token)
		require.NotNil(t, f.GV.NodeName)
		require.Equal(t, "good", *f.GV.NodeName)
		require.Empty(t, f.err())
		require.NotNil(t, f.GV.HeldFor)
		require.GreaterOrEqual(t, *f.GV.HeldFor, testSettle.Seconds(), "holder only after settle")
		require.GreaterOrEqual(t, held, testSettle)
		require.Contains(t, d.stderr.String(), fmt.Sprintf("token %d,", *f.GV.Token), "the fact's token is the daemon's")
		t.Logf("holder after %s from the daemon's start (%d facts asked), token %d, held_for %.2fs; that fact took %s",
			held.Round(time.Millisecond), asked, *f.GV.Token, *f.GV.HeldFor, f.took.Round(time.Millisecond))

		require.NoError(t, d.cmd.Process.Signal(syscall.SIGTERM))
		code, _ := d.exit(t, 5*time.Second)
		require.Equal(t, exitResigned, code, d.stderr.String())
	})

	t.Run("client key readable by others: the daemon refuses to start", func(t *testing.T) {
		open := filepath.Join(pki, "client-key-0644.pem")
		b, err := os.ReadFile(e.key)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(open, b, 0o644))
		require.NoError(t, os.Chmod(open, 0o644))
		conf, _ := e.tlsConf(t, "openkey", testTTL, e.ca, e.cert, open)
		d := e.startIn(t, nil, e.elec, "--config", conf)
		code, took := d.exit(t, 5*time.Second)
		msg := d.stderr.String()
		require.Equal(t, exitUsage, code, msg)
		require.Equal(t, 1, strings.Count(msg, "\n"), "one line: %q", msg)
		require.Contains(t, msg, "etcd_key "+open+": ")
		require.Contains(t, msg, "mode 0644")
		t.Logf("the daemon exited %d after %s: %s", code, took.Round(time.Millisecond), strings.TrimSpace(msg))

		f := e.fact(t, conf)
		require.False(t, f.Holder)
		require.NotEmpty(t, f.err())
		t.Logf("fact (%s): %s", f.took.Round(time.Millisecond), f.err())
	})

	// refused runs a daemon whose TLS etcd turns down and checks the fact
	// beside it and its exit.
	const refusedTTL = 6 * time.Second
	refused := func(t *testing.T, name, ca, cert, key string, cause ...string) {
		// A longer lease than the others': the daemon waits a lease_ttl
		// for its grant before it exits, and the fact (2 s) must come first.
		conf, sock := e.tlsConf(t, name, refusedTTL, ca, cert, key)
		d := e.startIn(t, nil, e.elec, "--config", conf)
		waitSocket(t, d, sock, 5*time.Second)
		f := e.fact(t, conf)
		require.False(t, f.Holder)
		require.Nil(t, f.GV.Token)
		matched := false
		for _, c := range cause {
			matched = matched || strings.Contains(f.err(), c)
		}
		require.True(t, matched, "the fact's error names the TLS failure (%q): %q", cause, f.err())
		t.Logf("fact beside the daemon took %s: %s", f.took.Round(time.Millisecond), f.err())
		code, took := d.exit(t, refusedTTL+slack)
		require.Equal(t, exitLost, code, d.stderr.String())
		t.Logf("the daemon exited %d after %s: %s", code, took.Round(time.Millisecond), strings.TrimSpace(d.stderr.String()))
		// The member still serves the right client: the refusal was the
		// credentials', not a dead etcd.
		e.healthy(t, etcd, 5*time.Second)
	}

	t.Run("wrong CA: holder false with the certificate error, the daemon exits 1", func(t *testing.T) {
		refused(t, "wrongca", other.path, e.cert, e.key, "x509: certificate signed by unknown authority")
	})

	t.Run("no client certificate against --client-cert-auth: holder false with the error", func(t *testing.T) {
		refused(t, "nocert", e.ca, "", "", "certificate required", "bad certificate")
	})
}
