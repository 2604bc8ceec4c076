package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

// The ops of one visit carry the proof that allowed them and the op each
// follows; a write whose proof is for another account, or follows a
// refused op, is refused here.
func TestOpsCarryTheirProof(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	mustApply(t, r, page(0, 2, false, snap(1, "tmchan", "20261001"), snap(2, "tmchan2", "20261002")))
	acct, err := r.Activate(ctx, store.Proof{Account: "tmchan", Kind: domain.ProofHKID}, "Harbour lights 42 again")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetDirectoryPublic(ctx, acct.Proof, false); err != nil {
		t.Fatal(err)
	}
	ops, err := r.PendingOps(ctx, 10)
	if err != nil || len(ops) != 2 {
		t.Fatalf("pending %+v, %v", ops, err)
	}
	if ops[0].Proof != domain.ProofHKID || ops[0].After != "" || ops[1].Proof != domain.ProofHKID || ops[1].After != ops[0].ID {
		t.Fatalf("ops: %+v", ops)
	}
	wire, _ := json.Marshal(ops[1])
	if !strings.Contains(string(wire), `"after":"`+ops[0].ID+`","proof":"hkid"`) {
		t.Fatalf("on the wire: %s", wire)
	}

	if _, err := r.SetDirectoryPublic(ctx, store.Proof{Account: "tmchan2", Kind: domain.ProofHKID, After: ops[0].ID}, true); !errors.Is(err, store.ErrProofMismatch) {
		t.Fatalf("a proof that follows another account's op: %v", err)
	}
	e := store.Enrolment{Account: "tmchan2", Proof: acct.Proof, Secret: "JBSWY3DPEHPK3PXP"}
	if _, err := r.ConfirmTOTP(ctx, e, "123456"); !errors.Is(err, store.ErrProofMismatch) {
		t.Fatalf("an enrolment with another account's proof: %v", err)
	}
	if n, _ := r.PendingOps(ctx, 10); len(n) != 2 {
		t.Fatalf("a refused write wrote an op: %d pending", len(n))
	}
}

// When the store refuses a visit's first op, the ops that follow it are
// not replayed over the store's snapshot (they will be refused with it):
// the replica shows the store's state at once, a write that follows them
// is refused, and the student gets one notice for the visit.
func TestRefusedChainIsNotReplayed(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	mustApply(t, r, page(0, 1, false, snap(1, "tmchan", "20261001")))
	ours := "Harbour lights 42 again"
	acct, err := r.Activate(ctx, store.Proof{Account: "tmchan", Kind: domain.ProofHKID}, ours)
	if err != nil {
		t.Fatal(err)
	}
	if acct, err = r.SetDirectoryPublic(ctx, acct.Proof, false); err != nil {
		t.Fatal(err)
	}
	ops, _ := r.PendingOps(ctx, 10)

	theirs, err := secret.HashPassword("Lantau sunrise 73 morning")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	truth := snap(5, "tmchan", "20261001")
	truth.Status, truth.PasswordHash, truth.PasswordHistory, truth.ActivatedAt = policy.StatusActive, theirs, []string{theirs}, &at
	err = r.RecordPush(ctx, "e1", []wire.OpResult{{ID: ops[0].ID, Outcome: wire.OutcomeRejected,
		Reason: "activated_elsewhere: the account had already been activated at station A", Snapshot: &truth}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.Account(ctx, "tmchan")
	if err != nil || !a.DirectoryPublic {
		t.Fatalf("the refused visit's directory choice was replayed: %+v, %v", a, err)
	}
	if _, err := r.VerifyPassword(ctx, "tmchan", ours); !errors.Is(err, store.ErrWrongPassword) {
		t.Fatalf("the refused activation's password: %v", err)
	}
	if _, err := r.SetDirectoryPublic(ctx, acct.Proof, true); !errors.Is(err, store.ErrProofMismatch) {
		t.Fatalf("a write that follows a refused op: %v", err)
	}
	if st, _ := r.Status(ctx); st.OutboxPending != 2 || st.OutboxRejected != 1 { // the directory op and the failure
		t.Fatalf("status %+v: the op that follows stays for the store to refuse", st)
	}

	err = r.RecordPush(ctx, "e1", []wire.OpResult{{ID: ops[1].ID, Outcome: wire.OutcomeRejected,
		Reason:   "chain: refused because the change it depends on (activate, op " + ops[0].ID + ") was refused: activated_elsewhere",
		Snapshot: &truth}})
	if err != nil {
		t.Fatal(err)
	}
	ns, err := r.NoticesFor(ctx, "tmchan", 10)
	if err != nil {
		t.Fatal(err)
	}
	var refused []notice.Notice
	for _, n := range ns {
		if n.Kind == notice.ChangeRefused {
			refused = append(refused, n)
		}
	}
	if len(refused) != 1 || !strings.Contains(refused[0].Body, "activated your account") ||
		!strings.Contains(refused[0].Body, "already been activated at station A") ||
		!strings.Contains(refused[0].Body, "What you did after it at that visit was not kept either.") {
		t.Fatalf("notices: %+v", refused)
	}
}
