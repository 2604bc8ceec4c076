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
		name:     newField("al:name", "screen.alumni.name", 100, false),
		passport: newField("al:passport", "screen.alumni.passport", policy.PassportMaxLen+4, false),
	}
	st.name.hint = say("screen.alumni.name-hint", nil)
	st.name.narrow, st.passport.narrow = true, true
	st.passport.hint = say("screen.alumni.passport-hint", nil)
	st.passport.accept = passportRune
	st.passport.refuse = say("screen.alumni.passport-chars", nil)
	st.otherID = "al:passport"
	st.titles = [2]string{"screen.alumni.title-hkid", "screen.alumni.title-passport"}
	st.modes = [2]string{"screen.alumni.use-passport", "screen.identity.use-hkid"}
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
	st.err = nil
	id := store.AlumniIdentity{FullName: strings.Join(strings.Fields(st.name.value()), " ")}
	if id.FullName == "" {
		st.name.err = say("screen.alumni.name-missing", nil)
		st.focusOn("al:name")
		return nil
	}
	if err := policy.CheckFullName(id.FullName); err != nil {
		st.name.err = sayErr(err)
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
		f.err = sayErr(err)
		return "", false
	}
	return n, true
}

// alumniMismatch is said when name and number do not match: the FAQ's two
// usual causes. It is also the answer for a number nobody has and for a
// passport where the record holds an HKID (DESIGN "Identity proofing"), so
// it tells nothing about which numbers or documents are on record.
var alumniMismatch = say("screen.alumni.mismatch", nil)

// nameRefused reads the refusals that are about the name or the mismatch.
func (st *alumniIdentityStep) nameRefused(err error) bool {
	switch {
	case errors.Is(err, policy.ErrFullNameLetters): // the store's own check
		st.err, st.name.err = nil, sayErr(err)
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
