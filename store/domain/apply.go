package domain

import (
	"slices"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// ApplyOp changes the snapshot as op says, without judging whether it may:
// the central store applies an op this way once its checks pass, and a
// station replays its still-pending ops over a pulled snapshot this way so
// that a pull never undoes a local change the central store has not seen
// yet. Replaying an op the snapshot already holds changes nothing.
func (s *Snapshot) ApplyOp(op Op) error {
	p, err := DecodePayload(op)
	if err != nil {
		return err
	}
	kinds[op.Kind].apply(s, p)
	return nil
}

// The kinds' apply functions (kinds.go). Each is safe to replay: a
// transition applies only from its own starting status, an activation only
// to an account never activated, an enrolment only with a newer step, and
// an alias (for life) only where none is set.

func applyActivate(s *Snapshot, p ActivatePayload) {
	if s.Status == policy.StatusRegistered || s.ActivatedAt == nil {
		s.Status = policy.StatusActive
		s.ActivatedAt = timePtr(p.ActivatedAt)
	}
	s.setPassword(p.PasswordHash, p.ActivatedAt)
}

func applySetPassword(s *Snapshot, p SetPasswordPayload) { s.setPassword(p.PasswordHash, p.ChangedAt) }

func applyEnrolTOTP(s *Snapshot, p EnrolTOTPPayload) {
	if p.Step > s.TOTPLastStep { // otherwise this enrolment is held or superseded
		s.TOTPSealed, s.TOTPLastStep = p.Sealed, p.Step
	}
}

func applyTOTPStep(s *Snapshot, p TOTPStepPayload) { s.TOTPLastStep = max(s.TOTPLastStep, p.Step) }

func applyDirectory(s *Snapshot, p DirectoryPayload) { s.DirectoryPublic = p.Public }

func applyFailure(s *Snapshot, p FailurePayload) {
	if p.LockedUntil != nil {
		s.LockUntil(*p.LockedUntil)
	}
}

func applyLifecycle(s *Snapshot, p LifecyclePayload) {
	if s.Status == p.From {
		s.Status = p.To
	}
}

func applyExtend(s *Snapshot, p ExtendPayload) { s.ExtendedUntil = p.Until }

func applyActivateAlumni(s *Snapshot, p ActivateAlumniPayload) {
	if s.ActivatedAt == nil && s.PasswordHash == "" {
		s.Status = p.Status
		s.ActivatedAt = timePtr(p.ActivatedAt.UTC())
	}
	s.setPassword(p.PasswordHash, p.ActivatedAt)
}

func applyAlias(s *Snapshot, p AliasPayload) {
	if s.Alias == "" {
		s.Alias, s.AliasFullName = p.Alias, p.FullName
	}
}

func applyDisplayName(s *Snapshot, p DisplayNamePayload) { s.DisplayName = p.Name }

// applyPersonalEmail sets the address with its verification time (nil: an
// address set without a code, which gets no notices).
func applyPersonalEmail(s *Snapshot, p PersonalEmailPayload) {
	s.PersonalEmail, s.PersonalEmailVerifiedAt = p.Email, nil
	if p.Email != "" && p.VerifiedAt != nil {
		s.PersonalEmailVerifiedAt = timePtr(p.VerifiedAt.UTC())
	}
}

// setPassword makes hash current and pushes it onto the history. A hash the
// history already holds was applied before: it is not set again, so an old
// op replayed over a newer snapshot cannot bring back an old password.
func (s *Snapshot) setPassword(hash string, at time.Time) {
	if hash == "" || slices.Contains(s.PasswordHistory, hash) || hash == s.PasswordHash {
		return
	}
	s.PasswordHash = hash
	s.PasswordChangedAt = timePtr(at.UTC())
	hist := make([]string, 0, HistoryLen)
	hist = append(hist, hash)
	s.PasswordHistory = append(hist, s.PasswordHistory[:min(len(s.PasswordHistory), HistoryLen-1)]...)
}

// LockUntil extends the lock to until (a lock is never shortened here).
func (s *Snapshot) LockUntil(until time.Time) {
	until = until.UTC()
	if s.LockedUntil == nil || until.After(*s.LockedUntil) {
		s.LockedUntil = &until
	}
}

// applyUsePass spends the pass it names (a replay, or a newer pass issued
// since, is left alone).
func applyUsePass(s *Snapshot, p UsePassPayload) {
	if s.PassHash == p.PassHash {
		s.ClearPass()
	}
}

// ClearPass forgets the account's access pass (used, revoked or expired).
func (s *Snapshot) ClearPass() { s.PassHash, s.PassExpires, s.PassIssuedBy = "", nil, "" }
