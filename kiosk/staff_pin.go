package kiosk

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/store"
)

// staffPINStep asks for the staff PIN, masked. The store checks it (argon2,
// about 35 ms) in a command and counts wrong PINs; the field is emptied the
// moment the PIN is sent. Nothing of staff mode is reachable from here but
// by the right PIN.
type staffPINStep struct {
	form
	f   *flow
	pin *field
	err string
}

type staffSignInMsg struct{ err error }

// staffPINLimit is the longest PIN `kiosk hash-pin` accepts.
const staffPINLimit = 32

func newStaffPIN(f *flow) step {
	st := &staffPINStep{f: f, pin: newField("staff:pin", "Staff PIN", staffPINLimit, true)}
	st.pin.hint = fmt.Sprintf("%d wrong PINs in a row lock staff entry for %d minutes.",
		store.StaffPINTries, int(store.StaffLockFor/time.Minute))
	st.pin.changed = func() { st.err = "" }
	if f.c.Opt.StaffPINHash == "" {
		st.err = notSetUp
	}
	st.form = newForm(f.c, st.pin)
	st.onPress = st.press
	onAnswer(&st.form, func(m staffSignInMsg) tea.Cmd { return st.answer(m.err) })
	st.enter["staff:pin"] = "staff:signin"
	st.order("staff:pin", "staff:signin", "staff:cancel")
	return st
}

const notSetUp = "Staff mode is not set up on this station: put the hash printed by `kiosk hash-pin` in [staff] pin_hash of kiosk.toml."

func (st *staffPINStep) title() string { return "Staff sign-in" }

func (st *staffPINStep) ownHead() bool { return true }

func (st *staffPINStep) press(id string) tea.Cmd {
	switch id {
	case "staff:signin":
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
	st.focusOn("staff:pin")
	switch {
	case hash == "":
		st.err = notSetUp
		return nil
	case pin == "":
		st.err = "Type the staff PIN."
		return nil
	}
	st.err = ""
	return st.run("Checking the PIN…",
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
		return st.f.report(stepDone{next: true, signedIn: true})
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
	s := st.f.c.Styles
	w := min(width, 64)
	return lipgloss.JoinVertical(lipgloss.Left,
		s.Title.Render(st.title()),
		s.Muted.Width(w).Render("For station staff. Students: press Esc to go back to the main menu."), "",
		st.field("staff:pin", 24, w), st.status(w, st.err, ""), "",
		buttonRow(st.button("staff:signin", "Sign in"), st.button("staff:cancel", "Cancel")))
}

func (st *staffPINStep) minSize() (int, int) { return 60, 14 }
