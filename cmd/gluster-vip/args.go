package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gluster-vip/gluster-vip/facts"
	"github.com/spf13/pflag"
)

// The subcommands. subFact is the run with no command word: Facter's.
const (
	subFact    = "fact"
	subCheck   = "check"
	subRun     = "run"
	subExplain = "explain"
	subQuorum  = "quorum"
	subVersion = "version"
	subHelp    = "help"
)

var subcommands = []string{subCheck, subRun, subExplain, subQuorum, subVersion, subHelp}

func isSubcommand(s string) bool {
	for _, c := range subcommands {
		if s == c {
			return true
		}
	}
	return false
}

// invocation is a parsed command line.
type invocation struct {
	sub      string
	flags    facts.Settings // config keys given as flags, plus facts.ConfigKey
	format   string
	textfile string
	help     bool
	command  []string // run: COMMAND [ARGS...], everything after --
}

// usageError is a command line that does not parse. It never means "run":
// check exits 2, run 125, and the fact, still printed, exits 2 as well,
// since Facter never passes arguments.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg + " (see gluster-vip help)" }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// parseArgs reads the command line. The grammar is strict, so that no
// misplaced word can turn a check into a fact run (which exits 0):
//
//	gluster-vip [flags]
//	gluster-vip check|explain|quorum [flags]
//	gluster-vip run [flags] -- COMMAND [ARGS...]
//	gluster-vip version|help
//
// The command word must come first. A stray argument anywhere, a command
// word after a flag included, is a usage error.
func parseArgs(args []string) (invocation, error) {
	inv := invocation{sub: subFact, format: "json"}
	if len(args) > 0 && isSubcommand(args[0]) {
		inv.sub, args = args[0], args[1:]
	} else if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		return inv, usagef("unknown command %q (want %s, or none for the fact)", args[0], strings.Join(subcommands, ", "))
	}
	switch inv.sub {
	case subVersion, subHelp:
		if len(args) > 0 {
			return inv, usagef("%s takes no arguments, got %q", inv.sub, args[0])
		}
		return inv, nil
	}

	fl := newFlags()
	if err := fl.fs.Parse(args); err != nil {
		// pflag stops at the first error: say so if a command word follows,
		// the likely mistake behind it.
		return inv, usagef("%v%s", err, misplaced(args))
	}
	inv.help = *fl.help
	rest := fl.fs.Args()
	if inv.sub == subRun {
		dash := fl.fs.ArgsLenAtDash()
		switch {
		case dash < 0 && len(rest) > 0:
			return inv, usagef("unexpected argument %q: the command goes after --, as in: gluster-vip run [flags] -- COMMAND [ARGS...]", rest[0])
		case dash < 0 && !inv.help:
			return inv, usagef("no command: want gluster-vip run [flags] -- COMMAND [ARGS...]")
		case dash > 0:
			return inv, usagef("unexpected argument %q before --: flags only, then -- COMMAND [ARGS...]", rest[0])
		case dash == 0 && len(rest) == 0 && !inv.help:
			return inv, usagef("nothing after --: want gluster-vip run [flags] -- COMMAND [ARGS...]")
		}
		inv.command = rest
	} else if len(rest) > 0 {
		if isSubcommand(rest[0]) {
			return inv, usagef("unexpected argument %q: the command word must come first, as in: gluster-vip %s [flags]", rest[0], rest[0])
		}
		return inv, usagef("unexpected argument %q", rest[0])
	}

	for _, k := range facts.Keys {
		if fl.fs.Changed(k) {
			inv.flags = setFlag(inv.flags, k, *fl.values[k])
		}
	}
	if fl.fs.Changed("config") {
		inv.flags = setFlag(inv.flags, facts.ConfigKey, *fl.config)
	}

	formatSet, textfileSet := fl.fs.Changed("format"), fl.fs.Changed("textfile")
	if inv.sub != subFact && (formatSet || textfileSet) {
		return inv, usagef("--format and --textfile apply to the fact only, not to %s", inv.sub)
	}
	inv.format, inv.textfile = *fl.format, *fl.textfile
	if textfileSet {
		if !formatSet {
			inv.format = "prometheus"
		}
		if inv.format != "prometheus" {
			return inv, usagef("--textfile writes the prometheus format, not --format %q", inv.format)
		}
		if inv.textfile == "" {
			return inv, usagef("--textfile needs a path ending in .prom")
		}
	}
	if !validFormat(inv.format) {
		return inv, usagef("--format %q is not one of %s", inv.format, strings.Join(facts.Formats, ", "))
	}
	return inv, nil
}

// misplaced points at a command word that came after flags.
func misplaced(args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if isSubcommand(a) {
			return fmt.Sprintf("; the command word %q must come first", a)
		}
	}
	return ""
}

func setFlag(s facts.Settings, k, v string) facts.Settings {
	if s == nil {
		s = facts.Settings{}
	}
	s[k] = facts.Setting{Value: v, Source: "flag --" + k}
	return s
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
	"peers":              "the cluster's node addresses, comma-separated, for quorum (needs probe above 0s)",
	"probe":              "budget of the conflict and quorum probes, 0s is off (default " + facts.DefaultProbe.String() + ")",
	"keepalived_pidfile": "count the VIP only while the keepalived of this pidfile runs",
}

// flags is the command line: one flag per config key, plus the flags
// that only the command line has. The help text is printed from the same
// set, so it can't drift from what is parsed.
type flags struct {
	fs                       *pflag.FlagSet
	values                   map[string]*string
	config, format, textfile *string
	help                     *bool
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
		f.values[k] = onceString(fs, k, "", flagHelp[k])
	}
	f.config = onceString(fs, "config", "", "config file (default $"+facts.ConfigEnv+", then "+facts.DefaultConfigPath+")")
	f.format = onceString(fs, "format", "json", "output format of the fact: "+strings.Join(facts.Formats, ", "))
	f.textfile = onceString(fs, "textfile", "", "write the fact in the prometheus format to this file (name ending in .prom), atomically, instead of stdout")
	f.help = fs.BoolP("help", "h", false, "show this help (exits 2 under check, 125 under run)")
	return f
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `Usage:
  gluster-vip [flags]                            print the facts (what Facter runs)
  gluster-vip check [flags]                      may this node run guarded operations?
  gluster-vip run [flags] -- COMMAND [ARGS...]   run COMMAND only if this node may
  gluster-vip explain [flags]                    report every input, observation and check
  gluster-vip quorum [flags]                     does a majority of peers answer? (keepalived's
                                                 track script: no quorum, no VIP)
  gluster-vip version                            print the version
  gluster-vip help                               print this help

The command word comes first, flags after it (for run: before --). A stray
argument, a command word after a flag included, is an error.

Exit codes:
  (none)   0 once the fact is printed, even on a config or observation error
           (the error is in the fact, holder false); 2 for a command line that
           does not parse (the fact with the error is still printed) or a
           --textfile that could not be written.
  check    0 this node should run guarded operations: the only way to exit 0;
           1 it should not (not the holder); 2 error, help or bad usage (do
           not run either).
  run      once COMMAND runs, its own exit status (gluster-vip execs it, in
           place, with the same environment; a COMMAND without a slash is
           looked up in $PATH, whose relative entries are skipped).
           Otherwise: 124 not the holder, did not run; 125 error or bad usage,
           did not run; 126 COMMAND found but could not be executed; 127
           COMMAND not found (looked up before deciding, so on every node).
           A COMMAND that itself exits 124-127 is told apart by gluster-vip's
           stderr line only.
  explain  0; 2 for bad usage.
  quorum   0 a strict majority of peers answered on the link (the VIP need
           not be here); 1 it did not; 2 error, help or bad usage, no peers
           configured, or backend etcd (count as no quorum either).

Flags:
`)
	fl := newFlags()
	fl.fs.SetOutput(w)
	fl.fs.PrintDefaults()
}

// onceValue is a string flag that may be given once. pflag lets the last
// of several win; a config file refuses a duplicate key, and so does the
// command line: `check --vip A ... --vip B` is a mistake, not a choice.
type onceValue struct {
	p   *string
	set bool
}

func onceString(fs *pflag.FlagSet, name, value, usage string) *string {
	v := &onceValue{p: new(string)}
	*v.p = value
	fs.Var(v, name, usage)
	return v.p
}

func (v *onceValue) Set(s string) error {
	if v.set {
		return fmt.Errorf("given twice (first %q)", *v.p)
	}
	*v.p, v.set = s, true
	return nil
}

func (v *onceValue) String() string { return *v.p }
func (v *onceValue) Type() string   { return "string" }
