package facts

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gluster-vip/gluster-vip/facts/elect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var etcdEPs = []string{"http://198.51.100.11:2379", "https://[2001:db8::1]:2379"}

var etcdFile = Settings{"backend": {"etcd", "f:1"}, "etcd_endpoints": {"http://198.51.100.11:2379, https://[2001:db8::1]:2379", "f:2"}}

func TestMergeBackend(t *testing.T) {
	c := Merge(nil, etcdFile, "f", nil)
	require.NoError(t, c.Err)
	assert.True(t, c.Configured, "backend etcd configures a node without a vip")
	assert.Equal(t, ModeEtcd, c.Mode)
	assert.Equal(t, []string{"http://198.51.100.11:2379", "https://[2001:db8::1]:2379"}, c.EtcdEndpoints)
	assert.Equal(t, DefaultLeaseTTL, c.LeaseTTL)
	assert.Equal(t, DefaultEtcdPrefix, c.EtcdPrefix)
	assert.Equal(t, DefaultElectSocket, c.ElectSocket)
	assert.Equal(t, DefaultSettle, c.Settle)

	c = Merge(nil, Settings{"vip": {"203.0.113.10", "f:1"}}, "f", nil)
	require.NoError(t, c.Err)
	assert.Equal(t, BackendVRRP, c.Backend, "vrrp is the default")

	with := func(extra Settings) Settings {
		s := Settings{}
		for k, v := range etcdFile {
			s[k] = v
		}
		for k, v := range extra {
			s[k] = v
		}
		return s
	}
	for name, tc := range map[string]struct {
		flags, file Settings
		want        string
	}{
		"vip under etcd":       {nil, with(Settings{"vip": {"203.0.113.10", "f:3"}}), "f:3: vip: applies to backend vrrp only, but backend is etcd (f:1)"},
		"peers under etcd":     {nil, with(Settings{"peers": {"198.51.100.12", "f:3"}}), "f:3: peers: applies to backend vrrp only, but backend is etcd (f:1)"},
		"etcd key under vrrp":  {nil, Settings{"vip": {"203.0.113.10", "f:1"}, "lease_ttl": {"10s", "f:2"}}, "f:2: lease_ttl: applies to backend etcd only, but backend is vrrp (default)"},
		"no endpoints":         {nil, Settings{"backend": {"etcd", "f:1"}}, "f:1: etcd_endpoints: backend etcd needs etcd_endpoints (comma-separated URLs)"},
		"bad backend":          {nil, Settings{"backend": {"raft", "f:1"}}, `f:1: backend: "raft" is not a backend (want vrrp or etcd)`},
		"bad endpoint":         {nil, with(Settings{"etcd_endpoints": {"198.51.100.11:2379", "f:2"}}), `f:2: etcd_endpoints: endpoint "198.51.100.11:2379": want a URL such as https://198.51.100.1:2379`},
		"endpoint with a path": {nil, with(Settings{"etcd_endpoints": {"http://198.51.100.11:2379/v3", "f:2"}}), `f:2: etcd_endpoints: endpoint "http://198.51.100.11:2379/v3": want a URL such as https://198.51.100.1:2379`},
		"ttl below etcd's":     {nil, with(Settings{"lease_ttl": {"1s", "f:3"}}), `f:3: lease_ttl: "1s": want whole seconds from 2s to 5m0s (etcd grants leases in seconds)`},
		"ttl not whole":        {nil, with(Settings{"lease_ttl": {"2500ms", "f:3"}}), `f:3: lease_ttl: "2500ms": want whole seconds from 2s to 5m0s (etcd grants leases in seconds)`},
		"relative key":         {nil, with(Settings{"etcd_key": {"key.pem", "f:3"}, "etcd_cert": {"/c.pem", "f:4"}}), `f:3: etcd_key: "key.pem" is not an absolute path`},
		"cert without key":     {nil, with(Settings{"etcd_cert": {"/c.pem", "f:3"}}), "f:3: etcd_cert: needs etcd_key too (a client certificate and its key)"},
		"node name with space": {Settings{"node_name": {"a b", "flag --node_name"}}, etcdFile, `flag --node_name: node_name: "a b": want printable ASCII without spaces`},
		"root prefix":          {nil, with(Settings{"etcd_prefix": {"/", "f:3"}}), `f:3: etcd_prefix: "/": the root is not a prefix`},
	} {
		c := Merge(tc.flags, tc.file, "f", nil)
		if assert.Error(t, c.Err, name) {
			assert.Equal(t, tc.want, c.Err.Error(), name)
		}
		f := Decide(c, Observation{})
		assert.False(t, f.Holder, name)
	}
	// A flag switches the backend as any key: precedence is unchanged.
	c = Merge(Settings{"backend": {"vrrp", "flag --backend"}}, etcdFile, "f", nil)
	assert.EqualError(t, c.Err, "f:2: etcd_endpoints: applies to backend etcd only, but backend is vrrp (flag --backend)")
}

func TestDecideEtcd(t *testing.T) {
	cfg := Merge(nil, etcdFile, "f", nil)
	require.NoError(t, cfg.Err)
	s := int64(time.Second)
	held := elect.Answer{PID: 42, NodeName: "gv1", Prefix: DefaultEtcdPrefix, Endpoints: etcdEPs, Leader: "gv1", Holder: true, Key: "/gluster-vip/election/1", Token: 7, Lease: 0x1f,
		HeldSince: 100 * s, Deadline: 120 * s}
	for name, tc := range map[string]struct {
		elect  *ElectState
		holder bool
		err    bool
		reason string
	}{
		"holder":         {&ElectState{Answer: held, Now: 110 * s}, true, false, `"gv1" leads the etcd election, token 7, for 10s`},
		"not asked":      {nil, false, true, "backend etcd: gluster-vip-elect was not asked"},
		"daemon dead":    {&ElectState{Err: errors.New("connect: connection refused")}, false, true, "connect: connection refused"},
		"etcd error":     {&ElectState{Answer: elect.Answer{NodeName: "gv1", Prefix: DefaultEtcdPrefix, Endpoints: etcdEPs, Error: "confirm: context deadline exceeded"}, Now: 110 * s}, false, true, "gluster-vip-elect could not confirm with etcd: confirm: context deadline exceeded"},
		"follower":       {&ElectState{Answer: elect.Answer{NodeName: "gv2", Prefix: DefaultEtcdPrefix, Endpoints: etcdEPs, Leader: "gv1"}, Now: 110 * s}, false, false, `"gv2" is not the election's leader (leader: gv1)`},
		"no leader":      {&ElectState{Answer: elect.Answer{NodeName: "gv2", Prefix: DefaultEtcdPrefix, Endpoints: etcdEPs}, Now: 110 * s}, false, false, `"gv2" is not the election's leader (leader: unknown)`},
		"lease expired":  {&ElectState{Answer: held, Now: 121 * s}, false, false, "the lease's deadline passed 1s ago without a renewal"},
		"at deadline":    {&ElectState{Answer: held, Now: 120 * s}, false, false, "the lease's deadline passed 0s ago without a renewal"},
		"settling":       {&ElectState{Answer: held, Now: 102 * s}, false, false, "leader for 2s, less than settle 5s"},
		"future":         {&ElectState{Answer: held, Now: 99 * s}, false, true, "gluster-vip-elect says it leads since a time still to come (1s from now)"},
		"deadline wraps": {&ElectState{Answer: func() elect.Answer { a := held; a.Deadline = math.MinInt64 + 5; return a }(), Now: 110 * s}, false, false, "the lease's deadline passed 2562047h47m16.85s ago without a renewal"},
		"won at boot":    {&ElectState{Answer: func() elect.Answer { a := held; a.HeldSince = math.MinInt64; return a }(), Now: 110 * s}, false, true, "gluster-vip-elect gave no valid time of winning (-9223372036854775808)"},
		"old election":   {&ElectState{Socket: "/run/s", Answer: func() elect.Answer { a := held; a.Prefix = "/old"; return a }(), Now: 110 * s}, false, true, "gluster-vip-elect at /run/s campaigns in election /old on http://198.51.100.11:2379,https://[2001:db8::1]:2379, but the config names election /gluster-vip/election on http://198.51.100.11:2379,https://[2001:db8::1]:2379 (f:2); it takes a new config when it restarts"},
		"other etcd":     {&ElectState{Socket: "/run/s", Answer: func() elect.Answer { a := held; a.Endpoints = []string{"http://203.0.113.5:2379"}; return a }(), Now: 110 * s}, false, true, "gluster-vip-elect at /run/s campaigns in election /gluster-vip/election on http://203.0.113.5:2379, but the config names election /gluster-vip/election on http://198.51.100.11:2379,https://[2001:db8::1]:2379 (f:2); it takes a new config when it restarts"},
		"zero token":     {&ElectState{Answer: func() elect.Answer { a := held; a.Token = 0; return a }(), Now: 110 * s}, false, false, `"gv1" is not the election's leader (leader: gv1)`},
	} {
		f := Decide(cfg, Observation{Elect: tc.elect})
		assert.Equal(t, tc.holder, f.Holder, name)
		assert.Equal(t, tc.err, f.Err != nil, name)
		assert.Equal(t, tc.reason, f.Reason, name)
		assert.Equal(t, ModeEtcd, f.Mode, name)
		if tc.holder {
			assert.Equal(t, int64(7), f.Token, name)
		}
	}

	named := cfg
	named.NodeName = "gv9"
	named.Sources = map[string]string{"node_name": "f:3", "backend": "f:1"}
	f := Decide(named, Observation{Elect: &ElectState{Socket: "/run/s", Answer: held, Now: 110 * s}})
	assert.False(t, f.Holder)
	assert.EqualError(t, f.Err, `gluster-vip-elect at /run/s campaigns as "gv1", but node_name is "gv9" (f:3)`)
}

type electSource struct {
	Source
	state ElectState
}

func (e electSource) Elect(context.Context, string) ElectState { return e.state }

func TestEvaluateEtcdObservesOnlyTheDaemon(t *testing.T) {
	cfg := Merge(nil, etcdFile, "f", nil)
	// Source is nil: any address, gateway or probe read would panic.
	f, obs := Evaluate(context.Background(), cfg, electSource{state: ElectState{Err: errors.New("down")}}, true)
	assert.False(t, f.Holder)
	assert.Nil(t, obs.Addresses)
	assert.EqualError(t, f.Err, "down")

	f, _ = Evaluate(context.Background(), cfg, &recorded{}, false)
	assert.EqualError(t, f.Err, "backend etcd: this source can't ask gluster-vip-elect")
}

func TestRenderEtcd(t *testing.T) {
	cfg := Merge(nil, etcdFile, "f", nil)
	s := int64(time.Second)
	f := Decide(cfg, Observation{Elect: &ElectState{Answer: elect.Answer{NodeName: "gv1", Prefix: DefaultEtcdPrefix, Endpoints: etcdEPs, Leader: "gv1", Holder: true, Token: 7, HeldSince: s, Deadline: 20 * s}, Now: 11 * s}})
	var b strings.Builder
	require.NoError(t, Render(&b, "json", f, Meta{Command: "/x", Version: "t"}))
	for _, want := range []string{`"backend": "etcd"`, `"node_name": "gv1"`, `"leader": "gv1"`, `"token": 7`, `"mode": "etcd"`, `"held_for": 10`, `"gluster_vip_holder": true`,
		`"election": "/gluster-vip/election"`, `"etcd_endpoints": "http://198.51.100.11:2379,https://[2001:db8::1]:2379"`} {
		assert.Contains(t, b.String(), want)
	}
	// The VRRP fact has none of these keys.
	b.Reset()
	require.NoError(t, Render(&b, "json", Decide(Merge(nil, Settings{"vip": {"", "f:1"}}, "f", nil), Observation{}), Meta{}))
	for _, absent := range []string{"backend", "node_name", "leader", "token"} {
		assert.NotContains(t, b.String(), `"`+absent+`"`)
	}
}

func TestExplainEtcd(t *testing.T) {
	cfg := Merge(nil, etcdFile, "f", nil)
	s := int64(time.Second)
	obs := Observation{Elect: &ElectState{Socket: "/run/s", Answer: elect.Answer{PID: 9, NodeName: "gv2", Prefix: DefaultEtcdPrefix, Endpoints: etcdEPs, Leader: "gv1", Lease: 0x1f,
		Error: "read the election's leader: context deadline exceeded"}, Now: 11 * s}}
	f := Decide(cfg, obs)
	var b strings.Builder
	require.NoError(t, Explain(&b, cfg, obs, f, Meta{Command: "/x", Version: "t"}))
	for _, want := range []string{
		"Decision: this node is",
		`  gluster-vip-elect: pid 9, node "gv2", election /gluster-vip/election on http://198.51.100.11:2379,https://[2001:db8::1]:2379, leader "gv1", holder false, token 0, lease 1f (/run/s)`,
		"  etcd: read the election's leader: context deadline exceeded",
	} {
		assert.Contains(t, b.String(), want)
	}
	assert.Regexp(t, `(?m)^  backend +etcd +f:1$`, b.String())
	for _, absent := range []string{"  vip ", "  peers ", "  keepalived_pidfile ", "addresses:"} {
		assert.NotContains(t, b.String(), absent, "VRRP keys left unset are not listed under etcd")
	}
}
