package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// feedOf serves the changes as a central store would, in pages of size.
func feedOf(changes []domain.Snapshot, size int) func(context.Context, int64) (wire.Page, error) {
	return func(_ context.Context, after int64) (wire.Page, error) {
		head := int64(len(changes))
		var out []domain.Snapshot
		for _, c := range changes {
			if c.Seq > after && len(out) < size {
				out = append(out, c)
			}
		}
		next := after
		if len(out) > 0 {
			next = out[len(out)-1].Seq
		}
		return wire.Page{Epoch: "e1", After: after, Next: next, Head: head, More: next < head, Changes: out}, nil
	}
}

func testFeed(n int) []domain.Snapshot {
	var out []domain.Snapshot
	for i := 1; i <= n; i++ {
		s := snap(int64(i), fmt.Sprintf("acct%04d", i), fmt.Sprintf("2026%04d", i))
		if i%3 == 0 {
			s.Status = policy.StatusActive
			s.PasswordHash = fmt.Sprintf("hash%d", i)
			s.PasswordHistory = []string{s.PasswordHash, "older"}
		}
		if i%7 == 0 {
			s.Alias = fmt.Sprintf("alias%d", i)
		}
		out = append(out, s)
	}
	return out
}

func buildSnapshot(t *testing.T, changes []domain.Snapshot) store.SnapshotInfo {
	t.Helper()
	info, err := store.BuildSnapshot(context.Background(), filepath.Join(t.TempDir(), "snapshot.db"), feedOf(changes, 100))
	if err != nil {
		t.Fatal(err)
	}
	if info.Cursor != int64(len(changes)) || info.Epoch != "e1" || info.Accounts != len(changes) || len(info.SHA256) != 64 {
		t.Fatalf("snapshot = %+v", info)
	}
	return info
}

// accountDump is every account-data row, in a stable order, minus the
// row ids and local write times.
func accountDump(t *testing.T, r *store.Replica) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT name, student_id, surname, given_names, status, coalesce(password_hash, ''), hkid_hash, central_seq, directory_public FROM accounts ORDER BY name`,
		`SELECT a.name, h.hash FROM password_history h JOIN accounts a ON a.id = h.account_id ORDER BY a.name, h.rowid`,
		`SELECT account, coalesce(alias, ''), coalesce(personal_email, '') FROM account_profiles ORDER BY account`,
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
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// A station bootstrapped from a snapshot ends with the same account rows
// as one that walked the feed, and continues from the snapshot's cursor.
func TestSnapshotBootstrapMatchesFeed(t *testing.T) {
	ctx := context.Background()
	changes := testFeed(250)
	info := buildSnapshot(t, changes[:200])

	viaFeed, _ := openReplica(t, newClock())
	for after := int64(0); ; {
		p, _ := feedOf(changes, 64)(ctx, after)
		mustApply(t, viaFeed, p)
		if after = p.Next; !p.More {
			break
		}
	}
	viaSnap, _ := openReplica(t, newClock())
	if _, err := viaSnap.InstallSnapshot(ctx, info.Path, info); err != nil {
		t.Fatal(err)
	}
	st, _ := viaSnap.SyncState(ctx)
	// The walk goes on until the pull after the snapshot reaches the head:
	// till then students see "Getting ready" (Status().Bootstrapping).
	if st.Cursor != 200 || st.Epoch != "e1" || !st.Resyncing {
		t.Fatalf("sync state after the snapshot = %+v", st)
	}
	if status, _ := viaSnap.Status(ctx); !status.Bootstrapping {
		t.Fatalf("status after the snapshot, before the pull: %+v", status)
	}
	p, _ := feedOf(changes, 1000)(ctx, st.Cursor)
	mustApply(t, viaSnap, p)
	if status, _ := viaSnap.Status(ctx); status.Bootstrapping {
		t.Fatalf("status after the pull reached the head: %+v", status)
	}
	if a, b := accountDump(t, viaFeed), accountDump(t, viaSnap); a != b {
		t.Fatalf("accounts differ:\nfeed:\n%.2000s\nsnapshot:\n%.2000s", a, b)
	}
}

// A reset station bootstrapping from a snapshot keeps every op of its
// outbox, and its pending changes still show over the snapshot's accounts.
func TestSnapshotBootstrapKeepsTheOutbox(t *testing.T) {
	ctx := context.Background()
	changes := testFeed(30)
	changes[0] = snap(1, "tmchan", "20261001")
	info := buildSnapshot(t, changes)

	r, _ := openReplica(t, newClock())
	mustApply(t, r, page(0, 1, false, snap(1, "tmchan", "20261001")))
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), "Harbour lights 42 again"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false); err != nil {
		t.Fatal(err)
	}
	before := outboxRows(t, r)
	if _, err := r.ResetForResync(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := r.InstallSnapshot(ctx, info.Path, info)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Accounts != 30 || rep.Pending != 2 || rep.Replayed != 2 {
		t.Errorf("report = %+v", rep)
	}
	if after := outboxRows(t, r); after != before {
		t.Errorf("the outbox changed:\n%s\nwant:\n%s", after, before)
	}
	a, err := r.VerifyPassword(ctx, "tmchan", "Harbour lights 42 again")
	if err != nil || a.Status != policy.StatusActive || a.DirectoryPublic {
		t.Fatalf("the pending activation was lost: %+v %v", a, err)
	}
}

// A truncated or damaged snapshot, or one with the wrong checksum, is
// refused and the replica keeps serving what it had.
func TestSnapshotRefusedWhenDamaged(t *testing.T) {
	ctx := context.Background()
	info := buildSnapshot(t, testFeed(300))
	whole, err := os.ReadFile(info.Path)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := openReplica(t, newClock())
	mustApply(t, r, page(0, 1, false, snap(1, "tmchan", "20261001")))
	before := accountDump(t, r)

	bad := filepath.Join(t.TempDir(), "bad.db")
	damaged := append([]byte(nil), whole...)
	pageSize := int(whole[16])<<8 | int(whole[17])
	damaged[2*pageSize] ^= 0xff // a b-tree page's type: integrity_check sees it
	for name, c := range map[string]struct {
		data []byte
		sum  string
	}{
		"truncated":        {whole[:len(whole)/2], info.SHA256},
		"corrupt":          {damaged, info.SHA256},
		"corrupt, its sum": {damaged, sumOf(damaged)},
		"empty":            {nil, info.SHA256},
	} {
		os.WriteFile(bad, c.data, 0o600)
		i := info
		i.SHA256 = c.sum
		if _, err := r.InstallSnapshot(ctx, bad, i); !errors.Is(err, store.ErrBadSnapshot) {
			t.Errorf("%s: err = %v, want ErrBadSnapshot", name, err)
		}
		if after := accountDump(t, r); after != before {
			t.Errorf("%s: the replica changed", name)
		}
		if _, err := r.Snapshot(ctx, "tmchan"); err != nil {
			t.Errorf("%s: the old replica stopped serving: %v", name, err)
		}
	}
}

func sumOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Killed during the swap (transaction open) or right after it, the
// replica is the old one or the new one whole, never a mix, and the
// outbox is intact.
func TestCrashDuringSnapshotInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	ctx := context.Background()
	info := buildSnapshot(t, testFeed(300))
	t.Setenv("STORE_CRASH_SNAPSHOT", info.Path)
	t.Setenv("STORE_CRASH_SUM", info.SHA256)
	for _, mode := range []string{"bootstrap", "bootstrap-done"} {
		t.Run(mode, func(t *testing.T) {
			r, path := openReplica(t, newClock())
			mustApply(t, r, page(0, 1, false, snap(1, "tmchan", "20261001")))
			if _, err := r.Activate(ctx, store.Unverified("tmchan"), "Harbour lights 42 again"); err != nil {
				t.Fatal(err)
			}
			if _, err := r.ResetForResync(ctx); err != nil {
				t.Fatal(err)
			}
			old, outbox := accountDump(t, r), outboxRows(t, r)
			r.Close()

			runAndKill(t, mode, path, func(line string) bool { return line == inTx || line == "DONE" })

			r = reopen(t, path) // integrity_check ok
			got := accountDump(t, r)
			st, _ := r.SyncState(ctx)
			switch {
			case mode == "bootstrap" && (got != old || st.Cursor != 0):
				t.Errorf("killed in the swap: the replica changed (cursor %d):\n%.500s", st.Cursor, got)
			case mode == "bootstrap-done" && (st.Cursor != 300 || countRows(t, r, `SELECT count(*) FROM accounts`) != 300):
				t.Errorf("killed after the swap: cursor %d, want the whole snapshot", st.Cursor)
			}
			if after := outboxRows(t, r); after != outbox {
				t.Errorf("the outbox changed:\n%s\nwant:\n%s", after, outbox)
			}
		})
	}
}
