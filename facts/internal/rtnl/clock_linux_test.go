//go:build linux

package rtnl

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestCstampNow(t *testing.T) {
	// HZ=250, 245.29 s after boot (captured on a test machine).
	n, err := cstampNow(1717981427, 24529)
	require.NoError(t, err)
	assert.InDelta(t, 24509, int(n), 30)
	_, err = cstampNow(12345, 24529)
	assert.Error(t, err)
}

// machine models a node's clocks: HZ=250, up for awake seconds of
// jiffies, after a suspend of suspended seconds.
func machine(awake, suspended time.Duration) (func() (uint64, error), func(int32) (time.Duration, error)) {
	const hz = 250
	jiffies := uint64(1<<32-300*hz) + uint64(awake/time.Second)*hz // from INITIAL_JIFFIES
	times := func() (uint64, error) { return jiffies * 100 / hz, nil }
	clock := func(id int32) (time.Duration, error) {
		switch id {
		case unix.CLOCK_MONOTONIC:
			return awake + 200*time.Millisecond, nil // runs a little ahead of jiffies
		case unix.CLOCK_BOOTTIME:
			return awake + 200*time.Millisecond + suspended, nil
		}
		return 0, errors.New("no such clock")
	}
	return times, clock
}

// Issue 10, item 15: jiffies stop during suspend, CLOCK_BOOTTIME does
// not. Against BOOTTIME, a node that slept a minute failed every run until
// reboot.
func TestNowAfterSuspend(t *testing.T) {
	for _, suspended := range []time.Duration{0, 60 * time.Second, 30 * 24 * time.Hour} {
		times, clock := machine(245*time.Second, suspended)
		n, err := now(times, clock)
		require.NoError(t, err, "after a suspend of %v", suspended)
		assert.Equal(t, uint32(24500-1), n, "jiffies' time since boot, one hundredth early")
	}
}

func TestNowClockErrors(t *testing.T) {
	_, err := now(func() (uint64, error) { return 0, errors.New("clock: times(2): boom") }, nil)
	assert.EqualError(t, err, "clock: times(2): boom")
	times, _ := machine(245*time.Second, 0)
	_, err = now(times, func(int32) (time.Duration, error) { return 0, errors.New("clock: clock_gettime(1): boom") })
	assert.EqualError(t, err, "clock: clock_gettime(1): boom")
	// A time namespace that shifts CLOCK_MONOTONIC by minutes is an
	// error, never an older age.
	_, err = now(times, func(int32) (time.Duration, error) { return 245*time.Second + 5*time.Minute, nil })
	assert.ErrorContains(t, err, "does not match CLOCK_MONOTONIC")
}

// The real clocks agree on this machine.
func TestNowOnThisMachine(t *testing.T) {
	n, err := Now()
	require.NoError(t, err)
	var ts unix.Timespec
	require.NoError(t, unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts))
	assert.InDelta(t, float64(ts.Nano()/1e7), float64(n), 100, "within a second of CLOCK_MONOTONIC")
}
