package facts

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDeadlineFinishInTime(t *testing.T) {
	var fired atomic.Bool
	d := StartDeadline(50*time.Millisecond, func() { fired.Store(true) })
	assert.NoError(t, d.Context().Err())
	assert.True(t, d.Finish(), "finished in time: the caller answers")
	assert.False(t, d.Finish(), "only one answer")
	time.Sleep(100 * time.Millisecond)
	assert.False(t, fired.Load(), "expire must not run after Finish")
	assert.Error(t, d.Context().Err(), "Finish releases the context")
}

func TestDeadlineExpires(t *testing.T) {
	done := make(chan struct{})
	start := time.Now()
	d := StartDeadline(50*time.Millisecond, func() { close(done) })
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("expire did not run")
	}
	assert.Less(t, time.Since(start), time.Second)
	assert.Error(t, d.Context().Err(), "the context is done once the bound passed")
	assert.False(t, d.Finish(), "the watchdog answered: the work must stay silent")
}

// Under a race, exactly one side answers.
func TestDeadlineOneAnswer(t *testing.T) {
	for i := 0; i < 200; i++ {
		var answers atomic.Int32
		d := StartDeadline(time.Duration(i%3)*time.Microsecond, func() { answers.Add(1) })
		if d.Finish() {
			answers.Add(1)
		}
		time.Sleep(time.Millisecond)
		if n := answers.Load(); n != 1 {
			t.Fatalf("run %d: %d answers", i, n)
		}
	}
}
