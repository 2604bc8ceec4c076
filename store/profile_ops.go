package store

import (
	"time"

	"github.com/expressstation/kiosk/policy"
)

// Outbox ops of the lifecycle, alumni and profile services. Like the others
// they carry no plaintext secret; the central store re-checks and applies
// them (Snapshot.ApplyOp).
const (
	OpLifecycle      OpKind = "lifecycle"       // LifecyclePayload: a standalone station moved the status
	OpExtend         OpKind = "extend"          // ExtendPayload: a supervisor's extension
	OpActivateAlumni OpKind = "activate_alumni" // ActivateAlumniPayload
	OpAlias          OpKind = "alias"           // AliasPayload
	OpPersonalEmail  OpKind = "personal_email"  // PersonalEmailPayload
)

type (
	// LifecyclePayload is one lifecycle transition (RunLifecycle).
	LifecyclePayload struct {
		From policy.Status `json:"from"`
		To   policy.Status `json:"to"`
		At   time.Time     `json:"at"`
	}
	// ExtendPayload postpones the end of student services.
	ExtendPayload struct {
		Until  string `json:"until"` // YYYY-MM-DD
		Reason string `json:"reason"`
	}
	// ActivateAlumniPayload is a graduate's first password; Status is what
	// the account became (alumni, or grace until the grace period ends).
	ActivateAlumniPayload struct {
		PasswordHash string        `json:"password_hash"`
		ActivatedAt  time.Time     `json:"activated_at"`
		Status       policy.Status `json:"status"`
	}
	AliasPayload struct {
		Alias string `json:"alias"`
	}
	// PersonalEmailPayload sets the address notices go to; "" clears it.
	PersonalEmailPayload struct {
		Email string `json:"email"`
	}
)

// decodeProfileOp decodes the payloads above (DecodePayload's other kinds).
func decodeProfileOp(op Op) (any, bool, error) {
	var (
		p   any
		err error
	)
	switch op.Kind {
	case OpLifecycle:
		p, err = decodeStrict[LifecyclePayload](op)
	case OpExtend:
		p, err = decodeStrict[ExtendPayload](op)
	case OpActivateAlumni:
		p, err = decodeStrict[ActivateAlumniPayload](op)
	case OpAlias:
		p, err = decodeStrict[AliasPayload](op)
	case OpPersonalEmail:
		p, err = decodeStrict[PersonalEmailPayload](op)
	default:
		return nil, false, nil
	}
	return p, true, err
}

// applyProfileOp is ApplyOp for the payloads above. Replaying one the
// snapshot already holds changes nothing: a transition applies only from
// its own starting status, an alumni activation only to an account never
// activated, and an alias (for life) only where none is set.
func (s *Snapshot) applyProfileOp(p any) {
	switch p := p.(type) {
	case LifecyclePayload:
		if s.Status == p.From {
			s.Status = p.To
		}
	case ExtendPayload:
		s.ExtendedUntil = p.Until
	case ActivateAlumniPayload:
		if s.ActivatedAt == nil && s.PasswordHash == "" {
			s.Status = p.Status
			s.ActivatedAt = timePtr(p.ActivatedAt.UTC())
		}
		s.setPassword(p.PasswordHash, p.ActivatedAt)
	case AliasPayload:
		if s.Alias == "" {
			s.Alias = p.Alias
		}
	case PersonalEmailPayload:
		s.PersonalEmail = p.Email
	}
}
