//go:build !unix

package main

import (
	"errors"
	"runtime"
)

var errNotDir = errors.New("not a directory")

// execve is not available here: run never runs a command on this system.
func execve(string, []string, []string) error {
	return errors.New("exec is not implemented on " + runtime.GOOS)
}
