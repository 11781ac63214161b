package elect

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Request is the one line a client sends.
const Request = "confirm\n"

// MaxAnswer bounds an answer, so a confused peer can't make the fact
// read forever.
const MaxAnswer = 4096

// AskTimeout is the longest a client waits for the daemon. The daemon
// bounds its etcd read below this (ConfirmTimeout), so a daemon cut off
// from etcd still answers "not confirmed" rather than time out.
const (
	AskTimeout     = 3 * time.Second
	ConfirmTimeout = 2 * time.Second
)

// Answer is the daemon's state, confirmed against etcd when Confirmed.
// Times are CLOCK_BOOTTIME nanoseconds: a clock that never jumps and
// keeps counting through suspend, as etcd's lease does on the server.
type Answer struct {
	PID      int    `json:"pid"`
	NodeName string `json:"node_name"`
	// Prefix and Endpoints name the election the daemon campaigns in, from
	// the config it read at start: a fact or check given another config
	// must not take this daemon's leadership for its own.
	Prefix    string   `json:"prefix"`
	Endpoints []string `json:"endpoints"`
	// Leader is the election's leader's name as etcd last told, "" if unknown.
	Leader string `json:"leader"`
	// Holder: this daemon is the leader, and a linearizable read just
	// found its leader key with Token as create revision and Lease as lease.
	Holder bool   `json:"holder"`
	Key    string `json:"key,omitempty"`
	Token  int64  `json:"token"`
	Lease  int64  `json:"lease"`
	// HeldSince is when the campaign was won.
	HeldSince int64 `json:"held_since_boottime_ns"`
	// Deadline is when the lease may first expire on the server: the send
	// time of the last keepalive that etcd acknowledged, plus the TTL it
	// granted, minus a margin. The server counts from the receipt, later.
	Deadline int64 `json:"lease_deadline_boottime_ns"`
	// Error is why the daemon could not confirm, "" when it could.
	Error string `json:"error,omitempty"`
}

// Ask asks the daemon at socket, within ctx and AskTimeout. verify
// checks the peer (its uid, on Linux) before anything is sent to it.
func Ask(ctx context.Context, socket string, verify func(fd int) error) (Answer, error) {
	var a Answer
	d := AskTimeout
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		d = time.Until(dl)
	}
	if d <= 0 {
		return a, errors.New("gluster-vip-elect: no time left to ask")
	}
	c, err := dial(socket, d)
	if err != nil {
		return a, fmt.Errorf("gluster-vip-elect: connect %s: %w (is the daemon running?)", socket, err)
	}
	defer c.Close()
	if verify != nil {
		if err := verify(c.fd); err != nil {
			return a, fmt.Errorf("gluster-vip-elect: %s: %w", socket, err)
		}
	}
	if _, err := io.WriteString(c, Request); err != nil {
		return a, fmt.Errorf("gluster-vip-elect: %s: send: %w", socket, err)
	}
	return Decode(c)
}

// Decode reads one answer.
func Decode(r io.Reader) (Answer, error) {
	var a Answer
	line, err := bufio.NewReaderSize(io.LimitReader(r, MaxAnswer), MaxAnswer).ReadBytes('\n')
	if err != nil {
		return a, fmt.Errorf("gluster-vip-elect: read answer: %w", err)
	}
	if err := json.Unmarshal(line, &a); err != nil {
		return a, fmt.Errorf("gluster-vip-elect: answer is not valid: %w", err)
	}
	return a, nil
}

// Encode writes one answer.
func Encode(w io.Writer, a Answer) error {
	b, err := json.Marshal(a)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
