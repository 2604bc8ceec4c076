package main

import (
	"bytes"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// The pacer finds the running renderer's ticker; when a Bubble Tea upgrade
// moves it this fails (and the station stays at stationFPS when idle).
func TestPacerFindsTheTicker(t *testing.T) {
	pace := &pacer{}
	var out bytes.Buffer
	p := tea.NewProgram(quitOnKey{}, tea.WithInput(nil), tea.WithOutput(&out), tea.WithoutSignalHandler(),
		tea.WithFPS(stationFPS), tea.WithFilter(pace.filter(func(_ tea.Model, msg tea.Msg) tea.Msg { return msg })))
	pace.p = p
	go p.Send(tea.KeyMsg{Type: tea.KeyEnter})
	if _, err := p.Run(); err != nil {
		t.Fatal(err)
	}
	pace.stop()
	pace.mu.Lock()
	defer pace.mu.Unlock()
	if !pace.looked || pace.reset == nil {
		t.Fatal("the pacer did not find the renderer's ticker: check bubbletea's standardRenderer.ticker")
	}
}

type quitOnKey struct{}

func (quitOnKey) Init() tea.Cmd { return nil }
func (m quitOnKey) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		return m, tea.Quit
	}
	return m, nil
}
func (quitOnKey) View() string { return "menu" }

// The renderer drops to idleFPS once no message has come for idleAfter,
// and is back at stationFPS with the next message (a keystroke waits one
// frame at most); a message just before the idle timer fires keeps it fast.
func TestPacerSlowsWhenIdle(t *testing.T) {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	var periods []time.Duration
	pace := &pacer{looked: true, fast: true, now: func() time.Time { return now },
		reset: func(d time.Duration) { periods = append(periods, d) }}
	defer pace.stop()
	pace.wake() // the first message: already fast
	now = now.Add(idleAfter / 2)
	pace.wake()
	now = now.Add(idleAfter / 2)
	pace.slow() // the timer of the first message: too early now
	if len(periods) != 0 {
		t.Fatalf("rate changed while messages came: %v", periods)
	}
	now = now.Add(idleAfter)
	pace.slow()
	pace.slow()
	now = now.Add(time.Minute)
	pace.wake() // a keystroke
	pace.wake()
	want := []time.Duration{time.Second / idleFPS, time.Second / stationFPS}
	if len(periods) != 2 || periods[0] != want[0] || periods[1] != want[1] {
		t.Fatalf("frame periods %v, want %v", periods, want)
	}
	pace.stop()
	now = now.Add(time.Hour)
	pace.slow()
	if len(periods) != 2 {
		t.Fatalf("the rate changed after the program ended: %v", periods)
	}
}
