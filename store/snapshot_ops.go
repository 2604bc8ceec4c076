package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// DecodePayload decodes an op's payload into the type its kind names
// (ActivatePayload, ...). Unknown kinds, unknown fields and trailing data
// are refused: the central store applies only what it fully understands.
func DecodePayload(op Op) (any, error) {
	switch op.Kind {
	case OpActivate:
		return decodeStrict[ActivatePayload](op)
	case OpSetPassword:
		return decodeStrict[SetPasswordPayload](op)
	case OpEnrolTOTP:
		return decodeStrict[EnrolTOTPPayload](op)
	case OpTOTPStep:
		return decodeStrict[TOTPStepPayload](op)
	case OpDirectory:
		return decodeStrict[DirectoryPayload](op)
	case OpFailure:
		return decodeStrict[FailurePayload](op)
	}
	if p, ok, err := decodeProfileOp(op); ok { // lifecycle, alumni and profile ops (profile_ops.go)
		return p, err
	}
	return nil, fmt.Errorf("op %s: unknown kind %q", op.ID, op.Kind)
}

func decodeStrict[T any](op Op) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(op.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, fmt.Errorf("op %s: %s payload: %w", op.ID, op.Kind, err)
	}
	if dec.More() {
		return v, fmt.Errorf("op %s: %s payload: data after the JSON object", op.ID, op.Kind)
	}
	return v, nil
}

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
	switch p := p.(type) {
	case ActivatePayload:
		if s.Status == policy.StatusRegistered || s.ActivatedAt == nil {
			s.Status = policy.StatusActive
			s.ActivatedAt = timePtr(p.ActivatedAt)
		}
		s.setPassword(p.PasswordHash, p.ActivatedAt)
	case SetPasswordPayload:
		s.setPassword(p.PasswordHash, p.ChangedAt)
	case EnrolTOTPPayload:
		if p.Step > s.TOTPLastStep { // otherwise this enrolment is held or superseded
			s.TOTPSealed, s.TOTPLastStep = p.Sealed, p.Step
		}
	case TOTPStepPayload:
		s.TOTPLastStep = max(s.TOTPLastStep, p.Step)
	case DirectoryPayload:
		s.DirectoryPublic = p.Public
	case FailurePayload:
		if p.LockedUntil != nil {
			s.LockUntil(*p.LockedUntil)
		}
	default:
		s.applyProfileOp(p) // lifecycle, alumni and profile ops (profile_ops.go)
	}
	return nil
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
	hist := make([]string, 0, historyLen)
	hist = append(hist, hash)
	s.PasswordHistory = append(hist, s.PasswordHistory[:min(len(s.PasswordHistory), historyLen-1)]...)
}

// LockUntil extends the lock to until (a lock is never shortened here).
func (s *Snapshot) LockUntil(until time.Time) {
	until = until.UTC()
	if s.LockedUntil == nil || until.After(*s.LockedUntil) {
		s.LockedUntil = &until
	}
}
