package kiosk

import (
	"context"
	"fmt"
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
	r        refusal
	done     bool
	details  [][2]string // label, value rows (account name, e-mail)
	deadline time.Time   // when it returns to the menu
	// waiting (a done screen on a station with an upstream): the change is
	// only at this station until it reaches the central store, because the
	// station is offline or its outbox still holds ops. offline says so.
	waiting bool
	offline refusal // the done screen's words while it waits
}

type (
	endTickMsg    struct{}
	endPendingMsg struct{ pending int }
)

func newEnd(f *flow, r refusal, done bool) step { return &endStep{f: f, r: r, done: done} }

// doneWords is what a done screen says about a's visit (enrolledNow: the
// visit enrolled 2FA): its words, and its words while the change waits to
// reach the central store. A flow's plan picks them.
type doneWords func(a store.Account, enrolledNow bool) (r, offline refusal)

// done is the last stage of every student plan.
func done(words doneWords) func(f *flow) step {
	return func(f *flow) step { return newDone(f, words) }
}

func newDone(f *flow, words doneWords) step {
	a := f.acct
	e := &endStep{f: f, done: true, details: [][2]string{{"Account name", a.Name}, {"E-mail", a.Email}}}
	if a.AliasEmail != "" {
		e.details = append(e.details, [2]string{"Alias", a.AliasEmail})
	}
	e.r, e.offline = words(a, f.enrolledNow)
	e.waiting = e.linkDown() // known at once; the outbox is asked on the first tick
	return e
}

const reconnect = "This station cannot reach the central account store just now, so "

// later says where to set up 2FA when it was left for later (My Account
// enrols without a new password).
func later(a store.Account) string {
	if !a.TOTPEnrolled {
		return " Two-factor authentication is not set up yet: set it up in My Account on the main menu."
	}
	return ""
}

// alumniWords close Alumni Account Activation.
func alumniWords(a store.Account, _ bool) (r, offline refusal) {
	return refusal{"Your alumni account is ready", "Your account is activated. Sign in with your account name " +
			"and the new password; mail to your alias arrives in the same mailbox. You can start in a few minutes." + later(a)},
		refusal{"Your alumni account is activated at this station", reconnect + "your activation " +
			"completes when the station reconnects: from then on you can sign in with your account name and the " +
			"new password, and mail to your alias arrives in the same mailbox." + later(a)}
}

// activatedWords close Student A/C Activation.
func activatedWords(a store.Account, _ bool) (r, offline refusal) {
	return refusal{"Your account is ready",
			"Your network account is activated. You can start using network services and @Connect e-mail in a few minutes." + later(a)},
		refusal{"Your account is activated at this station", reconnect + "your activation completes " +
			"when the station reconnects: network services and @Connect e-mail work from then on." + later(a)}
}

// passwordWords close a password change or reset.
func passwordWords(a store.Account, enrolledNow bool) (r, offline refusal) {
	switch {
	case enrolledNow:
		r = refusal{"Password changed", "Your new password is set and two-factor authentication is now on. " +
			"Use the new password everywhere you sign in, including " + wifi + "."}
		offline = refusal{"Password changed at this station", reconnect + "the new password and two-factor " +
			"authentication take effect everywhere else, including " + wifi + ", when the station reconnects."}
	default:
		r = refusal{"Password changed", "Your new password is set. Use it everywhere you sign in, including " + wifi + "." +
			" To set up two-factor authentication, choose My Account on the main menu."}
		if a.TOTPEnrolled {
			r.body = "Your new password is set. Use it everywhere you sign in, including " + wifi + "."
		}
		offline = refusal{"Password changed at this station", reconnect + "the new password takes effect " +
			"everywhere else, including " + wifi + ", when the station reconnects."}
	}
	return r, offline
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
		if msg.id == "end:finish" {
			e.f.finish()
		}
	case tea.KeyMsg:
		if key.Matches(msg, e.f.c.Keys.Select) {
			e.f.finish()
		}
	}
	return nil
}

// words is what the screen says: the done text, or while the change waits
// for the central store, the text that says so.
func (e *endStep) words() refusal {
	if e.waiting && e.offline.body != "" {
		return e.offline
	}
	return e.r
}

func (e *endStep) title() string { return e.words().title }

func (e *endStep) view(width, height int) string {
	s := e.f.c.Styles
	w := min(width, 72)
	rows := []string{wrap(e.f.c, w, e.words().body)}
	if len(e.details) > 0 {
		rows = append(rows, "", detailsPanel(e.f.c, e.details))
	}
	label := "Back to main menu"
	if e.done {
		label = "Finish"
	}
	rows = append(rows, "", button(e.f.c, "end:finish", label, true, true), "",
		s.Muted.Render(fmt.Sprintf("This screen returns to the main menu by itself in %s.", seconds(e.left()))))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (e *endStep) help() []key.Binding {
	b := e.f.c.Keys.Select
	b.SetHelp("enter", "main menu")
	return []key.Binding{b}
}

func (e *endStep) minSize() (int, int) { return 60, 14 }

// wifi is spelt with a non-breaking hyphen (U+2011) so word wrap never
// leaves "Wi-" at the end of a line.
const wifi = "Wi\u2011Fi"

func seconds(n int) string {
	if n == 1 {
		return "1 second"
	}
	return fmt.Sprintf("%d seconds", n)
}
