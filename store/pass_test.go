package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
)

// enrolled is tmchan, activated with 2FA, and the identity-checked proof
// of a new visit.
func enrolled(t *testing.T) (*store.Replica, *testClock, store.Proof) {
	t.Helper()
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	e, err := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	return r, clock, verified(t, r)
}

func verified(t *testing.T, r *store.Replica) store.Proof {
	t.Helper()
	a, err := r.VerifyIdentity(context.Background(), store.Identity{StudentID: "20261001", HKID: "A1234563"})
	if err != nil {
		t.Fatal(err)
	}
	return a.Proof
}

// A desk pass (here the standalone staff panel's) works once after the
// identity check, for a new password and a new 2FA enrolment that
// replaces the old one; it is refused before the identity check, when
// wrong, when used, and when expired; its use is audited, sent as op
// use_pass and tells the student.
func TestUsePass(t *testing.T) {
	ctx := context.Background()
	r, clock, proof := enrolled(t)
	if _, err := r.UsePass(ctx, proof, "ACDEF-GHJKM"); !errors.Is(err, store.ErrPassNone) {
		t.Fatalf("no pass: %v", err)
	}
	if _, _, err := r.IssuePass(ctx, "tmchan", "", "amy", time.Hour); err == nil {
		t.Fatal("a pass without a reason")
	}
	pass, _, err := r.IssuePass(ctx, "tmchan", "HKID card seen", "amy", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if snap, _ := r.Snapshot(ctx, "tmchan"); snap.PassHash == "" || strings.Contains(snap.PassHash, strings.ReplaceAll(pass, "-", "")) || snap.PassIssuedBy != "amy" {
		t.Fatalf("snapshot: %+v", snap)
	}
	if _, err := r.UsePass(ctx, store.Unverified("tmchan"), pass); !errors.Is(err, store.ErrProofMismatch) {
		t.Fatalf("without the identity check: %v", err)
	}
	if _, err := r.UsePass(ctx, proof, "ACDEF"); !errors.Is(err, store.ErrPassFormat) {
		t.Fatalf("malformed: %v", err)
	}
	wrong := "ACDEF-GHJKM"
	if strings.EqualFold(wrong, pass) {
		wrong = "MKJHG-FEDCA"
	}
	before := rowsFor(t, r, "tmchan").failures
	if _, err := r.UsePass(ctx, proof, wrong); !errors.Is(err, store.ErrPassWrong) || rowsFor(t, r, "tmchan").failures != before+1 {
		t.Fatalf("wrong pass: %v", err)
	}
	audits := rowsFor(t, r, "tmchan").audit
	next, err := r.UsePass(ctx, proof, strings.ToLower(pass))
	if err != nil || next.Kind != domain.ProofPass || rowsFor(t, r, "tmchan").audit != audits+1 {
		t.Fatalf("use: %+v, %v", next, err)
	}
	if kind, payload := lastOp(t, r, "tmchan"); kind != string(domain.OpUsePass) || !strings.Contains(payload, "pass_hash") {
		t.Fatalf("op %s %s", kind, payload)
	}
	a, err := r.SetPassword(ctx, next, newerPassword)
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.BeginTOTP(ctx, a.Proof)
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute) // a new step: the old enrolment's last step is behind
	if _, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil {
		t.Fatalf("re-enrol: %v", err)
	}
	if _, err := r.UsePass(ctx, verified(t, r), pass); !errors.Is(err, store.ErrPassNone) {
		t.Fatalf("second use: %v", err)
	}
	ns, _ := r.NoticesFor(ctx, "tmchan", 10)
	var reset bool
	for _, n := range ns {
		reset = reset || n.Kind == notice.TOTPReset && strings.Contains(n.Body, "access pass")
	}
	if !reset {
		t.Fatalf("no reset notice: %+v", ns)
	}
	// Expired.
	if pass, _, err = r.IssuePass(ctx, "tmchan", "HKID card seen", "amy", time.Hour); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	if _, err := r.UsePass(ctx, verified(t, r), pass); !errors.Is(err, store.ErrPassExpired) {
		t.Fatalf("expired: %v", err)
	}
}

// Wrong passes count toward the account's lockout: the fifth locks it,
// and then even the right pass is refused.
func TestUsePassLockout(t *testing.T) {
	ctx := context.Background()
	r, _, proof := enrolled(t)
	pass, _, err := r.IssuePass(ctx, "tmchan", "HKID card seen", "amy", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wrong := "ACDEF-GHJKM"
	if strings.EqualFold(wrong, pass) {
		wrong = "MKJHG-FEDCA"
	}
	var locked *store.LockedError
	for i := range 5 {
		_, err := r.UsePass(ctx, proof, wrong)
		if i < 4 && !errors.Is(err, store.ErrPassWrong) || i == 4 && !errors.As(err, &locked) {
			t.Fatalf("wrong pass %d: %v", i+1, err)
		}
	}
	if _, err := r.UsePass(ctx, proof, pass); !errors.As(err, &locked) {
		t.Fatalf("right pass while locked: %v", err)
	}
}
