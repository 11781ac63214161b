package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// oddInvocations are command lines that must never mean "run". Each would
// decide "run" if its words were read loosely: --vip= is mode all, where
// every node runs. Before issue 10 item 9, the fact-mode ones exited 0.
var oddInvocations = []struct {
	args []string
	code int
}{
	// A command word after flags, or after --, is not a command.
	{[]string{"--vip=", "check"}, 2},
	{[]string{"--vip", "203.0.113.10", "check"}, 2},
	{[]string{"--", "check"}, 2},
	{[]string{"--vip=", "--", "check"}, 2},
	{[]string{"--bogus", "check"}, 2},
	{[]string{"--help", "check"}, 2},
	{[]string{"-h", "--vip=", "check"}, 2},
	{[]string{"--format=json", "check"}, 2},
	{[]string{"--vip=", "run", "--", "/bin/true"}, 2},
	{[]string{"", "check"}, 2},
	{[]string{"Check", "--vip="}, 2},
	{[]string{"--vip=", "frobnicate"}, 2},
	{[]string{"--vip=", "--format", "xml"}, 2},
	// Help and stray words under check.
	{[]string{"check", "--help"}, 2},
	{[]string{"check", "-h"}, 2},
	{[]string{"check", "--vip=", "--help"}, 2},
	{[]string{"check", "--vip=", "-h=true"}, 2},
	{[]string{"check", "--vip=", "extra"}, 2},
	{[]string{"check", "--vip=", "check"}, 2},
	{[]string{"check", "--vip=", "--", "extra"}, 2},
	{[]string{"check", "--vip=", "--format", "json"}, 2},
	{[]string{"check", "--vip=", "--textfile", "/nonexistent/gluster_vip.prom"}, 2},
	{[]string{"check", "--bogus", "--vip="}, 2},
	{[]string{"check", "--vip"}, 2},
	{[]string{"check", "-v", "--vip="}, 2},
	{[]string{"check", "--vip=", "--vip=203.0.113.10"}, 2},
	{[]string{"check", "--vip=203.0.113.10", "--vip="}, 2},
	{[]string{"--vip=", "--vip="}, 2},
	// run: flags, then --, then the command.
	{[]string{"run", "--vip="}, 125},
	{[]string{"run", "--vip=", "--"}, 125},
	{[]string{"run", "--vip=", "/bin/true"}, 125},
	{[]string{"run", "--vip=", "/bin/true", "--", "/bin/true"}, 125},
	{[]string{"run", "--help", "--", "/bin/true"}, 125},
	{[]string{"run", "-h"}, 125},
	{[]string{"run", "--bogus", "--", "/bin/true"}, 125},
	{[]string{"run", "--vip=", "--format", "json", "--", "/bin/true"}, 125},
	{[]string{"run", "--vip"}, 125},
	// quorum: flags only, like check. Exit 0 would drop no VIP.
	{[]string{"--vip=", "quorum"}, 2},
	{[]string{"quorum", "--help"}, 2},
	{[]string{"quorum", "--vip=", "extra"}, 2},
	{[]string{"quorum", "--vip=", "--format=json"}, 2},
	{[]string{"quorum", "--vip=", "--", "/bin/true"}, 2},
	{[]string{"quorum", "--bogus"}, 2},
	{[]string{"quorum", "--vip="}, 2},                // mode all: no VIP, no quorum to count
	{[]string{"quorum", "--vip", "203.0.113.10"}, 2}, // no peers
	// version and help take nothing.
	{[]string{"version", "check"}, 2},
	{[]string{"help", "check"}, 2},
}

func TestOddInvocationsNeverRun(t *testing.T) {
	for _, c := range oddInvocations {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := runApp(t, vipHere, nil, c.args...)
			assert.Equal(t, c.code, r.code, "stderr: %s", r.stderr)
			assert.Empty(t, r.execs, "nothing may run")
			switch {
			case strings.HasPrefix(r.stdout, "{"):
				// A fact run with a bad command line still prints a fact
				// Facter can parse, holder false.
				f := factOf(t, r)
				assert.Equal(t, false, f["holder"])
				assert.NotNil(t, f["error"])
			case r.stdout != "":
				assert.True(t, strings.HasPrefix(r.stdout, "Usage:"), "stdout: %q", r.stdout)
			}
			if !strings.Contains(strings.Join(c.args, " "), "-h") {
				assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line saying why: %q", r.stderr)
			}
		})
	}
}

// The same words, well placed, do decide: the table above fails only on
// its grammar.
func TestWellFormedInvocations(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		runs bool
	}{
		{[]string{"check", "--vip="}, 0, false},
		{[]string{"check", "--vip=", "--"}, 0, false},
		{[]string{"check", "--vip", "203.0.113.10", "--probe=0s"}, 0, false},
		{[]string{"check", "--vip", "203.0.113.11"}, 1, false},
		{[]string{"run", "--vip=", "--", "/bin/true"}, 0, true},
		{[]string{"run", "--", "/bin/true"}, 124, false}, // unconfigured
		{[]string{"--vip="}, 0, false},
		{[]string{"--help"}, 0, false},
		{[]string{"help"}, 0, false},
		{[]string{"explain", "--help"}, 0, false},
		{[]string{"version"}, 0, false},
	} {
		r := runApp(t, vipHere, nil, c.args...)
		assert.Equal(t, c.code, r.code, "%q: %s", c.args, r.stderr)
		assert.Equal(t, c.runs, len(r.execs) == 1, "%q", c.args)
	}
	r := runApp(t, vipHere, nil, "--vip=")
	var v map[string]any
	assert.NoError(t, json.Unmarshal([]byte(r.stdout), &v))
	assert.Equal(t, true, v["gluster_vip_holder"])
}

func TestUsageMessages(t *testing.T) {
	for args, want := range map[string]string{
		"--vip= check":                    `gluster-vip: unexpected argument "check": the command word must come first, as in: gluster-vip check [flags] (see gluster-vip help)`,
		"--bogus check":                   `gluster-vip: unknown flag: --bogus; the command word "check" must come first (see gluster-vip help)`,
		"check --vip= extra":              `gluster-vip check: error, do not run: unexpected argument "extra" (see gluster-vip help)`,
		"run --vip= /bin/true":            `gluster-vip run: error, did not run: unexpected argument "/bin/true": the command goes after --, as in: gluster-vip run [flags] -- COMMAND [ARGS...] (see gluster-vip help)`,
		"run --vip=":                      `gluster-vip run: error, did not run: no command: want gluster-vip run [flags] -- COMMAND [ARGS...] (see gluster-vip help)`,
		"run --vip= --":                   `gluster-vip run: error, did not run: nothing after --: want gluster-vip run [flags] -- COMMAND [ARGS...] (see gluster-vip help)`,
		"frobnicate":                      `gluster-vip: unknown command "frobnicate" (want check, run, explain, quorum, version, help, or none for the fact) (see gluster-vip help)`,
		"check --vip=203.0.113.10 --vip=": `gluster-vip check: error, do not run: invalid argument "" for "--vip" flag: given twice (first "203.0.113.10") (see gluster-vip help)`,
		"check --vip= --format=x":         `gluster-vip check: error, do not run: --format and --textfile apply to the fact only, not to check (see gluster-vip help)`,
	} {
		r := runApp(t, vipHere, nil, strings.Fields(args)...)
		assert.Equal(t, want+"\n", r.stderr, args)
	}
}

func TestHelpListsExitCodes(t *testing.T) {
	r := runApp(t, vipHere, nil, "help")
	for _, want := range []string{"--keepalived_pidfile", "--textfile", "124 not the holder", "125 error", "126 COMMAND found", "127\n           COMMAND not found", "check    0 this node should run",
		"quorum   0 a strict majority of peers answered"} {
		assert.Contains(t, r.stdout, want)
	}
}
