package kiosk

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/store"
)

// loginStep asks for the account name and current password (Change Network
// Password).
type loginStep struct {
	f     *flow
	name  *field
	pw    *field
	err   string
	focus ring
	spin  busy
}

type loginMsg struct {
	acct store.Account
	err  error
}

func newLogin(f *flow) step {
	st := &loginStep{
		f:    f,
		name: newField("login:name", "Account name", 64, false),
		pw:   newField("login:pw", "Current password", 128, true),
	}
	st.name.hint = "e.g. tmchan — the part of your e-mail before @"
	st.focus.reorder("login:name", "login:pw", "login:submit")
	st.refocus()
	return st
}

func (st *loginStep) init() tea.Cmd { return nil }

func (st *loginStep) title() string { return "Sign in with your current password" }

func (st *loginStep) busy() bool { return st.spin.active }

func (st *loginStep) refocus() {
	st.name.setFocus(st.focus.cur() == "login:name")
	st.pw.setFocus(st.focus.cur() == "login:pw")
}

func (st *loginStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case busyTickMsg:
		return st.spin.update(st.f.c, msg)
	case loginMsg:
		st.spin.stop()
		return st.answer(msg)
	}
	if st.spin.active {
		return nil
	}
	k := st.f.c.Keys
	switch msg := msg.(type) {
	case pressMsg:
		if msg.id == "login:submit" {
			return st.submit()
		}
		st.focus.set(msg.id)
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Next, k.Down):
			st.focus.move(1)
		case key.Matches(msg, k.Prev, k.Up):
			st.focus.move(-1)
		case key.Matches(msg, k.Select):
			if st.focus.cur() == "login:name" {
				st.focus.move(1)
			} else {
				return st.submit()
			}
		case st.focus.cur() == "login:name":
			st.name.update(msg)
			st.name.err = ""
		case st.focus.cur() == "login:pw":
			st.pw.update(msg)
			st.pw.err = ""
		}
	}
	st.refocus()
	return nil
}

// accountName accepts "tmchan", "TMChan" or the whole e-mail address.
func accountName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s = s[:at]
	}
	return s
}

func (st *loginStep) submit() tea.Cmd {
	name, pw := accountName(st.name.value()), st.pw.value()
	st.err = ""
	switch {
	case name == "":
		st.name.err = "Type your account name"
		st.focus.set("login:name")
	case pw == "":
		st.pw.err = "Type your current password"
		st.focus.set("login:pw")
	default:
		return tea.Batch(st.spin.start(st.f.c, "Checking your password…"),
			st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
				acct, err := a.VerifyPassword(ctx, name, pw)
				return loginMsg{acct: acct, err: err}
			}))
	}
	st.refocus()
	return nil
}

func (st *loginStep) answer(msg loginMsg) tea.Cmd {
	if msg.err != nil {
		r, final := explain(st.f.c, msg.err)
		if final {
			return st.f.stop(r)
		}
		st.err = r.body
		st.pw.reset()
		st.focus.set("login:pw")
		st.refocus()
		return nil
	}
	st.f.acct = msg.acct
	return st.f.next()
}

func (st *loginStep) wipe() {
	st.name.reset()
	st.pw.reset()
}

func (st *loginStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	w := min(width, 72)
	cur := st.focus.cur()
	rows := []string{st.name.view(c, min(w, 40), w, cur == "login:name"), st.pw.view(c, min(w, 40), w, cur == "login:pw")}
	switch {
	case st.spin.active:
		rows = append(rows, st.spin.view(c))
	case st.err != "":
		rows = append(rows, s.Error.Width(w).Render(st.err))
	default:
		rows = append(rows, s.Muted.Width(w).Render("Forgot it? Press Esc and choose Forgot Password."))
	}
	rows = append(rows, "", button(c, "login:submit", "Sign in", cur == "login:submit", !st.spin.active))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (st *loginStep) help() []key.Binding {
	k := st.f.c.Keys
	return []key.Binding{k.Next, k.Select}
}

func (st *loginStep) minSize() (int, int) { return 60, 16 }
