package facts

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Meta is what the fact says about the binary itself.
type Meta struct {
	Command string // absolute path of the running binary, for `check`
	Version string
}

// Formats names the machine-readable output formats. prometheus is the
// text exposition format, for node_exporter's textfile collector.
var Formats = []string{"json", "yaml", "keyvalue", "prometheus"}

// field is one key of an ordered map; its value is nil, bool, string,
// float64, int, []field (a map) or [][]field (a list of maps).
type field struct {
	key string
	val any
}

// tree is the fact set as an ordered tree, shared by every format so that
// they cannot drift apart.
func (f Facts) tree(m Meta) []field {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	var vip any
	switch {
	case f.Mode == ModeAll:
		vip = ""
	case f.VIP.IsValid():
		vip = f.VIP.String()
	}
	var address any
	if f.Address.IsValid() {
		address = f.Address.String()
	}
	var held any
	if f.HeldKnown && (f.Interface != "" || f.Backend == BackendEtcd) {
		held = seconds(f.HeldFor)
	}
	var quorum any
	if f.Quorum != nil {
		quorum = []field{{"reached", f.Quorum.Reached}, {"needed", f.Quorum.Needed}, {"peers", f.Quorum.Peers}}
	}
	checks := make([][]field, 0, len(f.Checks))
	for _, c := range f.Checks {
		checks = append(checks, []field{{"name", c.Name}, {"ok", c.OK}, {"detail", c.Detail}})
	}
	var errv any
	if f.Err != nil {
		errv = f.Err.Error()
	}
	body := []field{
		{"holder", f.Holder},
		{"mode", string(f.Mode)},
		{"vip", vip},
		{"interface", str(f.Interface)},
		{"address", address},
		{"reason", f.Reason},
		{"conflict", f.Conflict},
		{"held_for", held},
		{"settle", seconds(f.Settle)},
		{"quorum", quorum},
		{"checks", checks},
		{"config", str(f.Config)},
		{"command", m.Command},
		{"version", m.Version},
		{"error", errv},
	}
	if f.Backend == BackendEtcd {
		// Only under backend etcd, so the VRRP fact keeps its shape.
		var token any
		if f.Token > 0 {
			token = int(f.Token)
		}
		body = append(body, field{"backend", string(f.Backend)}, field{"node_name", str(f.NodeName)},
			field{"leader", str(f.Leader)}, field{"token", token},
			field{"election", str(f.Election)}, field{"etcd_endpoints", str(strings.Join(f.Endpoints, ","))})
	}
	return []field{{"gluster_vip_holder", f.Holder}, {"gluster_vip", body}}
}

func seconds(d time.Duration) float64 {
	return float64(d.Round(10*time.Millisecond)) / float64(time.Second)
}

// Render writes the facts in one of Formats.
func Render(w io.Writer, format string, f Facts, m Meta) error {
	var b strings.Builder
	switch format {
	case "json", "":
		writeJSON(&b, f.tree(m), 0)
		b.WriteByte('\n')
	case "yaml":
		writeYAML(&b, f.tree(m), 0)
	case "keyvalue":
		writeKeyValue(&b, f.tree(m))
	case "prometheus":
		writePrometheus(&b, f, m)
	default:
		return fmt.Errorf("format %q is not one of %s", format, strings.Join(Formats, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		// JSON's escaping is also valid in YAML double-quoted scalars.
		var b strings.Builder
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		_ = e.Encode(v)
		return strings.TrimSuffix(b.String(), "\n")
	}
	return "null"
}

func writeJSON(b *strings.Builder, fs []field, depth int) {
	pad := strings.Repeat("  ", depth+1)
	b.WriteString("{\n")
	for i, f := range fs {
		b.WriteString(pad + scalar(f.key) + ": ")
		writeJSONValue(b, f.val, depth+1)
		if i < len(fs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(strings.Repeat("  ", depth) + "}")
}

func writeJSONValue(b *strings.Builder, v any, depth int) {
	switch v := v.(type) {
	case []field:
		writeJSON(b, v, depth)
	case [][]field:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		pad := strings.Repeat("  ", depth+1)
		b.WriteString("[\n")
		for i, e := range v {
			b.WriteString(pad)
			writeJSON(b, e, depth+1)
			if i < len(v)-1 {
				b.WriteByte(',')
			}
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat("  ", depth) + "]")
	default:
		b.WriteString(scalar(v))
	}
}

func writeYAML(b *strings.Builder, fs []field, depth int) {
	pad := strings.Repeat("  ", depth)
	for _, f := range fs {
		switch v := f.val.(type) {
		case []field:
			b.WriteString(pad + f.key + ":\n")
			writeYAML(b, v, depth+1)
		case [][]field:
			if len(v) == 0 {
				b.WriteString(pad + f.key + ": []\n")
				continue
			}
			b.WriteString(pad + f.key + ":\n")
			for _, e := range v {
				var inner strings.Builder
				writeYAML(&inner, e, depth+2)
				s := inner.String()
				// The first key of each list item goes on the dash line.
				b.WriteString(pad + "  - " + strings.TrimPrefix(s, strings.Repeat("  ", depth+2)))
			}
		default:
			b.WriteString(pad + f.key + ": " + scalar(v) + "\n")
		}
	}
}

// writeKeyValue flattens the tree to key=value lines. Facter reads these
// as strings ("false" is true in Puppet), so JSON is the default.
func writeKeyValue(b *strings.Builder, fs []field) {
	seen := map[string]bool{}
	var walk func(prefix string, fs []field)
	walk = func(prefix string, fs []field) {
		for _, f := range fs {
			k := prefix + f.key
			if seen[k] { // gluster_vip.holder flattens onto gluster_vip_holder
				continue
			}
			seen[k] = true
			switch v := f.val.(type) {
			case []field:
				walk(k+"_", v)
			case [][]field:
				// Lists don't flatten well; the reason line says enough.
			case nil:
				b.WriteString(k + "=\n")
			case string:
				b.WriteString(k + "=" + strings.NewReplacer("\n", " ", "\r", " ").Replace(v) + "\n")
			default:
				b.WriteString(k + "=" + scalar(v) + "\n")
			}
		}
	}
	walk("", fs)
}

// Explain writes the human report: every input, every observation, the
// decision and why.
func Explain(w io.Writer, cfg Config, obs Observation, f Facts, m Meta) error {
	var b strings.Builder
	verdict := "NOT the holder: do not run guarded operations"
	if f.Holder {
		verdict = "the holder: run guarded operations"
	}
	fmt.Fprintf(&b, "gluster-vip %s (%s)\n\n", m.Version, m.Command)
	fmt.Fprintf(&b, "Decision: this node is %s.\n", verdict)
	fmt.Fprintf(&b, "Mode:     %s\nReason:   %s\n", f.Mode, f.Reason)
	if f.Err != nil {
		fmt.Fprintf(&b, "Error:    %v\n", f.Err)
	}

	b.WriteString("\nInputs (flag > environment > config file > default):\n")
	tw := tabwriter.NewWriter(&b, 2, 8, 2, ' ', 0)
	cf := cfg.ConfigFile
	if cf == "" {
		cf = "(none read)"
	}
	fmt.Fprintf(tw, "  config file\t%s\t\n", cf)
	for _, k := range Keys {
		src := cfg.Sources[k]
		if !cfg.applies(k) && (src == "default" || src == "") {
			continue
		}
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", k, configValue(cfg, k), src)
	}
	tw.Flush()

	b.WriteString("\nObservation:\n")
	switch {
	case obs.Err != nil:
		fmt.Fprintf(&b, "  addresses: error: %v\n", obs.Err)
	case obs.Elect != nil:
		// Backend etcd reads no address.
	case obs.Addresses == nil:
		b.WriteString("  addresses: not read (not needed)\n")
	default:
		tw = tabwriter.NewWriter(&b, 2, 8, 2, ' ', 0)
		fmt.Fprintf(tw, "  interface\tlabel\taddress\tup\tflags\tage\n")
		addrs := append([]Address(nil), obs.Addresses...)
		sort.SliceStable(addrs, func(i, j int) bool { return addrs[i].Index < addrs[j].Index })
		for _, a := range addrs {
			mark := ""
			if a.Prefix.Addr() == cfg.VIP {
				mark = "  <- vip"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\t%s\t%s%s\n", a.Interface, dash(a.Label), a.Prefix, a.Up, dash(addrFlags(a)), age(a), mark)
		}
		tw.Flush()
	}
	switch {
	case obs.GatewayErr != nil:
		fmt.Fprintf(&b, "  gateway: %v\n", obs.GatewayErr)
	case obs.Gateway.IsValid():
		fmt.Fprintf(&b, "  gateway: %s via %s\n", obs.Gateway, dash(obs.GatewayInterface))
	}
	if k := obs.Keepalived; k != nil {
		if k.Alive {
			fmt.Fprintf(&b, "  keepalived: pid %d alive (%s)\n", k.PID, k.Pidfile)
		} else {
			fmt.Fprintf(&b, "  keepalived: not alive (%s: %v)\n", k.Pidfile, k.Err)
		}
	}
	if e := obs.Elect; e != nil {
		if e.Err != nil {
			fmt.Fprintf(&b, "  gluster-vip-elect: %v\n", e.Err)
		} else {
			a := e.Answer
			fmt.Fprintf(&b, "  gluster-vip-elect: pid %d, node %q, election %s on %s, leader %q, holder %v, token %d, lease %x (%s)\n",
				a.PID, a.NodeName, a.Prefix, strings.Join(a.Endpoints, ","), a.Leader, a.Holder, a.Token, a.Lease, e.Socket)
			if a.Error != "" {
				fmt.Fprintf(&b, "  etcd: %s\n", a.Error)
			}
		}
	}
	if p := obs.Probe; p != nil {
		fmt.Fprintf(&b, "  probe: %d frames, %s of %s budget", p.Sent, round(p.Elapsed), p.Budget)
		if p.ConflictMAC != nil {
			fmt.Fprintf(&b, ", conflict from %s", p.ConflictMAC)
		}
		if len(p.Reached) > 0 {
			fmt.Fprintf(&b, ", answered: %s", joinAddrs(p.Reached))
		}
		if p.Err != nil {
			fmt.Fprintf(&b, ", error: %v", p.Err)
		}
		b.WriteByte('\n')
	}

	b.WriteString("\nChecks:\n")
	for _, c := range f.Checks {
		mark := "FAIL"
		if c.OK {
			mark = "ok  "
		}
		fmt.Fprintf(&b, "  %s %-10s %s\n", mark, c.Name, c.Detail)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func configValue(cfg Config, k string) string {
	if cfg.Sources[k] == "" || cfg.Sources[k] == "default" && k != "settle" && k != "probe" && k != "lease_ttl" && k != "etcd_prefix" && k != "elect_socket" {
		return "-"
	}
	switch k {
	case "backend":
		return string(cfg.Backend)
	case "etcd_endpoints":
		return dash(strings.Join(cfg.EtcdEndpoints, ","))
	case "node_name":
		return dash(cfg.NodeName)
	case "lease_ttl":
		return cfg.LeaseTTL.String()
	case "etcd_prefix":
		return cfg.EtcdPrefix
	case "etcd_ca":
		return dash(cfg.EtcdCA)
	case "etcd_cert":
		return dash(cfg.EtcdCert)
	case "etcd_key":
		return dash(cfg.EtcdKey)
	case "elect_socket":
		return cfg.ElectSocket

	case "vip":
		if !cfg.VIP.IsValid() {
			return `""`
		}
		return cfg.VIP.String()
	case "mode":
		return dash(string(cfg.Mode))
	case "interface":
		return dash(cfg.Interface)
	case "settle":
		return cfg.Settle.String()
	case "probe":
		return cfg.Probe.String()
	case "peers":
		return dash(joinAddrs(cfg.Peers))
	case "keepalived_pidfile":
		return dash(cfg.KeepalivedPidfile)
	}
	return "-"
}

func addrFlags(a Address) string {
	var fl []string
	for _, x := range []struct {
		on   bool
		name string
	}{{a.Secondary, "secondary"}, {a.Tentative, "tentative"}, {a.DADFailed, "dadfailed"}, {a.Deprecated, "deprecated"}, {a.NoDAD, "nodad"}} {
		if x.on {
			fl = append(fl, x.name)
		}
	}
	return strings.Join(fl, ",")
}

func age(a Address) string {
	if !a.AgeKnown {
		return "?"
	}
	return round(a.Age).String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ",")
}
