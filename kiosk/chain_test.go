package kiosk_test

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/store/demo"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// opsOf returns an account's pending ops other than failures, oldest first.
func (s *station) opsOf(account string) []domain.Op {
	s.t.Helper()
	ops, err := s.store.PendingOps(s.t.Context(), 100)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []domain.Op
	for _, op := range ops {
		if op.Account == account && op.Kind != domain.OpFailure {
			out = append(out, op)
		}
	}
	return out
}

// checkChain fails unless ops are of these kinds and proofs, each following
// the one before (the first follows none).
func checkChain(t *testing.T, ops []domain.Op, kinds []domain.OpKind, proofs []string) {
	t.Helper()
	if len(ops) != len(kinds) {
		t.Fatalf("ops %+v, want kinds %v", ops, kinds)
	}
	for i, op := range ops {
		after := ""
		if i > 0 {
			after = ops[i-1].ID
		}
		if op.Kind != kinds[i] || op.Proof != proofs[i] || op.After != after {
			t.Fatalf("op %d: %s proof %q after %q, want %s proof %q after %q", i, op.Kind, op.Proof, op.After, kinds[i], proofs[i], after)
		}
	}
}

// The screens pass on the proof each step returns, so an activation's ops
// form one chain from the HKID check: the central store refuses the 2FA
// enrolment and the directory choice if it refuses the activation.
func TestActivationOpsFormAChain(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.expect("Account name  tmchan")
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.enrol()
	s.expect("Open to Public")
	s.click("Continue")
	s.expect("Your account is ready")
	checkChain(t, s.opsOf("tmchan"), []domain.OpKind{domain.OpActivate, domain.OpEnrolTOTP, domain.OpDirectory},
		[]string{domain.ProofHKID, domain.ProofHKID, domain.ProofTOTP})
}

// A new password allowed by a 2FA code follows the code's op: if the code
// is refused centrally (used meanwhile at another station), so is the
// password.
func TestChangePasswordFollowsTheCode(t *testing.T) {
	s := newStation(t)
	before := len(s.opsOf(demo.TOTPAccount))
	s.typ("2")
	s.typ(demo.TOTPAccount)
	s.press(tea.KeyTab)
	s.typ(demo.TOTPPassword)
	s.press(tea.KeyEnter)
	s.expect("Two-factor authentication")
	s.typ(s.code(demo.TOTPSecret))
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.expect("Password changed")
	checkChain(t, s.opsOf(demo.TOTPAccount)[before:], []domain.OpKind{domain.OpTOTPStep, domain.OpSetPassword},
		[]string{domain.ProofPassword, domain.ProofTOTP})
}

// When the central store refuses an activation while the student is still
// at the station (another station activated the account first), the next
// step of the visit is refused here too, with a way on.
func TestVisitRefusedMidwayStartsAgain(t *testing.T) {
	s := newStation(t)
	s.acceptAUP()
	s.identify(taiMan, taiManID)
	s.expect("Account name  tmchan")
	s.press(tea.KeyEnter)
	s.newPassword(newPW)
	s.expect("Set up two-factor authentication")
	ops := s.opsOf("tmchan")
	truth, err := s.store.Snapshot(s.t.Context(), "tmchan")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.store.RecordPush(s.t.Context(), "", []wire.OpResult{{ID: ops[0].ID, Outcome: wire.OutcomeRejected,
		Reason: "activated_elsewhere: the account had already been activated at station B", Snapshot: &truth}}); err != nil {
		t.Fatal(err)
	}
	s.enrol()
	s.expect("Please start again", "refused an earlier step of this visit")
	if ops := s.opsOf("tmchan"); len(ops) != 0 {
		t.Fatalf("pending after the refusal: %+v", ops)
	}
}
