package kiosk

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/store"
)

// directoryStep asks whether the student's contact details are "Open to
// Public" in the University Communications Directory (default on).
type directoryStep struct {
	f      *flow
	public bool
	err    string
	focus  ring
	spin   busy
}

type directoryMsg struct {
	acct store.Account
	err  error
}

func newDirectory(f *flow) step {
	st := &directoryStep{f: f, public: true}
	st.focus.reorder("dir:public", "dir:continue")
	st.focus.set("dir:continue")
	return st
}

func (st *directoryStep) init() tea.Cmd { return nil }

func (st *directoryStep) title() string { return "Your entry in the University Directory" }

func (st *directoryStep) busy() bool { return st.spin.active }

func (st *directoryStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case busyTickMsg:
		return st.spin.update(st.f.c, msg)
	case directoryMsg:
		st.spin.stop()
		if msg.err != nil {
			r, final := explain(st.f.c, msg.err)
			if final {
				return st.f.stop(r)
			}
			st.err = r.body
			return nil
		}
		st.f.acct = msg.acct
		return st.f.next()
	}
	if st.spin.active {
		return nil
	}
	k := st.f.c.Keys
	switch msg := msg.(type) {
	case pressMsg:
		return st.press(msg.id)
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Next, k.Down, k.Right):
			st.focus.move(1)
		case key.Matches(msg, k.Prev, k.Up, k.Left):
			st.focus.move(-1)
		case key.Matches(msg, k.Toggle):
			st.public = !st.public
		case key.Matches(msg, k.Select):
			return st.press(st.focus.cur())
		}
	}
	return nil
}

func (st *directoryStep) press(id string) tea.Cmd {
	switch id {
	case "dir:public":
		st.focus.set(id)
		st.public = !st.public
	case "dir:continue":
		name, public := st.f.acct.Name, st.public
		st.err = ""
		return tea.Batch(st.spin.start(st.f.c, "Saving your choice…"),
			st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
				acct, err := a.SetDirectoryPublic(ctx, name, public)
				return directoryMsg{acct: acct, err: err}
			}))
	}
	return nil
}

func (st *directoryStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	w := min(width, 72)
	box := "[ ]"
	if st.public {
		box = "[✓]"
	}
	style := s.Button
	if st.focus.cur() == "dir:public" {
		style = s.ButtonFocused
	}
	check := touch.Mark("dir:public", "Open to Public", style.Render(box+" Open to Public"))
	var note string
	switch {
	case st.spin.active:
		note = st.spin.view(c)
	case st.err != "":
		note = s.Error.Width(w).Render(st.err)
	case st.public:
		note = s.Muted.Width(w).Render("Anyone on the Internet can find your name, e-mail address and department.")
	default:
		note = s.Muted.Width(w).Render("Only members of the university can see your e-mail address.")
	}
	return lipgloss.JoinVertical(lipgloss.Left,
		wrap(c, w, "Once your account is ready, your name, e-mail address and department appear in the University "+
			"Communications Directory. Untick “Open to Public” to show your details to university members only."),
		"", check, note, "",
		button(c, "dir:continue", "Continue", st.focus.cur() == "dir:continue", !st.spin.active))
}

func (st *directoryStep) help() []key.Binding {
	k := st.f.c.Keys
	return []key.Binding{k.Toggle, k.Next, k.Select}
}

func (st *directoryStep) minSize() (int, int) { return 60, 14 }
