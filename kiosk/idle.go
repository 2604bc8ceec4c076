package kiosk

import (
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// idle wipes an abandoned flow. One check timer runs per flow: when it fires
// it compares the time since the last input with the timeout and re-arms
// for the remainder, so keystrokes cost nothing. Ticks cannot be cancelled,
// so each carries the generation it was armed in and stale ones are ignored
// (as bubbles' timer does).
type idle struct {
	gen      int
	armed    bool
	last     time.Time // last input
	warning  bool      // the "Still there?" countdown is showing
	deadline time.Time // when the countdown wipes the flow
}

type idleCheckMsg struct{ gen int }
type idleCountMsg struct{ gen int }

// arm starts watching from now (a flow began, or the student answered the warning).
func (i *idle) arm(c *Common) tea.Cmd {
	i.gen++
	i.armed, i.warning = true, false
	i.last = c.Now()
	return i.check(c, c.Opt.IdleTimeout)
}

// disarm stops watching: pending ticks become stale.
func (i *idle) disarm() {
	i.gen++
	i.armed, i.warning = false, false
}

// input records that the student did something.
func (i *idle) input(c *Common) { i.last = c.Now() }

func (i *idle) check(c *Common, d time.Duration) tea.Cmd {
	gen := i.gen
	return c.Tick(d, func(time.Time) tea.Msg { return idleCheckMsg{gen: gen} })
}

func (i *idle) count(c *Common) tea.Cmd {
	gen := i.gen
	return c.Tick(time.Second, func(time.Time) tea.Msg { return idleCountMsg{gen: gen} })
}

// onCheck handles the check timer: re-arm for the rest of the timeout, or
// start the countdown.
func (i *idle) onCheck(c *Common, msg idleCheckMsg) tea.Cmd {
	if !i.armed || msg.gen != i.gen || i.warning {
		return nil
	}
	now := c.Now()
	if rest := c.Opt.IdleTimeout - now.Sub(i.last); rest > 0 {
		return i.check(c, rest)
	}
	i.warning = true
	i.deadline = now.Add(idleCountdown)
	return i.count(c)
}

// onCount handles one second of the countdown; expired reports that the
// flow must be wiped now.
func (i *idle) onCount(c *Common, msg idleCountMsg) (cmd tea.Cmd, expired bool) {
	if !i.armed || msg.gen != i.gen || !i.warning {
		return nil, false
	}
	if !c.Now().Before(i.deadline) {
		return nil, true
	}
	return i.count(c), false
}

// remaining is the countdown shown to the student, in whole seconds.
func (i *idle) remaining(c *Common) int {
	left := i.deadline.Sub(c.Now())
	return int((left + time.Second - 1) / time.Second)
}
