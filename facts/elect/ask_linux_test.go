package elect

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serve answers each connection with reply, after reading the request.
func serve(t *testing.T, reply string, hang bool) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", sock)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				if line != Request || hang {
					time.Sleep(2 * time.Second)
					return
				}
				c.Write([]byte(reply))
			}()
		}
	}()
	return sock
}

func TestAsk(t *testing.T) {
	want := Answer{PID: 7, NodeName: "gv1", Leader: "gv1", Holder: true, Token: 9, Lease: 3, HeldSince: 1, Deadline: 2}
	var b strings.Builder
	require.NoError(t, Encode(&b, want))
	a, err := Ask(context.Background(), serve(t, b.String(), false), PeerUID(os.Geteuid()))
	require.NoError(t, err)
	assert.Equal(t, want, a)

	_, err = Ask(context.Background(), serve(t, b.String(), false), PeerUID(os.Geteuid()+1))
	assert.ErrorContains(t, err, "refusing it", "a daemon of another uid is refused")

	_, err = Ask(context.Background(), serve(t, "not json\n", false), nil)
	assert.ErrorContains(t, err, "answer is not valid")

	_, err = Ask(context.Background(), serve(t, strings.Repeat("x", MaxAnswer+10), false), nil)
	assert.ErrorContains(t, err, "read answer", "an endless line is cut at MaxAnswer")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = Ask(ctx, serve(t, "", true), nil)
	assert.EqualError(t, err, "gluster-vip-elect: read answer: timed out")
	assert.Less(t, time.Since(start), time.Second, "a hung daemon costs the caller's bound, no more")

	_, err = Ask(context.Background(), filepath.Join(t.TempDir(), "none"), nil)
	assert.ErrorContains(t, err, "no such file or directory (is the daemon running?)")

	now, err := Boottime()
	require.NoError(t, err)
	assert.Greater(t, now, int64(0))
}
