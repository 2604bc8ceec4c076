package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

const staffPIN = "135790"

// staffHash is the argon2id hash of staffPIN, made once (about 35 ms).
var staffHash = sync.OnceValue(func() string {
	h, err := secret.HashPassword(staffPIN)
	if err != nil {
		panic(err)
	}
	return h
})

// staffAudit lists the staff rows of the audit table as "action detail",
// checking that each names the station and no account.
func staffAudit(t testing.TB, r *store.Replica) []string {
	t.Helper()
	rows, err := store.ReadDB(r).Query(`SELECT station, account IS NULL, action, detail FROM audit
		WHERE action LIKE 'staff%' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var (
			station, action, detail string
			noAccount               bool
		)
		if err := rows.Scan(&station, &noAccount, &action, &detail); err != nil {
			t.Fatal(err)
		}
		if station != "test-station" || !noAccount {
			t.Errorf("audit row %s: station %q, no account %v", action, station, noAccount)
		}
		out = append(out, strings.TrimSpace(action+" "+detail))
	}
	return out
}

func TestStaffSignInLocksAfterFiveWrongPINs(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)

	if err := r.StaffSignIn(ctx, staffHash(), staffPIN); err != nil {
		t.Fatalf("right PIN: %v", err)
	}
	for left := 4; left >= 1; left-- {
		var pe *store.StaffPINError
		if err := r.StaffSignIn(ctx, staffHash(), "000000"); !errors.As(err, &pe) || pe.Left != left {
			t.Fatalf("wrong PIN: %v, want %d left", err, left)
		}
	}
	var locked *store.StaffLockedError
	if err := r.StaffSignIn(ctx, staffHash(), "000000"); !errors.As(err, &locked) || !locked.Until.Equal(clock.Now().Add(5*time.Minute)) {
		t.Fatalf("fifth wrong PIN: %v, want locked for 5 minutes", err)
	}
	// While locked no PIN is checked at all: not even a hash that cannot be used.
	if err := r.StaffSignIn(ctx, "$argon2id$junk", staffPIN); !errors.As(err, &locked) {
		t.Fatalf("right PIN while locked: %v", err)
	}

	// A restart does not lift the lock.
	r.Close()
	r, err := store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	clock.Advance(4*time.Minute + 59*time.Second)
	if err := r.StaffSignIn(ctx, staffHash(), staffPIN); !errors.As(err, &locked) {
		t.Fatalf("after a restart, 4:59 later: %v, want still locked", err)
	}
	clock.Advance(time.Second)
	if err := r.StaffSignIn(ctx, staffHash(), staffPIN); err != nil {
		t.Fatalf("5 minutes later: %v", err)
	}
	want := []string{
		"staff_sign_in",
		"staff_pin_wrong wrong PIN 1 of 5", "staff_pin_wrong wrong PIN 2 of 5",
		"staff_pin_wrong wrong PIN 3 of 5", "staff_pin_wrong wrong PIN 4 of 5",
		"staff_locked 5 wrong PINs: locked until 2026-09-01T09:05:00.000Z",
		"staff_sign_in",
	}
	if got := staffAudit(t, r); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStaffRightPINClearsTheCount(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	for _, pin := range []string{"1", "2", "3", "4", staffPIN, "1", "2", "3", "4"} {
		err := r.StaffSignIn(ctx, staffHash(), pin)
		var locked *store.StaffLockedError
		if errors.As(err, &locked) {
			t.Fatalf("locked after PIN %q: the right PIN should have cleared the count", pin)
		}
	}
}

func TestStaffSignInNeedsAUsableHash(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	if err := r.StaffSignIn(ctx, "", staffPIN); !errors.Is(err, store.ErrStaffNotSetUp) {
		t.Errorf("no hash: %v", err)
	}
	if err := r.StaffSignIn(ctx, "$argon2id$v=19$nonsense", staffPIN); err == nil || !strings.Contains(err.Error(), "pin_hash") {
		t.Errorf("bad hash: %v, want an error naming [staff] pin_hash", err)
	}
	if got := staffAudit(t, r); len(got) != 0 {
		t.Errorf("attempts that checked nothing were audited: %v", got)
	}
}

func TestMaintenanceSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	if on, err := r.Maintenance(ctx); on || err != nil {
		t.Fatalf("new replica: maintenance %v, %v", on, err)
	}
	if err := r.SetMaintenance(ctx, true); err != nil {
		t.Fatal(err)
	}
	r.Close()
	r, err := store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := r.StationReport(ctx, 5)
	if err != nil || !rep.Maintenance || rep.MaintenanceSince == nil || !rep.MaintenanceSince.Equal(clock.Now()) {
		t.Fatalf("after a restart: %+v, %v", rep, err)
	}
	clock.Advance(time.Hour)
	if err := r.SetMaintenance(ctx, false); err != nil {
		t.Fatal(err)
	}
	if rep, _ := r.StationReport(ctx, 5); rep.Maintenance || rep.MaintenanceSince != nil {
		t.Errorf("after switching it off: %+v", rep)
	}
	if got := strings.Join(staffAudit(t, r), ", "); got != "staff_maintenance on, staff_maintenance off" {
		t.Errorf("audit: %s", got)
	}
}

func TestStationReport(t *testing.T) {
	ctx := context.Background()
	r, clock, path := activeAccount(t)
	r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false)
	execOn(t, path, `UPDATE outbox SET state = 'rejected', reason = 'terminated centrally' WHERE kind = 'directory'`)
	for range store.StaffPINTries {
		r.StaffSignIn(ctx, staffHash(), "000000")
	}
	if err := r.RecordRegistrySource(ctx, "/srv/registry.csv"); err != nil {
		t.Fatal(err)
	}
	rep, err := r.StationReport(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accounts != 2 || rep.OutboxPending != 1 || rep.OutboxRejected != 1 || rep.Maintenance ||
		rep.RegistrySource != "/srv/registry.csv" || rep.StaffLockedUntil == nil ||
		!rep.StaffLockedUntil.Equal(clock.Now().Add(store.StaffLockFor)) {
		t.Errorf("report = %+v", rep)
	}
	if len(rep.Rejected) != 1 || rep.Rejected[0].Kind != domain.OpDirectory || rep.Rejected[0].Account != "tmchan" ||
		rep.Rejected[0].Reason != "terminated centrally" || len(rep.Rejected[0].ID) != 32 {
		t.Errorf("rejected = %+v", rep.Rejected)
	}
	if rep, _ := r.StationReport(ctx, 0); rep.Rejected == nil || len(rep.Rejected) != 0 {
		t.Errorf("limit 0: rejected = %#v, want an empty list", rep.Rejected)
	}
	clock.Advance(store.StaffLockFor)
	if rep, _ := r.StationReport(ctx, 5); rep.StaffLockedUntil != nil {
		t.Errorf("an expired lock is still reported: %v", rep.StaffLockedUntil)
	}
}

func TestRegistrySourceDefaultDoesNotOverrideAnImport(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	source := func() string {
		rep, err := r.StationReport(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		return rep.RegistrySource
	}
	r.DefaultRegistrySource(ctx, store.DemoRegistrySource)
	if got := source(); got != store.DemoRegistrySource {
		t.Fatalf("source = %q", got)
	}
	r.RecordRegistrySource(ctx, "/srv/registry.csv")
	r.DefaultRegistrySource(ctx, store.DemoRegistrySource)
	if got := source(); got != "/srv/registry.csv" {
		t.Fatalf("source = %q, want the imported file kept", got)
	}
}

// A replica made before staff mode existed (schema 2) gets the station
// state with its defaults and keeps its data.
func TestStaffMigrationOnExistingReplica(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	importCSV(t, r, registryCSV(taiMan))
	r.Close()
	execOn(t, path, `DROP TABLE station_state`)
	execOn(t, path, `PRAGMA user_version = 2`)

	r, err := store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rep, err := r.StationReport(ctx, 5)
	if err != nil || rep.Accounts != 1 || rep.Maintenance || rep.SchemaVersion != store.SchemaVersion() {
		t.Fatalf("after migrating: %+v, %v", rep, err)
	}
	if err := r.StaffSignIn(ctx, staffHash(), staffPIN); err != nil {
		t.Fatal(err)
	}
}
