package central

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

func passOp(kind domain.OpKind, p any, at time.Time, after, proof string) domain.Op {
	b, _ := json.Marshal(p)
	return domain.Op{ID: randomID(), CreatedAt: at, Kind: kind, Account: "tmchan", Payload: b, After: after, Proof: proof}
}

// confPass: a desk pass is stored as a hash in the snapshot, works once at
// one station (a second use anywhere is refused), stands for a 2FA code in
// the chain that follows it, and is refused once expired or revoked.
func confPass(t *testing.T, db database) {
	clk := &clock{t: t0}
	s := db(t)(Options{Keys: confKeys(t), Now: clk.Now})
	s.Import(ctx, strings.NewReader(header+"20261001,CHAN,Tai Man,A123456(3),2006-03-14,CS,UG,degree,2030-06-30\n"))
	if _, _, err := s.IssuePass(ctx, "tmchan", "ID card seen", "desk-amy", time.Hour); err == nil {
		t.Fatal("a pass for an account never activated")
	}
	activate := passOp(domain.OpActivate, domain.ActivatePayload{PasswordHash: testHashes()[0], ActivatedAt: t0}, t0, "", domain.ProofHKID)
	enrol := passOp(domain.OpEnrolTOTP, domain.EnrolTOTPPayload{Sealed: []byte("sealed-1"), Step: 100}, t0, activate.ID, domain.ProofHKID)
	if res, err := s.Apply(ctx, "A", []domain.Op{activate, enrol}); err != nil || res[1].Outcome != wire.OutcomeApplied {
		t.Fatalf("activate: %+v, %v", res, err)
	}
	if _, _, err := s.IssuePass(ctx, "tmchan", "", "desk-amy", time.Hour); err == nil {
		t.Fatal("a pass without a reason")
	}
	if _, _, err := s.IssuePass(ctx, "nobody", "ID card seen", "desk-amy", time.Hour); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("unknown account: %v", err)
	}
	pass, expires, err := s.IssuePass(ctx, "tmchan", "ID card seen", "desk-amy", time.Hour)
	if err != nil || !expires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("issue: %q %v %v", pass, expires, err)
	}
	snap := feedOf(t, s)["tmchan"]
	norm, _ := policy.NormalizeAccessPass(pass)
	if ok, _ := secret.VerifyPassword(snap.PassHash, norm); !ok || snap.PassIssuedBy != "desk-amy" ||
		strings.Contains(snap.PassHash, norm) {
		t.Fatalf("snapshot pass: %+v", snap)
	}
	if list, err := s.Passes(ctx); err != nil || len(list) != 1 || list[0].Account != "tmchan" || list[0].Expired {
		t.Fatalf("list: %+v, %v", list, err)
	}

	// Without a pass or code, a new password is refused on a 2FA account.
	bare := passOp(domain.OpSetPassword, domain.SetPasswordPayload{PasswordHash: testHashes()[1], ChangedAt: t0}, t0, "", domain.ProofHKID)
	if res, _ := s.Apply(ctx, "A", []domain.Op{bare}); res[0].Outcome != wire.OutcomeRejected || !strings.Contains(res[0].Reason, "2fa_required") {
		t.Fatalf("no pass: %+v", res)
	}
	at := t0.Add(10 * time.Minute)
	use := passOp(domain.OpUsePass, domain.UsePassPayload{PassHash: snap.PassHash, At: at}, at, "", domain.ProofHKID)
	pw := passOp(domain.OpSetPassword, domain.SetPasswordPayload{PasswordHash: testHashes()[1], ChangedAt: at}, at, use.ID, domain.ProofPass)
	reenrol := passOp(domain.OpEnrolTOTP, domain.EnrolTOTPPayload{Sealed: []byte("sealed-2"), Step: 200}, at, pw.ID, domain.ProofPass)
	res, err := s.Apply(ctx, "A", []domain.Op{use, pw, reenrol})
	if err != nil || res[0].Outcome != wire.OutcomeApplied || res[1].Outcome != wire.OutcomeApplied || res[2].Outcome != wire.OutcomeApplied {
		t.Fatalf("use: %+v, %v", res, err)
	}
	usedHash := snap.PassHash
	snap = feedOf(t, s)["tmchan"]
	if snap.PassHash != "" || snap.PassExpires != nil || string(snap.TOTPSealed) != "sealed-2" || snap.PasswordHash != testHashes()[1] {
		t.Fatalf("after use: %+v", snap)
	}
	// The same pass at another station (its replica behind): refused, and
	// what followed it with it.
	again := passOp(domain.OpUsePass, domain.UsePassPayload{PassHash: usedHash, At: at}, at, "", domain.ProofHKID)
	after := passOp(domain.OpEnrolTOTP, domain.EnrolTOTPPayload{Sealed: []byte("sealed-3"), Step: 300}, at, again.ID, domain.ProofPass)
	res, _ = s.Apply(ctx, "B", []domain.Op{again, after})
	if res[0].Outcome != wire.OutcomeRejected || !strings.Contains(res[0].Reason, "pass_used") ||
		res[1].Outcome != wire.OutcomeRejected || !strings.Contains(res[1].Reason, "chain") {
		t.Fatalf("second use: %+v", res)
	}
	// Expired: used after its hour.
	if _, _, err = s.IssuePass(ctx, "tmchan", "ID card seen", "desk-bo", time.Hour); err != nil {
		t.Fatal(err)
	}
	snap = feedOf(t, s)["tmchan"]
	late := t0.Add(61 * time.Minute)
	clk.Set(late)
	res, _ = s.Apply(ctx, "A", []domain.Op{passOp(domain.OpUsePass, domain.UsePassPayload{PassHash: snap.PassHash, At: late}, late, "", domain.ProofHKID)})
	if res[0].Outcome != wire.OutcomeRejected || !strings.Contains(res[0].Reason, "pass_expired") {
		t.Fatalf("expired: %+v", res)
	}
	if list, _ := s.Passes(ctx); len(list) != 1 || !list[0].Expired {
		t.Fatalf("list expired: %+v", list)
	}
	// Revoked: refused.
	if err := s.RevokePass(ctx, "tmchan", "desk-bo"); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokePass(ctx, "tmchan", "desk-bo"); !errors.Is(err, ErrNoPass) {
		t.Fatalf("revoke twice: %v", err)
	}
	res, _ = s.Apply(ctx, "A", []domain.Op{passOp(domain.OpUsePass, domain.UsePassPayload{PassHash: snap.PassHash, At: at}, at, "", domain.ProofHKID)})
	if res[0].Outcome != wire.OutcomeRejected || !strings.Contains(res[0].Reason, "pass_used") {
		t.Fatalf("revoked: %+v", res)
	}
	if list, _ := s.Passes(ctx); len(list) != 0 {
		t.Fatalf("list after revoke: %+v", list)
	}
}
