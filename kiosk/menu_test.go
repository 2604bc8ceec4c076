package kiosk_test

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/kiosktest"
	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
)

// A sixth menu entry is one flowDefs entry with its plan: the menu lays it
// out at 80x24 without a layout change (two columns), its number chooses
// it, and its two steps walk through (issue 12).
func TestSixthMenuEntryWalksAtEightyByTwentyFour(t *testing.T) {
	name := kiosk.AddMenuFlows(t, 1)[0]
	s := newScreen(t, &kiosktest.Accounts{
		VerifyPasswordFunc: func(_ context.Context, account, password string) (store.Account, error) {
			if account != demo.ActiveAccount || password != demo.ActivePassword {
				return store.Account{}, store.ErrWrongPassword
			}
			return store.Account{Name: account, Status: policy.StatusActive}, nil
		},
	}, 80, 24)
	s.expect("1-6 choose", "6  "+name)
	scr := s.screen()
	if n := strings.Count(scr, "╰") + strings.Count(scr, "┗"); n != 6 {
		t.Fatalf("%d whole buttons on the menu, want 6:\n%s", n, scr)
	}
	s.expectNot("Please enlarge")
	s.typ("6")
	s.expect(name+" · Step 1 of 2", "Sign in with your current password")
	s.typ(demo.ActiveAccount)
	s.press(tea.KeyTab)
	s.typ(demo.ActivePassword)
	s.press(tea.KeyEnter)
	s.expect(name+" · Step 2 of 2", "Your account is in order", "You are signed in as kylee.")
	s.press(tea.KeyEnter)
	s.expect("Welcome")
	// Every button stays touchable, the new one too.
	for _, label := range []string{"Student A/C Activation", "My Account", name} {
		s.click(label)
		s.expect(label + " · Step 1 of")
		s.press(tea.KeyEscape)
		s.expect("Welcome")
	}
}

// More entries than two columns hold at 80x24 scroll with the focus: each
// one can be reached with ↓ and chosen with Enter.
func TestManyMenuEntriesScroll(t *testing.T) {
	names := kiosk.AddMenuFlows(t, 7)
	s := newScreen(t, nil, 80, 24)
	s.expectNot("Please enlarge")
	s.expect("1-9 choose", "Student A/C Activation")
	for range 11 { // to the last of twelve
		s.press(tea.KeyDown)
	}
	last := names[len(names)-1]
	s.expect(last, "Buttons")
	s.expectNot("Student A/C Activation")
	s.press(tea.KeyEnter)
	s.expect(last + " · Step 1 of 2")
}
