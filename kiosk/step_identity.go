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

// identityStep asks for the Student ID and the HK ID card number, or, for a
// student without one, the date of birth.
type identityStep struct {
	form
	f      *flow
	sid    *field
	hkid   *field
	dob    datePicker
	useDOB bool
	dobErr string
	err    string // the store's answer, shown above the buttons
}

type identityMsg struct {
	acct store.Account
	err  error
}

func newIdentity(f *flow) step {
	n := f.c.Opt.StudentIDLength
	st := &identityStep{
		f:    f,
		sid:  newField("id:sid", "Student ID", n, false),
		hkid: hkidField("id:hkid"),
	}
	st.sid.hint = fmt.Sprintf("%d digits, as printed on your student card", n)
	st.sid.narrow = true // ２０２６… from a Chinese keyboard is 2026…
	st.sid.accept, st.sid.refuse = digitsOnly, "Student ID has digits only (0–9)"
	st.sid.leave = st.checkStudentID
	st.form = newForm(f.c, st.sid, st.hkid)
	st.enter["id:hkid"] = "id:submit"
	st.enter["id:dob"] = "id:submit"
	st.reorder()
	return st
}

func (st *identityStep) title() string {
	if st.useDOB {
		return "Your Student ID and date of birth"
	}
	return "Your Student ID and HK ID card"
}

// verifier is the id of the HKID field or the date picker, whichever shows.
func (st *identityStep) verifier() string {
	if st.useDOB {
		return "id:dob"
	}
	return "id:hkid"
}

// reorder sets the focus order for the current mode.
func (st *identityStep) reorder() {
	st.order("id:sid", st.verifier(), "id:submit", "id:mode")
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
	if res, ok := msg.(identityMsg); ok {
		st.spin.stop()
		return st.answer(res)
	}
	if !st.spin.active && st.useDOB && st.dobInput(msg) {
		st.checkDOB()
		return nil
	}
	pressed, cmd := st.handle(msg)
	switch pressed {
	case "id:submit":
		return st.submit()
	case "id:mode":
		st.toggleMode()
	}
	return cmd
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

func (st *identityStep) toggleMode() {
	st.useDOB = !st.useDOB
	st.hkid.reset()
	st.dob.wipe()
	st.dobErr, st.err = "", ""
	st.reorder()
	st.focusOn(st.verifier())
}

// submit checks everything locally (the check digit before any look-up),
// then asks the store.
func (st *identityStep) submit() tea.Cmd {
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
	if st.useDOB {
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
	return st.run("Checking your details…",
		st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			acct, err := a.VerifyIdentity(ctx, id)
			return identityMsg{acct: acct, err: err}
		}))
}

// answer acts on the store's reply.
func (st *identityStep) answer(msg identityMsg) tea.Cmd {
	f := st.f
	if msg.err != nil {
		r, final := explain(f.c, msg.err)
		if final {
			return f.stop(r)
		}
		st.err = r.body
		st.clearVerifier()
		return nil
	}
	f.acct = msg.acct
	if f.kind == flowForgot {
		switch {
		case msg.acct.Status == policy.StatusRegistered:
			r, _ := explain(f.c, store.ErrNotActivated)
			return f.stop(r)
		case msg.acct.Status == policy.StatusTerminated:
			r, _ := explain(f.c, store.ErrTerminated)
			return f.stop(r)
		}
	}
	return f.next()
}

// clearVerifier empties the HKID / date after a refusal: it was wrong, and
// it should not stay on screen.
func (st *identityStep) clearVerifier() {
	st.hkid.reset()
	st.dob.wipe()
	st.dobErr = ""
	st.focusOn(st.verifier())
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
	if st.useDOB {
		note := s.Muted.Render("Use ↑/↓ or − / +, or type the digits")
		if st.dobErr != "" {
			note = s.Error.Render("✗ " + st.dobErr)
		}
		rows = append(rows, s.Label.Render("Date of birth"), st.dob.view(c, st.cur() == "id:dob"), note)
	} else {
		rows = append(rows, st.field("id:hkid", min(w, 30), w))
	}
	mode := "No HK ID card? Use Date of Birth"
	if st.useDOB {
		mode = "Use HK ID card instead"
	}
	rows = append(rows, st.status(w, st.err, ""),
		buttonRow(st.button("id:submit", "Submit"), st.button("id:mode", mode)))
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
