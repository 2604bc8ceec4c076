package kiosk_test

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// BenchmarkPasswordKeystroke is one keystroke on the password step: Update
// (policy checklist, strength) and View (layout, touch scan), at 100x30.
func BenchmarkPasswordKeystroke(b *testing.B) {
	s := newStation(b)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.press(tea.KeyEnter)
	s.expect("Your password needs")
	s.typ("Lantern moon 5")
	keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune{'x'}}, {Type: tea.KeyBackspace}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.m.Update(keys[i%2])
		s.m.View()
		i++
	}
}

// BenchmarkMenuView is the cheapest frame, for comparison.
func BenchmarkMenuView(b *testing.B) {
	s := newStation(b)
	b.ReportAllocs()
	for b.Loop() {
		s.m.View()
	}
}
