// Package clock gives the station its sense of time. The TUI uses real time;
// tapes and tests use a virtual clock they move forward themselves, so idle
// timeouts and TOTP steps can be tested without sleeping.
package clock

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Clock is the only way kiosk code reads the time or waits.
type Clock interface {
	Now() time.Time
	// Tick returns a command that delivers fn(t) once d has passed. The
	// deadline is fixed when Tick is called (inside Update), not when the
	// command runs, so a virtual clock knows every timer as soon as it is armed.
	Tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd
}

// Real is the wall clock.
type Real struct{}

func (Real) Now() time.Time { return time.Now() }

func (Real) Tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	deadline := time.Now().Add(d)
	return func() tea.Msg {
		time.Sleep(time.Until(deadline))
		return fn(time.Now())
	}
}

// Refresh is Tick for the real clock: redraw timers are plain timers.
func (r Real) Refresh(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd { return r.Tick(d, fn) }

// AfterFunc calls f in its own goroutine once d has passed (time.AfterFunc).
func (Real) AfterFunc(d time.Duration, f func(time.Time)) (stop func() bool) {
	return time.AfterFunc(d, func() { f(time.Now()) }).Stop
}

// Refresh arms a timer whose message only makes the screen redraw (the
// footer's clock). A clock that can (Virtual) coalesces such timers, so that
// moving it far ahead costs one redraw; on any other clock it is a Tick.
func Refresh(c Clock, d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	if r, ok := c.(interface {
		Refresh(time.Duration, func(time.Time) tea.Msg) tea.Cmd
	}); ok {
		return r.Refresh(d, fn)
	}
	return c.Tick(d, fn)
}

// AfterFunc calls f once d has passed on c, for background jobs outside the
// screens (the daily lifecycle run): on a Virtual clock when an Advance
// reaches the deadline, which waits for f; on a clock without AfterFunc, in
// real time. stop cancels it and reports whether it had not fired yet.
func AfterFunc(c Clock, d time.Duration, f func(time.Time)) (stop func() bool) {
	if a, ok := c.(interface {
		AfterFunc(time.Duration, func(time.Time)) func() bool
	}); ok {
		return a.AfterFunc(d, f)
	}
	return Real{}.AfterFunc(d, f)
}
