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
	f      *flow
	sid    *field
	hkid   *field
	dob    datePicker
	useDOB bool
	dobErr string
	err    string // the store's answer, shown above the buttons
	focus  ring
	spin   busy
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
		hkid: newField("id:hkid", "HK ID card number", 14, false),
	}
	st.sid.hint = fmt.Sprintf("%d digits, as printed on your student card", n)
	st.sid.accept = digitsOnly
	st.hkid.hint = "As on your card, e.g. A123456(3)"
	st.refocus()
	return st
}

func (st *identityStep) init() tea.Cmd { return nil }

func (st *identityStep) title() string {
	if st.useDOB {
		return "Your Student ID and date of birth"
	}
	return "Your Student ID and HK ID card"
}

// refocus sets the focus order for the current mode. Leaving the Student ID
// field checks its length.
func (st *identityStep) refocus() {
	if st.sid.input.Focused() && st.focus.cur() != "id:sid" && st.sid.value() != "" {
		if _, err := policy.ParseStudentID(st.sid.value(), st.f.c.Opt.StudentIDLength); err != nil {
			st.sid.err = err.Error()
		} else {
			st.sid.err = ""
		}
	}
	second := "id:hkid"
	if st.useDOB {
		second = "id:dob"
	}
	st.focus.reorder("id:sid", second, "id:submit", "id:mode")
	st.sid.setFocus(st.focus.cur() == "id:sid")
	st.hkid.setFocus(st.focus.cur() == "id:hkid")
}

func (st *identityStep) busy() bool { return st.spin.active }

func (st *identityStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case busyTickMsg:
		return st.spin.update(st.f.c, msg)
	case identityMsg:
		st.spin.stop()
		return st.answer(msg)
	}
	if st.spin.active {
		return nil // input waits while the store answers
	}
	switch msg := msg.(type) {
	case pressMsg:
		return st.press(msg.id)
	case tea.KeyMsg:
		return st.key(msg)
	}
	return nil
}

func (st *identityStep) key(msg tea.KeyMsg) tea.Cmd {
	k := st.f.c.Keys
	cur := st.focus.cur()
	if cur == "id:dob" && st.dob.key(st.f.c, msg) {
		st.checkDOB()
		return nil
	}
	switch {
	case key.Matches(msg, k.Next, k.Down):
		st.focus.move(1)
	case key.Matches(msg, k.Prev, k.Up):
		st.focus.move(-1)
	case key.Matches(msg, k.Select):
		switch cur {
		case "id:sid":
			st.focus.move(1)
		case "id:mode":
			st.toggleMode()
		default:
			return st.submit()
		}
	case cur == "id:sid":
		st.typeStudentID(msg)
	case cur == "id:hkid":
		if st.hkid.update(msg) {
			st.checkHKID()
		}
	case key.Matches(msg, k.Left):
		st.focus.move(-1)
	case key.Matches(msg, k.Right):
		st.focus.move(1)
	}
	st.refocus()
	return nil
}

// typeStudentID takes digits and says so when something else is typed.
func (st *identityStep) typeStudentID(msg tea.KeyMsg) {
	st.sid.err = ""
	if msg.Type == tea.KeyRunes {
		for _, r := range msg.Runes {
			if !digitsOnly(r) {
				st.sid.err = "Student ID has digits only (0–9)"
			}
		}
	}
	st.sid.update(msg)
}

// checkHKID validates as the student types: the format as it grows, the
// check digit once the number is complete.
func (st *identityStep) checkHKID() {
	st.hkid.err, st.hkid.ok = "", ""
	v := st.hkid.value()
	if hint := policy.HKIDHint(v); hint != "" {
		st.hkid.err = hint
		return
	}
	if _, err := policy.ParseHKID(v); err == nil {
		st.hkid.ok = "Check digit matches"
	}
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
	st.refocus()
	st.focus.set(map[bool]string{false: "id:hkid", true: "id:dob"}[st.useDOB])
	st.refocus()
}

func (st *identityStep) press(id string) tea.Cmd {
	switch {
	case id == "id:submit":
		return st.submit()
	case id == "id:mode":
		st.toggleMode()
	case st.useDOB && st.dob.press(st.f.c, id):
		st.focus.set("id:dob")
		st.checkDOB()
	default:
		st.focus.set(id)
	}
	st.refocus()
	return nil
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
		st.focus.set("id:sid")
		st.refocus()
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
			st.focus.set("id:dob")
			st.refocus()
			return nil
		}
		id.DateOfBirth = dob
	} else {
		h, err := policy.ParseHKID(st.hkid.value())
		if err != nil {
			st.hkid.err, st.hkid.ok = err.Error(), ""
			st.focus.set("id:hkid")
			st.refocus()
			return nil
		}
		id.HKID = h.String()
	}
	return tea.Batch(st.spin.start(c, "Checking your details…"),
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
	st.focus.set(map[bool]string{false: "id:hkid", true: "id:dob"}[st.useDOB])
	st.refocus()
}

func (st *identityStep) wipe() {
	st.sid.reset()
	st.clearVerifier()
}

func (st *identityStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	w := min(width, 72)
	cur := st.focus.cur()
	rows := []string{st.sid.view(c, min(w, 30), w, cur == "id:sid")}
	if st.useDOB {
		note := s.Muted.Render("Use ↑/↓ or − / +, or type the digits")
		if st.dobErr != "" {
			note = s.Error.Render("✗ " + st.dobErr)
		}
		rows = append(rows, s.Label.Render("Date of birth"), st.dob.view(c, cur == "id:dob"), note)
	} else {
		rows = append(rows, st.hkid.view(c, min(w, 30), w, cur == "id:hkid"))
	}
	switch {
	case st.spin.active:
		rows = append(rows, st.spin.view(c))
	case st.err != "":
		rows = append(rows, s.Error.Width(w).Render(st.err))
	default:
		rows = append(rows, "")
	}
	mode := "No HK ID card? Use Date of Birth"
	if st.useDOB {
		mode = "Use HK ID card instead"
	}
	enabled := !st.spin.active
	rows = append(rows, buttonRow(
		button(c, "id:submit", "Submit", cur == "id:submit", enabled),
		button(c, "id:mode", mode, cur == "id:mode", enabled)))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (st *identityStep) help() []key.Binding {
	k := st.f.c.Keys
	if st.focus.cur() == "id:dob" {
		return []key.Binding{k.Adjust, k.Left, k.Next, k.Select}
	}
	return []key.Binding{k.Next, k.Select}
}

func (st *identityStep) minSize() (int, int) { return 66, 17 }
