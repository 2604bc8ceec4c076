package store

import (
	"errors"
	"fmt"
	"strings"
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
	ChineseName       string // the registry's name in Chinese characters (陳大文), or ""
	Department        string
	Level             policy.Level
	Category          policy.Category
	Status            policy.Status
	CompletionDate    time.Time // zero when the registry gives none
	TOTPEnrolled      bool
	DirectoryPublic   bool
	ActivatedAt       time.Time // zero until activated
	PasswordChangedAt time.Time // zero until a password is set

	// Lifecycle and profile (store/lifecycle.go, store/profile.go).
	Alias         string // alumni e-mail alias, e.g. "peter.chan"; "" until chosen
	AliasEmail    string // the alias at Options.AliasDomain (a full-name alias: at EmailDomain); "" without an alias
	AliasFullName bool   // Alias is a postgraduate's full-name alias (store/profile.go)
	DisplayName   string // the name on the student's e-mails: the one set, else policy.DefaultDisplayName
	PersonalEmail string // where notices go when verified; "" = to Email
	// EmailVerifiedAt is when the student typed the code sent to
	// PersonalEmail; zero for an address set before codes, which gets no
	// notices until it is verified.
	EmailVerifiedAt time.Time
	ExtendedUntil   time.Time // a supervisor's extension of student services; zero when none
	ServicesEnd     time.Time // when student services end (grace end or extension); zero without a completion date

	// Proof is how this visit verified the student, and the visit's last
	// change: a write takes it and the next change follows that one
	// (the central store refuses a change that follows a refused one).
	Proof Proof
}

// Proof is what a verification allowed, carried from write to write of
// one visit: the account verified, how (ProofHKID, ...; a 2FA code makes
// it ProofTOTP) and the op id of the visit's last change ("" before its
// first). Each op written with it records Kind and After, so the central
// store decides a visit's ops as a chain and re-checks the proof. A zero
// Kind (staff, lifecycle, tests) writes ops decided alone, as before.
type Proof struct {
	Account string
	Kind    string
	After   string
}

// Unverified is a proof for writes that no student verification allowed
// (the demo seeding, tests): its ops are decided alone.
func Unverified(account string) Proof { return Proof{Account: account} }

// ErrProofMismatch refuses a write whose proof is for another account, or
// follows a change the central store has refused meanwhile.
var ErrProofMismatch = newError("error.proof-mismatch", "this change cannot be saved: an earlier step of this visit was refused, or was for another account: please start again")

// Identity is what a student types to prove who they are: a Student ID and
// either an HK ID card number or a date of birth.
type Identity struct {
	StudentID   string // digits, already validated by policy
	HKID        string // normalised by policy.ParseHKID (e.g. "A1234563"); empty when DateOfBirth is used
	DateOfBirth string // "YYYY-MM-DD"; empty when HKID is used
	PassportNo  string // upper case, no spaces; used only when HKID and DateOfBirth are empty
}

// AlumniIdentity is what a graduate who never activated types at "Alumni
// Account Activation": the full name exactly as on the HK ID card or
// passport, and the HKID or (when HKID is empty) the passport number.
type AlumniIdentity struct {
	FullName   string // policy.FullNameMatches decides
	HKID       string // normalised by policy.ParseHKID (e.g. "A1234563"), or ""
	PassportNo string // upper case, no spaces; used only when HKID is empty
}

// Enrolment is a TOTP secret offered to a student but not yet saved: it is
// stored (sealed) only when ConfirmTOTP receives a correct code.
type Enrolment struct {
	Account string
	Proof   Proof  // what allowed it (BeginTOTP's proof); ConfirmTOTP writes with it
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
	// Upstream is the central store URL the last successful sync used
	// ([sync] upstream may list several).
	Upstream string `json:"upstream,omitempty"`
	// Bootstrapping: a walk of the whole feed (or the pull after a
	// replica snapshot) has not reached the central store's head yet, so
	// the replica may lack or hold stale accounts; students wait for it.
	Bootstrapping bool   `json:"bootstrapping,omitempty"`
	SchemaVersion int    `json:"schema_version"`
	DatabaseBytes int64  `json:"database_bytes"`
	Path          string `json:"path"`
}

// Errors a flow can meet. Each has an English message for logs and a
// message id for the screens (Message, store/text); screens choose their
// wording with errors.Is / errors.As.
var (
	ErrNotFound         = newError("error.not-found", "we could not find a student with these details")
	ErrIdentityMismatch = newError("error.identity-mismatch", "the details do not match our records")
	ErrWrongPassword    = newError("error.wrong-password", "the account name or password is not correct")
	ErrNotActivated     = newError("error.not-activated", "this account has not been activated yet: choose Student A/C Activation")
	ErrAlreadyActive    = newError("error.already-active", "this account is already activated: use Change Network Password or Forgot Password")
	ErrTerminated       = newError("error.terminated", "this account has been terminated")
	ErrNotEligible      = newError("error.not-eligible", "this account is not eligible for this service")
	ErrTOTPWrong        = newError("error.totp-wrong", "that code is not correct")
	ErrTOTPReplay       = newError("error.totp-replay", "that code has already been used: wait for the next code")
	ErrTOTPClock        = newError("error.totp-clock", "that code is from a different time: check that your phone's clock is set automatically")
	ErrTOTPNotEnrolled  = newError("error.totp-not-enrolled", "two-factor authentication is not set up for this account")
)

// Errors of the alumni, alias and profile services. The alumni refusals say
// which case applies (seed "alumni-accounts-faq"); each also matches the
// general error a screen may already handle: ErrNotEligible or
// ErrAlreadyActive.
var (
	ErrAlumniNonDegree = &kindError{ErrNotEligible, "error.alumni-non-degree",
		"non-degree graduates of short-term courses are not eligible for an alumni e-mail account"}
	ErrAlumniExchange = &kindError{ErrNotEligible, "error.alumni-exchange",
		"former exchange students are not eligible for an alumni e-mail account"}
	ErrAlumniVisiting = &kindError{ErrNotEligible, "error.alumni-visiting",
		"visiting scholars and visiting students are not eligible for an alumni e-mail account"}
	ErrAlumniNotGraduated = &kindError{ErrNotEligible, "error.alumni-not-graduated",
		"your studies have not ended yet: activate your student account with Student A/C Activation; it continues after graduation"}
	ErrAlumniAlreadyActive = &kindError{ErrAlreadyActive, "error.alumni-already-active",
		"you already have an activated @connect account, which continues as your alumni account: " +
			"use Change Network Password, or Forgot Password if you do not know it"}
	ErrAlumniNotActivated = &kindError{ErrNotEligible, "error.alumni-not-activated",
		"you have graduated and this account was never activated: choose Alumni Account Activation"}
	ErrAliasNotEligible = &kindError{ErrNotEligible, "error.alias-not-eligible",
		"an alumni e-mail alias is for degree graduates: it can be chosen once your studies are completed"}
	ErrAliasAlreadySet = newError("error.alias-already-set", "your alumni e-mail alias is already chosen, and it is for life: "+
		"to correct it, write to the alumni office")
	ErrAliasTaken = newError("error.alias-taken", "this alias is already taken: choose another")
	// A postgraduate's full-name alias is set once at a station; the
	// service desk changes it (it may be printed on cards and papers).
	ErrFullNameAliasSet = newError("error.full-name-alias-set", "your full-name alias is already chosen: to change it, ask at the service desk")
)

// Message is a student-facing error: the catalog id (store/text) and named
// data a screen renders it with, in the station's language. Error() stays
// English, for logs.
type Message interface {
	MessageID() string
	MessageData() map[string]any
}

// MessageOf gives the catalog id and data of the first Message in err's
// chain; ok is false when there is none.
func MessageOf(err error) (id string, data map[string]any, ok bool) {
	var m Message
	if !errors.As(err, &m) {
		return "", nil, false
	}
	return m.MessageID(), m.MessageData(), true
}

// idError is a sentinel error with a catalog id.
type idError struct{ id, msg string }

func newError(id, msg string) error { return &idError{id, msg} }

func (e *idError) Error() string               { return e.msg }
func (e *idError) MessageID() string           { return e.id }
func (e *idError) MessageData() map[string]any { return nil }

// kindError is an error with its own message that also matches a more
// general kind with errors.Is.
type kindError struct {
	kind error
	id   string
	msg  string
}

func (e *kindError) Error() string               { return e.msg }
func (e *kindError) Is(target error) bool        { return target == e.kind }
func (e *kindError) MessageID() string           { return e.id }
func (e *kindError) MessageData() map[string]any { return nil }

// AliasTakenError refuses an alias someone else has; Suggestions are free
// aliases like it (policy.AliasSuggestions). It matches ErrAliasTaken.
type AliasTakenError struct {
	Alias       string
	Suggestions []string
}

func (e *AliasTakenError) Error() string {
	msg := fmt.Sprintf("%s is already taken", e.Alias)
	if len(e.Suggestions) == 0 {
		return msg + ": choose another"
	}
	return msg + ": try " + strings.Join(e.Suggestions, ", ")
}

func (e *AliasTakenError) Is(target error) bool { return target == ErrAliasTaken }

func (e *AliasTakenError) MessageID() string {
	if len(e.Suggestions) == 0 {
		return "error.alias-taken-choose"
	}
	return "error.alias-taken-try"
}

func (e *AliasTakenError) MessageData() map[string]any {
	return map[string]any{"Alias": e.Alias, "Suggestions": strings.Join(e.Suggestions, ", ")}
}

// LockedError says an account's self-service is locked after too many failures.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("too many failed attempts: self-service is locked until %s", e.Until.Local().Format("15:04"))
}

func (e *LockedError) MessageID() string { return "error.locked" }

// MessageData gives Until as the station's local time of day; a screen
// with its own clock passes its own.
func (e *LockedError) MessageData() map[string]any {
	return map[string]any{"Until": e.Until.Local().Format("15:04")}
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

// MessageID words the refusal as a whole; each violation has its own id
// (policy.Violation.ID) for the list under it.
func (e *PolicyError) MessageID() string           { return "error.password-refused" }
func (e *PolicyError) MessageData() map[string]any { return nil }
