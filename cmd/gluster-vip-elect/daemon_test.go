package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gluster-vip/gluster-vip/facts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials"
)

func TestCheckKeyFile(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(key, []byte("x"), 0o640))
	require.NoError(t, os.Chmod(key, 0o640))
	assert.EqualError(t, checkKeyFile(key), "etcd_key "+key+": readable or writable by group or other (mode 0640); refusing it (chmod 600)")
	require.NoError(t, os.Chmod(key, 0o600))
	assert.NoError(t, checkKeyFile(key))
	assert.EqualError(t, checkKeyFile(dir), "etcd_key "+dir+": not a regular file; refusing it")
	assert.EqualError(t, checkKeyFile(filepath.Join(dir, "none")), "etcd_key "+filepath.Join(dir, "none")+": no such file or directory")

	// The daemon refuses to start with such a key, before any connection.
	require.NoError(t, os.Chmod(key, 0o644))
	cfg := facts.Merge(nil, facts.Settings{"backend": {Value: "etcd", Source: "f:1"}, "etcd_endpoints": {Value: "https://198.51.100.11:2379", Source: "f:2"},
		"etcd_cert": {Value: key, Source: "f:3"}, "etcd_key": {Value: key, Source: "f:4"}}, "f", nil)
	require.NoError(t, cfg.Err)
	_, err := tlsConfig(cfg)
	assert.EqualError(t, err, "etcd_key "+key+": readable or writable by group or other (mode 0644); refusing it (chmod 600)")
}

func TestRunRefusesBadUsage(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "gv.conf")
	require.NoError(t, os.WriteFile(conf, []byte("vip = 203.0.113.10\n"), 0o644))
	for args, want := range map[string][]string{
		"stray argument": {"x"},
		"unknown flag":   {"--vip", "1"},
		"vrrp config":    {"--config", conf},
		"missing config": {"--config", filepath.Join(dir, "none")},
	} {
		var stderr bytes.Buffer
		assert.Equal(t, exitUsage, run(want, &stderr, func(string) string { return "" }, nil), args)
		assert.Contains(t, stderr.String(), "gluster-vip-elect: ", args)
	}
	var stderr bytes.Buffer
	run([]string{"--config", conf}, &stderr, func(string) string { return "" }, nil)
	assert.Equal(t, "gluster-vip-elect: backend is vrrp (default), not etcd: nothing to hold\n", stderr.String())
}

// Certificates for the TLS tests: made here with crypto/x509, keys 0600.

// tlsCA is a certificate authority that signs leaf certificates.
type tlsCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	path string // the CA certificate, PEM
}

func tlsKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func tlsSerial(t *testing.T) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	require.NoError(t, err)
	return n
}

// writePEM writes one PEM block with mode, chmod'ed so the umask can't
// change it.
func writePEM(t *testing.T, path, typ string, der []byte, mode os.FileMode) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode))
	require.NoError(t, os.Chmod(path, mode))
}

func writeKey(t *testing.T, path string, k *ecdsa.PrivateKey, mode os.FileMode) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	writePEM(t, path, "PRIVATE KEY", der, mode)
}

func newTLSCA(t *testing.T, dir, name string) *tlsCA {
	t.Helper()
	k := tlsKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: tlsSerial(t), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	ca := &tlsCA{cert: cert, key: k, path: filepath.Join(dir, name+".pem")}
	writePEM(t, ca.path, "CERTIFICATE", der, 0o644)
	return ca
}

// issue signs a leaf for ips (none for a client) and writes NAME.pem and
// NAME-key.pem (mode 0600). It returns both paths.
func (ca *tlsCA) issue(t *testing.T, dir, name string, usage []x509.ExtKeyUsage, ips ...net.IP) (string, string) {
	t.Helper()
	k := tlsKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: tlsSerial(t), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usage, IPAddresses: ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &k.PublicKey, ca.key)
	require.NoError(t, err)
	cert, key := filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
	writePEM(t, cert, "CERTIFICATE", der, 0o644)
	writeKey(t, key, k, 0o600)
	return cert, key
}

// TestTLSCredsNameTheFailure: the client turns a failed TLS handshake into
// a bare "context deadline exceeded"; the credentials remember the cause,
// whether the handshake fails (wrong CA; TLS 1.2) or the server's alert
// comes after it (TLS 1.3, no client certificate), and forget it once a
// connection reads data. A real TLS server on loopback.
func TestTLSCredsNameTheFailure(t *testing.T) {
	dir := t.TempDir()
	ca := newTLSCA(t, dir, "ca")
	other := newTLSCA(t, dir, "other-ca")
	srvCert, srvKey := ca.issue(t, dir, "server", []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, net.ParseIP("127.0.0.1"))
	cliCert, cliKey := ca.issue(t, dir, "client", []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth})

	pair, err := tls.LoadX509KeyPair(srvCert, srvKey)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(2 * time.Second))
				s := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
					NextProtos: []string{"h2"}}) // gRPC insists on ALPN h2
				if s.Handshake() == nil {
					_, _ = s.Write([]byte("hello"))
				}
			}()
		}
	}()

	creds := func(caFile, cert, key string, maxVersion uint16) *tlsCreds {
		set := facts.Settings{"backend": {Value: "etcd", Source: "f:1"}, "etcd_endpoints": {Value: "https://" + ln.Addr().String(), Source: "f:2"},
			"etcd_ca": {Value: caFile, Source: "f:3"}}
		if cert != "" {
			set["etcd_cert"], set["etcd_key"] = facts.Setting{Value: cert, Source: "f:4"}, facts.Setting{Value: key, Source: "f:5"}
		}
		cfg := facts.Merge(nil, set, "f", nil)
		require.NoError(t, cfg.Err)
		tlsc, err := tlsConfig(cfg)
		require.NoError(t, err)
		tlsc.MaxVersion = maxVersion
		return &tlsCreds{TransportCredentials: credentials.NewTLS(tlsc), tlsFailure: &tlsFailure{}}
	}
	// connect does what gRPC does: a handshake, then a read.
	connect := func(c *tlsCreds) error {
		raw, err := net.DialTimeout("tcp", ln.Addr().String(), 2*time.Second)
		require.NoError(t, err)
		defer raw.Close()
		_ = raw.SetDeadline(time.Now().Add(2 * time.Second))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		conn, _, err := c.ClientHandshake(ctx, ln.Addr().String(), raw)
		if err != nil {
			return err
		}
		_, err = io.ReadAll(conn)
		return err
	}

	assert.Empty(t, (*tlsCreds)(nil).cause(), "no TLS, no cause")

	c := creds(other.path, cliCert, cliKey, 0)
	require.Error(t, connect(c))
	assert.Contains(t, c.cause(), "; last TLS failure: "+ln.Addr().String()+": tls: failed to verify certificate: x509: certificate signed by unknown authority")
	// A good connection afterwards forgets the failure.
	c.TransportCredentials = creds(ca.path, cliCert, cliKey, 0).TransportCredentials
	require.NoError(t, connect(c))
	assert.Empty(t, c.cause())

	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		c := creds(ca.path, "", "", v)
		require.Error(t, connect(c), "no client certificate, TLS %x", v)
		assert.Contains(t, c.cause(), "; last TLS failure: "+ln.Addr().String()+": remote error: tls: ", "TLS %x", v)
	}
}

// A clone, which gRPC may make per connection, reports into the same
// remembered failure: a failure on it still reaches the fact.
func TestTLSCredsClonesShareTheFailure(t *testing.T) {
	c := &tlsCreds{TransportCredentials: credentials.NewTLS(&tls.Config{}), tlsFailure: &tlsFailure{}}
	c.Clone().(*tlsCreds).set(errors.New("198.51.100.21:2379: x509: certificate signed by unknown authority"))
	require.Equal(t, "; last TLS failure: 198.51.100.21:2379: x509: certificate signed by unknown authority", c.cause())
	var none *tlsCreds
	require.Empty(t, none.cause(), "without TLS, no cause")
}
