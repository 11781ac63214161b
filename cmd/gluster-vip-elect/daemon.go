package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gluster-vip/gluster-vip/facts"
	"github.com/gluster-vip/gluster-vip/facts/elect"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// maxClients bounds the connections answered at once: each costs one
// etcd read, and a flood must not starve the keepalives.
const maxClients = 16

// daemon is one campaign: one lease, one election, one socket.
type daemon struct {
	cfg    facts.Config
	name   string
	stderr io.Writer
	cli    *clientv3.Client
	ln     *net.UnixListener
	creds  *tlsCreds // nil without TLS

	mu        sync.Mutex
	leader    bool
	key       string
	token     int64
	lease     clientv3.LeaseID
	heldSince int64
	deadline  int64 // CLOCK_BOOTTIME ns; see elect.Answer.Deadline
	lost      chan error
	lostOnce  sync.Once
}

// newDaemon checks the TLS files, connects to etcd lazily and opens the
// socket. Nothing is campaigned yet.
func newDaemon(cfg facts.Config, stderr io.Writer) (*daemon, error) {
	name := cfg.NodeName
	if name == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("node_name: host name: %w", err)
		}
		if name, err = facts.ParseNodeName(h); err != nil {
			return nil, fmt.Errorf("node_name: host name: %w; set node_name", err)
		}
	}
	tlsc, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	var creds *tlsCreds
	var dopts []grpc.DialOption
	if tlsc != nil {
		// After the client's own credentials, so these replace them.
		creds = &tlsCreds{TransportCredentials: credentials.NewTLS(tlsc), tlsFailure: &tlsFailure{}}
		dopts = append(dopts, grpc.WithTransportCredentials(creds))
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints: cfg.EtcdEndpoints, TLS: tlsc, DialTimeout: 5 * time.Second,
		// Find a dead connection well within a lease.
		DialKeepAliveTime: 2 * time.Second, DialKeepAliveTimeout: 2 * time.Second,
		Logger: zap.NewNop(), DialOptions: dopts,
	})
	if err != nil {
		return nil, fmt.Errorf("etcd client %s: %w", strings.Join(cfg.EtcdEndpoints, ","), err)
	}
	ln, err := listen(cfg.ElectSocket)
	if err != nil {
		cli.Close()
		return nil, err
	}
	return &daemon{cfg: cfg, name: name, stderr: stderr, cli: cli, ln: ln, creds: creds, lost: make(chan error, 1)}, nil
}

// tlsCreds remembers the last TLS failure on the way to etcd. The client
// waits for a ready connection until its deadline and then says only
// "context deadline exceeded": without this, a wrong CA or a refused
// client certificate would reach the fact as a bare timeout.
type tlsCreds struct {
	credentials.TransportCredentials
	*tlsFailure // shared with clones, which gRPC may make per connection
}

type tlsFailure struct {
	mu   sync.Mutex
	last error
}

func (c *tlsFailure) set(err error) {
	c.mu.Lock()
	c.last = err
	c.mu.Unlock()
}

// cause is "; last TLS failure: ..." if one is remembered, else "".
func (c *tlsCreds) cause() string {
	if c == nil {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return ""
	}
	return "; last TLS failure: " + c.last.Error()
}

func (c *tlsCreds) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := c.TransportCredentials.ClientHandshake(ctx, authority, raw)
	if err != nil {
		c.set(fmt.Errorf("%s: %w", authority, err))
		return nil, nil, err
	}
	return &alertConn{Conn: conn, creds: c, authority: authority}, info, nil
}

func (c *tlsCreds) Clone() credentials.TransportCredentials {
	return &tlsCreds{TransportCredentials: c.TransportCredentials.Clone(), tlsFailure: c.tlsFailure}
}

// alertConn catches the server's refusal of our certificate: under TLS
// 1.3 the client's handshake ends before the server checks it, and the
// server's alert comes with the first read. The first read that returns
// data clears the remembered failure.
type alertConn struct {
	net.Conn
	creds     *tlsCreds
	authority string
	ok        bool
}

func (c *alertConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	var oe *net.OpError
	switch {
	case err != nil && errors.As(err, &oe) && oe.Op == "remote error":
		c.creds.set(fmt.Errorf("%s: %w", c.authority, err))
	case n > 0 && !c.ok:
		c.ok = true
		c.creds.set(nil)
	}
	return n, err
}

// tlsConfig loads etcd_ca, etcd_cert and etcd_key. A key that group or
// other may read is refused: it lets them campaign as this node.
func tlsConfig(cfg facts.Config) (*tls.Config, error) {
	if cfg.EtcdCA == "" && cfg.EtcdCert == "" {
		for _, ep := range cfg.EtcdEndpoints {
			if strings.HasPrefix(ep, "https://") {
				return &tls.Config{MinVersion: tls.VersionTLS12}, nil
			}
		}
		return nil, nil
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.EtcdCA != "" {
		pem, err := os.ReadFile(cfg.EtcdCA)
		if err != nil {
			return nil, fmt.Errorf("etcd_ca %s: %w", cfg.EtcdCA, err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("etcd_ca %s: no PEM certificate in it", cfg.EtcdCA)
		}
	}
	if cfg.EtcdKey != "" {
		if err := checkKeyFile(cfg.EtcdKey); err != nil {
			return nil, err
		}
		pair, err := tls.LoadX509KeyPair(cfg.EtcdCert, cfg.EtcdKey)
		if err != nil {
			return nil, fmt.Errorf("etcd_cert %s, etcd_key %s: %w", cfg.EtcdCert, cfg.EtcdKey, err)
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

func checkKeyFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("etcd_key %s: %w", path, facts.UnwrapPath(err))
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("etcd_key %s: not a regular file; refusing it", path)
	}
	if p := fi.Mode().Perm(); p&0o077 != 0 {
		return fmt.Errorf("etcd_key %s: readable or writable by group or other (mode %04o); refusing it (chmod 600)", path, p)
	}
	return nil
}

// listen opens the socket, mode 0600. A stale socket left by a killed
// daemon is replaced; a live one means another daemon runs: refused.
func listen(path string) (*net.UnixListener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("elect_socket %s: exists and is not a socket; refusing it", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("elect_socket %s: another gluster-vip-elect answers on it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("elect_socket %s: remove stale socket: %w", path, facts.UnwrapPath(err))
		}
	}
	// The directory stays root's: the fact checks the peer's uid too.
	old := umask(0o077)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	umask(old)
	if err != nil {
		return nil, fmt.Errorf("elect_socket %s: listen: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("elect_socket %s: chmod: %w", path, facts.UnwrapPath(err))
	}
	return ln, nil
}

func (d *daemon) logf(format string, a ...any) {
	fmt.Fprintf(d.stderr, "gluster-vip-elect: "+format+"\n", a...)
}

// lose ends the daemon with err: exit 1, and systemd restarts it.
func (d *daemon) lose(err error) {
	d.lostOnce.Do(func() {
		d.mu.Lock()
		d.leader = false
		d.mu.Unlock()
		d.lost <- err
	})
}

// serve campaigns and answers until a signal (resign, exit 0) or a loss
// (exit 1).
func (d *daemon) serve(sig <-chan os.Signal) int {
	defer d.cli.Close()
	defer d.ln.Close() // unlinks the socket: facts see "not running" at once
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go d.accept()

	ttl := int64(d.cfg.LeaseTTL / time.Second)
	sent, err := elect.Boottime()
	if err != nil {
		d.logf("%v", err)
		return exitLost
	}
	gctx, gcancel := context.WithTimeout(ctx, d.cfg.LeaseTTL)
	grant, err := d.cli.Grant(gctx, ttl)
	gcancel()
	if err != nil {
		d.logf("etcd %s: grant a %ds lease: %v%s", strings.Join(d.cfg.EtcdEndpoints, ","), ttl, err, d.creds.cause())
		return exitLost
	}
	d.mu.Lock()
	d.lease = grant.ID
	d.deadline = sent + grant.TTL*int64(time.Second) - int64(margin(d.cfg.LeaseTTL))
	d.mu.Unlock()
	sess, err := concurrency.NewSession(d.cli, concurrency.WithLease(grant.ID), concurrency.WithContext(ctx))
	if err != nil {
		d.logf("etcd: session on lease %x: %v", grant.ID, err)
		return exitLost
	}
	go d.renew(ctx, grant.ID)
	el := concurrency.NewElection(sess, d.cfg.EtcdPrefix)
	won := make(chan error, 1)
	go func() { won <- el.Campaign(ctx, d.name) }()
	d.logf("campaigning as %q in %s with lease %x (ttl %ds)", d.name, d.cfg.EtcdPrefix, grant.ID, grant.TTL)

	for {
		select {
		case s := <-sig:
			d.logf("%v: resigning", s)
			d.mu.Lock()
			d.leader = false
			d.mu.Unlock()
			d.ln.Close()
			rctx, rcancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = el.Resign(rctx)
			_, _ = d.cli.Revoke(rctx, grant.ID)
			rcancel()
			return exitResigned
		case err := <-d.lost:
			d.logf("lost the lease: %v", err)
			return exitLost
		case <-sess.Done():
			d.logf("lost the lease: session %x ended (expired or revoked)", grant.ID)
			return exitLost
		case err := <-won:
			if err != nil {
				d.logf("campaign: %v", err)
				return exitLost
			}
			now, _ := elect.Boottime()
			d.mu.Lock()
			d.leader, d.key, d.token, d.heldSince = true, el.Key(), el.Rev(), now
			d.mu.Unlock()
			d.logf("leader: key %s, token %d, lease %x", el.Key(), el.Rev(), grant.ID)
			go d.watchKey(ctx, el.Key(), el.Rev())
			won = nil
		}
	}
}

// margin is taken off the lease deadline for the rate difference of the
// two machines' clocks and the time between reading the clock and sending.
func margin(ttl time.Duration) time.Duration {
	if m := ttl / 20; m > 200*time.Millisecond {
		return m
	}
	return 200 * time.Millisecond
}

// renew sends a keepalive every third of the TTL and moves the deadline to
// the send time of the last acknowledged one plus the granted TTL. The
// session keeps the lease alive on its own too; these are the ones whose
// send time is known, so the deadline is never later than the server's.
//
// A keepalive that fails is retried at once: a dead etcd member holds a
// request until the client gives up on its connection. Past the deadline
// the fact says "not the holder" on its own; the daemon still waits a
// further TTL for etcd to answer (a lease it still holds keeps its key, so
// nobody else can have led meanwhile), then exits for systemd to restart it.
func (d *daemon) renew(ctx context.Context, id clientv3.LeaseID) {
	every := d.cfg.LeaseTTL / 3
	wait := every
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		sent, err := elect.Boottime()
		if err != nil {
			d.lose(err)
			return
		}
		kctx, cancel := context.WithTimeout(ctx, every/2)
		resp, err := d.cli.KeepAliveOnce(kctx, id)
		cancel()
		now, _ := elect.Boottime()
		d.mu.Lock()
		switch {
		case errors.Is(err, rpctypes.ErrLeaseNotFound) || (err == nil && resp.TTL <= 0):
			d.mu.Unlock()
			d.lose(fmt.Errorf("etcd says lease %x is gone", id))
			return
		case err == nil:
			d.deadline = sent + resp.TTL*int64(time.Second) - int64(margin(d.cfg.LeaseTTL))
			wait = every
		case now >= d.deadline+int64(d.cfg.LeaseTTL):
			d.mu.Unlock()
			d.lose(fmt.Errorf("no keepalive acknowledged for a lease_ttl past the lease's deadline: %w", err))
			return
		default:
			d.logf("keepalive: %v (lease deadline in %s)", err, time.Duration(d.deadline-now).Round(time.Millisecond))
			wait = 50 * time.Millisecond
		}
		d.mu.Unlock()
	}
}

// watchKey ends the daemon when its leader key is deleted or replaced:
// leadership is then lost whatever the lease says.
func (d *daemon) watchKey(ctx context.Context, key string, rev int64) {
	for wr := range d.cli.Watch(ctx, key, clientv3.WithRev(rev)) {
		for _, ev := range wr.Events {
			if ev.Type == clientv3.EventTypeDelete || ev.Kv.CreateRevision != rev {
				d.lose(fmt.Errorf("leader key %s was deleted or replaced", key))
				return
			}
		}
	}
}

// accept answers clients, at most maxClients at once.
func (d *daemon) accept() {
	slots := make(chan struct{}, maxClients)
	for {
		c, err := d.ln.AcceptUnix()
		if err != nil {
			return // closed
		}
		select {
		case slots <- struct{}{}:
			go func() {
				defer func() { <-slots }()
				d.answer(c)
			}()
		default:
			c.Close()
		}
	}
}

// answer reads the request and answers with a state that a linearizable
// read has just confirmed.
func (d *daemon) answer(c *net.UnixConn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(elect.AskTimeout))
	line, err := bufio.NewReaderSize(io.LimitReader(c, 64), 64).ReadString('\n')
	if err != nil || line != elect.Request {
		return
	}
	_ = elect.Encode(c, d.confirm())
}

func (d *daemon) confirm() elect.Answer {
	d.mu.Lock()
	a := elect.Answer{PID: os.Getpid(), NodeName: d.name, Prefix: d.cfg.EtcdPrefix, Endpoints: d.cfg.EtcdEndpoints,
		Key: d.key, Token: d.token, Lease: int64(d.lease), HeldSince: d.heldSince, Deadline: d.deadline}
	leader := d.leader
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), elect.ConfirmTimeout)
	defer cancel()
	if !leader {
		a.Key, a.Token, a.HeldSince = "", 0, 0
		// The current leader: the oldest key under the prefix.
		resp, err := d.cli.Get(ctx, d.cfg.EtcdPrefix+"/", clientv3.WithFirstCreate()...)
		switch {
		case err != nil:
			a.Error = fmt.Sprintf("read the election's leader: %v%s", err, d.creds.cause())
		case len(resp.Kvs) > 0:
			a.Leader = string(resp.Kvs[0].Value)
		}
		return a
	}
	a.Leader = d.name
	resp, err := d.cli.Get(ctx, a.Key) // linearizable: needs the etcd majority
	switch {
	case err != nil:
		a.Error = fmt.Sprintf("confirm leader key %s: %v%s", a.Key, err, d.creds.cause())
	case len(resp.Kvs) == 0 || resp.Kvs[0].CreateRevision != a.Token || resp.Kvs[0].Lease != a.Lease:
		a.Error = fmt.Sprintf("leader key %s is gone or replaced", a.Key)
		d.lose(errors.New(a.Error))
	default:
		a.Holder = true
	}
	return a
}
