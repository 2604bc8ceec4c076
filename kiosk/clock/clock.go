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
