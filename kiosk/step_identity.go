package kiosk

import (
	"context"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// idForm is what both identity steps share: a first field, the HK ID card
// number or, by the mode button, another way to show who one is (date of
// birth, passport), Submit, and the handling of the store's answer.
type idForm struct {
	form
	f       *flow
	ns      string // the ids' prefix: "id" or "al"
	first   string // the first field's id
	otherID string // the id of the other way's input
	hkid    *field
	other   bool      // the other way shows instead of the HKID
	err     words     // the store's answer, shown above the buttons
	titles  [2]string // the title with the HKID, with the other way (catalog ids)
	modes   [2]string // the mode button's label, likewise
	// check is the plan's check of a verified account (nil: none).
	check func(store.Account) error
	// clearOther empties the other way's input; refused reads a refusal the
	// step's own way first (true: handled, nothing to clear).
	clearOther func()
	refused    func(err error) bool
	submit     func() tea.Cmd
}

func (st *idForm) setup(f *flow, ns, first string, fields ...*field) {
	st.f, st.ns, st.first = f, ns, first
	st.hkid = hkidField(ns + ":hkid")
	st.form = newForm(f.c, append(fields, st.hkid)...)
	st.enter[ns+":hkid"] = ns + ":submit"
	st.enter[st.otherID] = ns + ":submit"
	st.onPress = st.press
	onAnswer(&st.form, st.answer)
	st.reorder()
}

func (st *idForm) title() string { return st.f.c.tr(st.titles[st.mode()], nil) }

func (st *idForm) mode() int {
	if st.other {
		return 1
	}
	return 0
}

// verifier is the id of the HKID field or the other way's input, whichever shows.
func (st *idForm) verifier() string {
	if st.other {
		return st.otherID
	}
	return st.ns + ":hkid"
}

// reorder sets the focus order for the current mode.
func (st *idForm) reorder() {
	st.order(st.first, st.verifier(), st.ns+":submit", st.ns+":mode")
}

func (st *idForm) press(id string) tea.Cmd {
	switch id {
	case st.ns + ":submit":
		return st.submit()
	case st.ns + ":mode":
		st.toggleMode()
	}
	return nil
}

func (st *idForm) toggleMode() {
	st.other = !st.other
	st.hkid.reset()
	st.clearOther()
	st.err = nil
	st.reorder()
	st.focusOn(st.verifier())
}

// verify asks the store, with the spinner.
func (st *idForm) verify(fn func(ctx context.Context, a Accounts) (store.Account, error)) tea.Cmd {
	return st.run("screen.identity.checking",
		st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			acct, err := fn(ctx, a)
			return identityMsg{acct: acct, err: err}
		}))
}

// answer acts on the store's reply.
func (st *idForm) answer(msg identityMsg) tea.Cmd {
	f := st.f
	if msg.err != nil {
		if _, final := explain(f.c, msg.err); final {
			return f.stop(explained(msg.err))
		}
		st.err = sayRefusal(msg.err)
		if st.refused != nil && st.refused(msg.err) {
			return nil
		}
		st.clearVerifier()
		return nil
	}
	if st.check != nil {
		if err := st.check(msg.acct); err != nil {
			return f.stop(explained(err))
		}
	}
	return f.moveOn(msg.acct)
}

// clearVerifier empties the HKID and the other way's input after a
// refusal: it was wrong, and it should not stay on screen.
func (st *idForm) clearVerifier() {
	st.hkid.reset()
	st.clearOther()
	st.focusOn(st.verifier())
}

// buttons are the status line and the Submit and mode buttons.
func (st *idForm) buttons(w int) []string {
	c := st.f.c
	return []string{st.status(w, st.err, ""),
		buttonRow(st.button(st.ns+":submit", c.tr("screen.button.submit", nil)), st.button(st.ns+":mode", c.tr(st.modes[st.mode()], nil)))}
}

// identityStep asks for the Student ID and the HK ID card number, or, for a
// student without one, the date of birth.
type identityStep struct {
	idForm
	sid    *field
	dob    datePicker
	dobErr words
}

type identityMsg struct {
	acct store.Account
	err  error
}

// identityConf is what a flow's plan sets: the check of the verified
// account (Forgot Password resets only an active account's password).
type identityConf struct {
	check func(store.Account) error
}

func identity(conf identityConf) func(f *flow) step {
	return func(f *flow) step { return newIdentity(f, conf) }
}

// resettable is Forgot Password's check: an account that was never
// activated, or is terminated, has no password to reset.
func resettable(a store.Account) error {
	switch a.Status {
	case policy.StatusRegistered:
		return store.ErrNotActivated
	case policy.StatusTerminated:
		return store.ErrTerminated
	}
	return nil
}

func newIdentity(f *flow, conf identityConf) step {
	n := f.c.Opt.StudentIDLength
	st := &identityStep{sid: newField("id:sid", "screen.identity.sid", n, false)}
	st.sid.hint = sayN("screen.identity.sid-hint", n, nil)
	st.sid.narrow = true // ２０２６… from a Chinese keyboard is 2026…
	st.sid.accept, st.sid.refuse = digitsOnly, say("screen.identity.sid-digits", nil)
	st.sid.leave = st.checkStudentID
	st.otherID, st.check = "id:dob", conf.check
	st.titles = [2]string{"screen.identity.title-hkid", "screen.identity.title-dob"}
	st.modes = [2]string{"screen.identity.use-dob", "screen.identity.use-hkid"}
	st.clearOther = func() { st.dob.wipe(); st.dobErr = nil }
	st.submit = st.submitID
	st.idForm.setup(f, "id", "id:sid", st.sid)
	return st
}

// checkStudentID checks the length once the student leaves the field.
func (st *identityStep) checkStudentID() {
	if st.sid.value() == "" {
		return
	}
	st.sid.err = nil
	if _, err := policy.ParseStudentID(st.sid.value(), st.f.c.Opt.StudentIDLength); err != nil {
		st.sid.err = sayInput(err)
	}
}

func (st *identityStep) update(msg tea.Msg) tea.Cmd {
	if !st.spin.active && st.other && st.dobInput(msg) {
		st.checkDOB()
		return nil
	}
	return st.form.update(msg)
}

// dobInput gives the date picker its keys (while it has the focus) and its
// taps; it reports whether the picker took msg.
func (st *identityStep) dobInput(msg tea.Msg) bool {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		return st.cur() == "id:dob" && st.dob.key(st.f.c, msg)
	case pressMsg:
		if st.dob.press(st.f.c, msg.id) {
			st.focusOn("id:dob")
			return true
		}
	}
	return false
}

// hkidField is the HK ID card number input, checked as it is typed.
func hkidField(id string) *field {
	f := newField(id, "screen.identity.hkid", 14, false)
	f.narrow = true
	f.hint = say("screen.identity.hkid-hint", nil)
	f.changed = func() { checkHKID(f) }
	return f
}

// checkHKID validates as the student types: the format as it grows, the
// check digit once the number is complete.
func checkHKID(f *field) {
	f.err, f.ok = nil, nil
	v := f.value()
	if hint := policy.HKIDHintID(v); hint != "" {
		f.err = say(hint, nil)
		return
	}
	if _, err := policy.ParseHKID(v); err == nil {
		f.ok = say("screen.identity.check-digit-ok", nil)
	}
}

// parseHKIDField checks the number before any look-up, saying why under the
// field when it is wrong.
func parseHKIDField(f *field) (string, bool) {
	h, err := policy.ParseHKID(f.value())
	if err != nil {
		f.err, f.ok = sayInput(err), nil
		return "", false
	}
	return h.String(), true
}

func (st *identityStep) checkDOB() {
	_, _, err := st.dob.date(st.f.c.Now())
	st.dobErr = nil
	if err != nil {
		st.dobErr = sayInput(err)
	}
}

// submitID checks everything locally (the check digit before any look-up),
// then asks the store.
func (st *identityStep) submitID() tea.Cmd {
	c := st.f.c
	st.err = nil
	id := store.Identity{}
	sid, err := policy.ParseStudentID(st.sid.value(), c.Opt.StudentIDLength)
	if err != nil {
		st.sid.err = sayInput(err)
		st.focusOn("id:sid")
		return nil
	}
	id.StudentID = sid
	if st.other {
		dob, complete, err := st.dob.date(c.Now())
		switch {
		case !complete:
			st.dobErr = say("screen.identity.dob-incomplete", nil)
		case err != nil:
			st.dobErr = sayInput(err)
		}
		if st.dobErr != nil {
			st.focusOn("id:dob")
			return nil
		}
		id.DateOfBirth = dob
	} else {
		h, ok := parseHKIDField(st.hkid)
		if !ok {
			st.focusOn("id:hkid")
			return nil
		}
		id.HKID = h
	}
	return st.verify(func(ctx context.Context, a Accounts) (store.Account, error) {
		return a.VerifyIdentity(ctx, id)
	})
}

func (st *identityStep) wipe() {
	st.sid.reset()
	st.clearVerifier()
}

func (st *identityStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	w := min(width, 72)
	rows := []string{st.field("id:sid", min(w, 30), w), ""}
	if st.other {
		note := s.Muted.Render(c.tr("screen.identity.dob-hint", nil))
		if st.dobErr != nil {
			note = s.Error.Render("✗ " + st.dobErr.in(c))
		}
		rows = append(rows, s.Label.Render(c.tr("screen.identity.dob", nil)), st.dob.view(c, st.cur() == "id:dob"), note)
	} else {
		rows = append(rows, st.field("id:hkid", min(w, 30), w))
	}
	rows = append(rows, st.buttons(w)...)
	return c.joinVertical(rows...)
}

func (st *identityStep) help() []key.Binding {
	k := st.f.c.Keys
	if st.cur() == "id:dob" {
		return []key.Binding{k.Adjust, k.Left, k.Next} // Enter works too; the 80-column footer has no room
	}
	return st.form.help()
}

func (st *identityStep) minSize() (int, int) { return 66, 17 }
