package kiosk

import (
	"context"
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

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
	err     string    // the store's answer, shown above the buttons
	titles  [2]string // the title with the HKID, with the other way
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

func (st *idForm) title() string { return st.titles[st.mode()] }

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
	st.err = ""
	st.reorder()
	st.focusOn(st.verifier())
}

// verify asks the store, with the spinner.
func (st *idForm) verify(fn func(ctx context.Context, a Accounts) (store.Account, error)) tea.Cmd {
	return st.run("Checking your details…",
		st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			acct, err := fn(ctx, a)
			return identityMsg{acct: acct, err: err}
		}))
}

// answer acts on the store's reply.
func (st *idForm) answer(msg identityMsg) tea.Cmd {
	f := st.f
	if msg.err != nil {
		r, final := explain(f.c, msg.err)
		if final {
			return f.stop(r)
		}
		st.err = r.body
		if st.refused != nil && st.refused(msg.err) {
			return nil
		}
		st.clearVerifier()
		return nil
	}
	if st.check != nil {
		if err := st.check(msg.acct); err != nil {
			r, _ := explain(f.c, err)
			return f.stop(r)
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
	return []string{st.status(w, st.err, ""),
		buttonRow(st.button(st.ns+":submit", "Submit"), st.button(st.ns+":mode", st.modes[st.mode()]))}
}

// identityStep asks for the Student ID and the HK ID card number, or, for a
// student without one, the date of birth.
type identityStep struct {
	idForm
	sid    *field
	dob    datePicker
	dobErr string
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
	st := &identityStep{sid: newField("id:sid", "Student ID", n, false)}
	st.sid.hint = fmt.Sprintf("%d digits, as printed on your student card", n)
	st.sid.narrow = true // ２０２６… from a Chinese keyboard is 2026…
	st.sid.accept, st.sid.refuse = digitsOnly, "Student ID has digits only (0–9)"
	st.sid.leave = st.checkStudentID
	st.otherID, st.check = "id:dob", conf.check
	st.titles = [2]string{"Your Student ID and HK ID card", "Your Student ID and date of birth"}
	st.modes = [2]string{"No HK ID card? Use Date of Birth", "Use HK ID card instead"}
	st.clearOther = func() { st.dob.wipe(); st.dobErr = "" }
	st.submit = st.submitID
	st.idForm.setup(f, "id", "id:sid", st.sid)
	return st
}

// checkStudentID checks the length once the student leaves the field.
func (st *identityStep) checkStudentID() {
	if st.sid.value() == "" {
		return
	}
	st.sid.err = ""
	if _, err := policy.ParseStudentID(st.sid.value(), st.f.c.Opt.StudentIDLength); err != nil {
		st.sid.err = err.Error()
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
	f := newField(id, "HK ID card number", 14, false)
	f.narrow = true
	f.hint = "As on your card, e.g. A123456(3)"
	f.changed = func() { checkHKID(f) }
	return f
}

// checkHKID validates as the student types: the format as it grows, the
// check digit once the number is complete.
func checkHKID(f *field) {
	f.err, f.ok = "", ""
	v := f.value()
	if hint := policy.HKIDHint(v); hint != "" {
		f.err = hint
		return
	}
	if _, err := policy.ParseHKID(v); err == nil {
		f.ok = "Check digit matches"
	}
}

// parseHKIDField checks the number before any look-up, saying why under the
// field when it is wrong.
func parseHKIDField(f *field) (string, bool) {
	h, err := policy.ParseHKID(f.value())
	if err != nil {
		f.err, f.ok = err.Error(), ""
		return "", false
	}
	return h.String(), true
}

func (st *identityStep) checkDOB() {
	_, _, err := st.dob.date(st.f.c.Now())
	st.dobErr = ""
	if err != nil {
		st.dobErr = err.Error()
	}
}

// submitID checks everything locally (the check digit before any look-up),
// then asks the store.
func (st *identityStep) submitID() tea.Cmd {
	c := st.f.c
	st.err = ""
	id := store.Identity{}
	sid, err := policy.ParseStudentID(st.sid.value(), c.Opt.StudentIDLength)
	if err != nil {
		st.sid.err = err.Error()
		st.focusOn("id:sid")
		return nil
	}
	id.StudentID = sid
	if st.other {
		dob, complete, err := st.dob.date(c.Now())
		switch {
		case !complete:
			st.dobErr = "Choose the year, month and day you were born"
		case err != nil:
			st.dobErr = err.Error()
		}
		if st.dobErr != "" {
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
		note := s.Muted.Render("Use ↑/↓ or − / +, or type the digits")
		if st.dobErr != "" {
			note = s.Error.Render("✗ " + st.dobErr)
		}
		rows = append(rows, s.Label.Render("Date of birth"), st.dob.view(c, st.cur() == "id:dob"), note)
	} else {
		rows = append(rows, st.field("id:hkid", min(w, 30), w))
	}
	rows = append(rows, st.buttons(w)...)
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (st *identityStep) help() []key.Binding {
	k := st.f.c.Keys
	if st.cur() == "id:dob" {
		return []key.Binding{k.Adjust, k.Left, k.Next} // Enter works too; the 80-column footer has no room
	}
	return st.form.help()
}

func (st *identityStep) minSize() (int, int) { return 66, 17 }
