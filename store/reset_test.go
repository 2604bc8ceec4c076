package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
	"github.com/expressstation/kiosk/store/domain"
)

const newerPassword = "Quiet harbour 4 ferries"

// standalone is a standalone replica whose accounts came from a registry
// file, recorded as its source.
func standalone(t *testing.T, ss ...student) (r *store.Replica, clock *testClock, path, registry string) {
	t.Helper()
	clock = newClock()
	r, path = openReplica(t, clock)
	registry = filepath.Join(t.TempDir(), "registry.csv")
	writeRegistry(t, registry, ss...)
	importCSV(t, r, registryCSV(ss...))
	if err := r.RecordRegistrySource(context.Background(), registry); err != nil {
		t.Fatal(err)
	}
	return r, clock, path, registry
}

func writeRegistry(t *testing.T, path string, ss ...student) {
	t.Helper()
	if err := os.WriteFile(path, []byte(registryCSV(ss...)), 0o600); err != nil {
		t.Fatal(err)
	}
}

// outboxRows is the whole outbox as "op_id state reason" lines.
func outboxRows(t *testing.T, r *store.Replica) string {
	t.Helper()
	rows, err := store.ReadDB(r).Query(`SELECT op_id || ' ' || state || ' ' || reason FROM outbox ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}

func TestRebuildFromRegistryKeepsUndeliveredChanges(t *testing.T) {
	ctx := context.Background()
	r, clock, path, registry := standalone(t, taiMan, taiMing, siuLing)

	// Students' changes at this station: tmchan activates, changes password,
	// enrols 2FA and leaves the directory; tmchan2 locks itself out; slwong's
	// activation was refused centrally.
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(r.Activate(ctx, store.Unverified("tmchan"), goodPassword))
	clock.Advance(time.Minute)
	must(r.SetPassword(ctx, store.Unverified("tmchan"), newerPassword))
	e, err := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	must(nil, err)
	usedCode := code(t, e.Secret, clock.Now(), 0)
	must(r.ConfirmTOTP(ctx, e, usedCode))
	must(r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false))
	for range domain.LockoutFailures {
		r.VerifyIdentity(ctx, store.Identity{StudentID: taiMing.ID, DateOfBirth: "1999-09-09"})
	}
	must(r.Activate(ctx, store.Unverified("slwong"), goodPassword))
	execOn(t, path, `UPDATE outbox SET state = 'rejected', reason = 'not eligible centrally' WHERE account = 'slwong'`)
	before := outboxRows(t, r)

	// The replica goes wrong behind the store's back, and the registry moves on.
	execOn(t, path, `DELETE FROM password_history`)
	execOn(t, path, `UPDATE accounts SET status = 'registered', password_hash = NULL, totp_sealed = NULL,
		directory_public = 1, locked_until = NULL, surname = 'GARBLED'`)
	movedMing := taiMing
	movedMing.Dept = "Ocean Science"
	writeRegistry(t, registry, taiMan, movedMing, siuLing, wingKei)

	rep, err := r.RebuildFromRegistry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 4 tmchan ops, 5 failures of tmchan2; slwong's rejected op is not applied.
	if rep.Source != registry || rep.Accounts != 4 || rep.Replayed != 9 || rep.Pending != 9 || rep.Rejected != 1 || rep.BadRows != 0 {
		t.Errorf("report = %+v", rep)
	}
	if after := outboxRows(t, r); after != before {
		t.Errorf("the outbox changed:\n%s\nwant:\n%s", after, before)
	}

	tm, err := r.VerifyPassword(ctx, "tmchan", newerPassword)
	if err != nil || tm.Status != policy.StatusActive || !tm.TOTPEnrolled || tm.DirectoryPublic || tm.Surname != "CHAN" {
		t.Fatalf("tmchan after the reset: %+v, %v", tm, err)
	}
	if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), usedCode); !errors.Is(err, store.ErrTOTPReplay) {
		t.Errorf("the code used before the reset: %v, want refused as replayed", err)
	}
	var pe *store.PolicyError
	if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), goodPassword); !errors.As(err, &pe) || !hasRule(pe, policy.RuleReuse) {
		t.Errorf("the first password again: %v, want refused as reused (history rebuilt)", err)
	}
	var locked *store.LockedError
	if _, err := r.VerifyIdentity(ctx, identityOf(t, taiMing.ID)); !errors.As(err, &locked) {
		t.Errorf("tmchan2 after the reset: %v, want still locked", err)
	}
	for name, want := range map[string]string{"tmchan2": "Ocean Science", "slwong": "Mathematics", "wkho": "Chemistry"} {
		a, err := r.Account(ctx, name)
		if err != nil || a.Department != want {
			t.Errorf("%s: %+v, %v", name, a, err)
		}
	}
	if a, _ := r.Account(ctx, "slwong"); a.Status != policy.StatusRegistered {
		t.Errorf("slwong: status %s, want registered (its activation was rejected)", a.Status)
	}
	if got := staffAudit(t, r); len(got) != 1 || !strings.HasPrefix(got[0], "staff_reset from "+registry+": 4 accounts") {
		t.Errorf("audit: %v", got)
	}
	if _, err := os.Stat(path + ".rebuild"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the scratch replica was left behind: %v", err)
	}
}

func TestRebuildNeedsARegistry(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	importCSV(t, r, registryCSV(taiMan))
	if _, err := r.RebuildFromRegistry(ctx); !errors.Is(err, store.ErrNoRegistrySource) {
		t.Errorf("never imported from a file: %v", err)
	}

	r, _, _, registry := standalone(t, taiMan)
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), goodPassword); err != nil {
		t.Fatal(err)
	}
	os.Remove(registry)
	if _, err := r.RebuildFromRegistry(ctx); err == nil || !strings.Contains(err.Error(), "import the registry again") {
		t.Errorf("registry file gone: %v", err)
	}
	if a, err := r.Account(ctx, "tmchan"); err != nil || a.Status != policy.StatusActive {
		t.Errorf("a refused reset changed the replica: %+v, %v", a, err)
	}
}

// The demo registry is the caller's (Options.DemoRegistry): the replica
// package carries no demo data.
func TestRebuildFromTheDemoRegistry(t *testing.T) {
	ctx := context.Background()
	opt := testOptions(t, newClock())
	opt.DemoRegistry = demo.Registry
	r, err := store.Open(filepath.Join(t.TempDir(), "replica.db"), opt)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.DefaultRegistrySource(ctx, store.DemoRegistrySource); err != nil {
		t.Fatal(err)
	}
	rep, err := r.RebuildFromRegistry(ctx)
	if err != nil || rep.Source != "the demo registry" || rep.Accounts < 5 {
		t.Fatalf("report %+v, %v", rep, err)
	}

	bare, _ := openReplica(t, newClock()) // not given the demo registry
	if err := bare.DefaultRegistrySource(ctx, store.DemoRegistrySource); err != nil {
		t.Fatal(err)
	}
	if _, err := bare.RebuildFromRegistry(ctx); err == nil || !strings.Contains(err.Error(), "kiosk import") {
		t.Errorf("rebuild from a demo registry it was not given: %v", err)
	}
}

func TestResetForResyncKeepsTheOutbox(t *testing.T) {
	ctx := context.Background()
	r, _, path := activeAccount(t)
	r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false)
	execOn(t, path, `UPDATE outbox SET state = 'rejected', reason = 'refused' WHERE kind = 'directory'`)
	execOn(t, path, `UPDATE sync_state SET cursor = 42, epoch = 'e1', last_error = 'timeout'`)
	before := outboxRows(t, r)

	rep, err := r.ResetForResync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Source != "the central store" || rep.Accounts != 0 || rep.Pending != 1 || rep.Rejected != 1 {
		t.Errorf("report = %+v", rep)
	}
	st, err := r.SyncState(ctx)
	if err != nil || st.Cursor != 0 || st.Epoch != "" || st.LastError != "" {
		t.Errorf("sync state = %+v, %v", st, err)
	}
	if after := outboxRows(t, r); after != before {
		t.Errorf("the outbox changed:\n%s\nwant:\n%s", after, before)
	}
	if n := countRows(t, r, `SELECT count(*) FROM accounts`) + countRows(t, r, `SELECT count(*) FROM password_history`); n != 0 {
		t.Errorf("%d account rows left", n)
	}
}

// Killed with the reset's transaction open, the replica is as it was, and
// the next reset clears what the killed one left beside it.
func TestCrashDuringReset(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	ctx := context.Background()
	r, _, path, _ := standalone(t, taiMan, taiMing)
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), goodPassword); err != nil {
		t.Fatal(err)
	}
	execOn(t, path, `UPDATE accounts SET surname = 'GARBLED' WHERE name = 'tmchan2'`)
	before := outboxRows(t, r)
	r.Close()

	runAndKill(t, "reset", path, func(line string) bool { return line == inTx })

	r = reopen(t, path)
	if a, err := r.Account(ctx, "tmchan2"); err != nil || a.Surname != "GARBLED" {
		t.Errorf("tmchan2 after the crash: %+v, %v (want untouched)", a, err)
	}
	if after := outboxRows(t, r); after != before {
		t.Errorf("the outbox changed:\n%s\nwant:\n%s", after, before)
	}
	if _, err := os.Stat(path + ".rebuild"); err != nil {
		t.Errorf("expected the killed reset's scratch file: %v", err)
	}
	if _, err := r.RebuildFromRegistry(ctx); err != nil {
		t.Fatal(err)
	}
	if a, _ := r.Account(ctx, "tmchan2"); a.Surname != "CHAN" {
		t.Errorf("tmchan2 after a reset: %+v", a)
	}
	if _, err := r.VerifyPassword(ctx, "tmchan", goodPassword); err != nil {
		t.Errorf("tmchan after a reset: %v", err)
	}
}
