//go:build !linux

package elect

import (
	"errors"
	"runtime"
	"time"
)

type conn struct{ fd int }

func dial(string, time.Duration) (*conn, error) {
	return nil, errors.New("not implemented on " + runtime.GOOS)
}

func (c *conn) Read([]byte) (int, error)  { return 0, errors.New("not implemented") }
func (c *conn) Write([]byte) (int, error) { return 0, errors.New("not implemented") }
func (c *conn) Close() error              { return nil }
