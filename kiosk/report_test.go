package kiosk_test

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// Steps report to their flow by message. A double tap on Continue reports
// twice before the flow has moved on; the second report comes from a step
// the flow has left and must not skip the next step (the password).
func TestDoubleTapMovesOneStep(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.expect("Your account is ready to activate")
	enter := tea.KeyMsg{Type: tea.KeyEnter}
	_, first := s.m.Update(enter)
	_, second := s.m.Update(enter) // before the first report arrives
	s.run(first)
	s.run(second)
	s.m.View()
	s.expect("Choose a password for tmchan", "Step 4 of 7")
	s.expectNot("two-factor")
}
