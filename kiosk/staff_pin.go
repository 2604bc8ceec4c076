package kiosk

import (
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"

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
	err words
}

type staffSignInMsg struct{ err error }

// staffPINLimit is the longest PIN `kiosk hash-pin` accepts.
const staffPINLimit = 32

func newStaffPIN(f *flow) step {
	st := &staffPINStep{f: f, pin: newField("staff:pin", "screen.staff-pin.label", staffPINLimit, true)}
	st.pin.hint = sayN("screen.staff-pin.hint", store.StaffPINTries, textData{"Minutes": int(store.StaffLockFor / time.Minute)})
	st.pin.changed = func() { st.err = nil }
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

var notSetUp = say("screen.staff-pin.not-set-up", nil)

func (st *staffPINStep) title() string { return st.f.c.tr("screen.staff-pin.title", nil) }

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
		st.err = say("screen.staff-pin.empty", nil)
		return nil
	}
	st.err = nil
	return st.run("screen.staff-pin.checking",
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
		st.err = sayN("screen.staff-pin.wrong", wrong.Left, textData{"Minutes": int(store.StaffLockFor / time.Minute)})
	case errors.As(err, &locked):
		st.err = say("screen.staff-pin.locked", textData{"Until": locked.Until.In(st.f.c.Now().Location()).Format("15:04")})
	case errors.Is(err, store.ErrStaffNotSetUp):
		st.err = notSetUp
	default:
		st.err = say("screen.staff-pin.failed", textData{"Error": err.Error()})
	}
	return nil
}

func (st *staffPINStep) wipe() { st.pin.reset() }

func (st *staffPINStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	w := min(width, 64)
	return c.joinVertical(
		s.Title.Render(st.title()),
		wrapStyle(s.Muted, w, c.tr("screen.staff-pin.intro", nil)), "",
		st.field("staff:pin", 24, w), st.status(w, st.err, ""), "",
		buttonRow(st.button("staff:signin", c.tr("screen.staff-pin.sign-in", nil)), st.button("staff:cancel", c.tr("screen.button.cancel", nil))))
}

func (st *staffPINStep) minSize() (int, int) { return 60, 14 }
