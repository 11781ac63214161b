package facts

import (
	"context"
	"sync"
	"time"
)

// Deadline is the time bound of one run. A fact that hangs costs every
// fact (Facter kills it after 300 s), and an onlyif that hangs blocks
// Puppet, so everything that can block (opening the config, the netlink
// dump, pidfiles, the probes) runs inside it.
//
// Exactly one side answers: either the work calls Finish in time, or the
// deadline expires first and its expire func answers (and, in the binary,
// ends the process). Whoever comes second gets told so and stays silent, so
// a late result can never follow a fail-safe one.
//
// The work runs on the caller's goroutine and expiry on a timer: a worker
// goroutine and a select would wake a second thread on every run, which
// measurably slows the fact.
type Deadline struct {
	mu      sync.Mutex
	settled bool // Finish ran or the deadline expired
	timer   *time.Timer
	ctx     context.Context
	cancel  context.CancelFunc
}

// StartDeadline starts the bound d. expire runs at most once, on its own
// goroutine, if d passes before Finish.
func StartDeadline(d time.Duration, expire func()) *Deadline {
	b := &Deadline{}
	b.ctx, b.cancel = context.WithTimeout(context.Background(), d)
	b.timer = time.AfterFunc(d, func() {
		b.mu.Lock()
		if b.settled {
			b.mu.Unlock()
			return
		}
		b.settled = true
		b.mu.Unlock()
		b.cancel()
		expire()
	})
	return b
}

// Context is done when the bound has passed, for work that can stop early.
func (b *Deadline) Context() context.Context { return b.ctx }

// Finish stops the bound. It reports false when the deadline has already
// expired: expire has answered, and the caller must not.
func (b *Deadline) Finish() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.settled {
		return false
	}
	b.settled = true
	b.timer.Stop()
	b.cancel()
	return true
}

// DefaultBound is the time bound of a run: well inside Facter's 300 s and
// Puppet's patience, well above a normal run (under 1 ms without probes,
// at most 2 s of probe budget with them).
const DefaultBound = 5 * time.Second
