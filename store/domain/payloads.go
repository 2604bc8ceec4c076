package domain

import (
	"time"

	"github.com/expressstation/kiosk/policy"
)

// Payloads carry what the central store needs to apply an op: hashes, sealed
// values, steps and flags; never a plaintext password, identity number or
// TOTP secret. kinds.go names the kind of each.
type (
	ActivatePayload struct {
		PasswordHash string    `json:"password_hash"` // argon2id PHC string
		ActivatedAt  time.Time `json:"activated_at"`
	}
	SetPasswordPayload struct {
		PasswordHash string    `json:"password_hash"`
		ChangedAt    time.Time `json:"changed_at"`
	}
	EnrolTOTPPayload struct {
		Sealed []byte `json:"totp_sealed"` // keys.Seal(secret, aad = account name)
		Step   int64  `json:"step"`        // the step that confirmed the enrolment
	}
	TOTPStepPayload struct {
		Step int64 `json:"step"` // accepted now; never accepted again anywhere
	}
	DirectoryPayload struct {
		Public bool `json:"public"`
	}
	FailurePayload struct {
		What        string     `json:"what"` // identity, password or totp
		At          time.Time  `json:"at"`
		LockedUntil *time.Time `json:"locked_until,omitempty"` // set when this failure locked the account
	}

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
	// AliasPayload chooses the account's one alias: an alumni alias, or
	// (FullName) a postgraduate's full-name alias at the university's own
	// mail domain (policy.ParseFullNameAlias).
	AliasPayload struct {
		Alias    string `json:"alias"`
		FullName bool   `json:"full_name,omitempty"`
	}
	// DisplayNamePayload sets the name shown on the student's e-mails
	// (policy.ParseDisplayName); "" goes back to the registry's name.
	DisplayNamePayload struct {
		Name string `json:"name"`
	}
	// PersonalEmailPayload sets the address notices go to; "" clears it.
	// VerifiedAt is when the student typed the code sent to it (nil from a
	// station before e-mail codes: the address is kept but gets no notices).
	PersonalEmailPayload struct {
		Email      string     `json:"email"`
		VerifiedAt *time.Time `json:"verified_at,omitempty"`
	}
	// UsePassPayload: the outstanding pass (named by its hash, which every
	// station has) was used at At. A pass works once: the centre refuses a
	// second use as it refuses a 2FA code used twice.
	UsePassPayload struct {
		PassHash string    `json:"pass_hash"`
		At       time.Time `json:"at"`
	}
)
