package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFactDoesNotLinkEtcd: the fact runs on every node at every Puppet
// run; the etcd client (15 MB, 8 ms of package init) belongs to
// gluster-vip-elect only (issue 13, item 5).
func TestFactDoesNotLinkEtcd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v: %s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list -deps listed only %d packages: %q", len(deps), out)
	}
	for _, p := range deps {
		for _, banned := range []string{"go.etcd.io/", "google.golang.org/grpc", "google.golang.org/protobuf", "go.uber.org/zap"} {
			if strings.HasPrefix(p, banned) {
				t.Errorf("cmd/gluster-vip links %s", p)
			}
		}
	}
}
