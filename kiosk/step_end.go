package kiosk

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// endStep closes a flow: the done screen, or a refusal saying why the flow
// stopped and what to do. It returns to the menu by itself after 20 s.
type endStep struct {
	f       *flow
	r       refusal
	done    bool
	details [][2]string // label, value rows (account name, e-mail)
}

type endTimeoutMsg struct{}

func newEnd(f *flow, r refusal, done bool) step { return &endStep{f: f, r: r, done: done} }

// newDone is the last stage of every plan.
func newDone(f *flow) step {
	a := f.acct
	e := &endStep{f: f, done: true, details: [][2]string{{"Account name", a.Name}, {"E-mail", a.Email}}}
	if a.AliasEmail != "" {
		e.details = append(e.details, [2]string{"Alias", a.AliasEmail})
	}
	switch {
	case f.kind == flowAlumni:
		e.r = refusal{"Your alumni account is ready", "Your account is activated. Sign in with your account name " +
			"and the new password; mail to your alias arrives in the same mailbox. You can start in a few minutes."}
	case f.kind == flowActivate:
		e.r = refusal{"Your account is ready",
			"Your network account is activated. You can start using network services and @Connect e-mail in a few minutes."}
	case f.enrolledNow:
		e.r = refusal{"Password changed", "Your new password is set and two-factor authentication is now on. " +
			"Use the new password everywhere you sign in, including " + wifi + "."}
	default:
		e.r = refusal{"Password changed", "Your new password is set. Use it everywhere you sign in, including " + wifi + "."}
	}
	return e
}

func (e *endStep) init() tea.Cmd { return e.f.tick(doneTimeout, endTimeoutMsg{}) }

func (e *endStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case endTimeoutMsg:
		e.f.finish()
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

func (e *endStep) title() string { return e.r.title }

func (e *endStep) view(width, height int) string {
	s := e.f.c.Styles
	w := min(width, 72)
	rows := []string{wrap(e.f.c, w, e.r.body)}
	if len(e.details) > 0 {
		rows = append(rows, "", detailsPanel(e.f.c, e.details))
	}
	label := "Back to main menu"
	if e.done {
		label = "Finish"
	}
	rows = append(rows, "", button(e.f.c, "end:finish", label, true, true), "",
		s.Muted.Render(fmt.Sprintf("This screen returns to the main menu by itself in %d seconds.", int(doneTimeout.Seconds()))))
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
