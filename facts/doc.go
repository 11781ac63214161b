// Package facts decides whether this node holds the cluster's virtual IP.
//
// It keeps the parts of the design apart: reading the settings
// (config.go), observing the node (observe_*.go, the only code that touches
// the OS, behind the Source seam; the rtnetlink client is
// facts/internal/rtnl and the link probes facts/probe), deciding
// (decide.go, a pure function) and rendering the result for Facter or for
// a person (render.go). Evaluate ties observation to the decision, the
// same way for the fact, check and explain.
package facts
