//go:build linux

package main

// The built binary, run for real: execve, exit codes, a FIFO as config,
// the textfile. No root and no namespace needed: the VIPs used here are
// documentation addresses that the host does not carry, and mode all
// needs no address at all.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

type binRun struct {
	code           int
	pid            int
	stdout, stderr string
	took           time.Duration
}

func TestBinary(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	bin := filepath.Join(dir, "gluster-vip")
	out, err := exec.Command("go", "build", "-ldflags", "-X main.version=test", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	conf := filepath.Join(dir, "empty.conf")
	require.NoError(t, os.WriteFile(conf, []byte("# nothing: unconfigured\n"), 0o644))
	env := []string{"PATH=/usr/bin:/bin", "GLUSTER_VIP_CONFIG=" + conf, "GV_PASSED=through"}

	call := func(t *testing.T, env []string, args ...string) binRun {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		start := time.Now()
		require.NoError(t, cmd.Start())
		err := cmd.Wait()
		r := binRun{pid: cmd.Process.Pid, stdout: o.String(), stderr: e.String(), took: time.Since(start)}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		} else {
			require.NoError(t, err)
		}
		return r
	}

	t.Run("run replaces the process on run", func(t *testing.T) {
		// A caller's GLUSTER_VIP_TOKEN never reaches the command: under vrrp there is no token.
		r := call(t, append(env, "GLUSTER_VIP_TOKEN=99"), "run", "--vip=", "--", "sh", "-c",
			`echo ran $$ "$GV_PASSED" "${GLUSTER_VIP_TOKEN-unset}" "$0" "$@"`, "zero", "--vip=x", "--")
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "ran "+strconv.Itoa(r.pid)+" through unset zero --vip=x --\n", r.stdout,
			"same pid (execve, no fork), environment (but a token) and argv passed through untouched")
		assert.Empty(t, r.stderr)
	})
	t.Run("the command inherits no open files and no signal mask", func(t *testing.T) {
		// The shell lists its own descriptors: no pipe, no child, no race.
		probe := `for f in /proc/$$/fd/*; do printf '%s ' "${f##*/}"; done; while read -r k v; do case $k in SigBlk:|SigIgn:) echo "$k $v";; esac; done </proc/$$/status`
		r := call(t, env, "run", "--vip=", "--", "/bin/sh", "-c", probe)
		assert.Equal(t, 0, r.code, r.stderr)
		direct, err := exec.Command("/bin/sh", "-c", probe).Output()
		require.NoError(t, err)
		// Compared with a direct start, not with "0 1 2": the test may
		// itself inherit descriptors from whatever started it.
		assert.Equal(t, string(direct), r.stdout, "as if started directly")
	})
	t.Run("the command's own status", func(t *testing.T) {
		r := call(t, env, "run", "--vip=", "--", "/bin/sh", "-c", "exit 3")
		assert.Equal(t, 3, r.code)
	})
	mark := filepath.Join(dir, "ran")
	touch := []string{"--", "/bin/sh", "-c", "echo ran; touch " + mark}
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unconfigured", nil, 124, "gluster-vip run: not the holder, did not run: no vip is configured"},
		{"non-holder", []string{"--vip", "203.0.113.77", "--probe=0s"}, 124, "gluster-vip run: not the holder, did not run: 203.0.113.77 is not on any interface"},
		{"config error", []string{"--vip", "203.0.113.77", "--mode", "boss"}, 125, "gluster-vip run: error, did not run: flag --mode: mode:"},
		{"usage", []string{"--vip=", "--bogus"}, 125, "gluster-vip run: error, did not run: unknown flag: --bogus"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := call(t, env, append(append([]string{"run"}, c.args...), touch...)...)
			assert.Equal(t, c.code, r.code)
			assert.Empty(t, r.stdout, "nothing ran")
			assert.NoFileExists(t, mark, "nothing ran")
			assert.True(t, strings.HasPrefix(r.stderr, c.stderr), "stderr: %q", r.stderr)
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
		})
	}
	t.Run("not found", func(t *testing.T) {
		r := call(t, env, "run", "--vip=", "--", "gluster-vip-no-such-command")
		assert.Equal(t, 127, r.code)
		assert.Equal(t, "gluster-vip run: error, did not run: gluster-vip-no-such-command: not found in $PATH (/usr/bin:/bin)\n", r.stderr)
	})
	t.Run("not executable", func(t *testing.T) {
		script := filepath.Join(dir, "script")
		require.NoError(t, os.WriteFile(script, []byte("#!/bin/sh\necho ran\n"), 0o644))
		r := call(t, env, "run", "--vip=", "--", script)
		assert.Equal(t, 126, r.code)
		assert.Empty(t, r.stdout)
		assert.Equal(t, "gluster-vip run: error, did not run: "+script+": not executable (mode 0644)\n", r.stderr)
	})
	t.Run("cannot execute", func(t *testing.T) {
		// Executable bits, but no format the kernel knows: execve fails.
		junk := filepath.Join(dir, "junk")
		require.NoError(t, os.WriteFile(junk, []byte("\x00\x01\x02 not a program"), 0o755))
		r := call(t, env, "run", "--vip=", "--", junk)
		assert.Equal(t, 126, r.code)
		assert.Equal(t, "gluster-vip run: "+junk+": cannot execute: exec format error\n", r.stderr)
	})
	t.Run("check exits 0 only on run", func(t *testing.T) {
		assert.Equal(t, 0, call(t, env, "check", "--vip=").code)
		for _, args := range [][]string{{"--vip=", "check"}, {"--", "check"}, {"--bogus", "check"}, {"check", "--help"}, {"check", "--vip=", "x"}} {
			r := call(t, env, args...)
			assert.Equal(t, 2, r.code, "%q", args)
		}
	})
	t.Run("a FIFO as config does not hang", func(t *testing.T) {
		fifo := filepath.Join(dir, "fifo.conf")
		require.NoError(t, unix.Mkfifo(fifo, 0o644))
		fenv := []string{"PATH=/usr/bin:/bin", "GLUSTER_VIP_CONFIG=" + fifo}
		r := call(t, fenv)
		assert.Equal(t, 0, r.code)
		assert.Less(t, r.took, 5*time.Second)
		var v map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &v), "stdout: %q", r.stdout)
		assert.Equal(t, false, v["gluster_vip_holder"])
		assert.Equal(t, fifo+": not a regular file (a FIFO); refusing it", v["gluster_vip"].(map[string]any)["error"])
		r = call(t, fenv, "check", "--vip=")
		assert.Equal(t, 2, r.code)
		assert.Less(t, r.took, 5*time.Second)
		r = call(t, fenv, "run", "--vip=", "--", "/bin/true")
		assert.Equal(t, 125, r.code)
		assert.Less(t, r.took, 5*time.Second)
	})
	t.Run("textfile", func(t *testing.T) {
		prom := filepath.Join(dir, "gluster_vip.prom")
		r := call(t, env, "--vip=", "--textfile", prom)
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Empty(t, r.stdout, "the textfile is the only output")
		fi, err := os.Stat(prom)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o644), fi.Mode().Perm())
		b, err := os.ReadFile(prom)
		require.NoError(t, err)
		assert.Contains(t, string(b), "# TYPE gluster_vip_holder gauge\ngluster_vip_holder 1\n")
		left, err := filepath.Glob(filepath.Join(dir, ".gluster_vip.prom.*"))
		require.NoError(t, err)
		assert.Empty(t, left, "no temporary file left behind")

		r = call(t, env, "--vip=", "--textfile", filepath.Join(dir, "nodir", "gluster_vip.prom"))
		assert.Equal(t, 2, r.code, "a textfile that can't be written is an error")
		assert.Contains(t, r.stderr, "create: no such file or directory")
	})
	t.Run("node_exporter serves the textfile", func(t *testing.T) {
		nodeExporterServes(t, func(prom string) {
			r := call(t, env, "--vip=", "--textfile", prom)
			require.Equal(t, 0, r.code, r.stderr)
		})
	})
}

// nodeExporterServes runs Debian's node_exporter, the real consumer, on
// loopback with only the textfile collector, after write has put the
// metrics in its directory, and checks them over HTTP: present, typed,
// and read without error.
func nodeExporterServes(t *testing.T, write func(prom string)) {
	exporter, err := exec.LookPath("prometheus-node-exporter")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but prometheus-node-exporter is missing (spec/setup.sh installs it)")
		}
		t.Skip("needs prometheus-node-exporter (runs in CI)")
	}
	textdir := t.TempDir()
	require.NoError(t, os.Chmod(textdir, 0o755))
	write(filepath.Join(textdir, "gluster_vip.prom"))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(exporter, "--web.listen-address="+addr, "--collector.disable-defaults",
		"--collector.textfile", "--collector.textfile.directory="+textdir)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})

	var body string
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		resp, err := client.Get("http://" + addr + "/metrics")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		break
	}
	require.NotEmpty(t, body, "node_exporter did not answer on %s: %s", addr, logs.String())
	for _, want := range []string{
		"# TYPE gluster_vip_holder gauge\ngluster_vip_holder 1\n",
		"# TYPE gluster_vip_error gauge\ngluster_vip_error 0\n",
		"# TYPE gluster_vip_held_seconds gauge\n",
		"# TYPE gluster_vip_quorum_reached gauge\n",
		"# TYPE gluster_vip_quorum_needed gauge\n",
		"# TYPE gluster_vip_conflict gauge\ngluster_vip_conflict 0\n",
		`gluster_vip_info{interface="",mode="all",version="test",vip=""} 1` + "\n",
		"node_textfile_scrape_error 0\n",
		// node_exporter 1.5 names the file by its full path.
		`node_textfile_mtime_seconds{file="` + filepath.Join(textdir, "gluster_vip.prom") + `"} `,
	} {
		assert.Contains(t, body, want)
	}
}
