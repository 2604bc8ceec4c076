package kiosk_test

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/store/demo"
)

// focusedBoxes returns the first inner line of every box drawn as focused on
// a screen without colours: a focused button has a heavy border (┏), a
// focused field heavy lines above and below (┍).
func focusedBoxes(screen string) []string {
	lines := strings.Split(screen, "\n")
	var out []string
	for y := 0; y+1 < len(lines); y++ {
		for x, r := range []rune(lines[y]) {
			if r != '┏' && r != '┍' {
				continue
			}
			mid := []rune(lines[y+1])
			end := x + 1
			for end < len(mid) && mid[end] != '┃' && mid[end] != '│' {
				end++
			}
			out = append(out, strings.TrimSpace(string(mid[x+1:min(end, len(mid))])))
		}
	}
	return out
}

// On every screen exactly one thing looks focused, without colour, and it
// is the thing Enter or typing acts on.
func TestFocusShowsWithoutColour(t *testing.T) {
	s := newStation(t)
	focus := func(where, want string) {
		t.Helper()
		got := focusedBoxes(s.screen())
		if len(got) != 1 || !strings.Contains(got[0], want) {
			t.Fatalf("%s: focused boxes %q, want one holding %q:\n%s", where, got, want, s.screen())
		}
	}
	focus("menu", "Student A/C Activation")
	s.press(tea.KeyDown)
	focus("menu after ↓", "Change Network Password")
	s.press(tea.KeyUp)
	s.typ("1")
	focus("policy", "Page down")
	s.press(tea.KeyTab)
	focus("policy after tab", "Page up")
	s.press(tea.KeyEnd)
	focus("policy read to the end", "I accept")
	s.press(tea.KeyEnter)

	s.typ(taiMan)
	focus("Student ID", taiMan)
	if !strings.Contains(s.screen(), "╭──────────╮") || strings.Contains(s.screen(), "┃  Submit  ┃") {
		t.Fatalf("buttons without the focus should keep the light border:\n%s", s.screen())
	}
	s.press(tea.KeyTab)
	s.typ(taiManID)
	focus("HK ID card number", taiManID)
	s.press(tea.KeyTab)
	focus("Submit", "Submit")
	s.press(tea.KeyTab)
	focus("mode", "No HK ID card")
	s.press(tea.KeyShiftTab, tea.KeyEnter)
	focus("summary", "Continue")
	s.press(tea.KeyTab)
	focus("summary after tab", "Cancel")
	s.press(tea.KeyShiftTab, tea.KeyEnter)

	s.typ(newPW)
	focus("new password", "•••")
	s.press(tea.KeyEnter)
	focus("password again", "")
	s.typ(newPW)
	s.press(tea.KeyTab)
	focus("Set password", "Set password")
	s.press(tea.KeyEnter)

	key := s.capture("Key: ")
	focus("2FA code", "")
	s.typ(s.code(key))
	s.press(tea.KeyTab)
	focus("Confirm", "Confirm")
	s.press(tea.KeyEnter)
	focus("directory", "Continue")
	s.press(tea.KeyShiftTab)
	focus("directory tick box", "Open to Public")
	s.press(tea.KeyTab, tea.KeyEnter)
	focus("done", "Finish")
}

func TestStaffFocusShowsWithoutColour(t *testing.T) {
	s := newStaffStation(t)
	s.press(tea.KeyF12)
	if got := focusedBoxes(s.screen()); len(got) != 1 {
		t.Fatalf("PIN screen: focused boxes %q:\n%s", got, s.screen())
	}
	s.typ(staffPIN)
	s.press(tea.KeyEnter)
	s.press(tea.KeyDown)
	if got := focusedBoxes(s.screen()); len(got) != 1 || got[0] != "Reset station" {
		t.Fatalf("panel: focused boxes %q:\n%s", got, s.screen())
	}
	s.press(tea.KeyEnter, tea.KeyRight) // the confirmation's own button
	if got := focusedBoxes(s.screen()); len(got) != 1 || got[0] != "Reset station" || !strings.Contains(s.screen(), "Cancel") {
		t.Fatalf("confirmation: focused boxes %q:\n%s", got, s.screen())
	}
}

// The policy's list items wrap with a hanging indent, and reaching the end
// line by line moves the focus to "I accept".
func TestPolicyListItemsHangAndTheEndFocusesAccept(t *testing.T) {
	s := newScreen(t, nil, 80, 24)
	s.typ("1")
	// The text opens on "Before you start": read down to the policy's
	// first item, and on until its continuation is on screen too.
	for i := 0; i < 20 && !strings.Contains(s.screen(), "│ 1. The account is yours alone."); i++ {
		s.press(tea.KeyDown)
	}
	s.press(tea.KeyDown, tea.KeyDown, tea.KeyDown)
	lines := strings.Split(s.screen(), "\n")
	item := -1
	for i, l := range lines {
		if strings.Contains(l, "│ 1. The account is yours alone.") {
			item = i
		}
	}
	if item < 0 {
		t.Fatalf("no list item 1 on screen:\n%s", s.screen())
	}
	col := strings.Index(lines[item], "1. The")
	next := lines[item+1]
	if len(next) <= col+3 || strings.TrimSpace(next[col:col+3]) != "" || next[col+3] == ' ' {
		t.Fatalf("continuation of item 1 is not under its text:\n%s\n%s", lines[item], next)
	}
	for i := 0; i < 500 && !strings.Contains(s.screen(), "You have read to the end"); i++ {
		s.press(tea.KeyDown)
	}
	if got := focusedBoxes(s.screen()); len(got) != 1 || got[0] != "I accept" {
		t.Fatalf("at the end the focus is on %q:\n%s", got, s.screen())
	}
	s.press(tea.KeyEnter)
	s.expect("Your Student ID and HK ID card")
}

// The alumni and My Account screens show exactly one focus too.
func TestAlumniAndAccountFocusShowsWithoutColour(t *testing.T) {
	s := newStation(t)
	focus := func(where, want string) {
		t.Helper()
		got := focusedBoxes(s.screen())
		if len(got) != 1 || !strings.Contains(got[0], want) {
			t.Fatalf("%s: focused boxes %q, want one holding %q:\n%s", where, got, want, s.screen())
		}
	}
	s.press(tea.KeyDown, tea.KeyDown, tea.KeyDown)
	focus("menu", "Alumni Account Activation")
	s.press(tea.KeyDown)
	focus("menu", "My Account")
	s.press(tea.KeyUp)
	s.press(tea.KeyEnter)
	s.press(tea.KeyEnd, tea.KeyEnter)
	s.typ("CHEUNG Mei Ling")
	focus("full name", "CHEUNG Mei Ling")
	s.press(tea.KeyTab, tea.KeyTab, tea.KeyTab)
	focus("mode", "Use Passport")
	s.press(tea.KeyEnter)
	focus("passport", "")
	s.click("Use HK ID card instead")
	s.typ(meiLingHKID)
	focus("HKID", meiLingHKID)
	s.press(tea.KeyEnter)
	focus("summary", "Continue")
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.enrol()
	focus("alias", "")
	s.typ("tmchan")
	s.expect("tmchan is already taken") // the live check: typing goes on in the field
	focus("field after a clash", "tmchan")
	s.press(tea.KeyShiftTab)
	focus("Skip", "Skip")
	s.press(tea.KeyShiftTab)
	focus("Save alias", "Save alias")
	s.press(tea.KeyTab, tea.KeyTab, tea.KeyTab) // Skip, the field, the first suggestion
	focus("suggestion", "tmchan4")
	s.press(tea.KeyEnter)
	focus("Save alias after a suggestion", "Save alias")
	s.press(tea.KeyEnter)
	focus("confirm alias", "Confirm alias")
	s.press(tea.KeyEnter)
	focus("done", "Finish")
	s.press(tea.KeyEnter)

	s.openAccount(demo.ActiveAccount, demo.ActivePassword)
	focus("2FA required", "Set up 2FA now")
	s.press(tea.KeyEnter)
	s.enrol()
	focus("profile", "Done")
	s.press(tea.KeyTab)
	focus("profile after tab", "Open to Public")
	s.press(tea.KeyTab, tea.KeyEnter)
	focus("notice e-mail", "")
	s.press(tea.KeyTab)
	focus("Save", "Save")
	s.press(tea.KeyEscape)
	focus("back on the profile", "Change notice e-mail")
}
