package kiosk_test

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

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
