package kiosk

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/store"
)

// endStep closes a flow: the done screen, or a refusal saying why the flow
// stopped and what to do. It returns to the menu by itself after
// doneTimeout, counting down once a second on the station's clock.
type endStep struct {
	f        *flow
	r        telling
	done     bool
	details  func(c *Common) [][2]string // label, value rows (account name, e-mail)
	deadline time.Time                   // when it returns to the menu
	// waiting (a done screen on a station with an upstream): the change is
	// only at this station until it reaches the central store, because the
	// station is offline or its outbox still holds ops. offline says so.
	waiting bool
	offline telling // the done screen's words while it waits
	// lost (the refusal after too many wrong 2FA codes): a second button
	// into the access-pass flow; onLost is focused, else the menu button.
	lost, onLost bool
	lostLabel    string // the second button's catalog id; "" is screen.totp.lost
}

type (
	endTickMsg    struct{}
	endPendingMsg struct{ pending int }
)

func newEnd(f *flow, r telling, done bool) step { return &endStep{f: f, r: r, done: done} }

// doneWords is what a done screen says about a's visit (enrolledNow: the
// visit enrolled 2FA), in the screens' language: its words, and its words
// while the change waits to reach the central store. A flow's plan picks
// them.
type doneWords func(c *Common, a store.Account, enrolledNow bool) (r, offline refusal)

// done is the last stage of every student plan.
func done(words doneWords) func(f *flow) step {
	return func(f *flow) step { return newDone(f, words) }
}

func newDone(f *flow, words doneWords) step {
	a, enrolledNow := f.acct, f.enrolledNow
	e := &endStep{f: f, done: true}
	e.details = func(c *Common) [][2]string {
		rows := [][2]string{{c.tr("screen.details.account", nil), a.Name}, {c.tr("screen.details.email", nil), a.Email}}
		if a.AliasEmail != "" {
			rows = append(rows, [2]string{c.tr("screen.details.alias", nil), a.AliasEmail})
		}
		return rows
	}
	e.r = func(c *Common) refusal { r, _ := words(c, a, enrolledNow); return r }
	e.offline = func(c *Common) refusal { _, o := words(c, a, enrolledNow); return o }
	e.waiting = e.linkDown() // known at once; the outbox is asked on the first tick
	return e
}

// Each done text is a whole sentence per case (2FA set up or not, online or
// waiting), never joined from pieces: word order differs by language.

// alumniWords close Alumni Account Activation.
func alumniWords(c *Common, a store.Account, _ bool) (r, offline refusal) {
	if a.TOTPEnrolled {
		return refusal{c.tr("screen.done.alumni.title", nil), c.tr("screen.done.alumni.body", nil)},
			refusal{c.tr("screen.done.alumni.offline-title", nil), c.tr("screen.done.alumni.offline", nil)}
	}
	return refusal{c.tr("screen.done.alumni.title", nil), c.tr("screen.done.alumni.body-no2fa", nil)},
		refusal{c.tr("screen.done.alumni.offline-title", nil), c.tr("screen.done.alumni.offline-no2fa", nil)}
}

// activatedWords close Student A/C Activation.
func activatedWords(c *Common, a store.Account, _ bool) (r, offline refusal) {
	if a.TOTPEnrolled {
		return refusal{c.tr("screen.done.activated.title", nil), c.tr("screen.done.activated.body", nil)},
			refusal{c.tr("screen.done.activated.offline-title", nil), c.tr("screen.done.activated.offline", nil)}
	}
	return refusal{c.tr("screen.done.activated.title", nil), c.tr("screen.done.activated.body-no2fa", nil)},
		refusal{c.tr("screen.done.activated.offline-title", nil), c.tr("screen.done.activated.offline-no2fa", nil)}
}

// passwordWords close a password change or reset.
func passwordWords(c *Common, a store.Account, enrolledNow bool) (r, offline refusal) {
	title, offTitle := c.tr("screen.done.password.title", nil), c.tr("screen.done.password.offline-title", nil)
	wifi := textData{"WiFi": wifi}
	switch {
	case enrolledNow:
		return refusal{title, c.tr("screen.done.password.body-2fa-now", wifi)},
			refusal{offTitle, c.tr("screen.done.password.offline-2fa-now", wifi)}
	case a.TOTPEnrolled:
		return refusal{title, c.tr("screen.done.password.body", wifi)},
			refusal{offTitle, c.tr("screen.done.password.offline", wifi)}
	}
	return refusal{title, c.tr("screen.done.password.body-no2fa", wifi)},
		refusal{offTitle, c.tr("screen.done.password.offline", wifi)}
}

// upstream reports whether the station syncs with a central store.
func (e *endStep) upstream() bool {
	return e.done && e.f.c.Opt.Link != nil && e.f.c.Opt.Link().Mode != LinkStandalone
}

// linkDown reports whether the station cannot reach its central store now.
func (e *endStep) linkDown() bool {
	return e.upstream() && e.f.c.Opt.Link().Mode != LinkOnline
}

func (e *endStep) init() tea.Cmd {
	e.deadline = e.f.c.Now().Add(doneTimeout)
	return e.f.tick(time.Second, endTickMsg{})
}

// left is the whole seconds until the screen returns to the menu.
func (e *endStep) left() int {
	return int((e.deadline.Sub(e.f.c.Now()) + time.Second - 1) / time.Second)
}

// tick counts down, and on a station with an upstream checks whether the
// change is still waiting to reach the central store (an op pushed at once
// by an online station is not waiting).
func (e *endStep) tick() tea.Cmd {
	if e.left() <= 0 {
		e.f.finish()
		return nil
	}
	cmds := []tea.Cmd{e.f.tick(time.Second, endTickMsg{})}
	switch {
	case e.linkDown():
		e.waiting = true
	case e.upstream():
		cmds = append(cmds, e.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			st, err := a.Status(ctx)
			if err != nil {
				return endPendingMsg{pending: -1} // unknown: keep what the screen says
			}
			return endPendingMsg{pending: st.OutboxPending}
		}))
	}
	return tea.Batch(cmds...)
}

func (e *endStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case endTickMsg:
		return e.tick()
	case endPendingMsg:
		if msg.pending >= 0 {
			e.waiting = msg.pending > 0 || e.linkDown()
		}
	case pressMsg:
		return e.press(msg.id)
	case tea.KeyMsg:
		k := e.f.c.Keys
		switch {
		case key.Matches(msg, k.Select) && e.onLost:
			return e.press("end:lost")
		case key.Matches(msg, k.Select):
			e.f.finish()
		case e.lost && key.Matches(msg, k.Next, k.Prev, k.Left, k.Right, k.Up, k.Down):
			e.onLost = !e.onLost
		}
	}
	return nil
}

func (e *endStep) press(id string) tea.Cmd {
	switch {
	case id == "end:finish":
		e.f.finish()
	case id == "end:lost" && e.lost:
		e.f.switchTo(flowPass) // the desk's pass, or the way to the desk
	}
	return nil
}

// words is what the screen says: the done text, or while the change waits
// for the central store, the text that says so.
func (e *endStep) words() refusal {
	if e.waiting && e.offline != nil {
		if o := e.offline(e.f.c); o.body != "" {
			return o
		}
	}
	return e.r(e.f.c)
}

func (e *endStep) title() string { return e.words().title }

func (e *endStep) view(width, height int) string {
	c := e.f.c
	s := c.Styles
	w := min(width, 72)
	rows := []string{wrap(c, w, e.words().body)}
	if e.details != nil {
		rows = append(rows, "", detailsPanel(c, e.details(c)))
	}
	label := c.tr("screen.button.main-menu", nil)
	if e.done {
		label = c.tr("screen.button.finish", nil)
	}
	finish := button(c, "end:finish", label, !e.onLost, true)
	if e.lost {
		label := "screen.totp.lost"
		if e.lostLabel != "" {
			label = e.lostLabel
		}
		finish = buttonRow(finish, button(c, "end:lost", c.tr(label, nil), e.onLost, true))
	}
	rows = append(rows, "", finish, "",
		s.Muted.Render(c.printer().N("screen.done.countdown", e.left(), nil)))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (e *endStep) help() []key.Binding {
	b := e.f.c.Keys.Select
	b.SetHelp("enter", "main menu")
	if e.lost {
		b.SetHelp("enter", "choose")
		return []key.Binding{e.f.c.Keys.Next, b}
	}
	return []key.Binding{b}
}

func (e *endStep) minSize() (int, int) { return 60, 14 }

// wifi is spelt with a non-breaking hyphen (U+2011) so word wrap never
// leaves "Wi-" at the end of a line.
const wifi = "Wi\u2011Fi"
