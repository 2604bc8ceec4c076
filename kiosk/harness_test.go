package kiosk_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/kiosktest"
	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/totp"
)

// testClock is a clock the test moves. Tick only records the timer: the
// harness delivers it when Advance passes its deadline, so nothing sleeps.
type testClock struct {
	now    time.Time
	seq    int
	timers []timer
}

type timer struct {
	at  time.Time
	seq int
	fn  func(time.Time) tea.Msg
}

func (c *testClock) Now() time.Time { return c.now }

func (c *testClock) Tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	c.seq++
	c.timers = append(c.timers, timer{at: c.now.Add(d), seq: c.seq, fn: fn})
	return nil
}

// due pops the earliest timer due by target, moving Now to it.
func (c *testClock) due(target time.Time) (tea.Msg, bool) {
	sort.Slice(c.timers, func(i, j int) bool {
		if !c.timers[i].at.Equal(c.timers[j].at) {
			return c.timers[i].at.Before(c.timers[j].at)
		}
		return c.timers[i].seq < c.timers[j].seq
	})
	if len(c.timers) == 0 || c.timers[0].at.After(target) {
		return nil, false
	}
	t := c.timers[0]
	c.timers = c.timers[1:]
	if t.at.After(c.now) {
		c.now = t.at
	}
	return t.fn(t.at), true
}

// The demo registry as of the start of term.
var termStart = time.Date(2026, 9, 1, 2, 0, 0, 0, time.UTC)

// Demo students (store/demo/registry.csv).
const (
	taiMan   = "20261001" // CHAN Tai Man, registered, HKID A123456(3)
	siuLing  = "20261003" // WONG Siu Ling, registered, no HKID, born 2007-07-21
	kaYan    = "20251004" // LEE Ka Yan, kylee, active without 2FA
	wingKei  = "20201005" // HO Wing Kei, non-degree, completed 2023: not eligible
	anna     = "20261006" // MÜLLER Anna, exchange, no HKID, born 2004-09-17
	chiKeung = "20261009" // LAU Chi Keung, cklau, active with 2FA
	// Degree graduates who never activated (Alumni Account Activation):
	// CHEUNG Mei Ling (2024) -> mlcheung, CHEUNG Mei Yan (2023) -> mycheung.
	meiLingHKID    = "R112233(8)"
	meiYanPassport = "K38562719"
	taiManID       = "A123456(3)"
	otherHKID      = "Y654321(7)" // valid check digit, another student's
)

// testKeys are the station keys of every test replica.
func testKeys() secret.Keys {
	keys, err := secret.NewKeys(bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{9}, 32))
	if err != nil {
		panic(err)
	}
	return keys
}

// openReplica opens a test replica at path; opts adjust its options.
func openReplica(path string, now func() time.Time, opts ...func(*store.Options)) (*store.Replica, error) {
	o := store.Options{
		Keys: testKeys(), StationID: "ES-T1", Now: now, Issuer: "HKUST", EmailDomain: "connect.ust.hk",
		AliasDomain: "alumni.ust.hk", DemoRegistry: demo.Registry,
	}
	for _, opt := range opts {
		opt(&o)
	}
	return store.Open(path, o)
}

// The demo replica is built once per test binary (the registry import and
// the argon2 hashes of the pre-activated accounts are most of its cost) and
// copied for each station.
var (
	demoOnce sync.Once
	demoPath string
	demoErr  error
)

func demoReplica(t testing.TB) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kiosk-test-replica")
		if err != nil {
			demoErr = err
			return
		}
		demoPath = filepath.Join(dir, "replica.db")
		demoErr = buildDemoReplica(demoPath)
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return demoPath
}

// buildDemoReplica is the demo registry as of the start of term: imported,
// with the demo's pre-activated accounts (kylee without 2FA, cklau with it).
func buildDemoReplica(path string) error {
	clk := &testClock{now: termStart}
	r, err := openReplica(path, clk.Now)
	if err != nil {
		return err
	}
	defer r.Close()
	ctx := context.Background()
	if _, err := r.ImportRegistry(ctx, bytes.NewReader(demo.Registry)); err != nil {
		return err
	}
	for name, pw := range map[string]string{demo.ActiveAccount: demo.ActivePassword, demo.TOTPAccount: demo.TOTPPassword} {
		if _, err := r.Activate(ctx, store.Unverified(name), pw); err != nil {
			return err
		}
	}
	code, _ := totp.Code(demo.TOTPSecret, totp.Step(clk.now))
	if _, err := r.ConfirmTOTP(ctx, store.Enrolment{Account: demo.TOTPAccount, Secret: demo.TOTPSecret}, code); err != nil {
		return err
	}
	return r.Close() // checkpoints the WAL: the copy is one file
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demoPath != "" {
		os.RemoveAll(filepath.Dir(demoPath))
	}
	os.Exit(code)
}

func copyFile(to, from string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}

// station is the root model wired to a real replica in a temp dir, driven
// synchronously: commands run to completion before the next input.
type station struct {
	t     testing.TB
	m     *kiosk.Model
	clk   *testClock
	store *store.Replica
	quit  bool
	opt   func(*kiosk.Options) // adjusts the options start boots with
}

func newStation(t testing.TB, size ...int) *station {
	t.Helper()
	clk := &testClock{now: termStart}
	path := filepath.Join(t.TempDir(), "replica.db")
	if err := copyFile(path, demoReplica(t)); err != nil {
		t.Fatal(err)
	}
	r, err := openReplica(path, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	clk.now = clk.now.Add(time.Minute) // that code's step is spent
	s := &station{t: t, clk: clk, store: r}
	s.start(r, size...)
	return s
}

// newScreen is a station for tests about screens: its store is a fake
// (kiosktest.Accounts) that answers only what the test set, without SQLite
// or argon2. s.store is nil.
func newScreen(t testing.TB, a *kiosktest.Accounts, size ...int) *station {
	t.Helper()
	if a == nil {
		a = &kiosktest.Accounts{}
	}
	s := &station{t: t, clk: &testClock{now: termStart.Add(time.Minute)}}
	s.start(a, size...)
	return s
}

// start boots the root model on a, at the size given (100x30 by default).
func (s *station) start(a kiosk.Accounts, size ...int) {
	o := kiosk.Options{
		Accounts: a, Clock: s.clk, Institution: "Test University", StationID: "ES-T1",
		StationName: "Hall 1", ServiceDesk: "the IT Service Desk, Room 4001", AliasDomain: "alumni.ust.hk",
	}
	if s.opt != nil {
		s.opt(&o)
	}
	s.m = kiosk.New(o)
	w, h := 100, 30
	if len(size) == 2 {
		w, h = size[0], size[1]
	}
	s.run(s.m.Init())
	s.send(tea.WindowSizeMsg{Width: w, Height: h})
}

// send delivers one message, renders (as Bubble Tea does after each
// Update, which also records the buttons) and runs the commands. Every
// frame is also rendered without the caches (issue 17): the two must agree
// byte for byte, or a cache drew something stale.
func (s *station) send(msg tea.Msg) {
	s.t.Helper()
	_, cmd := s.m.Update(msg)
	fresh := s.m.ViewFresh()
	if got := s.m.View(); got != fresh {
		s.t.Fatalf("after %T%+v the cached frame differs from the fresh one:\n%s\nfresh:\n%s", msg, msg, got, fresh)
	}
	s.run(cmd)
}

func (s *station) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			s.run(c)
		}
	case tea.QuitMsg:
		s.quit = true
	default:
		s.send(msg)
	}
}

// typ types text one rune at a time, as the tape runner does.
func (s *station) typ(text string) {
	for _, r := range text {
		s.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (s *station) press(keys ...tea.KeyType) {
	for _, k := range keys {
		s.send(tea.KeyMsg{Type: k})
	}
}

// advance moves the clock, delivering timers in order, including those the
// model arms on the way.
func (s *station) advance(d time.Duration) {
	target := s.clk.now.Add(d)
	for {
		msg, ok := s.clk.due(target)
		if !ok {
			break
		}
		s.send(msg)
	}
	s.clk.now = target
}

// screen is what a person sees: the rendered frame without colours.
func (s *station) screen() string { return ansi.Strip(s.m.View()) }

// shows reports whether text is on screen, also when a paragraph wrapped it
// over several lines.
func shows(screen, text string) bool {
	if strings.Contains(screen, text) {
		return true
	}
	var flat []string
	for _, line := range strings.Split(screen, "\n") {
		flat = append(flat, strings.Join(strings.Fields(line), " "))
	}
	return strings.Contains(strings.Join(flat, " "), text)
}

func (s *station) expect(texts ...string) {
	s.t.Helper()
	scr := s.screen()
	for _, text := range texts {
		if !shows(scr, text) {
			s.t.Fatalf("screen does not show %q:\n%s", text, scr)
		}
	}
}

func (s *station) expectNot(texts ...string) {
	s.t.Helper()
	scr := s.screen()
	for _, text := range texts {
		if shows(scr, text) {
			s.t.Fatalf("screen shows %q:\n%s", text, scr)
		}
	}
}

// click taps the first visible button whose label contains label, through
// the same hit-testing a touch screen uses.
func (s *station) click(label string) {
	s.t.Helper()
	b, ok := touch.Find(s.m.Buttons(), label)
	if !ok {
		s.t.Fatalf("no button %q on screen:\n%s", label, s.screen())
	}
	x, y := b.Center()
	s.send(tea.MouseMsg{X: x, Y: y, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
}

// capture returns the text after prefix on the screen, up to the line's end.
func (s *station) capture(prefix string) string {
	s.t.Helper()
	for _, line := range strings.Split(s.screen(), "\n") {
		if i := strings.Index(line, prefix); i >= 0 {
			rest := line[i+len(prefix):]
			if j := strings.Index(rest, "  "); j >= 0 {
				rest = rest[:j]
			}
			return strings.TrimSpace(rest)
		}
	}
	s.t.Fatalf("screen has no %q:\n%s", prefix, s.screen())
	return ""
}

// code is the current TOTP code for a (grouped) key.
func (s *station) code(key string) string {
	c, err := totp.Code(strings.ReplaceAll(key, " ", ""), totp.Step(s.clk.now))
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// Steps shared by the flow tests.

func (s *station) acceptAUP() {
	s.t.Helper()
	s.typ("1")
	s.expect("Acceptable Use Policy", "0% read")
	s.press(tea.KeyEnd)
	s.expect("You have read to the end")
	s.press(tea.KeyEnter)
}

func (s *station) identify(studentID, hkid string) {
	s.t.Helper()
	s.typ(studentID)
	s.press(tea.KeyTab)
	s.typ(hkid)
	s.press(tea.KeyEnter)
}

func (s *station) newPassword(pw string) {
	s.t.Helper()
	s.expect("Your password needs")
	s.typ(pw)
	s.press(tea.KeyEnter)
	s.typ(pw)
	s.press(tea.KeyEnter)
}

// enrol confirms the 2FA enrolment on screen with the current code for its
// key, and returns the key.
func (s *station) enrol() string {
	s.t.Helper()
	s.expect("Set up two-factor authentication")
	key := s.capture("Key: ")
	s.typ(s.code(key))
	s.press(tea.KeyEnter)
	return key
}

// openAccount opens My Account (menu 5) with an account name and password.
func (s *station) openAccount(name, pw string) {
	s.t.Helper()
	s.typ("5")
	s.expect("My Account", "Sign in with your current password")
	s.typ(name)
	s.press(tea.KeyTab)
	s.typ(pw)
	s.press(tea.KeyEnter)
}
