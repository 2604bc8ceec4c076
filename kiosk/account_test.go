package kiosk_test

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
)

// openCKLau signs cklau (active, with 2FA) into My Account.
func (s *station) openCKLau() {
	s.t.Helper()
	s.openAccount(demo.TOTPAccount, demo.TOTPPassword)
	s.expect("Two-factor authentication", "My Account · Step 2 of 3")
	s.typ(s.code(demo.TOTPSecret))
	s.press(tea.KeyEnter)
	s.expect("My Account · Step 3 of 3", "Your account")
}

func TestMyAccountShowsDatesAndSavesChanges(t *testing.T) {
	s := newStation(t)
	s.openCKLau()
	s.expect("Account name  cklau", "E-mail        cklau@connect.ust.hk", "Status        Activated",
		"Notices to    cklau@connect.ust.hk",
		"Student services end on 30 Oct 2028, four months after your studies end (30 Jun 2028)",
		"then your account continues as an alumni account",
		"Password last changed less than a month ago (1 Sep 2026).", "[✓] Open to Public", "esc main menu")
	s.expectNot("Choose alias", "please change it") // a student: no alias yet; a new password

	s.click("Change notice e-mail")
	s.expect("Personal e-mail for notices", "Leave it empty to get notices at cklau@connect.ust.hk", "esc go back")
	s.typ("Chi.Keung.Lau@Example.COM")
	s.expect("✓ Notices will go to Chi.Keung.Lau@example.com")
	s.press(tea.KeyEnter)
	// Issue 19: saved only once the code sent to the new address is typed.
	s.expect("We sent a 6-digit code to C•••@example.com")
	s.typ(s.heldCode())
	s.press(tea.KeyEnter)
	s.expect("✓ Verified and saved: notices go to Chi.Keung.Lau@example.com.", "Notices to    Chi.Keung.Lau@example.com")

	s.click("Open to Public")
	s.expect("[ ] Open to Public", "✓ Saved: only university members can see your e-mail address.")
	a, err := s.store.Account(t.Context(), "cklau")
	if err != nil || a.PersonalEmail != "Chi.Keung.Lau@example.com" || a.DirectoryPublic {
		t.Fatalf("account after My Account = %+v, %v", a, err)
	}

	// An empty address sends notices to the university address again.
	s.click("Change notice e-mail")
	s.expect("│ Chi.Keung.Lau@example.com")
	s.press(tea.KeyCtrlU, tea.KeyEnter)
	s.expect("Notices to    cklau@connect.ust.hk")
	s.click("Done")
	s.expect("Welcome")
}

func TestPersonalEmailLiveValidation(t *testing.T) {
	s := newStation(t)
	s.openCKLau()
	s.click("Change notice e-mail")
	tests := []struct{ typed, want string }{
		{"ck.lau", "Leave it empty to get notices at"}, // still typing: no @ yet
		{"ck.lau@gmail", "Leave it empty to get notices at"},
		{"ck.lau@connect.ust.hk", "✗ Please give a personal address outside the university"},
		{"ck.lau@alumni.ust.hk", "✗ Please give a personal address outside the university"},
		{"ck.lau@mail.connect.ust.hk", "✗ Please give a personal address outside the university"},
		{"ck lau@gmail.com", "✗ An e-mail address has no spaces"},
		{"ck.lau@gmail..com", "✗ The e-mail address should look like name@example.com."},
		{"ck.lau@gmail.com", "✓ Notices will go to ck.lau@gmail.com"},
	}
	for _, tt := range tests {
		s.press(tea.KeyCtrlU)
		s.typ(tt.typed)
		s.expect(tt.want)
	}
	s.press(tea.KeyCtrlU)
	s.typ("ck.lau@connect.ust.hk")
	s.press(tea.KeyEnter)
	s.expect("Personal e-mail for notices", "outside the university") // nothing saved
	s.press(tea.KeyEscape)                                            // back to the profile, not the menu
	s.expect("Your account", "Notices to    cklau@connect.ust.hk")
	if a, _ := s.store.Account(t.Context(), "cklau"); a.PersonalEmail != "" {
		t.Fatalf("personal e-mail = %q, want none", a.PersonalEmail)
	}
}

// Seven months after the last change the profile asks for a new password.
func TestMyAccountPasswordReminder(t *testing.T) {
	s := newStation(t)
	s.clk.now = termStart.AddDate(0, 7, 3)
	s.openCKLau()
	s.expect("Password last changed 7 months ago — please change it: choose Change Network Password")
}

// In grace the profile says when student services end and what follows; a
// degree graduate may choose an alias there; an extension shows.
func TestMyAccountInGraceOffersAlias(t *testing.T) {
	s := newStation(t)
	s.clk.now = time.Date(2028, 7, 15, 2, 0, 0, 0, time.UTC)
	if err := s.store.Extend(t.Context(), "cklau", time.Date(2028, 12, 31, 0, 0, 0, 0, time.UTC), "thesis corrections"); err != nil {
		t.Fatal(err)
	}
	s.openCKLau()
	s.expect("Studies completed (grace period)", "Your studies are completed.",
		"Student services end on 31 Dec 2028 (extended by your supervisor); then your account continues as an alumni account.",
		"Alias         none yet", "please change it")
	s.click("Choose alias")
	s.expect("Choose your alumni e-mail alias", "esc go back")
	s.press(tea.KeyEscape) // back to the profile
	s.expect("Your account", "Choose alias")
	s.click("Choose alias")
	s.typ("chikeung.lau")
	s.press(tea.KeyEnter)
	s.expect("chikeung.lau@alumni.ust.hk", "for life", "Confirm alias") // it asks first (issue 11 point 6)
	s.press(tea.KeyEnter)
	s.expect("Your account", "✓ Saved: your alias is chikeung.lau@alumni.ust.hk.", "Alias         chikeung.lau@alumni.ust.hk")
	s.expectNot("Choose alias") // an alias is for life
}

// My Account needs 2FA: a graduate without it enrols first, then sees the
// alumni wording.
func TestMyAccountEnrolsTOTPFirst(t *testing.T) {
	s := newStation(t)
	if _, err := s.store.ActivateAlumni(t.Context(), store.Unverified("mlcheung"), newPW); err != nil {
		t.Fatal(err)
	}
	s.openAccount("mlcheung", newPW)
	s.expect("My Account needs two-factor authentication (2FA)", "Set up 2FA now", "Back to main menu", "Step 2 of 3")
	s.click("Set up 2FA now")
	s.enrol()
	s.expect("My Account · Step 3 of 3", "✓ Two-factor authentication is now on.", "Status        Alumni",
		"Your account continues as an alumni account: your e-mail is yours for life.")
	if a, _ := s.store.Account(t.Context(), "mlcheung"); !a.TOTPEnrolled {
		t.Fatal("2FA was not saved")
	}
}

func TestMyAccountWithout2FACanLeave(t *testing.T) {
	s := newStation(t)
	s.openAccount(demo.ActiveAccount, demo.ActivePassword)
	s.expect("My Account needs two-factor authentication")
	s.click("Back to main menu")
	s.expect("Welcome")
	if a, _ := s.store.Account(t.Context(), demo.ActiveAccount); a.TOTPEnrolled {
		t.Fatal("2FA enrolled without a code")
	}
}

func TestMyAccountRefusals(t *testing.T) {
	t.Run("wrong codes", func(t *testing.T) {
		s := newStation(t)
		s.openAccount(demo.TOTPAccount, demo.TOTPPassword)
		for _, code := range []string{"000000", "111111", "222222"} {
			s.typ(code)
			s.press(tea.KeyEnter)
		}
		s.expect("Too many wrong codes", "My Account did not open", "Room 4001")
		s.expectNot("password was not changed")
	})
	t.Run("wrong codes while enrolling", func(t *testing.T) {
		s := newStation(t)
		s.openAccount(demo.ActiveAccount, demo.ActivePassword)
		s.click("Set up 2FA now")
		for _, code := range []string{"000000", "111111", "222222"} {
			s.typ(code)
			s.press(tea.KeyEnter)
		}
		s.expect("Two-factor authentication not set up", "2FA was not set up and My Account did not open")
		s.expectNot("Your password is set")
	})
	t.Run("wrong password", func(t *testing.T) {
		s := newStation(t)
		s.openAccount(demo.TOTPAccount, "not my password")
		s.expect("The account name or password is not correct")
	})
	t.Run("graduate who never activated", func(t *testing.T) {
		s := newStation(t)
		s.openAccount("mlcheung", newPW)
		s.expect("The account name or password is not correct")
	})
}

// The new menu items fit 80x24 with every button whole and touchable, and
// keep the numbers 1-3.
func TestMenuFitsEightyByTwentyFour(t *testing.T) {
	s := newScreen(t, nil, 80, 24)
	s.expect("1-5 choose")
	scr := s.screen()
	if n := strings.Count(scr, "╰") + strings.Count(scr, "┗"); n != 5 {
		t.Fatalf("%d whole buttons on the menu, want 5:\n%s", n, scr)
	}
	for i, label := range []string{"Student A/C Activation", "Change Network Password", "Forgot Password",
		"Alumni Account Activation", "My Account"} {
		if !strings.Contains(scr, string(rune('1'+i))+"  "+label) {
			t.Errorf("menu lacks %d %s:\n%s", i+1, label, scr)
		}
		s.click(label)
		s.expect(label + " · Step 1 of")
		s.press(tea.KeyEscape)
	}
	for key, want := range map[string]string{"4": "Alumni Account Activation · Step 1 of 7", "5": "My Account · Step 1 of 3"} {
		s.typ(key)
		s.expect(want)
		s.press(tea.KeyEscape)
	}
	s.send(tea.WindowSizeMsg{Width: 80, Height: 23})
	s.expect("Please enlarge the window")
}

// The fullest profile (grace, an extension, the reminder, the alias button,
// a long personal address) fits 80x24 with every button whole.
func TestMyAccountFitsEightyByTwentyFour(t *testing.T) {
	s := newStation(t, 80, 24)
	s.clk.now = time.Date(2028, 7, 15, 2, 0, 0, 0, time.UTC)
	ctx := t.Context()
	if err := s.store.Extend(ctx, "cklau", time.Date(2028, 12, 31, 0, 0, 0, 0, time.UTC), "thesis corrections"); err != nil {
		t.Fatal(err)
	}
	long := "chi.keung.lau.after.graduation.with.a.long.address@mail.example.com"
	s.verifiedEmail("cklau", long) // issue 19: only a verified address gets notices
	s.openCKLau()
	s.expect("Notices to    chi.keung.lau", "…", "please change it", "extended by your supervisor")
	scr := s.screen()
	for _, line := range strings.Split(scr, "\n") {
		if w := len([]rune(line)); w > 80 {
			t.Fatalf("line wider than 80 columns (%d): %q", w, line)
		}
	}
	for _, label := range []string{"Open to Public", "Change notice e-mail", "Choose alias", "Change display name", "Done"} {
		if _, ok := touch.Find(s.m.Buttons(), label); !ok {
			t.Errorf("%q is not a whole button at 80x24:\n%s", label, scr)
		}
	}
	if n := strings.Count(scr, "╰") + strings.Count(scr, "┗"); n != 6 { // the panel and five buttons
		t.Errorf("%d boxes end on screen, want 6:\n%s", n, scr)
	}
	s.click("Change notice e-mail")
	s.expect("Personal e-mail for notices", "Save", "Cancel")
}
