package facts

import (
	"strings"
	"testing"
	"time"
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
