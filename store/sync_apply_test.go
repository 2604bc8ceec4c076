package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// snap is a registered account as the central store would send it.
func snap(seq int64, name, studentID string) domain.Snapshot {
	return domain.Snapshot{Seq: seq, Name: name, StudentID: studentID, Surname: "CHAN", GivenNames: "Tai Man",
		Department: "Physics", Level: policy.LevelUG, Category: policy.CategoryDegree,
		Status: policy.StatusRegistered, HKIDHash: []byte{1, 2, 3}, DirectoryPublic: true}
}

func page(after, next int64, more bool, changes ...domain.Snapshot) wire.Page {
	return wire.Page{Epoch: "e1", After: after, Next: next, Head: next, More: more, Changes: changes}
}

func mustApply(t *testing.T, r *store.Replica, p wire.Page) {
	t.Helper()
	if err := r.ApplyPage(context.Background(), p); err != nil {
		t.Fatalf("ApplyPage(after %d): %v", p.After, err)
	}
}

func names(t *testing.T, r *store.Replica) []string {
	t.Helper()
	rows, err := store.ReadDB(r).Query(`SELECT name FROM accounts ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

func TestApplyPageCursorAndEpoch(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	mustApply(t, r, page(0, 2, true, snap(1, "tmchan", "20261001"), snap(2, "tmchan2", "20261002")))
	st, err := r.SyncState(ctx)
	if err != nil || st.Cursor != 2 || st.Epoch != "e1" || !st.Resyncing || st.Gen != 1 {
		t.Fatalf("state after the first page = %+v, %v", st, err)
	}
	for _, tc := range []struct {
		name string
		p    wire.Page
		want error
	}{
		{"a page that skips changes", page(3, 4, false, snap(4, "slwong", "20261003")), store.ErrPageOutOfOrder},
		{"a page applied twice", page(0, 2, true, snap(1, "tmchan", "20261001")), store.ErrPageOutOfOrder},
		{"another epoch", wire.Page{Epoch: "e2", After: 2, Next: 3, Changes: []domain.Snapshot{snap(3, "x", "1")}}, store.ErrResync},
	} {
		if err := r.ApplyPage(ctx, tc.p); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	bad := []wire.Page{
		page(2, 3, false, snap(2, "slwong", "20261003")),        // number not after the cursor
		page(2, 3, false, snap(3, "", "20261003")),              // no name
		page(2, 4, false, snap(4, "a", "1"), snap(3, "b", "2")), // out of order
		{After: 2, Next: 3}, // no epoch
	}
	for i, p := range bad {
		if err := r.ApplyPage(ctx, p); err == nil {
			t.Errorf("bad page %d applied", i)
		}
	}
	if got := names(t, r); !slices.Equal(got, []string{"tmchan", "tmchan2"}) {
		t.Fatalf("refused pages changed the replica: %v", got)
	}
	// The last page of the first walk ends it.
	mustApply(t, r, page(2, 3, false, snap(3, "slwong", "20261003")))
	if st, _ := r.SyncState(ctx); st.Resyncing || st.Cursor != 3 || st.LastSync.IsZero() {
		t.Fatalf("state after the last page = %+v", st)
	}
}

// A snapshot older than the one the replica holds never overwrites it.
func TestApplyPageKeepsNewerSnapshot(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	newer := snap(5, "tmchan", "20261001")
	newer.DirectoryPublic = false
	// A rejection's fresh snapshot arrives first, through a push answer.
	mustApply(t, r, page(0, 1, false, snap(1, "kylee", "20251004")))
	rejectWithSnapshot(t, r, &newer)
	older := snap(2, "tmchan", "20261001")
	mustApply(t, r, page(1, 2, false, older))
	if a, _ := r.Account(ctx, "tmchan"); a.DirectoryPublic {
		t.Fatal("the older snapshot overwrote the newer one")
	}
}

// rejectWithSnapshot pushes a made-up op for s's account and records a
// rejection carrying s.
func rejectWithSnapshot(t *testing.T, r *store.Replica, s *domain.Snapshot) {
	t.Helper()
	ctx := context.Background()
	_, err := r.SetDirectoryPublic(ctx, store.Unverified("kylee"), false)
	if err != nil {
		t.Fatal(err)
	}
	ops, _ := r.PendingOps(ctx, 10)
	res := []wire.OpResult{{ID: ops[len(ops)-1].ID, Outcome: wire.OutcomeRejected, Reason: "test", Snapshot: s}}
	if err := r.RecordPush(ctx, "e1", res); err != nil {
		t.Fatal(err)
	}
}

// A pulled snapshot that predates a local change does not undo it: the
// pending op is replayed over it.
func TestApplyPageReplaysPendingOps(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, _ := openReplica(t, clock)
	mustApply(t, r, page(0, 1, false, snap(1, "tmchan", "20261001")))
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), "Harbour lights 42 again"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false); err != nil {
		t.Fatal(err)
	}
	// Another station's change to the same account, made before ours
	// reached the store.
	other := snap(2, "tmchan", "20261001")
	other.Department = "Chemistry"
	mustApply(t, r, page(1, 2, false, other))
	a, err := r.VerifyPassword(ctx, "tmchan", "Harbour lights 42 again")
	if err != nil {
		t.Fatalf("the local activation was undone: %v", err)
	}
	if a.Status != policy.StatusActive || a.DirectoryPublic || a.Department != "Chemistry" {
		t.Fatalf("account = %+v, want active, members only, Chemistry", a)
	}
	s, _ := r.Snapshot(ctx, "tmchan")
	if len(s.PasswordHistory) != 1 || s.PasswordHistory[0] != s.PasswordHash {
		t.Fatalf("history = %v", s.PasswordHistory)
	}
}

// The last page of a full walk removes accounts the store no longer has,
// and a student id held under another name is handed to the new name.
func TestResyncSweepsAndReplacesStale(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	mustApply(t, r, page(0, 2, false, snap(1, "tmchan", "20261001"), snap(2, "gone", "20261009")))
	if err := r.StartResync(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	p := wire.Page{Epoch: "e2", After: 0, Next: 1, More: true, Changes: []domain.Snapshot{snap(1, "tmchan9", "20261001")}}
	mustApply(t, r, p)
	if got := names(t, r); !slices.Equal(got, []string{"gone", "tmchan9"}) {
		t.Fatalf("mid-walk: %v", got)
	}
	mustApply(t, r, wire.Page{Epoch: "e2", After: 1, Next: 1})
	if got := names(t, r); !slices.Equal(got, []string{"tmchan9"}) {
		t.Fatalf("after the walk: %v", got)
	}
}

func TestRecordPush(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	mustApply(t, r, page(0, 1, false, snap(1, "tmchan", "20261001")))
	for _, public := range []bool{false, true, false} {
		if _, err := r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), public); err != nil {
			t.Fatal(err)
		}
	}
	ops, err := r.PendingOps(ctx, 10)
	if err != nil || len(ops) != 3 {
		t.Fatalf("pending = %d, %v", len(ops), err)
	}
	truth := snap(7, "tmchan", "20261001")
	truth.Status = policy.StatusTerminated
	err = r.RecordPush(ctx, "e1", []wire.OpResult{
		{ID: ops[0].ID, Outcome: wire.OutcomeApplied},
		{ID: ops[1].ID, Outcome: wire.OutcomeDuplicate, Original: wire.OutcomeApplied},
		{ID: ops[2].ID, Outcome: wire.OutcomeRejected, Reason: "the account was terminated", Snapshot: &truth},
		{ID: "not-ours", Outcome: wire.OutcomeApplied},
	})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := r.Status(ctx)
	if st.OutboxPending != 0 || st.OutboxRejected != 1 {
		t.Fatalf("status = %+v", st)
	}
	rej, err := r.RejectedOps(ctx, 10)
	if err != nil || len(rej) != 1 || rej[0].ID != ops[2].ID || rej[0].Reason != "the account was terminated" || rej[0].Attempts != 1 {
		t.Fatalf("rejected = %+v, %v", rej, err)
	}
	if a, _ := r.Account(ctx, "tmchan"); a.Status != policy.StatusTerminated || !a.DirectoryPublic {
		t.Fatalf("the replica did not converge on the store's snapshot: %+v", a)
	}
	if rowsFor(t, r, "tmchan").audit != 4 { // three changes and the rejection
		t.Fatalf("audit rows = %d", rowsFor(t, r, "tmchan").audit)
	}
}

func TestSnapshotApplyOpIsIdempotent(t *testing.T) {
	at := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	lock := at.Add(15 * time.Minute)
	op := func(kind domain.OpKind, p any) domain.Op {
		b, _ := json.Marshal(p)
		return domain.Op{ID: string(kind), Kind: kind, Payload: b}
	}
	ops := []domain.Op{
		op(domain.OpActivate, domain.ActivatePayload{PasswordHash: "h1", ActivatedAt: at}),
		op(domain.OpSetPassword, domain.SetPasswordPayload{PasswordHash: "h2", ChangedAt: at}),
		op(domain.OpEnrolTOTP, domain.EnrolTOTPPayload{Sealed: []byte{9}, Step: 100}),
		op(domain.OpTOTPStep, domain.TOTPStepPayload{Step: 101}),
		op(domain.OpDirectory, domain.DirectoryPayload{Public: false}),
		op(domain.OpFailure, domain.FailurePayload{What: "password", At: at, LockedUntil: &lock}),
	}
	s := snap(1, "tmchan", "20261001")
	for _, o := range ops {
		if err := s.ApplyOp(o); err != nil {
			t.Fatal(err)
		}
	}
	once, _ := json.Marshal(s)
	for _, o := range ops { // replayed over a snapshot that holds them all
		s.ApplyOp(o)
	}
	twice, _ := json.Marshal(s)
	if string(once) != string(twice) {
		t.Fatalf("replay changed the snapshot:\n%s\n%s", once, twice)
	}
	if s.Status != policy.StatusActive || s.PasswordHash != "h2" || !slices.Equal(s.PasswordHistory, []string{"h2", "h1"}) ||
		s.TOTPLastStep != 101 || s.DirectoryPublic || !s.LockedUntil.Equal(lock) {
		t.Fatalf("snapshot = %+v", s)
	}
	// An old password op replayed over a newer snapshot brings nothing back.
	s.ApplyOp(op(domain.OpSetPassword, domain.SetPasswordPayload{PasswordHash: "h1", ChangedAt: at}))
	if s.PasswordHash != "h2" {
		t.Fatal("an old password came back")
	}
	for _, bad := range []domain.Op{
		{ID: "x", Kind: "rename", Payload: []byte(`{}`)},
		{ID: "y", Kind: domain.OpDirectory, Payload: []byte(`{"public":true,"extra":1}`)},
		{ID: "z", Kind: domain.OpTOTPStep, Payload: []byte(`{"step":"one"}`)},
	} {
		if err := s.ApplyOp(bad); err == nil {
			t.Errorf("op %s applied", bad.ID)
		}
	}
}

func TestOutboxSignal(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	importCSV(t, r, registryCSV(taiMan))
	select {
	case <-r.OutboxSignal():
		t.Fatal("an import signalled the outbox")
	default:
	}
	for range 2 {
		if _, err := r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-r.OutboxSignal():
	default:
		t.Fatal("no signal after a write")
	}
	select {
	case <-r.OutboxSignal():
		t.Fatal("signals queued up")
	default:
	}
}

// Pulled snapshots carry the alias and personal e-mail into
// account_profiles; the store's alias wins over a local claim on it.
func TestApplyPageProfiles(t *testing.T) {
	ctx := context.Background()
	r, path := openReplica(t, newClock())
	a, b := snap(1, "tmchan", "20261001"), snap(2, "tmchan2", "20261002")
	mustApply(t, r, page(0, 2, false, a, b))
	execOn(t, path, `INSERT INTO account_profiles (account, alias) VALUES ('tmchan2', 'tai.man')`)
	a.Seq, a.Alias, a.PersonalEmail = 3, "tai.man", "tai@example.com"
	mustApply(t, r, page(2, 3, false, a))
	got := func(name string) (alias, email string) {
		acct, err := r.Account(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return acct.Alias, acct.PersonalEmail
	}
	if al, em := got("tmchan"); al != "tai.man" || em != "tai@example.com" {
		t.Fatalf("tmchan: %q %q", al, em)
	}
	if al, _ := got("tmchan2"); al != "" {
		t.Fatalf("tmchan2 kept the store's alias of tmchan: %q", al)
	}
	a.Seq, a.Alias, a.PersonalEmail = 4, "", ""
	mustApply(t, r, page(3, 4, false, a))
	if al, em := got("tmchan"); al != "tai.man" || em != "" {
		t.Fatalf("after clearing the e-mail: %q %q", al, em)
	}
}
