package kiosk

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/store"
)

// directoryStep asks whether the student's contact details are "Open to
// Public" in the University Communications Directory (default on).
type directoryStep struct {
	form
	f      *flow
	public bool
	err    words
}

type directoryMsg struct {
	acct store.Account
	err  error
}

func newDirectory(f *flow) step {
	st := &directoryStep{f: f, public: true, form: newForm(f.c)}
	st.onPress = st.press
	onAnswer(&st.form, st.saved)
	st.order(publicID, "dir:continue")
	st.focusOn("dir:continue")
	return st
}

func (st *directoryStep) title() string { return st.f.c.tr("screen.directory.title", nil) }

func (st *directoryStep) update(msg tea.Msg) tea.Cmd {
	if !st.spin.active && togglesPublic(st.f.c, msg) {
		st.public = !st.public
		return nil
	}
	return st.form.update(msg)
}

func (st *directoryStep) press(id string) tea.Cmd {
	switch id {
	case publicID:
		st.public = !st.public
	case "dir:continue":
		return st.save()
	}
	return nil
}

func (st *directoryStep) save() tea.Cmd {
	proof, public := st.f.acct.Proof, st.public
	st.err = nil
	return st.run("screen.directory.saving", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		acct, err := a.SetDirectoryPublic(ctx, proof, public)
		return directoryMsg{acct: acct, err: err}
	}))
}

func (st *directoryStep) saved(msg directoryMsg) tea.Cmd {
	if msg.err != nil {
		_, final := explain(st.f.c, msg.err)
		if final {
			return st.f.stop(explained(msg.err))
		}
		st.err = sayRefusal(msg.err)
		return nil
	}
	return st.f.moveOn(msg.acct)
}

func (st *directoryStep) view(width, height int) string {
	c := st.f.c
	w := min(width, 72)
	note := c.tr("screen.directory.private-note", nil)
	if st.public {
		note = c.tr("screen.directory.public-note", nil)
	}
	check := publicBox(c, st.public, st.cur() == publicID, !st.spin.active)
	return lipgloss.JoinVertical(lipgloss.Left,
		wrap(c, w, c.tr("screen.directory.intro", nil)),
		"", check, st.status(w, st.err, note), "",
		st.button("dir:continue", c.tr("screen.button.continue", nil)))
}

func (st *directoryStep) help() []key.Binding {
	// Tab works too; the 80-column footer has no room.
	return []key.Binding{publicHelp(st.f.c, st.public), st.f.c.Keys.Select}
}

// The "Open to Public" control, the same in activation and My Account: a
// check box button that a tap or Enter presses, and Space toggles from
// anywhere on the screen (no text field takes a space there).
const publicID = "dir:public"

// publicBox draws the check box.
func publicBox(c *Common, public, focused, enabled bool) string {
	box := "[ ]"
	if public {
		box = "[✓]"
	}
	label := c.tr("screen.directory.public", nil)
	return textButton(c, publicID, label, box+" "+label, focused, enabled)
}

// togglesPublic reports whether msg is the key that ticks or unticks it.
func togglesPublic(c *Common, msg tea.Msg) bool {
	k, ok := msg.(tea.KeyMsg)
	return ok && key.Matches(k, c.Keys.Toggle)
}

// publicHelp is the footer's word for Space: what it would do now.
func publicHelp(c *Common, public bool) key.Binding {
	tick := c.Keys.Toggle
	if public {
		tick.SetHelp("space", "untick")
	} else {
		tick.SetHelp("space", "tick")
	}
	return tick
}

func (st *directoryStep) minSize() (int, int) { return 60, 14 }
