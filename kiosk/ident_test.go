package kiosk_test

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// refusedScreen runs an activation's identity step with a Student ID and an
// HKID, or a date of birth (YYYYMMDD) when dob is set, and returns the
// screen after the refusal with the Student ID masked.
func refusedScreen(t *testing.T, studentID, verifier string, dob bool) string {
	t.Helper()
	s := newStation(t)
	s.acceptAUP()
	s.typ(studentID)
	if dob {
		s.click("No HK ID card? Use Date of Birth")
	} else {
		s.press(tea.KeyTab)
	}
	s.typ(verifier)
	s.press(tea.KeyEnter)
	s.expect("These details do not match our records")
	return strings.ReplaceAll(s.screen(), studentID, "XXXXXXXX")
}

// DESIGN "Identity proofing": a wrong identity and an unknown Student ID get
// the same answer on screen (issue 11.2), and the date of birth is refused,
// in the same words, for a record that holds an HK ID card number (11.1).
func TestWrongAndUnknownIdentityLookTheSame(t *testing.T) {
	unknown := refusedScreen(t, "20269999", taiManID, false)
	wrong := refusedScreen(t, taiMan, otherHKID, false)
	if unknown != wrong {
		t.Errorf("unknown Student ID:\n%s\nwrong HKID:\n%s", unknown, wrong)
	}
	for _, want := range []string{"If you have a Hong Kong Identity Card, please use it", "Step 2 of 7"} {
		if !shows(wrong, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, wrong)
		}
	}
	// By date of birth: an HKID holder's right date (issue: 20261010,
	// 2006-12-25), a wrong date for a student without an HKID, and an
	// unknown Student ID.
	hkidHolder := refusedScreen(t, "20261010", "20061225", true)
	for name, other := range map[string]string{
		"wrong date of birth": refusedScreen(t, siuLing, "20070720", true),
		"unknown Student ID":  refusedScreen(t, "20269999", "20061225", true),
	} {
		if other != hkidHolder {
			t.Errorf("HKID holder's date of birth:\n%s\n%s:\n%s", hkidHolder, name, other)
		}
	}
}

// Forgot Password for 20251004 (an HKID holder) with her date of birth no
// longer goes to "Choose a new password" (issue 11.1).
func TestForgotPasswordRefusesDateOfBirthForHKIDHolder(t *testing.T) {
	s := newStation(t)
	s.typ("3")
	s.typ(kaYan)
	s.click("No HK ID card? Use Date of Birth")
	s.typ("20040109")
	s.press(tea.KeyEnter)
	s.expect("These details do not match our records", "please use it")
	s.expectNot("Choose a new password")
	// With her card she goes on.
	s.click("Use HK ID card instead")
	s.typ("Z246813(2)")
	s.press(tea.KeyEnter)
	s.expectNot("These details do not match")
}

// Issue 11.11: full-width forms from a Chinese keyboard are the same
// characters in every identity field: Student ID, HKID, date of birth.
func TestIdentityFieldsTakeFullWidthForms(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	s.typ("２０２６１００１")
	s.expect("│ 20261001 ")
	s.expectNot("digits only")
	s.press(tea.KeyTab)
	s.typ("Ａ１２３４５６（３）")
	s.expect("│ A123456(3) ", "Check digit matches")
	s.press(tea.KeyEnter)
	s.expect("Account name  tmchan")

	s = newStation(t)
	s.acceptAUP()
	s.typ("２０２６１００３")
	s.click("No HK ID card? Use Date of Birth")
	s.typ("２００７０７２１")
	s.press(tea.KeyEnter)
	s.expect("Account name  slwong")
}

// Issue 11.11: alumni names and passport numbers are narrowed alike; a name
// in Chinese characters is told to be typed in English letters and does
// not count towards the lockout.
func TestAlumniNameInChineseIsNotAFailedAttempt(t *testing.T) {
	s := newStation(t)
	s.startAlumni()
	for range 6 { // more than the 5 that would lock
		s.graduate("張美玲", meiLingHKID, false)
		s.expect("Type your name in English letters exactly as on your HK ID card or passport")
		s.expectNot("These details do not match", "locked")
		s.press(tea.KeyCtrlU, tea.KeyTab, tea.KeyCtrlU, tea.KeyShiftTab) // empty both
	}
	s.graduate("ＣＨＥＵＮＧ　Ｍｅｉ Ｌｉｎｇ", meiLingHKID, false)
	s.expect("Account name  mlcheung")

	s = newStation(t)
	s.startAlumni()
	s.graduate("Cheung Mei Yan", "Ｋ３８５６２７１９", true)
	s.expect("Account name  mycheung")
}

// An alumni number nobody has is answered as a wrong name.
func TestAlumniUnknownNumberLooksLikeWrongName(t *testing.T) {
	screen := func(name, number string) string {
		s := newStation(t)
		s.startAlumni()
		s.graduate(name, number, false)
		s.expect("These details do not match our records", "please use it")
		return s.screen()
	}
	if wrong, unknown := screen("Chan Tai Man", meiLingHKID), screen("Chan Tai Man", otherHKID); wrong != unknown {
		t.Errorf("wrong name:\n%s\nunknown number:\n%s", wrong, unknown)
	}
}

// Ten failed identity proofs within 15 minutes pause the identity step at
// the station for 15 minutes, with a screen that says until when.
func TestStationPausesIdentityStepOnScreen(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	for i := range 10 {
		if i > 0 {
			s.press(tea.KeyShiftTab, tea.KeyCtrlU) // back to the Student ID, emptied
		}
		s.typ("2026990" + string(rune('0'+i)))
		s.press(tea.KeyTab)
		s.typ(taiManID)
		s.press(tea.KeyEnter)
		if i < 9 {
			s.expect("These details do not match our records")
		}
	}
	s.expect("Identity checks paused", "until 02:16", "Room 4001")
	s.press(tea.KeyEnter)
	s.expect("Welcome")
	s.advance(time.Minute)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.expect("Identity checks paused")
	s.press(tea.KeyEnter)
	s.advance(15 * time.Minute)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.expect("Account name  tmchan")
}

// Issue 18.4: text fields refuse invisible and direction-changing
// characters with a message instead of echoing them.
func TestTextFieldsRefuseInvisibleCharacters(t *testing.T) {
	s := newStation(t)
	s.typ("2") // Change Network Password: account name and password
	s.expect("Account name")
	for _, r := range []string{"\u202e", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029", "\u2066"} {
		s.typ("ky" + r)
		s.expect("│ ky ", "Invisible characters refused")
		if strings.Contains(s.m.View(), r) {
			t.Fatalf("%U echoed", []rune(r)[0])
		}
		s.typ("lee")
		s.expect("│ kylee ")
		s.press(tea.KeyCtrlU)
	}
	// A paste with one in it is refused whole, also in a password field.
	s.send(tea.KeyMsg{Type: tea.KeyRunes, Paste: true, Runes: []rune("kylee\u2066")})
	s.expect("Paste has invisible characters")
	s.expectNot("kylee")

	s = newStation(t)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.press(tea.KeyEnter)
	s.expect("Your password needs")
	s.send(tea.KeyMsg{Type: tea.KeyRunes, Paste: true, Runes: []rune("Lantern harbour\u200b walk")})
	s.expect("Paste has invisible characters", "· At least 12 characters")
	s.typ("Lantern\u202e")
	s.expect("Invisible characters refused", "│ ••••••• ")
	s.typ(" harbour walk")
	s.expect("✓ At least 12 characters", "✓ No control or invisible characters")
}

// Issue 18.4: a password field holds what a password may be (128
// characters) and refuses more, early and whole, with a message: a 10 KB
// paste is one cheap refusal, never cut to fit.
func TestPasswordFieldRefusesTooLongPasteWhole(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.press(tea.KeyEnter)
	s.expect("Your password needs")
	paste := strings.Repeat("Lantern harbour ", 640) // 10,240 characters
	start := time.Now()
	s.send(tea.KeyMsg{Type: tea.KeyRunes, Paste: true, Runes: []rune(paste)})
	took := time.Since(start)
	s.expect("Not added: over 128 characters", "· At least 12 characters")
	t.Logf("10 KB paste refused in %v", took)
	if took > time.Second {
		t.Errorf("a 10 KB paste took %v", took)
	}
	// Typing up to the limit is fine; the next character is refused.
	s.typ(strings.Repeat("Lantern harbour ", 8)) // 128
	s.expect("✓ At most 128 characters")
	s.expectNot("characters here")
	s.typ("x")
	s.expect("At most 128 characters here", "✓ At most 128 characters")
}

// The other text fields refuse them too: the staff PIN and My Account's
// notice e-mail (the alias uses the same field).
func TestStaffPINAndEmailRefuseInvisibleCharacters(t *testing.T) {
	s := newStaffStation(t)
	s.press(tea.KeyF12)
	s.expect("Staff sign-in")
	s.typ("13\u200b")
	s.expect("Invisible characters refused")

	s = newStation(t)
	s.openCKLau()
	s.click("Change notice e-mail")
	s.typ("chikeung\u202e")
	s.expect("│ chikeung ", "Invisible characters refused")
}
