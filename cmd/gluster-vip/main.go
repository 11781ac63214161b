// Command gluster-vip is a Facter external fact that tells whether this
// node holds the cluster's virtual IP, and so may run cluster-wide
// operations. With no arguments it prints the facts as JSON; `check` exits
// 0 when this node should run a guarded operation, 1 when it should not,
// and 2 on error; `run -- COMMAND` runs COMMAND only when check would
// exit 0. See usage for the grammar and every exit code.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gluster-vip/gluster-vip/facts"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// Exit codes of `check`. The fact itself exits 0 once printed: Facter
// ignores exit codes, and the error travels in the fact.
const (
	exitRun   = 0 // this node should run guarded operations
	exitNoRun = 1 // it should not
	exitError = 2 // an error or bad usage: do not run either
)

// app is the process's environment, so that the whole CLI runs in tests.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	environ        func() []string // passed to the command of run
	source         facts.Source
	euid           int
	command        string
	exit           func(code int) // ends the process from the watchdog
	// exec replaces the process with a command (run); it returns only on
	// failure. Tests record what would be executed instead.
	exec func(path string, argv, env []string) error
	// bound is the time bound of a run; zero means facts.DefaultBound.
	bound time.Duration
	// decided, when set, sees every decision before it is answered, so
	// tests can hold each exit code against the decision behind it.
	decided func(facts.Facts)
}

func main() {
	cmd, err := os.Executable()
	if err != nil {
		cmd = os.Args[0]
	}
	a := &app{
		stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, environ: os.Environ,
		source: facts.NewOS(), euid: os.Geteuid(), command: cmd, exit: os.Exit, exec: execve,
	}
	os.Exit(a.run(os.Args[1:]))
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// run parses args, decides and answers; it returns the exit code. It
// never panics: a bug turns into a "do not run" answer with the error.
func (a *app) run(args []string) (code int) {
	meta := facts.Meta{Command: a.command, Version: versionString()}
	inv := invocation{sub: subFact, format: "json"}
	defer func() {
		if r := recover(); r != nil {
			code = a.failSafe(inv, meta, fmt.Errorf("internal error: %v", r))
		}
	}()

	inv, err := parseArgs(args)
	if err != nil {
		return a.failSafe(inv, meta, err)
	}
	switch {
	case inv.sub == subVersion:
		fmt.Fprintf(a.stdout, "gluster-vip %s\n", meta.Version)
		return 0
	case inv.sub == subHelp:
		usage(a.stdout)
		return 0
	case inv.help:
		usage(a.stdout)
		// Help is never a decision to run.
		switch inv.sub {
		case subCheck, subQuorum:
			return exitError
		case subRun:
			return exitRunError
		}
		return 0
	}

	// Everything that can block runs inside the bound: the config file
	// (a FIFO, a hung filesystem), the command's lookup, the observation.
	bound := a.bound
	if bound == 0 {
		bound = facts.DefaultBound
	}
	dl := facts.StartDeadline(bound, func() {
		a.exit(a.failSafe(inv, meta, errors.New("did not finish within "+bound.String())))
	})
	if inv.sub == subQuorum {
		q, err := a.quorum(inv, dl)
		if !dl.Finish() {
			select {}
		}
		if err != nil {
			return a.failSafe(inv, meta, err)
		}
		return a.answerQuorum(q)
	}
	var path string
	cfg, f, obs, err := a.decide(inv, dl, &path)
	if !dl.Finish() {
		// The watchdog answered and ends the process.
		select {}
	}
	if err != nil {
		return a.failSafe(inv, meta, err)
	}
	return a.answer(inv, meta, cfg, f, obs, path)
}

// decide resolves the config and decides, turning a panic into an error.
func (a *app) decide(inv invocation, dl *facts.Deadline, path *string) (cfg facts.Config, f facts.Facts, obs facts.Observation, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	if inv.sub == subRun {
		// Looked up before deciding, so that nothing but execve follows
		// the decision, and a missing command shows on every node.
		if *path, err = lookPath(inv.command[0], a.getenv("PATH")); err != nil {
			return cfg, f, obs, err
		}
	}
	cfg = facts.Resolve(inv.flags, a.getenv, a.euid)
	f, obs = facts.Evaluate(dl.Context(), cfg, a.source, inv.sub == subExplain)
	return cfg, f, obs, nil
}

// quorum resolves the config and counts the peers, turning a panic into
// an error.
func (a *app) quorum(inv invocation, dl *facts.Deadline) (q facts.QuorumAnswer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	cfg := facts.Resolve(inv.flags, a.getenv, a.euid)
	return facts.EvaluateQuorum(dl.Context(), cfg, a.source), nil
}

// answerQuorum exits 0 only on a counted majority. keepalived discards
// the output; the line is for the operator who runs it by hand.
func (a *app) answerQuorum(q facts.QuorumAnswer) int {
	switch {
	case q.Err != nil:
		fmt.Fprintf(a.stderr, "gluster-vip quorum: error, no quorum: %s\n", q.Reason)
		return exitError
	case !q.Reached():
		fmt.Fprintf(a.stderr, "gluster-vip quorum: %s\n", q.Reason)
		return exitNoRun
	}
	fmt.Fprintf(a.stdout, "gluster-vip quorum: %s\n", q.Reason)
	return exitRun
}

// answer renders the decision as the subcommand asks, and runs run's
// command.
func (a *app) answer(inv invocation, meta facts.Meta, cfg facts.Config, f facts.Facts, obs facts.Observation, path string) int {
	if a.decided != nil {
		a.decided(f)
	}
	var b strings.Builder
	switch inv.sub {
	case subFact:
		if err := facts.Render(&b, inv.format, f, meta); err != nil {
			return a.failSafe(inv, meta, err)
		}
		if err := a.emit(inv, b.String()); err != nil {
			fmt.Fprintf(a.stderr, "gluster-vip: %v\n", err)
			return exitError
		}
		if f.Err != nil {
			// Facter logs stderr as a warning: only for real errors.
			fmt.Fprintf(a.stderr, "gluster-vip: %v\n", f.Err)
		}
		return 0
	case subExplain:
		_ = facts.Explain(&b, cfg, obs, f, meta)
		io.WriteString(a.stdout, b.String())
		return 0
	case subCheck:
		switch {
		case f.Err != nil:
			fmt.Fprintf(a.stderr, "gluster-vip check: error, do not run: %s\n", f.Reason)
			return exitError
		case !f.Holder:
			fmt.Fprintf(a.stderr, "gluster-vip check: not the holder: %s\n", f.Reason)
			return exitNoRun
		}
		return exitRun
	case subRun:
		switch {
		case f.Err != nil:
			fmt.Fprintf(a.stderr, "gluster-vip run: error, did not run: %s\n", f.Reason)
			return exitRunError
		case !f.Holder:
			fmt.Fprintf(a.stderr, "gluster-vip run: not the holder, did not run: %s\n", f.Reason)
			return exitRunNotHolder
		}
		// The environment passes through unchanged, but for the fencing
		// token: backend etcd's, and under vrrp none, not even the
		// caller's, which a command that checks tokens would believe.
		env := withToken(a.environ(), f.Token)
		if err := a.exec(path, inv.command, env); err != nil {
			fmt.Fprintf(a.stderr, "gluster-vip run: %s: cannot execute: %v\n", path, err)
			return exitRunCannotExec
		}
		return 0 // only a test's exec returns nil
	}
	return a.failSafe(inv, meta, fmt.Errorf("unknown subcommand %q", inv.sub))
}

// emit writes the fact to stdout, or atomically to the --textfile.
func (a *app) emit(inv invocation, s string) error {
	if inv.textfile != "" {
		return facts.WriteTextfile(inv.textfile, []byte(s))
	}
	_, err := io.WriteString(a.stdout, s)
	return err
}

// failSafe answers "do not run" with err, as the subcommand does it. The
// fact still prints a parseable fact with holder false.
func (a *app) failSafe(inv invocation, meta facts.Meta, err error) int {
	var usage *usageError
	isUsage := errors.As(err, &usage)
	switch inv.sub {
	case subCheck:
		fmt.Fprintf(a.stderr, "gluster-vip check: error, do not run: %v\n", err)
		return exitError
	case subQuorum:
		fmt.Fprintf(a.stderr, "gluster-vip quorum: error, no quorum: %v\n", err)
		return exitError
	case subRun:
		code := exitRunError
		var le *lookupError
		if errors.As(err, &le) {
			code = le.code
		}
		fmt.Fprintf(a.stderr, "gluster-vip run: error, did not run: %v\n", err)
		return code
	case subFact:
		fmt.Fprintf(a.stderr, "gluster-vip: %v\n", err)
		f := facts.Facts{Mode: facts.ModeUnconfigured, Reason: err.Error(), Err: err}
		format := inv.format
		if isUsage || !validFormat(format) {
			format = "json"
		}
		var b strings.Builder
		_ = facts.Render(&b, format, f, meta)
		if isUsage {
			io.WriteString(a.stdout, b.String())
			return exitError
		}
		if werr := a.emit(inv, b.String()); werr != nil {
			fmt.Fprintf(a.stderr, "gluster-vip: %v\n", werr)
			return exitError
		}
		return 0
	}
	fmt.Fprintf(a.stderr, "gluster-vip %s: %v\n", inv.sub, err)
	return exitError
}

// TokenEnv carries backend etcd's fencing token to run's command: the
// leader key's create revision, which grows with every new leader.
const TokenEnv = "GLUSTER_VIP_TOKEN"

// withToken sets TokenEnv in env to token, or leaves it out when token is
// 0 (no token: backend vrrp), dropping any value the caller had: a stale
// or forged token passed through would defeat the fence.
func withToken(env []string, token int64) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, TokenEnv+"=") {
			out = append(out, kv)
		}
	}
	if token <= 0 {
		return out
	}
	return append(out, fmt.Sprintf("%s=%d", TokenEnv, token))
}
