package kiosk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/store"
)

// staffPINStep asks for the staff PIN, masked. The store checks it (argon2,
// about 35 ms) in a command and counts wrong PINs; the field is emptied the
// moment the PIN is sent. Nothing of staff mode is reachable from here but
// by the right PIN.
type staffPINStep struct {
	f     *flow
	pin   *field
	err   string
	focus ring
	spin  busy
}

type staffSignInMsg struct{ err error }

// staffPINLimit is the longest PIN `kiosk hash-pin` accepts.
const staffPINLimit = 32

func newStaffPIN(f *flow) step {
	st := &staffPINStep{f: f, pin: newField("staff:pin", "Staff PIN", staffPINLimit, true)}
	st.pin.hint = fmt.Sprintf("%d wrong PINs in a row lock staff entry for %d minutes.",
		store.StaffPINTries, int(store.StaffLockFor/time.Minute))
	if f.c.Opt.StaffPINHash == "" {
		st.err = notSetUp
	}
	st.focus.reorder("staff:pin", "staff:signin", "staff:cancel")
	st.refocus()
	return st
}

const notSetUp = "Staff mode is not set up on this station: put the hash printed by `kiosk hash-pin` in [staff] pin_hash of kiosk.toml."

func (st *staffPINStep) init() tea.Cmd { return nil }

func (st *staffPINStep) title() string { return "Staff sign-in" }

func (st *staffPINStep) ownHead() bool { return true }

func (st *staffPINStep) busy() bool { return st.spin.active }

func (st *staffPINStep) refocus() { st.pin.setFocus(st.focus.cur() == "staff:pin") }

func (st *staffPINStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case busyTickMsg:
		return st.spin.update(st.f.c, msg)
	case staffSignInMsg:
		st.spin.stop()
		return st.answer(msg.err)
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
		case key.Matches(msg, k.Next, k.Down):
			st.focus.move(1)
		case key.Matches(msg, k.Prev, k.Up):
			st.focus.move(-1)
		case key.Matches(msg, k.Select):
			return st.press(st.focus.cur())
		case st.focus.cur() == "staff:pin":
			st.pin.update(msg)
			st.err = ""
		}
	}
	st.refocus()
	return nil
}

func (st *staffPINStep) press(id string) tea.Cmd {
	switch id {
	case "staff:pin", "staff:signin":
		return st.submit()
	case "staff:cancel":
		st.f.finish()
	}
	return nil
}

// submit sends the PIN to the store and forgets it here at once.
func (st *staffPINStep) submit() tea.Cmd {
	pin, hash := st.pin.value(), st.f.c.Opt.StaffPINHash
	st.pin.reset()
	st.focus.set("staff:pin")
	st.refocus()
	switch {
	case hash == "":
		st.err = notSetUp
		return nil
	case pin == "":
		st.err = "Type the staff PIN."
		return nil
	}
	st.err = ""
	return tea.Batch(st.spin.start(st.f.c, "Checking the PIN…"),
		st.f.staffCall(storeTimeout, func(ctx context.Context, s Staff) tea.Msg {
			return staffSignInMsg{err: s.StaffSignIn(ctx, hash, pin)}
		}))
}

func (st *staffPINStep) answer(err error) tea.Cmd {
	var (
		wrong  *store.StaffPINError
		locked *store.StaffLockedError
	)
	switch {
	case err == nil:
		st.f.signedIn = true
		return st.f.next()
	case errors.As(err, &wrong):
		st.err = fmt.Sprintf("Wrong PIN. %d more wrong PINs lock staff entry for %d minutes.",
			wrong.Left, int(store.StaffLockFor/time.Minute))
	case errors.As(err, &locked):
		st.err = fmt.Sprintf("Too many wrong PINs: staff entry is locked until %s.",
			locked.Until.In(st.f.c.Now().Location()).Format("15:04"))
	case errors.Is(err, store.ErrStaffNotSetUp):
		st.err = notSetUp
	default:
		st.err = "The PIN could not be checked: " + err.Error()
	}
	return nil
}

func (st *staffPINStep) wipe() { st.pin.reset() }

func (st *staffPINStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	w := min(width, 64)
	cur := st.focus.cur()
	rows := []string{
		s.Title.Render(st.title()),
		s.Muted.Width(w).Render("For station staff. Students: press Esc to go back to the main menu."), "",
		st.pin.view(c, 24, w, cur == "staff:pin"),
	}
	switch {
	case st.spin.active:
		rows = append(rows, st.spin.view(c))
	case st.err != "":
		rows = append(rows, s.Error.Width(w).Render(st.err))
	default:
		rows = append(rows, "")
	}
	rows = append(rows, "", buttonRow(
		button(c, "staff:signin", "Sign in", cur == "staff:signin", !st.spin.active),
		button(c, "staff:cancel", "Cancel", cur == "staff:cancel", !st.spin.active)))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (st *staffPINStep) help() []key.Binding {
	k := st.f.c.Keys
	return []key.Binding{k.Next, k.Select}
}

func (st *staffPINStep) minSize() (int, int) { return 60, 14 }
