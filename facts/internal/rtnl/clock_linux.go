//go:build linux

package rtnl

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Now returns the kernel's clock in the units of IFA_CACHEINFO's cstamp:
// hundredths of a second of jiffies since boot, wrapping at 32 bits.
func Now() (uint32, error) { return now(times, clock) }

func times() (uint64, error) {
	var tms unix.Tms
	ticks, err := unix.Times(&tms)
	if err != nil {
		return 0, fmt.Errorf("clock: times(2): %w", err)
	}
	return uint64(ticks), nil
}

func clock(id int32) (time.Duration, error) {
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		return 0, fmt.Errorf("clock: clock_gettime(%d): %w", id, err)
	}
	return time.Duration(ts.Nano()), nil
}

// now reads the clocks through the functions given, so that tests can
// model a machine (a suspend, a time namespace).
//
// The clocks are chosen deliberately. cstamp is taken from jiffies, and
// times(2) counts jiffies, in the same units, but from INITIAL_JIFFIES
// (-300 s) instead of boot; the value returned is times(2) with that
// offset removed. The offset depends on HZ, which user space can't see,
// so a second clock picks the HZ under which times(2) agrees with it. That
// reference must stop when jiffies stop: jiffies do not advance during
// suspend, and CLOCK_MONOTONIC does not either, while CLOCK_BOOTTIME
// does. With CLOCK_BOOTTIME, every run after a suspend of more than the
// tolerance failed until reboot (issue 10, item 15). CLOCK_MONOTONIC is
// not used for the value itself: it runs ahead of jiffies by up to a tick
// or so, which would make addresses look older than they are, the unsafe
// direction. A time namespace shifts CLOCK_MONOTONIC; beyond the
// tolerance that gives an error, never an older age.
func now(times func() (uint64, error), clock func(id int32) (time.Duration, error)) (uint32, error) {
	ticks, err := times()
	if err != nil {
		return 0, err
	}
	mono, err := clock(unix.CLOCK_MONOTONIC)
	if err != nil {
		return 0, err
	}
	return cstampNow(ticks, uint64(mono/(10*time.Millisecond)))
}

// cstampNow converts a times(2) reading to cstamp units, given a
// reference reading of jiffies' time since boot in hundredths. The
// offset INITIAL_JIFFIES*100/HZ differs by minutes between the possible
// HZ values, so a reference within 10 s picks the right one. The result
// is one hundredth early, so that rounding can only make an address look
// younger.
func cstampNow(ticks, refCenti uint64) (uint32, error) {
	for _, hz := range []uint64{100, 250, 300, 1000, 1024, 1200} {
		off := ((1 << 32) - 300*hz) * 100 / hz // INITIAL_JIFFIES in clock ticks
		if ticks < off {
			continue
		}
		n := ticks - off
		if diff := int64(n) - int64(refCenti); diff > -1000 && diff < 1000 {
			return uint32(n - 1), nil
		}
	}
	return 0, fmt.Errorf("clock: times(2) = %d does not match CLOCK_MONOTONIC %d.%02ds for any known HZ", ticks, refCenti/100, refCenti%100)
}
