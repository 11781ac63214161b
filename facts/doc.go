// Package facts decides whether this node holds the cluster's virtual IP.
//
// It keeps the three parts of the design apart: reading the settings
// (config.go), observing the node (observe_*.go, the only code that touches
// the OS, behind the Source seam), deciding (decide.go, a pure function) and
// rendering the result for Facter or for a person (render.go).
package facts
