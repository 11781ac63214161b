package facts

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gluster-vip/gluster-vip/facts/elect"
)

func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		"vip = 203.0.113.10\nmode = vip\nsettle = 5s\n",
		"# comment\nvip =\n",
		"peers = 198.51.100.11,198.51.100.12\nprobe = 300ms\ninterface = eth0:1\n",
		"vip = 2001:db8::10\nkeepalived_pidfile = /run/keepalived.pid\n",
		"vip = 1\nvip = 2\n",
		"=\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		s, err := ParseConfig("f", []byte(text))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		c := Merge(nil, s, "f", nil)
		// Whatever the text, an invalid config never holds.
		d := Decide(c, Observation{})
		if c.Err != nil && d.Holder {
			t.Fatalf("holder despite config error %v", c.Err)
		}
		if !c.Configured && d.Holder {
			t.Fatal("unconfigured node holds")
		}
	})
}

func FuzzParseVIP(f *testing.F) {
	for _, s := range []string{"203.0.113.10", "2001:db8::10", "", "203.0.113.10/32", "fe80::1%eth0", "::ffff:203.0.113.10", "0.0.0.0", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseVIP(s)
		if err != nil {
			if !strings.Contains(err.Error(), "\"") {
				t.Fatalf("error does not quote the input: %v", err)
			}
			return
		}
		if s != "" && (!a.IsValid() || a.Zone() != "" || a.Is4In6()) {
			t.Fatalf("ParseVIP(%q) = %v", s, a)
		}
	})
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"5s", "0s", "0", "300ms", "-1s", "1h1s", "5", "1e9h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s, time.Hour)
		if err == nil && (d < 0 || d > time.Hour) {
			t.Fatalf("ParseDuration(%q) = %v, out of range", s, d)
		}
		if _, err := ParsePeers(s); err != nil && !strings.Contains(err.Error(), "peer") {
			t.Fatalf("peers error without context: %v", err)
		}
	})
}

// FuzzElectAnswer: whatever the daemon's socket sends and whatever the
// clock reads, the fact holds only when the answer says this node leads
// with a positive token, no error, a deadline still ahead of now and a
// lead of at least settle; and it always renders as JSON.
func FuzzElectAnswer(f *testing.F) {
	s := int64(time.Second)
	for _, a := range []elect.Answer{
		{PID: 9, NodeName: "gv1", Prefix: DefaultEtcdPrefix, Endpoints: []string{"http://198.51.100.11:2379"}, Leader: "gv1", Holder: true, Token: 7, Lease: 0x1f, HeldSince: 100 * s, Deadline: 120 * s},
		{NodeName: "gv2", Leader: "gv1"},
		{NodeName: "gv1", Error: "confirm: context deadline exceeded"},
		{NodeName: "gv1", Holder: true, Token: 7, HeldSince: 100 * s, Deadline: math.MinInt64 + 5},
		{NodeName: "gv1", Holder: true, Token: 7, HeldSince: math.MinInt64, Deadline: math.MaxInt64},
	} {
		var b strings.Builder
		if err := elect.Encode(&b, a); err != nil {
			f.Fatal(err)
		}
		f.Add(b.String(), 110*s)
	}
	f.Add("{\"holder\":true,\"token\":1e30}\n", s)
	f.Add("not json\n", s)
	f.Fuzz(func(t *testing.T, line string, now int64) {
		cfg := Merge(nil, Settings{"backend": {"etcd", "f:1"}, "etcd_endpoints": {"http://198.51.100.11:2379", "f:2"}}, "f", nil)
		if cfg.Err != nil {
			t.Fatal(cfg.Err)
		}
		st := ElectState{Socket: "/run/s", Now: now}
		st.Answer, st.Err = elect.Decode(strings.NewReader(line))
		d := Decide(cfg, Observation{Elect: &st})
		a := st.Answer
		if d.Holder {
			switch {
			case st.Err != nil:
				t.Fatalf("holder despite %v", st.Err)
			case !a.Holder || a.Token <= 0 || a.Error != "":
				t.Fatalf("holder on %+v", a)
			case a.Deadline <= now:
				t.Fatalf("holder with the deadline %d not after now %d", a.Deadline, now)
			case a.Prefix != cfg.EtcdPrefix || strings.Join(a.Endpoints, ",") != strings.Join(cfg.EtcdEndpoints, ","):
				t.Fatalf("holder for the election %s on %v, configured %s on %v", a.Prefix, a.Endpoints, cfg.EtcdPrefix, cfg.EtcdEndpoints)
			case a.HeldSince > now || now-a.HeldSince < int64(cfg.Settle):
				t.Fatalf("holder since %d at %d, settle %s", a.HeldSince, now, cfg.Settle)
			}
		}
		var b strings.Builder
		if err := Render(&b, "json", d, Meta{Command: "/x", Version: "t"}); err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(b.String()), &v); err != nil {
			t.Fatalf("fact is not JSON: %v: %q", err, b.String())
		}
		if v["gluster_vip_holder"] != d.Holder {
			t.Fatalf("rendered holder %v, decided %v", v["gluster_vip_holder"], d.Holder)
		}
	})
}
