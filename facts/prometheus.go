package facts

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// writePrometheus writes the facts in the Prometheus text exposition
// format (version 0.0.4), for node_exporter's textfile collector. Every
// metric is a gauge of this run; node_exporter adds
// node_textfile_mtime_seconds, which tells how fresh the file is.
func writePrometheus(b *strings.Builder, f Facts, m Meta) {
	gauge := func(name, help string, v float64, labels ...string) {
		fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s gauge\n%s%s %s\n", name, help, name, name, promLabels(labels), promValue(v))
	}
	var held float64
	if f.HeldKnown && f.Interface != "" {
		held = seconds(f.HeldFor)
	}
	var reached, needed float64
	if f.Quorum != nil {
		reached, needed = float64(f.Quorum.Reached), float64(f.Quorum.Needed)
	}
	gauge("gluster_vip_holder", "1 if this node runs guarded operations (check exits 0), else 0.", bit(f.Holder))
	gauge("gluster_vip_conflict", "1 if another node answered for the VIP, so nobody runs.", bit(f.Conflict))
	gauge("gluster_vip_held_seconds", "How long the VIP has been on this node; 0 when it is not here or its age is unknown.", held)
	gauge("gluster_vip_quorum_reached", "Cluster peers that answered the probe, this node included; 0 when no quorum check ran.", reached)
	gauge("gluster_vip_quorum_needed", "Peers needed for quorum (a strict majority); 0 when no quorum check ran.", needed)
	gauge("gluster_vip_error", "1 if the decision failed on an error (config, observation, probe), else 0.", bit(f.Err != nil))
	vip := ""
	if f.VIP.IsValid() {
		vip = f.VIP.String()
	}
	gauge("gluster_vip_info", "The settings and build of this decision; always 1.", 1,
		"mode", string(f.Mode), "vip", vip, "interface", f.Interface, "version", m.Version)
	// One series per check that ran, so an operator sees which one stops a
	// node; checks that did not run have no series.
	if len(f.Checks) > 0 {
		name := "gluster_vip_check"
		fmt.Fprintf(b, "# HELP %s 1 if the named check passed, 0 if it stopped this node; only checks that ran.\n# TYPE %s gauge\n", name, name)
		for _, c := range f.Checks {
			fmt.Fprintf(b, "%s%s %s\n", name, promLabels([]string{"check", c.Name}), promValue(bit(c.OK)))
		}
	}
}

func bit(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func promValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// promLabels renders name, value pairs, escaping values as the exposition
// format asks: backslash, double quote and newline.
func promLabels(kv []string) string {
	if len(kv) == 0 {
		return ""
	}
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+`="`+esc.Replace(kv[i+1])+`"`)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// WriteTextfile replaces path with data atomically: a temporary file in
// the same directory, synced, mode 0644, renamed over path. A reader
// (node_exporter) sees the old file or the new one, never a half-written
// one, as a shell redirect would give it. The temporary name does not end
// in .prom, so the textfile collector never reads it.
func WriteTextfile(path string, data []byte) (err error) {
	if !strings.HasSuffix(path, ".prom") || strings.HasSuffix(path, "/.prom") {
		return fmt.Errorf("textfile %q: the name must end in .prom (node_exporter reads only those)", path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("textfile %q: create: %w", path, cause(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.WriteString(tmp, string(data)); err != nil {
		return fmt.Errorf("textfile %q: write: %w", path, cause(err))
	}
	// CreateTemp makes 0600; node_exporter often runs as its own user.
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("textfile %q: chmod: %w", path, cause(err))
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("textfile %q: sync: %w", path, cause(err))
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("textfile %q: close: %w", path, cause(err))
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("textfile %q: rename: %w", path, cause(err))
	}
	return nil
}

// cause drops the *PathError or *LinkError wrapper, whose path the caller
// names already.
func cause(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
