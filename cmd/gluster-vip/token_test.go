package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gluster-vip/gluster-vip/facts"
	"github.com/gluster-vip/gluster-vip/facts/elect"
	"github.com/stretchr/testify/assert"
)

func TestWithToken(t *testing.T) {
	env := []string{"PATH=/bin", "GLUSTER_VIP_TOKEN=3", "GLUSTER_VIP_TOKENS=x", "HOME=/root"}
	assert.Equal(t, []string{"PATH=/bin", "GLUSTER_VIP_TOKENS=x", "HOME=/root", "GLUSTER_VIP_TOKEN=9"}, withToken(env, 9),
		"a token passed in by the caller is replaced, never passed through")
	assert.Equal(t, []string{"PATH=/bin", "GLUSTER_VIP_TOKENS=x", "HOME=/root"}, withToken(env, 0),
		"without a token (backend vrrp), the caller's is dropped")
}

// electNode is a node whose gluster-vip-elect answers as given.
type electNode struct {
	fakeNode
	state facts.ElectState
}

func (e electNode) Elect(context.Context, string) facts.ElectState { return e.state }

// TestEtcdBackend: the fact, check and run decide on the daemon's answer
// through the same path, and only run's command gets the token.
func TestEtcdBackend(t *testing.T) {
	bin, _ := tools(t)
	env := map[string]string{"PATH": bin, "GLUSTER_VIP_TOKEN": "1"}
	s := int64(time.Second)
	eps := []string{"http://198.51.100.11:2379"}
	leads := electNode{state: facts.ElectState{Answer: elect.Answer{PID: 9, NodeName: "gv1", Prefix: facts.DefaultEtcdPrefix, Endpoints: eps, Leader: "gv1", Holder: true, Key: "/k", Token: 42,
		Lease: 5, HeldSince: 10 * s, Deadline: 40 * s}, Now: 30 * s}}
	follows := electNode{state: facts.ElectState{Answer: elect.Answer{PID: 9, NodeName: "gv2", Prefix: facts.DefaultEtcdPrefix, Endpoints: eps, Leader: "gv1"}, Now: 30 * s}}
	dead := electNode{state: facts.ElectState{Err: errors.New("gluster-vip-elect: connect /run/gluster-vip/elect.sock: connection refused (is the daemon running?)")}}
	flags := []string{"--backend=etcd", "--etcd_endpoints=http://198.51.100.11:2379"}

	r := runApp(t, leads, env, append(append([]string{"run"}, flags...), "--", "tool")...)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, []execCall{{filepath.Join(bin, "tool"), []string{"tool"}, []string{"GV_TEST=1", "GLUSTER_VIP_TOKEN=42"}}}, r.execs)

	f := factOf(t, runApp(t, leads, env, flags...))
	assert.Equal(t, true, f["holder"])
	assert.Equal(t, "etcd", f["backend"])
	assert.Equal(t, float64(42), f["token"])
	assert.Equal(t, "gv1", f["leader"])
	assert.Equal(t, float64(20), f["held_for"])
	assert.Equal(t, 0, runApp(t, leads, env, append([]string{"check"}, flags...)...).code)

	for name, c := range map[string]struct {
		src        facts.Source
		check, run int
	}{"follower": {follows, 1, 124}, "daemon dead": {dead, 2, 125}} {
		r := runApp(t, c.src, env, append(append([]string{"run"}, flags...), "--", "tool")...)
		assert.Equal(t, c.run, r.code, name)
		assert.Empty(t, r.execs, name)
		assert.Equal(t, c.check, runApp(t, c.src, env, append([]string{"check"}, flags...)...).code, name)
		f := factOf(t, runApp(t, c.src, env, flags...))
		assert.Equal(t, false, f["holder"], name)
		assert.Nil(t, f["token"], name)
	}
}
