package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gluster-vip/gluster-vip/facts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
