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
	idForm
	name     *field
	passport *field
}

func newAlumniIdentity(f *flow) step {
	st := &alumniIdentityStep{
		name:     newField("al:name", "Full name", 100, false),
		passport: newField("al:passport", "Passport number", policy.PassportMaxLen+4, false),
	}
	st.name.hint = "Exactly as on your HK ID card or passport, with any middle name"
	st.name.narrow, st.passport.narrow = true, true
	st.passport.hint = "The number you gave when you were admitted"
	st.passport.accept = passportRune
	st.passport.refuse = "A passport number has letters and digits only"
	st.otherID = "al:passport"
	st.titles = [2]string{"Your full name and HK ID card", "Your full name and passport"}
	st.modes = [2]string{"No HK ID card? Use Passport", "Use HK ID card instead"}
	st.clearOther = st.passport.reset
	st.refused = st.nameRefused
	st.submit = st.submitID
	st.idForm.setup(f, "al", "al:name", st.name, st.passport)
	return st
}

// submit checks what it can here (a name in English letters, the HKID
// check digit, the passport's shape) before asking the store: what cannot
// match is said under its field and counts towards no lockout.
func (st *alumniIdentityStep) submitID() tea.Cmd {
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
	if st.other {
		id.PassportNo, ok = parsePassport(st.passport)
	} else {
		id.HKID, ok = parseHKIDField(st.hkid)
	}
	if !ok {
		st.focusOn(st.verifier())
		return nil
	}
	return st.verify(func(ctx context.Context, a Accounts) (store.Account, error) {
		return a.VerifyAlumni(ctx, id)
	})
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

// nameRefused reads the refusals that are about the name or the mismatch.
func (st *alumniIdentityStep) nameRefused(err error) bool {
	switch {
	case errors.Is(err, policy.ErrFullNameLetters): // the store's own check
		st.err, st.name.err = "", sentence(err.Error())
		st.focusOn("al:name")
		return true
	case errors.Is(err, store.ErrIdentityMismatch):
		st.err = alumniMismatch
	}
	return false
}

func (st *alumniIdentityStep) wipe() {
	st.name.reset()
	st.hkid.reset()
	st.passport.reset()
}

func (st *alumniIdentityStep) view(width, height int) string {
	w := min(width, 72)
	rows := append([]string{st.field("al:name", min(w, 48), w), "", st.field(st.verifier(), min(w, 30), w)},
		st.buttons(w)...)
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (st *alumniIdentityStep) minSize() (int, int) { return 66, 17 }
