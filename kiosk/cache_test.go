package kiosk_test

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/touch"
)

// Issue 17: what a keystroke does not change is drawn once and kept. These
// tests change what the kept renderings depend on (size, language, focus,
// colours, a sync round) and check the next frame is the one drawn from
// scratch: the harness compares every frame with Model.ViewFresh, and each
// test looks at what must have moved.

// toPasswordStep walks Tai Man's activation to the password step and types
// a start of a password.
func (s *station) toPasswordStep() {
	s.t.Helper()
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.press(tea.KeyEnter)
	s.expect("Your password needs")
	s.typ("Lantern moon 5")
}

// checkFresh fails if the frame drawn with the caches is not the one drawn
// without (the harness checks this after every message; tests call it
// where they change something outside a message).
func (s *station) checkFresh() {
	s.t.Helper()
	fresh := s.m.ViewFresh()
	if got := s.m.View(); got != fresh {
		s.t.Fatalf("the cached frame differs from the fresh one:\n%s\nfresh:\n%s", got, fresh)
	}
}

func TestCachesFollowResize(t *testing.T) {
	s := newStation(t)
	s.toPasswordStep()
	for _, size := range [][2]int{{80, 24}, {120, 40}, {100, 30}, {60, 20}, {100, 30}} {
		s.send(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		lines := strings.Split(s.screen(), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > size[0] {
				t.Fatalf("%dx%d: line %d is %d cells wide:\n%s", size[0], size[1], i, w, s.screen())
			}
		}
		if w := ansi.StringWidth(lines[len(lines)-1]); w != size[0] {
			t.Fatalf("%dx%d: the footer is %d cells wide", size[0], size[1], w)
		}
	}
	s.expect("Your password needs", "Test University", "••••") // all of it again, after "Please enlarge"
}

func TestCachesFollowLanguage(t *testing.T) {
	s := newStation(t)
	s.toPasswordStep()
	s.press(tea.KeyF2)
	s.expect("密碼要求", "English")
	s.expectNot("Your password needs", "中文")
	s.typ("x")
	s.press(tea.KeyF2)
	s.expect("Your password needs", "中文")
	s.expectNot("密碼要求")
	s.send(langMsg("zh-HK")) // the tape's Set Language
	s.expect("密碼要求")
}

type langMsg string

func (l langMsg) Language() string { return string(l) }

func TestCachesFollowFocus(t *testing.T) {
	s := newStation(t)
	s.toPasswordStep()
	focused := func(want string) {
		t.Helper()
		got := focusedBoxes(s.screen())
		if len(got) != 1 || !strings.Contains(got[0], want) {
			t.Fatalf("focused boxes %q, want one holding %q:\n%s", got, want, s.screen())
		}
	}
	focused("••••")
	s.press(tea.KeyTab)
	focused("") // the second copy, empty
	if got := focusedBoxes(s.screen()); strings.Contains(got[0], "•") {
		t.Fatalf("the focus stayed on the first copy:\n%s", s.screen())
	}
	s.typ("Lantern")
	focused("•••••••")
	s.press(tea.KeyTab)
	focused("Set password")
	s.press(tea.KeyTab)
	focused("••••••••••••••")
}

// The tape runner turns colour on for screenshots (a process-wide lipgloss
// setting): renderings kept from before must not show without it.
func TestCachesFollowColourProfile(t *testing.T) {
	profile, dark := lipgloss.ColorProfile(), lipgloss.HasDarkBackground()
	defer func() {
		lipgloss.SetColorProfile(profile)
		lipgloss.SetHasDarkBackground(dark)
	}()
	s := newStation(t)
	s.toPasswordStep()
	lipgloss.SetColorProfile(termenv.TrueColor)
	lipgloss.SetHasDarkBackground(true)
	s.checkFresh()
	if !strings.Contains(s.m.View(), "\x1b[") {
		t.Fatal("no colour after the profile changed")
	}
	s.typ("x")
	lipgloss.SetHasDarkBackground(false)
	s.checkFresh()
	lipgloss.SetColorProfile(termenv.Ascii)
	s.checkFresh()
	if strings.Contains(s.m.View(), "\x1b[") {
		t.Fatal("colour after the profile changed back")
	}
}

// A sync round (RefreshMsg) redraws the footer's link state at once, in
// the middle of typing.
func TestCachesFollowTheLink(t *testing.T) {
	s := newStation(t)
	link := kiosk.LinkState{Mode: kiosk.LinkOnline}
	s.withLink(func() kiosk.LinkState { return link })
	s.toPasswordStep()
	s.expect("online")
	link = kiosk.LinkState{Mode: kiosk.LinkOffline}
	s.send(kiosk.RefreshMsg{})
	s.expect("offline")
	s.expectNot("online")
}

// An unchanged frame keeps its buttons without being scanned again, and a
// frame that changed gets its own.
func TestUnchangedFrameKeepsItsButtons(t *testing.T) {
	s := newStation(t)
	before := s.m.Buttons()
	s.m.View()
	if got := s.m.Buttons(); len(got) != len(before) || len(got) == 0 {
		t.Fatalf("buttons %v, want %v", got, before)
	}
	s.press(tea.KeyDown)
	s.click("Change Network Password")
	s.expect("Sign in with your current password")
	if _, ok := findButton(s.m.Buttons(), "Student A/C Activation"); ok {
		t.Fatal("the menu's buttons outlived the menu")
	}
}

func findButton(buttons []touch.Button, label string) (touch.Button, bool) {
	return touch.Find(buttons, label)
}

// A keystroke on the password step renders the field it changed, not the
// frame around it: its allocations are a budget the render caches keep
// (796 a keystroke before them, 183 with them; timings live in the
// benchmarks, bench_test.go).
func TestPasswordKeystrokeAllocations(t *testing.T) {
	for _, zh := range []bool{false, true} {
		s := newStation(t)
		s.toPasswordStep()
		if zh {
			s.press(tea.KeyF2)
		}
		keys := []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune{'x'}}, {Type: tea.KeyBackspace}}
		i := 0
		allocs := testing.AllocsPerRun(100, func() {
			s.m.Update(keys[i%2])
			s.m.View()
			i++
		})
		if allocs > 300 {
			t.Errorf("Chinese %v: %.0f allocations a keystroke, want at most 300", zh, allocs)
		}
	}
}
