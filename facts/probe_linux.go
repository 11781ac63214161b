//go:build linux

package facts

import (
	"context"
	"errors"
)

// runProbe adapts facts/probe to the decision's types.
func runProbe(ctx context.Context, req ProbeRequest) ProbeResult {
	return ProbeResult{Budget: req.Budget, Err: errors.New("probe: not built yet")}
}
