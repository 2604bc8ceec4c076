package kiosk_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/kiosktest"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
)

var online = func() kiosk.LinkState { return kiosk.LinkState{Mode: kiosk.LinkOnline} }

// newEmptyStation is a station whose replica holds no accounts yet, booted
// with staff mode on and opts applied (a Link makes it a synced station).
func newEmptyStation(t *testing.T, opts ...func(*kiosk.Options)) *station {
	t.Helper()
	clk := &testClock{now: termStart}
	r, err := openReplica(filepath.Join(t.TempDir(), "replica.db"), clk.Now, func(o *store.Options) {
		o.AliasDomain, o.DemoRegistry = "", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	s := &station{t: t, clk: clk, store: r}
	s.boot(opts...)
	return s
}

// fill is the bootstrap from the central store arriving in the replica.
func (s *station) fill() {
	s.t.Helper()
	if _, err := s.store.ImportRegistry(context.Background(), bytes.NewReader(demo.Registry)); err != nil {
		s.t.Fatal(err)
	}
}

func withLink(o *kiosk.Options) { o.Link = online }

func TestNotReadyUntilAccountsArrive(t *testing.T) {
	s := newEmptyStation(t, withLink)
	s.expect("Getting ready", "loading account", "try again in a few minutes",
		"ES-T1 · 02:00 · online")
	s.expectNot("Welcome", "Out of service")
	// Students can start nothing, by key or by touch.
	s.typ("1")
	s.press(tea.KeyEnter)
	s.send(tea.MouseMsg{X: 50, Y: 15, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	s.expect("Getting ready")
	s.expectNot("Acceptable Use Policy")

	s.advance(5 * time.Second) // still empty: asked again, still not ready
	s.expect("Getting ready")
	s.fill()
	s.advance(5 * time.Second)
	s.expect("Welcome")
	s.expectNot("Getting ready")
	s.typ("1")
	s.expect("Acceptable Use Policy")
}

func TestStandaloneEmptyStationShowsTheMenu(t *testing.T) {
	s := newEmptyStation(t) // no Link: it may be waiting for `kiosk import`
	s.expect("Welcome", "standalone")
	s.expectNot("Getting ready")
}

// Staff sign in on the not-ready screen and Sync now; the menu follows at
// once, without waiting for the next tick.
func TestStaffSyncNowFromTheNotReadyScreen(t *testing.T) {
	var s *station
	s = newEmptyStation(t, withLink, func(o *kiosk.Options) {
		o.Sync = func(context.Context) error { s.fill(); return nil }
	})
	s.expect("Getting ready")
	s.signIn(staffPIN)
	s.expect("Staff panel")
	s.click("Sync now")
	s.expect("Synced with the central store at 02:00.")
	s.click("Leave staff mode")
	s.expect("Welcome")
	s.expectNot("Getting ready")
}

// A reset with an upstream that cannot be reached empties the replica:
// students see the not-ready screen, not "we could not find you".
func TestResetWithAnUnreachableUpstreamIsNotReady(t *testing.T) {
	s := newStaffStation(t, withLink, func(o *kiosk.Options) {
		o.Sync = func(context.Context) error { return errors.New("connection refused") }
	})
	s.expect("Welcome")
	s.signIn(staffPIN)
	s.click("Reset station")
	s.click("Reset station") // the confirmation's button
	s.expect("Station reset", "could not be reached")
	s.click("Back to main menu")
	s.expect("Getting ready")
	s.expectNot("Welcome")
	s.fill()
	s.advance(5 * time.Second)
	s.expect("Welcome")
}

// A synced station whose replica holds accounts from a snapshot, while the
// pull after it has not reached the central store's head (Bootstrapping),
// is not ready yet: the snapshot may predate a change the feed already
// has (an activation at another station), and a student must not meet it.
func TestNotReadyWhileBootstrapping(t *testing.T) {
	bootstrapping := true
	fake := &kiosktest.Accounts{StatusFunc: func(context.Context) (store.StationStatus, error) {
		return store.StationStatus{Accounts: 11, Bootstrapping: bootstrapping}, nil
	}}
	s := &station{t: t, clk: &testClock{now: termStart}}
	s.m = kiosk.New(kiosk.Options{Accounts: fake, Clock: s.clk, Link: online, Institution: "Test University",
		StationID: "ES-T1", ServiceDesk: "the IT Service Desk, Room 4001"})
	s.run(s.m.Init())
	s.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	s.expect("Getting ready")
	s.expectNot("Welcome")
	bootstrapping = false // the next round reached the head
	s.send(kiosk.RefreshMsg{})
	s.expect("Welcome")
}
