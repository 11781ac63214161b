// Command gluster-vip-elect holds backend etcd's lock, as keepalived holds
// the VIP: it campaigns in an etcd election under a lease of lease_ttl,
// keeps the lease alive, and answers the fact, `check` and `run` on a unix
// socket with a freshly confirmed state. It runs in the foreground under
// systemd: it resigns on SIGTERM and exits 0, and exits 1 on a lost lease
// or an etcd error, so that systemd restarts it and it campaigns anew.
//
// It writes nothing but its socket (elect_socket, mode 0600).
//
//	gluster-vip-elect [--config FILE]
//
// Exit codes: 0 resigned on SIGTERM or SIGINT; 1 lost the lease, or etcd
// failed; 2 usage or configuration error.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gluster-vip/gluster-vip/facts"
	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitResigned = 0
	exitLost     = 1
	exitUsage    = 2
)

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	os.Exit(run(os.Args[1:], os.Stderr, os.Getenv, sig))
}

// run parses args, loads the config and serves until a signal or a loss.
func run(args []string, stderr io.Writer, getenv func(string) string, sig <-chan os.Signal) int {
	fs := pflag.NewFlagSet("gluster-vip-elect", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config := fs.String("config", "", "config file (default $"+facts.ConfigEnv+", then "+facts.DefaultConfigPath+")")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "gluster-vip-elect: %v (usage: gluster-vip-elect [--config FILE])\n", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "gluster-vip-elect: unexpected argument %q (usage: gluster-vip-elect [--config FILE])\n", fs.Arg(0))
		return exitUsage
	}
	flags := facts.Settings{}
	if fs.Changed("config") {
		flags[facts.ConfigKey] = facts.Setting{Value: *config, Source: "flag --config"}
	}
	cfg := facts.Resolve(flags, getenv, os.Geteuid())
	switch {
	case cfg.Err != nil:
		fmt.Fprintf(stderr, "gluster-vip-elect: %v\n", cfg.Err)
		return exitUsage
	case cfg.Backend != facts.BackendEtcd:
		fmt.Fprintf(stderr, "gluster-vip-elect: backend is %s (%s), not etcd: nothing to hold\n", cfg.Backend, cfg.Sources["backend"])
		return exitUsage
	}
	d, err := newDaemon(cfg, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "gluster-vip-elect: %v\n", err)
		return exitUsage
	}
	return d.serve(sig)
}
