// Command gluster-vip is a Facter external fact that tells whether this
// node holds the cluster's virtual IP, and so may run cluster-wide
// operations. With no arguments it prints the facts as JSON; `check` exits
// 0 when this node should run a guarded operation, 1 when it should not,
// and 2 on error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gluster-vip/gluster-vip/facts"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

// Exit codes of `check`. The fact itself always exits 0: Facter ignores
// exit codes, and the error travels in the fact.
const (
	exitRun   = 0 // this node should run guarded operations
	exitNoRun = 1 // it should not
	exitError = 2 // an error: do not run either
)

// deadline bounds the whole run: a fact that hangs costs every fact
// (Facter kills it after 300 s), and an onlyif that hangs blocks Puppet.
const deadline = 5 * time.Second

// app is the process's environment, so that the whole CLI runs in tests.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	source         facts.Source
	euid           int
	command        string
	exit           func(code int) // ends the process from the watchdog
}

func main() {
	cmd, err := os.Executable()
	if err != nil {
		cmd = os.Args[0]
	}
	a := &app{
		stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		source: facts.NewOS(), euid: os.Geteuid(), command: cmd, exit: os.Exit,
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

// run parses args, decides and writes the answer. It never panics: a bug
// turns into a "not the holder" answer with the error.
func (a *app) run(args []string) (code int) {
	sub := "fact"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	out := &onceWriter{w: a.stdout}
	meta := facts.Meta{Command: a.command, Version: versionString()}
	failSafe := func(err error) int {
		if sub == "check" {
			fmt.Fprintf(a.stderr, "gluster-vip check: error, do not run: %v\n", err)
			return exitError
		}
		fmt.Fprintf(a.stderr, "gluster-vip: %v\n", err)
		if sub == "fact" {
			f := facts.Facts{Mode: facts.ModeUnconfigured, Reason: err.Error(), Err: err}
			var b strings.Builder
			_ = facts.Render(&b, "json", f, meta)
			out.write(b.String())
			return 0
		}
		return exitError
	}
	defer func() {
		if r := recover(); r != nil {
			code = failSafe(fmt.Errorf("internal error: %v", r))
		}
	}()

	switch sub {
	case "fact", "check", "explain":
	case "version":
		fmt.Fprintf(a.stdout, "gluster-vip %s\n", meta.Version)
		return 0
	case "help":
		usage(a.stdout, newFlags().fs)
		return 0
	default:
		fmt.Fprintf(a.stderr, "gluster-vip: unknown command %q (want check, explain, version or no command)\n", sub)
		if sub == "fact" {
			return 0
		}
		return exitError
	}

	fl := newFlags()
	fs, values, configPath, format, help := fl.fs, fl.values, fl.config, fl.format, fl.help
	if err := fs.Parse(args); err != nil {
		return failSafe(fmt.Errorf("%v (see gluster-vip help)", err))
	}
	if *help {
		usage(a.stdout, fs)
		return 0
	}
	if fs.NArg() > 0 {
		return failSafe(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if sub == "fact" && !validFormat(*format) {
		return failSafe(fmt.Errorf("--format %q is not one of %s", *format, strings.Join(facts.Formats, ", ")))
	}

	flags := facts.Settings{}
	for _, k := range facts.Keys {
		if fs.Changed(k) {
			flags[k] = facts.Setting{Value: *values[k], Source: "flag --" + k}
		}
	}
	path, explicit := facts.DefaultConfigPath, false
	switch {
	case fs.Changed("config"):
		path, explicit = *configPath, true
	case a.getenv("GLUSTER_VIP_CONFIG") != "":
		path, explicit = a.getenv("GLUSTER_VIP_CONFIG"), true
	}
	file, err := facts.ReadConfigFile(path, explicit, a.euid)
	cfg := facts.Merge(flags, file, path, err)

	// The work runs on this goroutine; a watchdog answers "not the holder"
	// and exits if it overruns. A worker goroutine and a select would wake
	// a second thread on every run, which measurably slows the fact.
	watchdog := time.AfterFunc(deadline, func() {
		a.exit(failSafe(errors.New("observation did not finish within " + deadline.String())))
	})
	defer watchdog.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	f, obs := facts.Evaluate(ctx, cfg, a.source, sub == "explain")
	r := struct {
		f   facts.Facts
		obs facts.Observation
	}{f, obs}

	var b strings.Builder
	switch sub {
	case "fact":
		if err := facts.Render(&b, *format, r.f, meta); err != nil {
			return failSafe(err)
		}
		out.write(b.String())
		if r.f.Err != nil {
			// Facter logs stderr as a warning: only for real errors.
			fmt.Fprintf(a.stderr, "gluster-vip: %v\n", r.f.Err)
		}
		return 0
	case "explain":
		_ = facts.Explain(&b, cfg, r.obs, r.f, meta)
		out.write(b.String())
		return 0
	}
	switch {
	case r.f.Err != nil:
		fmt.Fprintf(a.stderr, "gluster-vip check: error, do not run: %s\n", r.f.Reason)
		return exitError
	case !r.f.Holder:
		fmt.Fprintf(a.stderr, "gluster-vip check: not the holder: %s\n", r.f.Reason)
		return exitNoRun
	}
	return exitRun
}

func validFormat(f string) bool {
	for _, k := range facts.Formats {
		if f == k {
			return true
		}
	}
	return false
}

var flagHelp = map[string]string{
	"vip":                "the virtual IP; an empty value (--vip=) means mode all",
	"mode":               "vip, master or all (default: inferred)",
	"interface":          "count the VIP only on this interface or label",
	"settle":             "how long the VIP must have been held, Go syntax, 0s is off (default " + facts.DefaultSettle.String() + ")",
	"peers":              "the cluster's node addresses, comma-separated, for quorum",
	"probe":              "budget of the conflict and quorum probes, 0s is off (default " + facts.DefaultProbe.String() + ")",
	"keepalived_pidfile": "count the VIP only while the keepalived of this pidfile runs",
}

// flags is the command line: one flag per config key, plus the flags
// that only the command line has. The help text is printed from the same
// set, so it can't drift from what is parsed.
type flags struct {
	fs             *pflag.FlagSet
	values         map[string]*string
	config, format *string
	help           *bool
}

func newFlags() flags {
	fs := pflag.NewFlagSet("gluster-vip", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// Config keys use "_"; accept "-" too on the command line.
	fs.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		return pflag.NormalizedName(strings.ReplaceAll(name, "-", "_"))
	})
	f := flags{fs: fs, values: map[string]*string{}}
	for _, k := range facts.Keys {
		f.values[k] = fs.String(k, "", flagHelp[k])
	}
	f.config = fs.String("config", "", "config file (default $GLUSTER_VIP_CONFIG, then "+facts.DefaultConfigPath+")")
	f.format = fs.String("format", "json", "output format of the fact: "+strings.Join(facts.Formats, ", "))
	f.help = fs.BoolP("help", "h", false, "show this help")
	return f
}

func usage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, `Usage: gluster-vip [check|explain|version|help] [flags]

  (no command)  print the facts for Facter (always exits 0)
  check         exit 0: run guarded operations; 1: do not; 2: error (do not)
  explain       a report of every input, observation and check
  version       print the version

Flags:
`)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

// onceWriter lets exactly one complete answer reach stdout, so a late
// result can never follow a fail-safe one and break Facter's parse.
type onceWriter struct {
	mu   sync.Mutex
	done bool
	w    io.Writer
}

func (o *onceWriter) write(s string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.done {
		return
	}
	o.done = true
	io.WriteString(o.w, s)
}
