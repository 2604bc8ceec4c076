package kiosk_test

import (
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/touch"
)

func TestMenuByKeysNumbersAndTouch(t *testing.T) {
	s := newScreen(t, nil)
	s.press(tea.KeyDown, tea.KeyDown, tea.KeyEnter)
	s.expect("Forgot Password · Step 1 of 4")
	s.press(tea.KeyEscape)
	s.typ("2")
	s.expect("Change Network Password · Step 1 of 4")
	s.press(tea.KeyEscape)
	s.click("Student A/C Activation")
	s.expect("Acceptable Use Policy")
	// A release or motion is not a tap: only the press counts.
	s.press(tea.KeyEscape)
	b, _ := touch.Find(s.m.Buttons(), "Forgot Password")
	s.send(tea.MouseMsg{X: b.X + 1, Y: b.Y + 1, Action: tea.MouseActionRelease, Button: tea.MouseButtonLeft})
	s.send(tea.MouseMsg{X: b.X + 1, Y: b.Y + 1, Action: tea.MouseActionMotion})
	s.expect("Welcome")
	s.send(tea.MouseMsg{X: b.X + 1, Y: b.Y + 1, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	s.expect("Forgot Password · Step 1 of 4")
}

func TestAUPAcceptOnlyAfterTheEnd(t *testing.T) {
	s := newScreen(t, nil, 80, 24)
	s.typ("1")
	if _, ok := touch.Find(s.m.Buttons(), "I accept"); ok {
		t.Fatal("I accept is touchable before the end was reached")
	}
	s.expect("I accept", "0% read")
	for !strings.Contains(s.screen(), "You have read to the end") {
		s.click("Page down")
	}
	s.click("Page up") // going back up keeps Accept enabled
	s.click("I accept")
	s.expect("Your Student ID and HK ID card")
}

func TestIdleWarningCanBeAnswered(t *testing.T) {
	s := newScreen(t, nil)
	s.acceptAUP()
	s.typ(taiMan)
	s.advance(60 * time.Second)
	s.typ("") // nothing
	s.press(tea.KeyTab)
	s.advance(89 * time.Second) // 89 s after the last key: no warning yet
	s.expectNot("Still there?")
	s.advance(time.Second)
	s.expect("Still there?", "15 seconds")
	s.advance(5 * time.Second)
	s.expect("10 seconds")
	s.typ("x") // answers the question; the key is not typed into the form
	s.expectNot("Still there?")
	s.expect(taiMan)
	s.expectNot("✗")
	s.advance(89 * time.Second)
	s.expectNot("Still there?")
	s.advance(time.Second)
	s.click("I'm still here")
	s.expect(taiMan)
	s.advance(105 * time.Second)
	s.expect("Welcome")
	s.expectNot(taiMan)
}

func TestCtrlKeysDoNotLeaveTheFlow(t *testing.T) {
	s := newScreen(t, nil)
	s.acceptAUP()
	s.typ(taiMan)
	for _, k := range []tea.KeyType{tea.KeyCtrlC, tea.KeyCtrlZ, tea.KeyCtrlBackslash} {
		s.press(k)
	}
	s.typ("q")
	if s.quit {
		t.Fatal("the station quit")
	}
	s.expect("Your Student ID and HK ID card", taiMan)
}

func TestPasteIsCleaned(t *testing.T) {
	s := newScreen(t, nil)
	s.typ("2")
	s.send(tea.KeyMsg{Type: tea.KeyRunes, Paste: true, Runes: []rune("\x1b[31mky\x1b]0;title\x07lee\r\n\x00")})
	s.expect("│ kylee ")
	if scr := s.m.View(); strings.Contains(scr, "title") || strings.Contains(scr, "\x1b]0") {
		t.Fatalf("escape sequence reached the field: %q", scr)
	}
}

func TestSmallWindowAsksToEnlargeAndResizeKeepsState(t *testing.T) {
	s := newStation(t, 80, 24)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.expect("Set up two-factor authentication", "Key: ") // the QR fits 80x24
	key := s.capture("Key: ")
	s.send(tea.WindowSizeMsg{Width: 70, Height: 20})
	s.expect("Please enlarge the window")
	s.expectNot("Key: ")
	if len(s.m.Buttons()) != 0 {
		t.Errorf("buttons on the enlarge message: %+v", s.m.Buttons())
	}
	s.send(tea.WindowSizeMsg{Width: 120, Height: 40})
	s.expect("Key: " + strings.Fields(key)[0])
	for _, line := range strings.Split(s.screen(), "\n") {
		if w := len([]rune(line)); w > 120 {
			t.Fatalf("line wider than the window (%d): %q", w, line)
		}
	}
	if n := len(strings.Split(s.screen(), "\n")); n != 40 {
		t.Fatalf("frame has %d lines, want 40", n)
	}
}

// Every screen of every flow fits 80x24 exactly.
func TestScreensFit80x24(t *testing.T) {
	s := newStation(t, 80, 24)
	fits := func(where string) {
		t.Helper()
		lines := strings.Split(s.screen(), "\n")
		if len(lines) != 24 {
			t.Fatalf("%s: %d lines:\n%s", where, len(lines), s.screen())
		}
		for _, l := range lines {
			if len([]rune(l)) > 80 {
				t.Fatalf("%s: line too wide: %q", where, l)
			}
		}
		s.expectNot("Please enlarge")
	}
	fits("menu")
	s.typ("1")
	fits("aup")
	s.press(tea.KeyEnd, tea.KeyEnter)
	s.typ(siuLing)
	s.click("No HK ID card")
	fits("identity with date picker")
	s.typ("20070721")
	s.press(tea.KeyEnter)
	fits("summary")
	s.press(tea.KeyEnter)
	s.typ("short")
	fits("password")
	s.press(tea.KeyCtrlU)
	s.newPassword(newPW)
	fits("totp enrolment")
	s.typ("000000")
	s.press(tea.KeyEnter)
	s.typ("000000")
	s.press(tea.KeyEnter)
	fits("totp enrolment with an error")
}

// The program itself, with the kiosk filter: Ctrl+C, SIGINT-style
// interrupts, quit and suspend messages do not end it; in Dev mode Ctrl+C does.
func TestFilterKeepsTheProgramRunning(t *testing.T) {
	for _, dev := range []bool{false, true} {
		clk := &testClock{now: termStart}
		m := kiosk.New(kiosk.Options{Accounts: nil, Clock: clk, Dev: dev})
		probe := &probeModel{Model: m, seen: make(chan tea.Msg, 64)}
		in, inW := io.Pipe()
		p := tea.NewProgram(probe, tea.WithInput(in), tea.WithOutput(io.Discard),
			tea.WithoutSignalHandler(), tea.WithFilter(kiosk.Filter))
		done := make(chan error, 1)
		go func() { _, err := p.Run(); done <- err }()
		inW.Write([]byte{0x03}) // Ctrl+C as a raw terminal sends it
		probe.waitFor(t, func(msg tea.Msg) bool { k, ok := msg.(tea.KeyMsg); return ok && k.Type == tea.KeyCtrlC })
		if dev {
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Dev mode: Ctrl+C did not quit")
			}
			continue
		}
		p.Send(tea.InterruptMsg{})
		p.Send(tea.SuspendMsg{})
		p.Send(tea.QuitMsg{})
		p.Send(probeMsg{})
		probe.waitFor(t, func(msg tea.Msg) bool { _, ok := msg.(probeMsg); return ok })
		select {
		case err := <-done:
			t.Fatalf("the program ended: %v", err)
		default:
		}
		p.Send(kiosk.ShutdownMsg{}) // the station's own shutdown still works
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("ShutdownMsg did not quit")
		}
		inW.Close()
	}
}

type probeMsg struct{}

// probeModel records what reaches the model and forwards Quitting, as the
// tape runner's wrapper does.
type probeModel struct {
	*kiosk.Model
	mu   sync.Mutex
	seen chan tea.Msg
}

func (p *probeModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	select {
	case p.seen <- msg:
	default:
	}
	_, cmd := p.Model.Update(msg)
	return p, cmd
}

func (p *probeModel) waitFor(t *testing.T, match func(tea.Msg) bool) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case msg := <-p.seen:
			if match(msg) {
				return
			}
		case <-timeout:
			t.Fatal("message never reached the model")
		}
	}
}

func TestFooterShowsTheLink(t *testing.T) {
	clk := &testClock{now: termStart}
	link := kiosk.LinkState{Mode: kiosk.LinkOnline}
	m := kiosk.New(kiosk.Options{Clock: clk, StationID: "ES-9", Link: func() kiosk.LinkState { return link }})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	s := &station{t: t, m: m, clk: clk}
	s.expect("ES-9 · 02:00 · online")
	link = kiosk.LinkState{Mode: kiosk.LinkOffline, Since: termStart.Add(-30 * time.Minute)}
	// The sync loop says a round ended: the footer follows at once, with
	// no poll (issue 11 point 13: it used to wait for a 5 s tick).
	s.send(kiosk.RefreshMsg{})
	s.expect("ES-9 · 02:00 · offline since 01:30")
	s.advance(time.Minute) // the clock's tick redraws the time only
	s.expect("ES-9 · 02:01 · offline since 01:30")
}

// A station with an upstream that has not finished a round yet says it is
// connecting, not "offline since" the moment it started.
func TestFooterConnectingUntilTheFirstRound(t *testing.T) {
	clk := &testClock{now: termStart}
	link := kiosk.LinkState{Mode: kiosk.LinkConnecting, Since: termStart}
	m := kiosk.New(kiosk.Options{Clock: clk, StationID: "ES-9", Link: func() kiosk.LinkState { return link }})
	m.Init()
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	s := &station{t: t, m: m, clk: clk}
	s.expect("ES-9 · 02:00 · connecting…")
	s.expectNot("offline")
	link = kiosk.LinkState{Mode: kiosk.LinkOnline, Since: termStart}
	s.send(kiosk.RefreshMsg{})
	s.expect("ES-9 · 02:00 · online")
}
