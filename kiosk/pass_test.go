package kiosk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/store"
)

// Issue 15: "Lost your phone or app?" on the 2FA code screen leads to the
// desk's access pass: identity check, the pass (a wrong one is refused and
// counted), a new password, a new 2FA key that replaces the lost one. The
// pass then works no more, and it is never left on screen.
func TestLostAuthenticatorWithDeskPass(t *testing.T) {
	s := newStation(t)
	ctx := context.Background()
	pass, _, err := s.store.IssuePass(ctx, "cklau", "HKID card seen, phone lost", "desk-amy", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	s.typ("3")
	s.identify(chiKeung, "E314159(8)")
	s.click("Lost your phone or app?")
	s.expect("Help in person", "Room 4001", "I have an access pass")
	s.click("I have an access pass")
	s.identify(chiKeung, "E314159(8)")
	s.expect("Access pass from the service desk", "cklau")
	wrong := "ACDEF-GHJKM"
	if wrong == pass {
		wrong = "MKJHG-FEDCA"
	}
	s.typ(wrong)
	s.press(tea.KeyEnter)
	s.expect("That access pass is not correct")
	s.typ(pass)
	s.press(tea.KeyEnter)
	s.expectNot(pass)
	s.newPassword(newPW)
	key := s.enrol()
	s.expect("Password changed")
	s.expectNot(pass)
	if _, err := s.store.VerifyPassword(ctx, "cklau", newPW); err != nil {
		t.Fatalf("new password: %v", err)
	}
	a, err := s.store.VerifyIdentity(ctx, store.Identity{StudentID: chiKeung, HKID: "E3141598"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.UsePass(ctx, a.Proof, pass); !errors.Is(err, store.ErrPassNone) {
		t.Fatalf("second use: %v", err)
	}
	s.clk.now = s.clk.now.Add(time.Minute)
	if _, err := s.store.VerifyTOTP(ctx, a.Proof, s.code(key)); err != nil {
		t.Fatalf("the new key: %v", err)
	}
}

// Issue 15: the refusal after too many wrong 2FA codes offers the pass flow
// beside the main menu, by tap and by keys; Enter alone still goes to the
// menu.
func TestTooManyCodesOffersPass(t *testing.T) {
	wrongThrice := func(s *station) {
		s.typ("3")
		s.identify(chiKeung, "E314159(8)")
		for _, code := range []string{"000000", "111111", "222222"} {
			s.typ(code)
			s.press(tea.KeyEnter)
		}
		s.expect("Too many wrong codes", "password was not changed")
	}
	s := newStation(t)
	wrongThrice(s)
	s.click("Lost your phone or app?")
	s.expect("Help in person", "Room 4001", "I have an access pass")

	s = newStation(t)
	wrongThrice(s)
	s.press(tea.KeyTab, tea.KeyEnter)
	s.expect("I have an access pass")

	s = newStation(t)
	wrongThrice(s)
	s.press(tea.KeyEnter)
	s.expect("Welcome")
}
