package kiosk_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
)

// Issue 19: a verified personal e-mail, and reset codes sent to it.

const kaYanHKID = "Z246813(2)" // LEE Ka Yan, kylee: active without 2FA

var sixDigits = regexp.MustCompile(`\b([0-9]{6})\b`)

// newStationWith is newStation booted with adjusted options.
func newStationWith(t testing.TB, opt func(*kiosk.Options), size ...int) *station {
	t.Helper()
	s := newStation(t, size...)
	s.opt = opt
	s.start(s.store, size...)
	return s
}

// heldCode is the code of the newest notice the station holds (a
// standalone station queues the e-mail in its replica).
func (s *station) heldCode() string {
	s.t.Helper()
	n, err := s.store.HeldNotice(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	m := sixDigits.FindStringSubmatch(n.Body)
	if m == nil {
		s.t.Fatalf("the newest notice (%s) holds no code", n.Kind)
	}
	return m[1]
}

// verifiedEmail gives an account a verified personal e-mail, as My Account
// does, outside the screens.
func (s *station) verifiedEmail(account, addr string) {
	s.t.Helper()
	ctx := context.Background()
	if _, err := s.store.SendEmailCode(ctx, store.Unverified(account), store.CodeVerifyEmail, addr); err != nil {
		s.t.Fatal(err)
	}
	if _, err := s.store.VerifyPersonalEmail(ctx, store.Unverified(account), s.heldCode()); err != nil {
		s.t.Fatal(err)
	}
}

// My Account: a new address is saved only once the code sent to it is
// typed; the screen waits, offers a new code after 60 s (not before), and
// refuses a wrong code.
func TestMyAccountVerifiesPersonalEmail(t *testing.T) {
	s := newStation(t)
	s.openCKLau()
	s.click("Change notice e-mail")
	s.typ("chi.keung@example.org")
	s.press(tea.KeyEnter)
	s.expect("Verify your personal e-mail", "We sent a 6-digit code to c•••@example.org",
		"it works for 10 minutes", "A new code can be sent after 60 seconds")
	s.expectNot("Send a new code", "chi.keung@example.org")
	if a, _ := s.store.Account(t.Context(), "cklau"); a.PersonalEmail != "" {
		t.Fatalf("saved before the code: %q", a.PersonalEmail)
	}
	first := s.heldCode()

	s.advance(59 * time.Second)
	s.expectNot("Send a new code")
	s.advance(time.Second)
	s.expect("Send a new code")
	s.click("Send a new code")
	s.expect("We sent a 6-digit code to c•••@example.org")
	s.expectNot("Send a new code") // another 60 s
	second := s.heldCode()

	wrong := "000000"
	if second == wrong {
		wrong = "000001"
	}
	s.typ(wrong)
	s.press(tea.KeyEnter)
	s.expect("That code is not correct", "count toward the lockout")
	if first != second {
		s.typ(first) // replaced by the second
		s.press(tea.KeyEnter)
		s.expect("That code is not correct")
	}
	s.typ(second)
	s.press(tea.KeyEnter)
	s.expect("✓ Verified and saved: notices go to chi.keung@example.org.",
		"Notices to    chi.keung@example.org", "Personal e-mail verified on 1 Sep 2026.")
	a, err := s.store.Account(t.Context(), "cklau")
	if err != nil || a.PersonalEmail != "chi.keung@example.org" || a.EmailVerifiedAt.IsZero() {
		t.Fatalf("account %+v, %v", a, err)
	}
}

// Esc on the code screen goes back to the address, and nothing is saved.
func TestMyAccountCodeCancel(t *testing.T) {
	s := newStation(t)
	s.openCKLau()
	s.click("Change notice e-mail")
	s.typ("chi.keung@example.org")
	s.press(tea.KeyEnter)
	s.expect("We sent a 6-digit code")
	s.press(tea.KeyEscape)
	s.expect("Personal e-mail for notices")
	if a, _ := s.store.Account(t.Context(), "cklau"); a.PersonalEmail != "" {
		t.Fatalf("saved without the code: %q", a.PersonalEmail)
	}
}

// A year after the last verification My Account asks for a review; an
// address set before codes is said to get no notices.
func TestMyAccountEmailReviewAndUnverified(t *testing.T) {
	s := newStation(t)
	s.verifiedEmail("cklau", "ck@example.org")
	s.clk.now = s.clk.now.AddDate(1, 0, 1)
	s.openCKLau()
	s.expect("Notices to    ck@example.org",
		"Personal e-mail last verified on 1 Sep 2026, more than a year ago: please check that it is still yours")

	s = newStation(t)
	if _, err := s.store.SetPersonalEmail(t.Context(), store.Unverified("cklau"), "old@example.org"); err != nil {
		t.Fatal(err)
	}
	s.openCKLau()
	s.expect("Notices to    cklau@connect.ust.hk", "old@example.org was never verified, so it gets no notices")
}

// Forgot Password for an account without 2FA but with a verified personal
// e-mail: the code sent there (masked on screen), not the identity check
// alone, opens the new-password step.
func TestForgotPasswordWithEmailCode(t *testing.T) {
	s := newStation(t)
	s.verifiedEmail("kylee", "kayan.lee@gmail.com")
	s.typ("3")
	s.identify(kaYan, kaYanHKID)
	s.expect("A code sent to your personal e-mail", "We sent a 6-digit code to k•••@gmail.com")
	s.expectNot("kayan.lee@gmail.com", "Choose a new password")
	s.typ("12345")
	s.press(tea.KeyEnter)
	s.expect("Type the 6 digits of the code")
	s.press(tea.KeyBackspace, tea.KeyBackspace, tea.KeyBackspace, tea.KeyBackspace, tea.KeyBackspace)
	s.typ(s.heldCode())
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.expect("Set up two-factor authentication") // offered after the reset, as before
	s.click("Not now")
	s.expect("Password changed", "kylee")
	if _, err := s.store.VerifyPassword(t.Context(), "kylee", newPW); err != nil {
		t.Fatalf("new password does not work: %v", err)
	}
	ops, err := s.store.PendingOps(t.Context(), 0)
	if err != nil || len(ops) == 0 || ops[len(ops)-1].Kind != "set_password" || ops[len(ops)-1].Proof != "email_code" {
		t.Errorf("the last op is not a set_password with proof email_code: %+v, %v", ops, err)
	}
}

// Wrong codes count toward the account's lockout with identity failures:
// the fifth failure locks it, and the screen says until when.
func TestForgotPasswordWrongCodesLock(t *testing.T) {
	s := newStation(t)
	s.verifiedEmail("kylee", "kayan.lee@gmail.com")
	// One identity failure first: the same counter.
	if _, err := s.store.VerifyIdentity(t.Context(), store.Identity{StudentID: kaYan, HKID: "Y6543217"}); !errors.Is(err, store.ErrIdentityMismatch) {
		t.Fatal(err)
	}
	s.typ("3")
	s.identify(kaYan, kaYanHKID)
	s.expect("We sent a 6-digit code")
	wrong := "000000"
	if s.heldCode() == wrong {
		wrong = "000001"
	}
	for i := 0; i < 3; i++ {
		s.typ(wrong)
		s.press(tea.KeyEnter)
		s.expect("That code is not correct")
	}
	s.typ(wrong)
	s.press(tea.KeyEnter)
	s.expect("locked", "Room 4001")
}

// When the code cannot be sent (the central store unreachable), the screen
// says so plainly and offers to try again; no hang, no code field.
func TestForgotPasswordCodeOffline(t *testing.T) {
	s := newStation(t)
	s.verifiedEmail("kylee", "kayan.lee@gmail.com")
	s.store.SetCodeCourier(func(ctx context.Context, req store.CodeRequest) error {
		return errors.New("dial tcp 10.0.0.1:8440: connection refused")
	})
	s.typ("3")
	s.identify(kaYan, kaYanHKID)
	s.expect("The code could not be sent now: the station cannot reach the account service",
		"Try again in a few minutes, or go to the IT Service Desk, Room 4001", "Try again")
	s.expectNot("Code from the e-mail", "connection refused", "10.0.0.1")
	var sent store.CodeRequest
	s.store.SetCodeCourier(func(ctx context.Context, req store.CodeRequest) error { sent = req; return nil })
	s.click("Try again")
	s.expect("We sent a 6-digit code to k•••@gmail.com")
	s.typ(sent.Code)
	s.press(tea.KeyEnter)
	s.expect("Choose a new password")
}

// With [station] reset_needs_second_factor, an account with neither 2FA nor
// a verified personal e-mail is sent to the desk or its access pass; with
// the default it keeps today's flow (the contract's demo accounts).
func TestResetNeedsSecondFactor(t *testing.T) {
	s := newStationWith(t, func(o *kiosk.Options) { o.ResetNeedsSecondFactor = true })
	s.typ("3")
	s.identify(kaYan, kaYanHKID)
	s.expect("Password reset needs a second check", "neither two-factor authentication nor a verified personal e-mail",
		"the IT Service Desk, Room 4001", "Use an access pass")
	s.expectNot("Choose a new password", "Step 2")
	s.click("Use an access pass")
	s.expect("Help in person")

	s = newStation(t) // the default
	s.typ("3")
	s.identify(kaYan, kaYanHKID)
	s.expect("Choose a new password for kylee")

	s = newStationWith(t, func(o *kiosk.Options) { o.ResetNeedsSecondFactor = true })
	s.typ("3")
	s.identify(chiKeung, "E314159(8)") // 2FA: as before
	s.expect("Two-factor authentication")
	s.typ(s.code(demo.TOTPSecret))
	s.press(tea.KeyEnter)
	s.expect("Choose a new password for cklau")
}

// The code screens fit 80x24, in English and Chinese.
func TestCodeScreenFitsEightyByTwentyFour(t *testing.T) {
	for _, lang := range []string{"en", "zh-HK"} {
		s := newStationWith(t, func(o *kiosk.Options) { o.Language = lang }, 80, 24)
		s.verifiedEmail("kylee", "kayan.lee@gmail.com")
		s.typ("3")
		s.identify(kaYan, kaYanHKID)
		s.expect("k•••@gmail.com")
		s.advance(time.Minute)
		scr := s.screen()
		for _, line := range strings.Split(scr, "\n") {
			if w := len([]rune(line)); w > 80 {
				t.Fatalf("%s: line wider than 80 columns: %q", lang, line)
			}
		}
		for _, id := range []string{"Check the code", "Send a new code"} {
			label := id
			if lang == "zh-HK" {
				label = map[string]string{"Check the code": "核對驗證碼", "Send a new code": "重新發送驗證碼"}[id]
			}
			if !strings.Contains(scr, label) {
				t.Errorf("%s: %q not on screen:\n%s", lang, label, scr)
			}
		}
	}
}

// Back on the code screen within a minute: the code already sent still
// works, and the screen says so; another address gets its code at once.
func TestCodeScreenAgainWithinAMinute(t *testing.T) {
	s := newStation(t)
	s.openCKLau()
	s.click("Change notice e-mail")
	s.typ("chi.keung@example.org")
	s.press(tea.KeyEnter)
	s.expect("We sent a 6-digit code to c•••@example.org")
	code := s.heldCode()
	s.press(tea.KeyEscape) // back to the address
	s.advance(20 * time.Second)
	s.press(tea.KeyEnter) // the same address again
	s.expect("A code was sent a moment ago: use that one, or ask for a new one in 40 seconds")
	s.expectNot("Send a new code", "after 60 seconds")
	s.typ(code)
	s.press(tea.KeyEnter)
	s.expect("✓ Verified and saved: notices go to chi.keung@example.org.")

	s.click("Change notice e-mail")
	s.press(tea.KeyCtrlU)
	s.typ("ck.lau@example.net")
	s.press(tea.KeyEnter)
	s.expect("We sent a 6-digit code to c•••@example.net") // another address: no wait
}
