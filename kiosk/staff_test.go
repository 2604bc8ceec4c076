package kiosk_test

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
	"github.com/expressstation/kiosk/store/secret"
)

// The replica is what staff mode talks to.
var _ kiosk.Staff = (*store.Replica)(nil)

const staffPIN = "135790"

var staffPINHash = sync.OnceValue(func() string {
	h, err := secret.HashPassword(staffPIN)
	if err != nil {
		panic(err)
	}
	return h
})

// newStaffStation is the harness's station with staff mode on; opts adjust
// its options (Sync, the PIN hash).
func newStaffStation(t *testing.T, opts ...func(*kiosk.Options)) *station {
	t.Helper()
	s := newStation(t)
	s.boot(opts...)
	return s
}

// boot starts a root model on the station's replica, as a restart does.
func (s *station) boot(opts ...func(*kiosk.Options)) {
	s.t.Helper()
	o := kiosk.Options{
		Accounts: s.store, Staff: s.store, Clock: s.clk, Institution: "Test University", StationID: "ES-T1",
		StationName: "Hall 1", ServiceDesk: "the IT Service Desk, Room 4001",
		StaffPINHash: staffPINHash(), Version: "1.2.3",
	}
	for _, opt := range opts {
		opt(&o)
	}
	s.m = kiosk.New(o)
	s.run(s.m.Init())
	s.send(tea.WindowSizeMsg{Width: 100, Height: 30})
}

// signIn opens staff mode and types pin.
func (s *station) signIn(pin string) {
	s.t.Helper()
	s.press(tea.KeyF12)
	s.expect("Staff sign-in")
	s.typ(pin)
	s.press(tea.KeyEnter)
}

// staffActions is the staff rows of the audit table, oldest first.
func (s *station) staffActions() []string {
	s.t.Helper()
	db, err := sql.Open("sqlite", s.store.Path()+"?_pragma=query_only(1)") // the driver the store registered
	if err != nil {
		s.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT action, station FROM audit WHERE action LIKE 'staff%' ORDER BY id`)
	if err != nil {
		s.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var action, station string
		rows.Scan(&action, &station)
		if station != "ES-T1" {
			s.t.Errorf("audit %s names station %q", action, station)
		}
		out = append(out, action)
	}
	return out
}

func (s *station) expectActions(want ...string) {
	s.t.Helper()
	if got := s.staffActions(); strings.Join(got, " ") != strings.Join(want, " ") {
		s.t.Fatalf("staff audit = %v, want %v", got, want)
	}
}

// staffScreens is text only staff screens show.
var staffScreens = []string{"Staff panel", "Reset station", "Exit program", "Start maintenance", "Sync cursor", "Outbox"}

func TestStaffEntryWithTheRightPIN(t *testing.T) {
	s := newStaffStation(t)
	s.press(tea.KeyF12)
	s.expect("Staff sign-in", "Staff PIN", "5 wrong PINs in a row lock staff entry for 5 minutes", "Staff mode · Hall 1")
	s.typ(staffPIN)
	s.expect("••••••")
	s.expectNot(staffPIN)
	s.press(tea.KeyEnter)
	st, _ := s.store.Status(context.Background())
	s.expect("Staff panel · ES-T1", "ES-T1 · standalone", "1.2.3", "replica.db", "schema "+strconv.Itoa(store.SchemaVersion()),
		"Accounts", "Sync cursor", "never (standalone)", "Last error", "none",
		"3 pending · 0 rejected · not pushed (standalone)", "Maintenance  off", "esc leave staff mode")
	if !shows(s.screen(), "Accounts     "+strconv.Itoa(st.Accounts)) {
		t.Fatalf("the panel does not show %d accounts:\n%s", st.Accounts, s.screen())
	}
	s.press(tea.KeyEscape)
	s.expect("Welcome")
	s.expectNot(append(staffScreens, "Staff mode")...)
	s.expectActions(store.AuditStaffSignIn, store.AuditStaffSignOut)
}

func TestStaffKeyWorksOnAnyScreenAndWipesTheFlow(t *testing.T) {
	s := newStaffStation(t)
	s.acceptAUP()
	s.identify(taiMan, "") // the HKID typed, not sent
	s.typ(taiManID)
	s.press(tea.KeyF12)
	s.expect("Staff sign-in")
	s.assertClean(taiManID, taiMan)
	s.press(tea.KeyEscape)
	s.expect("Welcome")

	// The idle warning too.
	s.typ("2")
	s.advance(90 * time.Second)
	s.expect("Still there?")
	s.press(tea.KeyF12)
	s.expect("Staff sign-in")
	s.expectNot("Still there?")
}

func TestWrongPINsAreRefusedAndLockStaffEntry(t *testing.T) {
	s := newStaffStation(t)
	s.press(tea.KeyF12)
	for left := 4; left >= 1; left-- {
		s.typ("000000")
		s.press(tea.KeyEnter)
		s.expect("Wrong PIN. " + strconv.Itoa(left) + " more wrong PINs lock staff entry for 5 minutes.")
		s.expectNot(staffScreens...)
	}
	s.typ("000000")
	s.press(tea.KeyEnter)
	s.expect("Too many wrong PINs: staff entry is locked until 02:06.")
	s.typ(staffPIN)
	s.press(tea.KeyEnter)
	s.expect("locked until 02:06")
	s.expectNot(staffScreens...)

	// A restart does not lift the lock.
	s.boot()
	s.signIn(staffPIN)
	s.expect("locked until 02:06")
	s.press(tea.KeyEscape)
	s.advance(5 * time.Minute)
	s.signIn(staffPIN)
	s.expect("Staff panel")
	s.expectActions("staff_pin_wrong", "staff_pin_wrong", "staff_pin_wrong", "staff_pin_wrong", "staff_locked", "staff_sign_in")
}

func TestNoStaffScreenWithoutThePIN(t *testing.T) {
	// Without staff options the key does nothing at all.
	plain := newStation(t)
	plain.press(tea.KeyF12)
	plain.expect("Welcome")
	plain.expectNot("Staff")

	s := newStaffStation(t)
	s.press(tea.KeyF12)
	s.press(tea.KeyEnter) // nothing typed: nothing sent
	s.expect("Type the staff PIN.")
	for _, k := range []tea.KeyType{tea.KeyTab, tea.KeyEnter, tea.KeyDown, tea.KeyEnter, tea.KeyF12, tea.KeyEnter} {
		s.press(k)
		s.expectNot(staffScreens...)
	}
	var labels []string
	for _, b := range s.m.Buttons() {
		labels = append(labels, b.Label)
	}
	if got := strings.Join(labels, ","); got != "Staff PIN,Sign in,Cancel" {
		t.Errorf("buttons on the PIN screen: %s", got)
	}
	// A tap where the panel's buttons would be touches nothing of the panel.
	for y := 0; y < 30; y++ {
		s.send(tea.MouseMsg{X: 90, Y: y, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
		s.expectNot(staffScreens...)
	}
	s.click("Cancel")
	s.expect("Welcome")
	if got := s.staffActions(); len(got) != 0 {
		t.Errorf("audit: %v (no PIN was checked)", got)
	}
}

func TestStaffModeNotSetUp(t *testing.T) {
	s := newStaffStation(t, func(o *kiosk.Options) { o.StaffPINHash = "" })
	s.press(tea.KeyF12)
	s.expect("Staff mode is not set up on this station", "[staff] pin_hash")
	s.typ(staffPIN)
	s.press(tea.KeyEnter)
	s.expect("Staff mode is not set up")
	s.expectNot(staffScreens...)
}

func TestNoPINLeftBehind(t *testing.T) {
	s := newStaffStation(t)
	s.signIn("246801") // wrong
	s.expect("Wrong PIN")
	s.assertClean("246801")
	s.typ(staffPIN)
	s.press(tea.KeyEnter)
	s.expect("Staff panel")
	s.assertClean(staffPIN)
}

func TestSyncNow(t *testing.T) {
	var calls int
	results := []error{nil, errors.New("upstream unreachable")}
	s := newStaffStation(t, func(o *kiosk.Options) {
		o.Sync = func(context.Context) error {
			calls++
			return results[calls-1]
		}
	})
	s.signIn(staffPIN)
	s.expect("ES-T1 · synced with the central store", "Last sync", "never")
	s.click("Sync now")
	s.expect("Synced with the central store at 02:01.")
	s.click("Sync now")
	s.expect("Sync failed: upstream unreachable")
	if calls != 2 {
		t.Fatalf("%d sync rounds, want 2", calls)
	}
	s.expectActions(store.AuditStaffSignIn, store.AuditStaffSync, store.AuditStaffSync)

	// A standalone station has nothing to sync with: the button is off.
	alone := newStaffStation(t)
	alone.signIn(staffPIN)
	if _, ok := touch.Find(alone.m.Buttons(), "Sync now"); ok {
		t.Error("Sync now is touchable on a standalone station")
	}
}

func TestMaintenanceShowsOutOfServiceAndSurvivesARestart(t *testing.T) {
	s := newStaffStation(t)
	s.signIn(staffPIN)
	s.click("Start maintenance")
	s.expect("Maintenance is on: students see the out-of-service screen", "on since 02:01", "End maintenance")
	s.press(tea.KeyEscape)
	s.expect("Out of service", "closed for maintenance", "Room 4001")
	s.expectNot("Welcome", "Staff panel")
	// Students can start nothing, by key or by touch.
	s.typ("1")
	s.press(tea.KeyEnter)
	s.send(tea.MouseMsg{X: 50, Y: 15, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	s.expect("Out of service")

	s.boot()
	s.expect("Out of service")
	s.signIn(staffPIN)
	s.click("End maintenance")
	s.expect("Maintenance is off")
	s.click("Leave staff mode")
	s.expect("Welcome")
	s.expectActions(store.AuditStaffSignIn, store.AuditMaintenance, store.AuditStaffSignOut,
		store.AuditStaffSignIn, store.AuditMaintenance, store.AuditStaffSignOut)
}

// kylee changes her password at the station; the change is not delivered
// (standalone) when staff reset the station, and survives it.
func TestResetKeepsUndeliveredChanges(t *testing.T) {
	s := newStaffStation(t)
	if err := s.store.DefaultRegistrySource(context.Background(), store.DemoRegistrySource); err != nil {
		t.Fatal(err)
	}
	s.typ("2")
	s.typ(demo.ActiveAccount)
	s.press(tea.KeyTab)
	s.typ(demo.ActivePassword)
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.click("Not now")
	s.expect("Password changed")
	s.press(tea.KeyEnter)
	before, _ := s.store.Status(context.Background())

	s.signIn(staffPIN)
	s.click("Reset station")
	s.expect("Reset station?", "rebuilds every account from the demo registry",
		"the "+strconv.Itoa(before.OutboxPending)+" changes not yet delivered are kept and applied again")
	s.click("Cancel")
	s.expect("Staff panel")
	s.click("Reset station")
	s.press(tea.KeyRight, tea.KeyEnter)
	s.expect("Station reset", "rebuilt from the demo registry", strconv.Itoa(before.OutboxPending)+" changes made here")
	s.click("Back to main menu")
	s.expect("Welcome")
	s.expectNot(staffScreens...)

	after, _ := s.store.Status(context.Background())
	if after.OutboxPending != before.OutboxPending || after.Accounts != before.Accounts {
		t.Errorf("status before %+v, after %+v", before, after)
	}
	if _, err := s.store.VerifyPassword(context.Background(), demo.ActiveAccount, newPW); err != nil {
		t.Errorf("kylee's new password after the reset: %v", err)
	}
	s.expectActions(store.AuditStaffSignIn, store.AuditStaffReset, store.AuditStaffSignOut)
}

func TestResetWithAnUpstreamFetchesAgain(t *testing.T) {
	var calls int
	s := newStaffStation(t, func(o *kiosk.Options) {
		o.Sync = func(context.Context) error { calls++; return errors.New("connection refused") }
	})
	s.signIn(staffPIN)
	s.click("Reset station")
	s.expect("clears the accounts and fetches them from the central store again")
	s.click("Reset station") // the confirmation's button
	s.expect("Station reset", "fetches them from the central store again",
		"could not be reached (connection refused)")
	if st, _ := s.store.Status(context.Background()); st.Accounts != 0 || st.Cursor != 0 || st.OutboxPending == 0 || calls != 1 {
		t.Errorf("after the reset: %+v, %d sync rounds", st, calls)
	}
}

func TestResetRefusedSaysWhy(t *testing.T) {
	s := newStaffStation(t) // the harness imported the registry without recording a source
	s.signIn(staffPIN)
	s.click("Reset station")
	s.click("Reset station")
	s.expect("The station was not reset", "import one with")
	s.expect("Staff panel")
}

func TestExitProgram(t *testing.T) {
	s := newStaffStation(t)
	s.signIn(staffPIN)
	s.click("Exit program")
	s.expect("Exit the station program?")
	s.press(tea.KeyEnter) // Cancel has the focus
	s.expect("Staff panel")
	if s.quit {
		t.Fatal("quit without confirmation")
	}
	s.click("Exit program")
	s.click("Exit program")
	if !s.quit || !s.m.Quitting() {
		t.Fatal("the station did not quit")
	}
	if kiosk.Filter(s.m, tea.QuitMsg{}) == nil {
		t.Error("the kiosk filter refuses the quit staff asked for")
	}
	s.expectActions(store.AuditStaffSignIn, store.AuditStaffExit)
}

func TestStaffIdleTimeoutLeavesNothingOnScreen(t *testing.T) {
	s := newStaffStation(t)
	s.signIn(staffPIN)
	s.expect("Staff panel")
	s.advance(90 * time.Second)
	s.expect("Still there?")
	s.advance(15 * time.Second)
	s.expect("Welcome")
	s.expectNot(append(staffScreens, "Staff mode", "Accounts")...)
	s.expectActions(store.AuditStaffSignIn, store.AuditStaffSignOut)
	if found := leftovers(reflect.ValueOf(s.m), []string{"Sync cursor", "replica.db"}); len(found) > 0 {
		t.Errorf("staff data left in the model: %v", found)
	}
}

func TestStaffPanelFitsAn80x24Terminal(t *testing.T) {
	s := newStaffStation(t)
	s.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	s.signIn(staffPIN)
	s.expect("Staff panel", "Leave staff mode", "Maintenance  off")
	s.expectNot("Please enlarge")
	s.click("Reset station")
	s.expect("Reset station?", "Cancel")
}

// Esc on a confirmation goes back to the panel, with the focus on the
// button that asked; only Esc on the panel itself leaves staff mode.
func TestEscOnAConfirmationGoesBackToThePanel(t *testing.T) {
	s := newStaffStation(t)
	s.signIn(staffPIN)
	for _, ask := range []struct{ button, question string }{
		{"Reset station", "Reset station?"},
		{"Exit program", "Exit the station program?"},
	} {
		s.click(ask.button)
		s.expect(ask.question, "esc go back")
		s.press(tea.KeyEscape)
		s.expect("Staff panel", "Sync cursor", "esc leave staff mode")
		s.expectNot(ask.question)
		s.press(tea.KeyEnter) // the focus is back on the button that asked
		s.expect(ask.question)
		s.press(tea.KeyEscape)
	}
	if s.quit {
		t.Fatal("the station quit")
	}
	s.press(tea.KeyEscape)
	s.expect("Welcome")
	s.expectActions(store.AuditStaffSignIn, store.AuditStaffSignOut)
}

// Issue 15: a standalone station's staff panel issues an access pass for
// an account and a reason, shows it once (gone after Done and after the
// idle timeout), and the pass works at the station; a synced station's
// panel sends staff to accountd instead.
func TestStaffIssuesAccessPass(t *testing.T) {
	ctx := context.Background()
	s := newStaffStation(t)
	s.signIn(staffPIN)
	s.click("Issue access pass")
	s.expect("Check the student's identity card in person")
	s.click("Issue")
	s.expect("Type the account name and a reason.")
	s.send(tea.WindowSizeMsg{Width: 80, Height: 24}) // the note fits too
	s.typ("nobody")
	s.press(tea.KeyTab)
	s.typ("HKID card seen, phone lost")
	s.press(tea.KeyEnter)
	s.expect("No access pass was issued", "Cancel", "Issue")
	s.expectNot("Please enlarge")
	s.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	s.click("Cancel")
	s.click("Issue access pass")
	s.typ("cklau")
	s.press(tea.KeyTab)
	s.typ("HKID card seen, phone lost")
	s.press(tea.KeyEnter)
	s.expect("Access pass for cklau", "valid until 03:01", "shown only this once")
	pass := strings.TrimSpace(s.capture("Access pass: "))
	if len(pass) < 10 {
		t.Fatalf("pass %q", pass)
	}
	s.click("Done")
	s.expect("Staff panel", "Leave staff mode")
	s.expectNot(pass)
	a, err := s.store.VerifyIdentity(ctx, store.Identity{StudentID: chiKeung, HKID: "E3141598"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.UsePass(ctx, a.Proof, pass); err != nil {
		t.Fatalf("the panel's pass: %v", err)
	}

	// Shown once: the idle timeout leaves it nowhere.
	s.click("Issue access pass")
	s.typ("cklau")
	s.press(tea.KeyTab)
	s.typ("HKID card seen")
	s.press(tea.KeyEnter)
	pass = strings.TrimSpace(s.capture("Access pass: "))
	s.advance(90 * time.Second)
	s.expect("Still there?")
	s.advance(15 * time.Second)
	s.expect("Welcome")
	if found := leftovers(reflect.ValueOf(s.m), []string{pass}); len(found) > 0 {
		t.Errorf("the pass left in the model: %v", found)
	}

	synced := newStaffStation(t, func(o *kiosk.Options) { o.Sync = func(context.Context) error { return nil } })
	synced.signIn(staffPIN)
	synced.expect("accountd pass issue")
	synced.expectNot("Issue access pass")
}
