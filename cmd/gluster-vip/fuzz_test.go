package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gluster-vip/gluster-vip/facts"
)

// FuzzArgs: whatever the command line, the CLI never panics, check exits
// 0 only on a decision to run, quorum only on a counted majority, run
// executes only then, and a fact run
// prints a fact Facter can parse. Arguments are NUL-separated.
func FuzzArgs(f *testing.F) {
	for _, c := range oddInvocations {
		f.Add(strings.Join(c.args, "\x00"))
	}
	for _, s := range []string{"", "check\x00--vip=", "run\x00--vip=\x00--\x00tool", "check\x00--vip\x00203.0.113.10\x00--probe=0s",
		"explain\x00--vip=", "--vip=\x00--format\x00prometheus", "run\x00--vip\x00--\x00--\x00tool",
		"quorum\x00--vip\x00203.0.113.10\x00--peers=198.51.100.11\x00--interface=eth0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var args []string
		if s != "" {
			args = strings.Split(s, "\x00")
		}
		// --textfile writes files: keep the fuzzer from writing the host's.
		if len(args) > 32 || strings.Contains(s, "textfile") {
			return
		}
		a, out, errb, execs := testApp(vipHere, map[string]string{"PATH": "/bin"})
		a.exit = func(code int) { t.Fatalf("%q: the watchdog fired", args) }
		var decisions []facts.Facts
		a.decided = func(f facts.Facts) { decisions = append(decisions, f) }
		code := a.run(args)

		if strings.Contains(errb.String(), "internal error") {
			t.Fatalf("%q: %s", args, errb.String())
		}
		if len(decisions) > 1 {
			t.Fatalf("%q: %d decisions", args, len(decisions))
		}
		run := len(decisions) == 1 && decisions[0].Holder && decisions[0].Err == nil
		sub := ""
		if len(args) > 0 {
			sub = args[0]
		}
		switch {
		case sub == "check" && code == 0 && !run:
			t.Fatalf("%q: check exited 0 without a decision to run (stderr %q)", args, errb.String())
		case sub == "quorum" && code == 0 && !strings.HasPrefix(out.String(), "gluster-vip quorum: quorum reached on "):
			t.Fatalf("%q: quorum exited 0 without counting a majority (stdout %q, stderr %q)", args, out.String(), errb.String())
		case sub == "quorum" && len(decisions) > 0:
			t.Fatalf("%q: quorum decided who holds", args)
		case sub == "run" && len(*execs) > 0 && !run:
			t.Fatalf("%q: run executed without a decision to run", args)
		case sub == "run" && code == 0 && len(*execs) != 1:
			t.Fatalf("%q: run exited 0 without executing", args)
		case sub != "run" && len(*execs) > 0:
			t.Fatalf("%q: %s executed a command", args, sub)
		case !isSubcommand(sub) && !strings.HasPrefix(out.String(), "Usage:"):
			// The fact, or a usage error: either way a parseable fact.
			if strings.Contains(strings.Join(args, " "), "--format") || strings.Contains(strings.Join(args, " "), "-format") {
				return // yaml, keyvalue, prometheus: checked by the golden files
			}
			var v map[string]any
			if err := json.Unmarshal(out.Bytes(), &v); err != nil {
				t.Fatalf("%q: fact is not JSON: %v: %q", args, err, out.String())
			}
			if _, ok := v["gluster_vip_holder"].(bool); !ok {
				t.Fatalf("%q: no boolean holder: %q", args, out.String())
			}
		}
	})
}
