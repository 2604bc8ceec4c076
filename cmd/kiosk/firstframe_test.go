package main

import (
	"testing"
	"time"
)

// Bubble Tea v1 writes a frame to the terminal only on its renderer's
// ticks, the first a whole period after the program starts: at stationFPS
// the full-screen station's first frame waited 83 ms, twice the rest of its
// start (issue 17). The program's first message sets startFPS, so the next
// tick (within 8 ms) draws it; the first idle and the next message then
// pace as before.
func TestFirstFrameNotHeldForATick(t *testing.T) {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	var periods []time.Duration
	pace := &pacer{now: func() time.Time { return now },
		reset: func(d time.Duration) { periods = append(periods, d) }} // the ticker the program would give
	defer pace.stop()
	pace.wake() // the window size, right after the program starts
	pace.wake()
	if len(periods) != 1 || periods[0] > time.Second/60 {
		t.Fatalf("frame periods after the first messages %v: the first frame waits a whole tick at %d fps", periods, stationFPS)
	}
	now = now.Add(idleAfter)
	pace.slow()
	now = now.Add(time.Minute)
	pace.wake() // a keystroke
	want := []time.Duration{time.Second / startFPS, time.Second / idleFPS, time.Second / stationFPS}
	if len(periods) != 3 || periods[1] != want[1] || periods[2] != want[2] {
		t.Fatalf("frame periods %v, want %v", periods, want)
	}
}
