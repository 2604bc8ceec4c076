package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// Account is what a screen may show about an account. It carries no secret.
type Account struct {
	Name              string // account name, e.g. "tmchan"
	Email             string
	StudentID         string
	Surname           string
	GivenNames        string
	Department        string
	Level             policy.Level
	Category          policy.Category
	Status            policy.Status
	CompletionDate    time.Time // zero when the registry gives none
	TOTPEnrolled      bool
	DirectoryPublic   bool
	ActivatedAt       time.Time // zero until activated
	PasswordChangedAt time.Time // zero until a password is set
}

// Identity is what a student types to prove who they are: a Student ID and
// either an HK ID card number or a date of birth.
type Identity struct {
	StudentID   string // digits, already validated by policy
	HKID        string // normalised by policy.ParseHKID (e.g. "A1234563"); empty when DateOfBirth is used
	DateOfBirth string // "YYYY-MM-DD"; empty when HKID is used
	PassportNo  string // upper case, no spaces; used only when HKID and DateOfBirth are empty
}

// Enrolment is a TOTP secret offered to a student but not yet saved: it is
// stored (sealed) only when ConfirmTOTP receives a correct code.
type Enrolment struct {
	Account string
	Secret  string // base32, no padding
	URI     string // otpauth:// URI for the QR code
}

// StationStatus is what `kiosk status` and the staff panel print.
type StationStatus struct {
	Accounts       int        `json:"accounts"`
	OutboxPending  int        `json:"outbox_pending"`
	OutboxRejected int        `json:"outbox_rejected"`
	Cursor         int64      `json:"cursor"`
	LastSync       *time.Time `json:"last_sync"`
	LastSyncError  string     `json:"last_sync_error,omitempty"`
	SchemaVersion  int        `json:"schema_version"`
	DatabaseBytes  int64      `json:"database_bytes"`
	Path           string     `json:"path"`
}

// Errors a flow can meet. Each has a message a student can act on; screens
// choose their wording with errors.Is / errors.As.
var (
	ErrNotFound         = errors.New("we could not find a student with these details")
	ErrIdentityMismatch = errors.New("the details do not match our records")
	ErrWrongPassword    = errors.New("the account name or password is not correct")
	ErrNotActivated     = errors.New("this account has not been activated yet: choose Student A/C Activation")
	ErrAlreadyActive    = errors.New("this account is already activated: use Change Network Password or Forgot Password")
	ErrTerminated       = errors.New("this account has been terminated")
	ErrNotEligible      = errors.New("this account is not eligible for this service")
	ErrTOTPWrong        = errors.New("that code is not correct")
	ErrTOTPReplay       = errors.New("that code has already been used: wait for the next code")
	ErrTOTPClock        = errors.New("that code is from a different time: check that your phone's clock is set automatically")
	ErrTOTPNotEnrolled  = errors.New("two-factor authentication is not set up for this account")
)

// LockedError says an account's self-service is locked after too many failures.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed attempts: self-service is locked until %s", e.Until.Local().Format("15:04"))
}

// PolicyError lists the password rules a new password breaks (including
// "reuse", which only the store can decide).
type PolicyError struct{ Violations []policy.Violation }

func (e *PolicyError) Error() string {
	if len(e.Violations) == 0 {
		return "password refused"
	}
	return "password refused: " + e.Violations[0].Message
}
