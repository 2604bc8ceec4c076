package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// copyInto copies the snapshot file into dir as a station's download.
func copyInto(t *testing.T, info store.SnapshotInfo, dir string) string {
	t.Helper()
	b, err := os.ReadFile(info.Path)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "replica.db.snapshot")
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return dst
}

// stationTables is every row of the tables a station keeps through a
// bootstrap, minus local write times.
func stationTables(t *testing.T, r *store.Replica) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT op_id, state, reason, kind, account, payload FROM outbox ORDER BY seq`,
		`SELECT station, account, action, detail FROM audit WHERE action != 'bootstrap' ORDER BY id`,
		`SELECT cursor, epoch, resyncing, gen FROM sync_state`,
		`SELECT * FROM station_state`,
		`SELECT count(*) FROM failures`,
	} {
		rows, err := store.ReadDB(r).Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// pendingStation is a reset station with two undelivered ops (an
// activation and a directory choice), as a bootstrap finds it.
func pendingStation(t *testing.T) (*store.Replica, string) {
	t.Helper()
	ctx := context.Background()
	r, path := openReplica(t, newClock())
	mustApply(t, r, page(0, 1, false, snap(1, "tmchan", "20261001")))
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), "Harbour lights 42 again"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ResetForResync(ctx); err != nil {
		t.Fatal(err)
	}
	return r, path
}

// Moving a snapshot in ends exactly where installing it by copy does: the
// same accounts, outbox, audit, sync and staff state; the pending ops
// applied again; the download used up; the replica serving throughout.
func TestSnapshotMovedInEqualsCopied(t *testing.T) {
	ctx := context.Background()
	changes := testFeed(30)
	changes[0] = snap(1, "tmchan", "20261001")
	info := buildSnapshot(t, changes)

	// Two copies of one station (the ops' password hashes are salted).
	moved, path := pendingStation(t)
	moved.Close()
	twin := filepath.Join(t.TempDir(), "replica.db")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(twin, b, 0o600)
	copied, moved := reopen(t, twin), reopen(t, path)
	if _, err := copied.InstallSnapshot(ctx, info.Path, info); err != nil {
		t.Fatal(err)
	}
	before := outboxRows(t, moved)
	dl := copyInto(t, info, filepath.Dir(path))
	// A reader that was used before the move must read the new file after.
	if n := countRows(t, moved, `SELECT count(*) FROM outbox`); n != 2 {
		t.Fatalf("outbox before = %d", n)
	}
	rep, err := moved.MoveInSnapshot(ctx, dl, info)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accounts != 30 || rep.Pending != 2 || rep.Replayed != 2 {
		t.Errorf("report = %+v", rep)
	}
	if _, err := os.Stat(dl); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the download is still there: %v", err)
	}
	if after := outboxRows(t, moved); after != before {
		t.Errorf("the outbox changed:\n%s\nwant:\n%s", after, before)
	}
	if a, b := accountDump(t, copied), accountDump(t, moved); a != b {
		t.Errorf("accounts differ:\ncopied:\n%.1500s\nmoved:\n%.1500s", a, b)
	}
	if a, b := stationTables(t, copied), stationTables(t, moved); a != b {
		t.Errorf("station tables differ:\ncopied:\n%s\nmoved:\n%s", a, b)
	}
	a, err := moved.VerifyPassword(ctx, "tmchan", "Harbour lights 42 again")
	if err != nil || a.Status != policy.StatusActive || a.DirectoryPublic {
		t.Fatalf("the pending activation was lost: %+v %v", a, err)
	}
	// The writer works on the new file, and a reopen finds it whole.
	if _, err := moved.SetDirectoryPublic(ctx, store.Unverified("tmchan"), true); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, moved, `SELECT count(*) FROM audit WHERE action = 'bootstrap'`); n != 1 {
		t.Errorf("bootstrap audited %d times", n)
	}
	moved.Close()
	r := reopen(t, path)
	if st, _ := r.SyncState(ctx); st.Cursor != 30 || !st.Resyncing {
		t.Errorf("sync state after reopening: %+v", st)
	}
}

// A damaged download is refused by the move as by the copy, and the
// replica keeps serving what it had.
func TestSnapshotMoveRefusedWhenDamaged(t *testing.T) {
	ctx := context.Background()
	info := buildSnapshot(t, testFeed(300))
	r, path := openReplica(t, newClock())
	mustApply(t, r, page(0, 1, false, snap(1, "tmchan", "20261001")))
	before := accountDump(t, r)
	dl := copyInto(t, info, filepath.Dir(path))
	b, _ := os.ReadFile(dl)
	b[2*4096] ^= 0xff
	os.WriteFile(dl, b, 0o600)
	i := info
	i.SHA256 = sumOf(b)
	if _, err := r.MoveInSnapshot(ctx, dl, i); !errors.Is(err, store.ErrBadSnapshot) {
		t.Errorf("err = %v, want ErrBadSnapshot", err)
	}
	if after := accountDump(t, r); after != before {
		t.Errorf("the replica changed")
	}
	if _, err := r.Snapshot(ctx, "tmchan"); err != nil {
		t.Errorf("the old replica stopped serving: %v", err)
	}
}

// A replica whose connections cannot all be held soon (a long read) gets
// the snapshot by copy, with the same result.
func TestSnapshotMoveBusyCopies(t *testing.T) {
	ctx := context.Background()
	defer store.SetHoldWait(50 * time.Millisecond)()
	info := buildSnapshot(t, testFeed(30))
	r, path := pendingStation(t)
	conn, err := store.ReadDB(r).Conn(ctx) // a reader that stays busy
	if err != nil {
		t.Fatal(err)
	}
	dl := copyInto(t, info, filepath.Dir(path))
	rep, err := r.MoveInSnapshot(ctx, dl, info)
	conn.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accounts != 30 || rep.Pending != 2 {
		t.Errorf("report = %+v", rep)
	}
	if n := countRows(t, r, `SELECT count(*) FROM accounts`); n != 30 {
		t.Errorf("accounts = %d", n)
	}
}

// Killed at any step of a move, the replica is the old one or the new one
// whole (integrity_check ok), never a mix, and the outbox is intact.
func TestCrashDuringSnapshotMove(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	ctx := context.Background()
	info := buildSnapshot(t, testFeed(300))
	t.Setenv("STORE_CRASH_SNAPSHOT", info.Path)
	t.Setenv("STORE_CRASH_SUM", info.SHA256)
	for _, c := range []struct {
		mode string
		new  bool
	}{
		{"move", false},        // in the copy's transaction, in the download
		{"move-merged", false}, // the download is the new replica, not yet moved
		{"move-closed", false}, // the WAL emptied and every connection closed
		{"move-moved", true},   // renamed, the directory not yet synced
		{"move-done", true},
	} {
		t.Run(c.mode, func(t *testing.T) {
			r, path := pendingStation(t)
			old, outbox := accountDump(t, r), outboxRows(t, r)
			r.Close()

			runAndKill(t, c.mode, path, func(line string) bool { return line == inTx || line == "DONE" })

			r = reopen(t, path) // integrity_check ok
			got := accountDump(t, r)
			st, _ := r.SyncState(ctx)
			switch {
			case !c.new && (got != old || st.Cursor != 0):
				t.Errorf("killed before the rename: the replica changed (cursor %d):\n%.500s", st.Cursor, got)
			case c.new && (st.Cursor != 300 || countRows(t, r, `SELECT count(*) FROM accounts`) != 300):
				t.Errorf("killed after the rename: cursor %d, want the whole snapshot", st.Cursor)
			}
			if after := outboxRows(t, r); after != outbox {
				t.Errorf("the outbox changed:\n%s\nwant:\n%s", after, outbox)
			}
		})
	}
}

// moveChild is the crash child's side of TestCrashDuringSnapshotMove.
func moveChild(ctx context.Context, r *store.Replica, mode string) error {
	switch mode {
	case "move":
		stopAt("bootstrap", 1)
	case "move-done":
	default:
		at := strings.TrimPrefix(mode, "move-")
		store.SetSwapStep(func(step string) {
			if step == at {
				fmt.Println(inTx)
				select {}
			}
		})
	}
	b, err := os.ReadFile(os.Getenv("STORE_CRASH_SNAPSHOT"))
	if err != nil {
		return err
	}
	dl := r.Path() + ".snapshot"
	if err := os.WriteFile(dl, b, 0o600); err != nil {
		return err
	}
	info := store.SnapshotInfo{Cursor: 300, Epoch: "e1", SHA256: os.Getenv("STORE_CRASH_SUM")}
	if _, err := r.MoveInSnapshot(ctx, dl, info); err != nil {
		return err
	}
	fmt.Println("DONE")
	select {}
}
