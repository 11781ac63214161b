//go:build unix

package main

import "syscall"

// umask sets the umask around the socket's creation, so that it
// is never reachable by others, even before its chmod.
func umask(m int) int { return syscall.Umask(m) }
