package kiosk

import (
	"context"
	"errors"
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// alumniIdentityStep asks a graduate who never activated for the full name
// exactly as on the HK ID card or passport, and the HK ID card number or,
// via a "No HK ID card? Use Passport" choice, the passport number (seed
// "alumni-accounts-faq").
type alumniIdentityStep struct {
	form
	f           *flow
	name        *field
	hkid        *field
	passport    *field
	usePassport bool
	err         string // the store's answer, shown above the buttons
}

func newAlumniIdentity(f *flow) step {
	st := &alumniIdentityStep{
		f:        f,
		name:     newField("al:name", "Full name", 100, false),
		hkid:     hkidField("al:hkid"),
		passport: newField("al:passport", "Passport number", policy.PassportMaxLen+4, false),
	}
	st.name.hint = "Exactly as on your HK ID card or passport, with any middle name"
	st.name.narrow, st.passport.narrow = true, true
	st.passport.hint = "The number you gave when you were admitted"
	st.passport.accept = passportRune
	st.passport.refuse = "A passport number has letters and digits only"
	st.form = newForm(f.c, st.name, st.hkid, st.passport)
	st.enter["al:hkid"] = "al:submit"
	st.enter["al:passport"] = "al:submit"
	st.reorder()
	return st
}

func (st *alumniIdentityStep) title() string {
	if st.usePassport {
		return "Your full name and passport"
	}
	return "Your full name and HK ID card"
}

// number is the id of the field that shows: HKID or passport.
func (st *alumniIdentityStep) number() string {
	if st.usePassport {
		return "al:passport"
	}
	return "al:hkid"
}

func (st *alumniIdentityStep) reorder() {
	st.order("al:name", st.number(), "al:submit", "al:mode")
}

func (st *alumniIdentityStep) update(msg tea.Msg) tea.Cmd {
	if res, ok := msg.(identityMsg); ok {
		st.spin.stop()
		return st.answer(res)
	}
	pressed, cmd := st.handle(msg)
	switch pressed {
	case "al:submit":
		return st.submit()
	case "al:mode":
		st.toggleMode()
	}
	return cmd
}

func (st *alumniIdentityStep) toggleMode() {
	st.usePassport = !st.usePassport
	st.clearNumbers()
	st.err = ""
	st.reorder()
	st.focusOn(st.number())
}

// submit checks what it can here (a name in English letters, the HKID
// check digit, the passport's shape) before asking the store: what cannot
// match is said under its field and counts towards no lockout.
func (st *alumniIdentityStep) submit() tea.Cmd {
	st.err = ""
	id := store.AlumniIdentity{FullName: strings.Join(strings.Fields(st.name.value()), " ")}
	if id.FullName == "" {
		st.name.err = "Type your full name, as on your HK ID card or passport"
		st.focusOn("al:name")
		return nil
	}
	if err := policy.CheckFullName(id.FullName); err != nil {
		st.name.err = sentence(err.Error())
		st.focusOn("al:name")
		return nil
	}
	ok := true
	if st.usePassport {
		id.PassportNo, ok = parsePassport(st.passport)
	} else {
		id.HKID, ok = parseHKIDField(st.hkid)
	}
	if !ok {
		st.focusOn(st.number())
		return nil
	}
	return st.run("Checking your details…",
		st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			acct, err := a.VerifyAlumni(ctx, id)
			return identityMsg{acct: acct, err: err}
		}))
}

// passportRune is what a passport number field takes (spaces are dropped later).
func passportRune(r rune) bool {
	return r == ' ' || r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// parsePassport normalises the passport number as the registry does.
func parsePassport(f *field) (string, bool) {
	n, err := policy.ParsePassport(f.value())
	if err != nil {
		f.err = sentence(err.Error())
		return "", false
	}
	return n, true
}

// alumniMismatch is said when name and number do not match: the FAQ's two
// usual causes. It is also the answer for a number nobody has and for a
// passport where the record holds an HKID (DESIGN "Identity proofing"), so
// it tells nothing about which numbers or documents are on record.
const alumniMismatch = "These details do not match our records. Type your full name exactly as on your " +
	"HK ID card or passport, with any middle name. If you have an HK ID card, please use it: the passport " +
	"(a renewed passport may have a new number) is only for graduates without one. After 5 failed attempts " +
	"self-service is locked for 15 minutes."

func (st *alumniIdentityStep) answer(msg identityMsg) tea.Cmd {
	f := st.f
	if msg.err != nil {
		r, final := explain(f.c, msg.err)
		if final {
			return f.stop(r)
		}
		st.err = r.body
		switch {
		case errors.Is(msg.err, policy.ErrFullNameLetters): // the store's own check
			st.err, st.name.err = "", sentence(msg.err.Error())
			st.focusOn("al:name")
			return nil
		case errors.Is(msg.err, store.ErrIdentityMismatch):
			st.err = alumniMismatch
		}
		st.clearNumbers()
		st.focusOn(st.number())
		return nil
	}
	f.acct = msg.acct
	return f.next()
}

// clearNumbers empties the HKID and passport fields: after a refusal the
// number should not stay on screen.
func (st *alumniIdentityStep) clearNumbers() {
	st.hkid.reset()
	st.passport.reset()
}

func (st *alumniIdentityStep) wipe() {
	st.name.reset()
	st.clearNumbers()
}

func (st *alumniIdentityStep) view(width, height int) string {
	w := min(width, 72)
	mode := "No HK ID card? Use Passport"
	if st.usePassport {
		mode = "Use HK ID card instead"
	}
	return lipgloss.JoinVertical(lipgloss.Left,
		st.field("al:name", min(w, 48), w), "",
		st.field(st.number(), min(w, 30), w),
		st.status(w, st.err, ""),
		buttonRow(st.button("al:submit", "Submit"), st.button("al:mode", mode)))
}

func (st *alumniIdentityStep) minSize() (int, int) { return 66, 17 }
