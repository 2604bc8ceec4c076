package syncer

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		n        int
		jitter   float64
		min, max time.Duration
	}{
		{1, 0, 500 * time.Millisecond, 500 * time.Millisecond},
		{1, 0.999, 999 * time.Millisecond, time.Second},
		{2, 0, time.Second, time.Second},
		{3, 0.5, 3 * time.Second, 3 * time.Second},
		{7, 0, 30 * time.Second, 30 * time.Second}, // capped at a minute, upper half
		{500, 0.999, 59 * time.Second, time.Minute},
	} {
		s := &Syncer{opt: Options{Jitter: func() float64 { return tc.jitter }}.withDefaults()}
		if got := s.backoff(tc.n); got < tc.min || got > tc.max {
			t.Errorf("failure %d, jitter %v: %s, want %s..%s", tc.n, tc.jitter, got, tc.min, tc.max)
		}
	}
}

// A long interval never asks the store for a wait it refuses.
func TestLongPollWithinTheStoresLimit(t *testing.T) {
	for interval, want := range map[time.Duration]time.Duration{
		0: 10 * time.Second, 3 * time.Second: 3 * time.Second, 5 * time.Minute: maxLongPoll,
	} {
		if got := (Options{Interval: interval}).withDefaults().LongPoll; got != want {
			t.Errorf("interval %s: long-poll %s, want %s", interval, got, want)
		}
	}
}
