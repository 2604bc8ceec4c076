package kiosk_test

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
)

const meiLing = "20201008" // CHEUNG Mei Ling, degree graduate (2024) who never activated

// A degree graduate who never activated and chooses Student A/C Activation
// is sent to Alumni Account Activation, not told she is not eligible.
func TestGraduateInStudentActivationIsSentToAlumniActivation(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	s.identify(meiLing, meiLingHKID)
	s.expect("Account not activated yet", "Alumni Account Activation")
	s.expectNot("Not eligible", "exchange-in and visiting", "Continue")
	s.press(tea.KeyEnter) // the focus is on the way in
	s.expect("Alumni Account Activation", "Acceptable Use Policy", "Step 1 of 7")
	s.press(tea.KeyEnd, tea.KeyEnter)
	s.expect("Your full name and HK ID card")
}

// The same by touch, and her other choice goes back to the menu.
func TestGraduateInStudentActivationCanGoBack(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	s.identify(meiLing, meiLingHKID)
	s.click("Alumni Account Activation")
	s.expect("Alumni Account Activation", "Acceptable Use Policy")
	s.press(tea.KeyEscape)
	s.expect("Welcome")
	s.acceptAUP()
	s.identify(meiLing, meiLingHKID)
	s.click("Back to main menu")
	s.expect("Welcome")
	if strings.Contains(s.screen(), "Acceptable Use Policy") {
		t.Fatal("a flow started")
	}
}

// While the window is too small, no key or tap reaches the screen behind
// "Please enlarge the window"; resizing shows it again as it was.
func TestTooSmallWindowTakesNoInput(t *testing.T) {
	s := newStation(t)
	s.openAccount("kylee", demo.ActivePassword)
	s.expect("Set up 2FA now")
	s.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	s.expect("Please enlarge the window")
	s.press(tea.KeyEnter, tea.KeyTab, tea.KeyEnter, tea.KeyEscape)
	s.typ("1")
	for y := range 12 {
		for x := range 40 {
			s.send(tea.MouseMsg{X: x, Y: y, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
		}
	}
	s.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	s.expect("My Account", "Set up 2FA now", "Back to main menu")
	s.expectNot("Key: ", "Welcome")
	if a, err := s.store.Account(t.Context(), "kylee"); err != nil || a.TOTPEnrolled {
		t.Fatalf("kylee = %+v, %v", a, err)
	}

	// On the main menu too: a number typed behind the message starts nothing.
	s.press(tea.KeyEscape)
	s.expect("Welcome")
	s.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	s.typ("1")
	s.press(tea.KeyEnter)
	s.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	s.expect("Welcome")
	s.expectNot("Acceptable Use Policy")
}

// Space ticks and unticks "Open to Public" in My Account as it does in
// activation, and saves the choice; in the e-mail field it is typed.
func TestSpaceTogglesOpenToPublicInMyAccount(t *testing.T) {
	s := newStation(t)
	s.openCKLau()
	s.expect("[✓] Open to Public", "space untick")
	s.press(tea.KeySpace)
	s.expect("[ ] Open to Public", "✓ Saved: only university members can see your e-mail address.", "space tick")
	if a, err := s.store.Account(t.Context(), "cklau"); err != nil || a.DirectoryPublic {
		t.Fatalf("cklau = %+v, %v", a, err)
	}
	s.press(tea.KeySpace)
	s.expect("[✓] Open to Public", "✓ Saved: anyone can find your name")
	if a, err := s.store.Account(t.Context(), "cklau"); err != nil || !a.DirectoryPublic {
		t.Fatalf("cklau = %+v, %v", a, err)
	}
	// In the e-mail field a space is typing, not the check box.
	s.click("Change notice e-mail")
	s.press(tea.KeySpace)
	s.press(tea.KeyEscape)
	s.expect("[✓] Open to Public")
	if a, err := s.store.Account(t.Context(), "cklau"); err != nil || !a.DirectoryPublic {
		t.Fatalf("cklau = %+v, %v", a, err)
	}
}

// toTOTP walks Student A/C Activation for Tai Man up to the 2FA step.
func (s *station) toTOTP() string {
	s.t.Helper()
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.expect("Set up two-factor authentication", "Key: ", "Set up later")
	return s.capture("Key: ")
}

// Esc on the activation's 2FA step asks before 2FA is left for later; the
// explicit "Set up later" says what it means, and the directory step follows.
func TestActivationTOTPEscAsksAndDirectoryFollows(t *testing.T) {
	s := newStation(t)
	key := s.toTOTP()
	s.press(tea.KeyEscape)
	s.expect("Set up two-factor authentication later?", "Your password is set and your account is active",
		"protected by its password alone", "in My Account", "Next: your entry in the University Directory",
		"Back to 2FA set-up", "Set up later", "esc go back")
	s.expectNot("Key: ", "Welcome")
	s.press(tea.KeyEnter) // the focus is on going back, not on giving 2FA up
	s.expect("Key: "+strings.Fields(key)[0], "esc set up later")
	s.press(tea.KeyEscape)
	s.press(tea.KeyEscape) // Esc on the question goes back too
	s.expect("Key: " + strings.Fields(key)[0])
	s.click("Set up later") // the button asks the same question
	s.expect("Set up two-factor authentication later?")
	s.click("Set up later")
	s.expect("Your entry in the University Directory", "Step 6 of 7", "[✓] Open to Public")
	s.press(tea.KeySpace)
	s.click("Continue")
	s.expect("Your account is ready", "Two-factor authentication is not set up yet", "My Account")
	a, err := s.store.Account(t.Context(), "tmchan")
	if err != nil || a.Status != "active" || a.TOTPEnrolled || a.DirectoryPublic {
		t.Fatalf("tmchan = %+v, %v", a, err)
	}
}

// Three wrong codes do not end activation: the student may try the same key
// again, and the directory step follows.
func TestActivationTOTPThreeWrongCodesDoNotEndTheFlow(t *testing.T) {
	s := newStation(t)
	key := s.toTOTP()
	for range 3 {
		s.typ("000000")
		s.press(tea.KeyEnter)
	}
	s.expect("Two-factor authentication not set up", "wrong 3 times", "Your password is set",
		"Back to 2FA set-up", "Set up later")
	s.expectNot("Welcome", "Back to main menu")
	s.click("Back to 2FA set-up")
	s.expect("Key: " + strings.Fields(key)[0])
	s.typ("000000") // the tries start again
	s.press(tea.KeyEnter)
	s.expect("2 tries left")
	s.typ(s.code(key))
	s.press(tea.KeyEnter)
	s.expect("Your entry in the University Directory")
	s.press(tea.KeyEnter)
	s.expect("Your account is ready")
	s.expectNot("not set up yet")
}

// In Alumni Account Activation the alias step follows 2FA left for later.
func TestAlumniActivationTOTPLaterGoesToTheAlias(t *testing.T) {
	s := newStation(t)
	s.startAlumni()
	s.graduate("CHEUNG Mei Ling", meiLingHKID, false)
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.press(tea.KeyEscape)
	s.expect("Next: your alumni e-mail alias")
	s.click("Set up later")
	s.expect("Choose your alumni e-mail alias")
}

// Where 2FA enrolment is offered later, the station points to My Account.
func TestTOTPLaterPointsToMyAccount(t *testing.T) {
	s := newStation(t)
	s.typ("2")
	s.typ("kylee")
	s.press(tea.KeyTab)
	s.typ(demo.ActivePassword)
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.click("Not now")
	s.expect("Password changed", "To set up two-factor authentication, choose My Account")
	s.press(tea.KeyEnter)

	s.typ("2")
	s.typ("kylee")
	s.press(tea.KeyTab)
	s.typ(newPW)
	s.press(tea.KeyEnter)
	s.newPassword("Quiet harbour 61 boats")
	s.click("Set up 2FA now")
	for range 3 {
		s.typ("000000")
		s.press(tea.KeyEnter)
	}
	s.expect("Two-factor authentication not set up", "choose My Account on the main menu")
	s.expectNot("Change Network Password from the main menu")
}

// whole checks the screen at w x h: no line wider than the terminal, every
// button drawn with its four corners (nothing cut at an edge), and the
// buttons labelled are on screen.
func (s *station) whole(where string, w, h int, labels ...string) {
	s.t.Helper()
	scr := s.screen()
	lines := strings.Split(scr, "\n")
	if len(lines) != h {
		s.t.Fatalf("%s: %d lines, want %d:\n%s", where, len(lines), h, scr)
	}
	grid := make([][]rune, len(lines))
	for i, l := range lines {
		if n := ansi.StringWidth(l); n > w {
			s.t.Fatalf("%s: line %d is %d cells wide:\n%s", where, i, n, scr)
		}
		grid[i] = []rune(l)
	}
	corner := func(x, y int) bool {
		return y >= 0 && y < len(grid) && x >= 0 && x < len(grid[y]) && strings.ContainsRune("╭╮╰╯┏┓┗┛┍┑┕┙", grid[y][x])
	}
	for _, b := range s.m.Buttons() {
		if b.ID == "lang:switch" {
			continue // the header's language button is one line, without a box (issue 13)
		}
		if !corner(b.X, b.Y) || !corner(b.X+b.W-1, b.Y) || !corner(b.X, b.Y+b.H-1) || !corner(b.X+b.W-1, b.Y+b.H-1) {
			s.t.Fatalf("%s: button %q (%d,%d %dx%d) is not drawn whole:\n%s", where, b.Label, b.X, b.Y, b.W, b.H, scr)
		}
	}
	for _, l := range labels {
		if _, ok := touch.Find(s.m.Buttons(), l); !ok {
			s.t.Fatalf("%s: no whole button %q:\n%s", where, l, scr)
		}
	}
}

// At 80x24 nothing is clipped: My Account's 2FA enrolment, the password step
// after copies that differ, and the activation's 2FA step and its question.
func TestNoClippingAt80x24(t *testing.T) {
	s := newStation(t, 80, 24)
	s.openAccount("kylee", demo.ActivePassword)
	s.whole("My Account 2FA offer", 80, 24, "Set up 2FA now", "Back to main menu")
	s.click("Set up 2FA now")
	s.expect("Key: ")
	s.whole("My Account 2FA enrolment", 80, 24, "Confirm", "Back to main menu", "6-digit code")
	s.click("Back to main menu")
	s.expect("Welcome")

	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.press(tea.KeyEnter)
	s.expect("Your password needs")
	s.typ(newPW)
	s.press(tea.KeyEnter)
	s.typ(newPW + "x")
	s.press(tea.KeyEnter)
	s.expect("The two passwords are not the same: type the new password again")
	s.whole("password after copies that differ", 80, 24, "Set password")
	s.press(tea.KeyBackspace)
	s.expect("✓ Both passwords match")
	s.expectNot("type the new password again")
	s.whole("password with matching copies", 80, 24, "Set password")
	s.typ("x")
	s.press(tea.KeyShiftTab)
	s.typ("y") // the first copy changes: the checklist ticks
	s.press(tea.KeyEnter, tea.KeyEnter)
	s.whole("password, first copy changed", 80, 24, "Set password")
	s.press(tea.KeyShiftTab, tea.KeyBackspace, tea.KeyTab, tea.KeyBackspace, tea.KeyEnter)

	s.expect("Key: ")
	s.whole("activation 2FA", 80, 24, "Confirm", "Set up later")
	s.press(tea.KeyEscape)
	s.whole("activation 2FA question", 80, 24, "Back to 2FA set-up", "Set up later")
}

// reopen rebuilds the station's screens (at 100x30) with options changed by
// set.
func (s *station) reopen(set func(o *kiosk.Options)) {
	o := kiosk.Options{
		Accounts: s.store, Clock: s.clk, Institution: "Test University", StationID: "ES-T1",
		StationName: "Hall 1", ServiceDesk: "the IT Service Desk, Room 4001", AliasDomain: "alumni.ust.hk",
	}
	set(&o)
	s.m = kiosk.New(o)
	s.run(s.m.Init())
	s.send(tea.WindowSizeMsg{Width: 100, Height: 30})
}

// withLink rebuilds the station's screens with a link to a central store
// that link reports.
func (s *station) withLink(link func() kiosk.LinkState) {
	s.reopen(func(o *kiosk.Options) { o.Link = link })
}

// activate walks Student A/C Activation for Tai Man to the done screen.
func (s *station) activate() {
	s.t.Helper()
	key := s.toTOTP()
	s.typ(s.code(key))
	s.press(tea.KeyEnter)
	s.press(tea.KeyEnter) // keep "Open to Public"
	s.expect("activated")
}

// The done screen counts down on the station's clock, once a second.
func TestDoneScreenCountsDown(t *testing.T) {
	s := newStation(t)
	s.activate()
	s.expect("Your account is ready", "returns to the main menu by itself in 20 seconds")
	s.advance(time.Second)
	s.expect("by itself in 19 seconds")
	s.advance(17 * time.Second)
	s.expect("by itself in 2 seconds")
	s.advance(time.Second)
	s.expect("by itself in 1 second.")
	s.advance(time.Second)
	s.expect("Welcome")
}

// An offline station does not promise network services in a few minutes: it
// says the activation completes when it reconnects.
func TestDoneScreenOfAnOfflineStation(t *testing.T) {
	s := newStation(t)
	s.withLink(func() kiosk.LinkState { return kiosk.LinkState{Mode: kiosk.LinkOffline, Since: termStart} })
	s.activate()
	s.expect("Your account is activated at this station", "cannot reach the central account store",
		"completes when the station reconnects", "tmchan@connect.ust.hk")
	s.expectNot("in a few minutes")
}

// Online, an activation still in the outbox a second later (not pushed yet)
// is not promised either; once the outbox is empty the screen says so.
func TestDoneScreenWhileOpsArePending(t *testing.T) {
	s := newStation(t)
	s.withLink(func() kiosk.LinkState { return kiosk.LinkState{Mode: kiosk.LinkOnline, Since: termStart} })
	s.activate()
	s.expect("Your account is ready", "in a few minutes") // an online station pushes at once
	s.advance(time.Second)                                // ... but this one's outbox still holds it
	s.expect("completes when the station reconnects")
	s.expectNot("in a few minutes")
}

// A standalone station is the store: its done screen is the usual one.
func TestDoneScreenOfAStandaloneStation(t *testing.T) {
	s := newStation(t)
	s.activate()
	s.advance(2 * time.Second)
	s.expect("Your account is ready", "in a few minutes")
}

// Forgot Password on a terminated account does not advise an extension that
// cannot be granted any more: it says what is still possible, and where.
func TestTerminatedAccountSaysWhatCanBeDone(t *testing.T) {
	s := newStation(t)
	s.typ("3")
	s.identify(wingKei, "M135790(0)") // non-degree, studies ended 2023: terminated
	s.expect("Account terminated", "closed when your student services ended",
		"Non-degree, exchange-in and visiting students do not keep an account", "cannot be reopened",
		"the IT Service Desk, Room 4001")
	s.expectNot("supervisor", "request an extension")
}

// countingAccounts counts the live alias checks.
type countingAccounts struct {
	kiosk.Accounts
	checks int
}

func (c *countingAccounts) AliasAvailable(ctx context.Context, account, alias string) (bool, []string, error) {
	c.checks++
	return c.Accounts.AliasAvailable(ctx, account, alias)
}

// toAlias walks Alumni Account Activation for Mei Ling up to the alias.
func (s *station) toAlias() {
	s.t.Helper()
	s.startAlumni()
	s.graduate("CHEUNG Mei Ling", meiLingHKID, false)
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.enrol()
	s.expect("Choose your alumni e-mail alias")
}

// The live check asks the replica as the alias is typed (answers for an
// earlier value are dropped), and an alias that is taken never shows as
// "Your address".
func TestAliasLiveCheckAsksTheReplica(t *testing.T) {
	s := newStation(t)
	ctx := t.Context()
	if _, err := s.store.ActivateAlumni(ctx, store.Unverified("mycheung"), newPW); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.SetAlias(ctx, store.Unverified("mycheung"), "mei.cheung"); err != nil {
		t.Fatal(err)
	}
	counter := &countingAccounts{Accounts: s.store}
	s.reopen(func(o *kiosk.Options) { o.Accounts = counter })
	s.toAlias()
	s.typ("mei.cheung")
	s.expect("mei.cheung is already taken", "mei.cheung2", "m.cheung", "meicheung")
	s.expectNot("✓ Your address")
	if counter.checks == 0 {
		t.Fatal("the replica was never asked")
	}
	s.typ("x")
	s.expect("✓ Your address: mei.cheungx@alumni.ust.hk")
	if a, _ := s.store.Account(ctx, "mlcheung"); a.Alias != "" {
		t.Fatalf("a check saved alias %q", a.Alias)
	}
}

// Save shows the exact address and saves only on Confirm alias; Change it
// and Esc go back to the choice with the alias still typed.
func TestAliasIsConfirmedBeforeItIsSaved(t *testing.T) {
	s := newStation(t)
	s.toAlias()
	s.typ("Mei.Ling")
	s.click("Save alias")
	s.expect("Your alumni e-mail address will be:", "mei.ling@alumni.ust.hk", "for life", "cannot be changed",
		"Confirm alias", "Change it")
	if a, _ := s.store.Account(t.Context(), "mlcheung"); a.Alias != "" {
		t.Fatalf("alias %q saved before it was confirmed", a.Alias)
	}
	s.click("Change it")
	s.expect("│ Mei.Ling", "Save alias")
	s.press(tea.KeyEnter)
	s.expect("Confirm alias")
	s.press(tea.KeyEscape) // back to the choice, not out of the flow
	s.expect("Choose your alumni e-mail alias", "│ Mei.Ling")
	s.expectNot("Confirm alias")
	s.press(tea.KeyCtrlU)
	s.typ("ml.cheung")
	s.press(tea.KeyEnter)
	s.expect("ml.cheung@alumni.ust.hk")
	s.click("Confirm alias")
	s.expect("Your alumni account is ready", "ml.cheung@alumni.ust.hk")
	if a, _ := s.store.Account(t.Context(), "mlcheung"); a.Alias != "ml.cheung" {
		t.Fatalf("alias = %q, want ml.cheung", a.Alias)
	}
}

// In My Account, Esc on the confirmation goes back to the choice, and a
// second Esc to the profile.
func TestMyAccountAliasConfirmation(t *testing.T) {
	s := newStation(t)
	s.clk.now = time.Date(2028, 7, 15, 2, 0, 0, 0, time.UTC) // cklau in grace
	s.openCKLau()
	s.click("Choose alias")
	s.typ("chikeung.lau")
	s.press(tea.KeyEnter)
	s.expect("chikeung.lau@alumni.ust.hk", "Confirm alias")
	s.press(tea.KeyEscape)
	s.expect("Choose your alumni e-mail alias", "│ chikeung.lau")
	s.press(tea.KeyEscape)
	s.expect("Your account", "Choose alias")
	if a, _ := s.store.Account(t.Context(), "cklau"); a.Alias != "" {
		t.Fatalf("alias %q saved without a confirmation", a.Alias)
	}
}
