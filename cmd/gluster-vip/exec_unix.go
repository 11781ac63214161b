//go:build unix

package main

import (
	"syscall"
)

// errNotDir is ENOTDIR: a path through a file, as good as missing.
var errNotDir error = syscall.ENOTDIR

// execve replaces this process with the command: no fork, so nothing runs
// between the decision and the command, and no shell parses it.
func execve(path string, argv, env []string) error { return syscall.Exec(path, argv, env) }
