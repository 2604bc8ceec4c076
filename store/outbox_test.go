package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

func TestPendingOpsAndStatus(t *testing.T) {
	ctx := context.Background()
	r, clock, path := activeAccount(t)
	r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false)
	r.VerifyIdentity(ctx, store.Identity{StudentID: taiMing.ID, DateOfBirth: "1999-09-09"})

	ops, err := r.PendingOps(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	ids := map[string]bool{}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, op := range ops {
		kinds = append(kinds, string(op.Kind)+":"+op.Account)
		if !hex32.MatchString(op.ID) || ids[op.ID] {
			t.Errorf("op id %q: want unique 128-bit hex", op.ID)
		}
		ids[op.ID] = true
		if op.Station != "test-station" || op.State != domain.OpPending || !op.CreatedAt.Equal(clock.Now()) || !json.Valid(op.Payload) {
			t.Errorf("op = %+v", op)
		}
	}
	if got := strings.Join(kinds, " "); got != "activate:tmchan directory:tmchan failure:tmchan2" {
		t.Errorf("ops = %s", got)
	}
	var dir domain.DirectoryPayload
	if err := json.Unmarshal(ops[1].Payload, &dir); err != nil || dir.Public {
		t.Errorf("directory payload %s: %v", ops[1].Payload, err)
	}
	if limited, _ := r.PendingOps(ctx, 2); len(limited) != 2 {
		t.Errorf("limit 2 gave %d ops", len(limited))
	}

	execOn(t, path, `UPDATE outbox SET state = 'rejected', reason = 'locked centrally' WHERE kind = 'failure'`)
	execOn(t, path, `UPDATE sync_state SET cursor = 42, last_sync = '2026-09-01T08:59:00.000Z', last_error = 'upstream unreachable'`)
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Accounts != 2 || st.OutboxPending != 2 || st.OutboxRejected != 1 || st.Cursor != 42 ||
		st.LastSync == nil || !st.LastSync.Equal(time.Date(2026, 9, 1, 8, 59, 0, 0, time.UTC)) ||
		st.LastSyncError != "upstream unreachable" {
		t.Errorf("status = %+v", st)
	}
	if b, _ := json.Marshal(st); !strings.Contains(string(b), `"outbox_pending":2`) {
		t.Errorf("status JSON = %s", b)
	}
}

func TestSnapshot(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	e, _ := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if _, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	s, err := r.Snapshot(ctx, "tmchan")
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "tmchan" || s.Status != policy.StatusActive || len(s.HKIDHash) != 32 || len(s.DOBHash) != 32 ||
		s.PassportHash != nil || len(s.PasswordHistory) != 1 || s.PasswordHistory[0] != s.PasswordHash ||
		s.TOTPSealed == nil || s.TOTPLastStep == 0 || s.CompletionDate != "2030-06-30" || s.ActivatedAt == nil {
		t.Errorf("snapshot = %+v", s)
	}
	b, _ := json.Marshal(s)
	for _, secretValue := range []string{goodPassword, e.Secret, "A1234563", taiMan.DOB} {
		if strings.Contains(string(b), secretValue) {
			t.Errorf("snapshot JSON carries a secret in the clear: %s", b)
		}
	}
	if _, err := r.Snapshot(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
}

// TestConcurrentTOTPReplay races two screens with the same code: exactly one
// may accept it.
func TestConcurrentTOTPReplay(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	e, _ := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if _, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)
	c := code(t, e.Secret, clock.Now(), 0)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, errs[i] = r.VerifyTOTP(ctx, store.Unverified("tmchan"), c) })
	}
	wg.Wait()
	accepted := 0
	for _, err := range errs {
		switch {
		case err == nil:
			accepted++
		case !errors.Is(err, store.ErrTOTPReplay):
			t.Errorf("err = %v", err)
		}
	}
	if accepted != 1 {
		t.Errorf("%d of %d concurrent uses of one code accepted, want 1", accepted, n)
	}
	if got := rowsFor(t, r, "tmchan"); got.outbox != 3 { // activate, enrol, one step
		t.Errorf("outbox rows = %d, want 3", got.outbox)
	}
}

func TestOpenNeedsKeys(t *testing.T) {
	opt := testOptions(t, newClock())
	opt.Keys = secret.Keys{}
	if _, err := store.Open(t.TempDir()+"/r.db", opt); err == nil || !strings.Contains(err.Error(), "keys") {
		t.Fatalf("err = %v", err)
	}
}
