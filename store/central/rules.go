package central

import (
	"bytes"
	"slices"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/wire"
)

// The central decision on every op a station pushes. A station checked the
// op against its replica, which may be behind: meanwhile another station
// may have activated the account, used the same 2FA code or counted the
// failures that lock it, or the account may have ended. Decide is a pure
// function of an account's state, shared by every Store implementation:
// the chain and proof of a visit are checked here, each kind's own rules
// are its own (domain.Check, store/domain/kinds.go).

// Account is the central state of one account: the snapshot every station
// receives, and what only the central store keeps.
type Account struct {
	Snapshot domain.Snapshot
	// Failures are the failed attempts, at any station, still inside the
	// lockout window.
	Failures []time.Time
	// ActivatedBy is the station whose activation the store applied, when
	// known (the refusal of a second activation names it).
	ActivatedBy string
	// ResetCode and VerifyCode are the last codes the store sent the
	// account (POST /v1/codes); read only for an op that rests on one
	// (needsCode).
	ResetCode, VerifyCode SentCode
}

// ResetCodeWindow is how long after the store sent a code a visit may make
// the change that rests on it: the code's 10 minutes and the step that
// follows.
const ResetCodeWindow = 30 * time.Minute

// Link is what the store recorded for an op another op follows
// (domain.Op.After): the chain of a station's visit, read back from the
// store's own record, so a retry or a duplicate push is decided the same.
type Link struct {
	ID      string
	Account string
	Kind    domain.OpKind
	Outcome wire.Outcome // applied or rejected
	Reason  string       // the rejection, "code: message"
	After   string       // the op this one followed, or ""
}

// UnknownAccount is the rejection of an op for an account the store lacks.
func UnknownAccount(name string) *domain.Rejection {
	return domain.Reject("unknown_account", "the central store has no account %q", name)
}

// Effect is what deciding an op did to the account.
type Effect int

const (
	Unchanged       Effect = iota // nothing to store
	FailuresChanged               // only the central failure count changed
	SnapshotChanged               // stations must receive a new snapshot
)

// AliasTaken reports whether an alias is held by an account other than
// except, as its alias or its account name: the one check that looks
// beyond one account, so the store answers it.
type AliasTaken func(alias, except string) (bool, error)

// Decide checks op against the account at the store's time now and, when it
// passes, applies it. The op's own time (not after now) decides lock and
// lifecycle, as the station saw them. A failure is never refused: it is
// counted with every station's failures and may lock the account.
//
// An op that follows another (op.After) is decided only if that one was
// applied: chain holds the store's record of the ops it follows, nearest
// first (empty when the store never saw op.After). Its proof is re-checked
// (checkProof).
func Decide(a *Account, op domain.Op, chain []Link, now time.Time, taken AliasTaken) (Effect, *domain.Rejection, error) {
	p, err := domain.DecodePayload(op)
	if err != nil {
		return Unchanged, nil, err
	}
	at := op.CreatedAt
	if at.IsZero() || at.After(now) {
		at = now
	}
	if f, ok := p.(domain.FailurePayload); ok {
		return a.fail(f, at), nil, nil
	}
	if rej := checkChain(op, chain); rej != nil {
		return Unchanged, rej, nil
	}
	if rej := checkProof(&a.Snapshot, op, chain); rej != nil {
		return Unchanged, rej, nil
	}
	if rej := checkEmailCode(a, op, p, at); rej != nil {
		return Unchanged, rej, nil
	}
	if rej := domain.Check(&a.Snapshot, a.ActivatedBy, op.Kind, p, at); rej != nil {
		return Unchanged, rej, nil
	}
	if al, ok := p.(domain.AliasPayload); ok && taken != nil {
		busy, err := taken(al.Alias, a.Snapshot.Name)
		if err != nil {
			return Unchanged, nil, err
		}
		if busy {
			return Unchanged, domain.Reject("alias_taken", "the alias %s was taken (at another station) first", al.Alias), nil
		}
	}
	before := a.Snapshot
	if err := a.Snapshot.ApplyOp(op); err != nil {
		return Unchanged, nil, err
	}
	if sameSnapshot(before, a.Snapshot) {
		return Unchanged, nil, nil
	}
	return SnapshotChanged, nil, nil
}

// checkChain refuses an op that follows one the store did not apply: never
// received, for another account, or refused. The refusal names the first
// refusal of the chain, so staff see why the whole visit was refused.
func checkChain(op domain.Op, chain []Link) *domain.Rejection {
	if op.After == "" {
		return nil
	}
	if len(chain) == 0 || chain[0].ID != op.After {
		return domain.Reject("chain", "refused because the change it depends on (op %s) never reached the central store", op.After)
	}
	dep := chain[0]
	switch {
	case dep.Account != op.Account:
		return domain.Reject("chain", "refused because the change it depends on (op %s) is for another account", dep.ID)
	case dep.Outcome == wire.OutcomeApplied:
		return nil
	}
	code, msg, _ := strings.Cut(dep.Reason, ": ")
	if code == "chain" {
		return domain.Reject("chain", "%s", msg) // it names the first refusal already
	}
	return domain.Reject("chain", "refused because the change it depends on (%s, op %s) was refused: %s", dep.Kind, dep.ID, code)
}

// checkProof re-checks how a visit was verified, as the store knows the
// account: a date of birth does not verify a record that holds an HK ID
// card number (or, for a graduate, a passport number), and a change to an
// account with 2FA needs a 2FA code (or enrolment) earlier in its chain.
// An op without a proof (from a station before proofs, or not a student's
// change) is decided as before.
func checkProof(s *domain.Snapshot, op domain.Op, chain []Link) *domain.Rejection {
	if op.Proof == "" {
		return nil
	}
	graduate := s.Status == policy.StatusGrace || s.Status == policy.StatusAlumni || op.Kind.Graduate()
	if op.Proof == domain.ProofDOB && (len(s.HKIDHash) > 0 || (graduate && len(s.PassportHash) > 0)) {
		return domain.Reject("identity_proof", "the student was verified with a date of birth, but the record holds an identity document number that must be used")
	}
	if !op.Kind.Needs2FA() || s.TOTPSealed == nil {
		return nil
	}
	for _, l := range chain { // all applied: checkChain passed, and each link was checked so
		if l.Kind.ProvesTOTP() || l.Kind.ProvesPass() { // a desk pass stands for a code
			return nil
		}
	}
	return domain.Reject("2fa_required", "the account has two-factor authentication and this change was made without a 2FA code")
}

// needsCode names the purpose of the e-mail code an op rests on, or "":
// the first change of a visit verified with a reset code
// (domain.ProofEmailCode; the changes that follow it are decided by their
// chain), and a personal e-mail saved as verified.
func needsCode(op domain.Op, p any) string {
	if op.Proof == domain.ProofEmailCode && op.After == "" {
		return notice.CodeReset
	}
	if e, ok := p.(domain.PersonalEmailPayload); ok && e.Email != "" && e.VerifiedAt != nil {
		return notice.CodeVerify
	}
	return ""
}

// checkEmailCode refuses a change that rests on an e-mail code when the
// store sent the account no such code (to that address, for a personal
// e-mail) shortly before: a synced station sends its codes through the
// store, so a code the store never sent is not to be trusted.
func checkEmailCode(a *Account, op domain.Op, p any, at time.Time) *domain.Rejection {
	sent := func(c SentCode) bool {
		return !c.At.IsZero() && !at.Before(c.At.Add(-time.Minute)) && !at.After(c.At.Add(ResetCodeWindow))
	}
	switch needsCode(op, p) {
	case notice.CodeReset:
		if !sent(a.ResetCode) {
			return domain.Reject("email_code", "the change was made with an e-mail code, but the central store sent this account no reset code shortly before")
		}
	case notice.CodeVerify:
		e := p.(domain.PersonalEmailPayload)
		if !sent(a.VerifyCode) || !strings.EqualFold(a.VerifyCode.To, e.Email) {
			return domain.Reject("email_unverified", "the personal e-mail was saved as verified, but the central store sent no code to that address shortly before")
		}
	}
	return nil
}

// fail counts a failed attempt made at any station. Reaching the limit in
// the window locks the account for LockoutFor from this failure and spends
// the failures, as a station does; a lock the station already decided is
// kept (never longer than LockoutFor from the failure).
func (a *Account) fail(f domain.FailurePayload, at time.Time) Effect {
	if !f.At.IsZero() && f.At.Before(at) {
		at = f.At.UTC()
	}
	cut := at.Add(-domain.LockoutWindow)
	kept := a.Failures[:0]
	for _, t := range a.Failures {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	a.Failures = append(kept, at)
	until := a.Snapshot.LockedUntil
	if len(a.Failures) >= domain.LockoutFailures {
		a.Snapshot.LockUntil(at.Add(domain.LockoutFor))
		a.Failures = nil
	}
	if f.LockedUntil != nil {
		a.Snapshot.LockUntil(minTime(*f.LockedUntil, at.Add(domain.LockoutFor)))
	}
	if !sameTime(until, a.Snapshot.LockedUntil) {
		return SnapshotChanged
	}
	return FailuresChanged
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// sameSnapshot reports whether an op changed nothing a station would see.
func sameSnapshot(a, b domain.Snapshot) bool {
	return a.Status == b.Status && a.PasswordHash == b.PasswordHash &&
		slices.Equal(a.PasswordHistory, b.PasswordHistory) && sameTime(a.ActivatedAt, b.ActivatedAt) &&
		sameTime(a.PasswordChangedAt, b.PasswordChangedAt) && bytes.Equal(a.TOTPSealed, b.TOTPSealed) &&
		a.TOTPLastStep == b.TOTPLastStep && a.DirectoryPublic == b.DirectoryPublic &&
		sameTime(a.LockedUntil, b.LockedUntil) && a.Alias == b.Alias && a.PersonalEmail == b.PersonalEmail &&
		sameTime(a.PersonalEmailVerifiedAt, b.PersonalEmailVerifiedAt) &&
		a.ExtendedUntil == b.ExtendedUntil && a.PassHash == b.PassHash && sameTime(a.PassExpires, b.PassExpires) &&
		a.AliasFullName == b.AliasFullName && a.DisplayName == b.DisplayName
}
