package kiosk

import (
	"context"
	"time"

	"github.com/expressstation/kiosk/store"
)

// Accounts is everything the screens may ask of the account store. The
// station's SQLite replica implements it; tests may pass a fake. Screens call
// it only from tea.Cmds, never inside Update or View.
type Accounts interface {
	// VerifyIdentity checks a Student ID with an HKID or date of birth. A
	// mismatch counts towards the account's lockout.
	VerifyIdentity(ctx context.Context, id store.Identity) (store.Account, error)
	// VerifyPassword checks an account name and its current password. A
	// mismatch counts towards the account's lockout.
	VerifyPassword(ctx context.Context, account, password string) (store.Account, error)
	// Activate sets the first password of a registered account and makes it active.
	// Every write takes the proof of the visit (store.Account.Proof, from
	// the verification or the previous write) and returns the next one.
	Activate(ctx context.Context, p store.Proof, password string) (store.Account, error)
	// SetPassword replaces the password of an active account (change or reset).
	SetPassword(ctx context.Context, p store.Proof, password string) (store.Account, error)
	// BeginTOTP makes a new secret for the account; nothing is stored yet.
	BeginTOTP(ctx context.Context, p store.Proof) (store.Enrolment, error)
	// ConfirmTOTP stores the enrolment's secret once code is correct.
	ConfirmTOTP(ctx context.Context, e store.Enrolment, code string) (store.Account, error)
	// VerifyTOTP checks a code for an enrolled account; a step once accepted is refused again.
	VerifyTOTP(ctx context.Context, p store.Proof, code string) (store.Proof, error)
	// UsePass spends the service desk's access pass after the identity
	// check; the proof it returns stands for a 2FA code (a wrong pass counts
	// toward the lockout).
	UsePass(ctx context.Context, p store.Proof, pass string) (store.Proof, error)
	// SetDirectoryPublic records the "Open to Public" choice.
	SetDirectoryPublic(ctx context.Context, p store.Proof, public bool) (store.Account, error)

	// VerifyAlumni checks a graduate's full name (as on the HK ID card or
	// passport) with the HKID or passport number, and returns the account
	// only when it can be activated as an alumni account; otherwise the error
	// says why (store.ErrAlumniNonDegree, ...). A wrong name counts towards
	// the account's lockout.
	VerifyAlumni(ctx context.Context, id store.AlumniIdentity) (store.Account, error)
	// ActivateAlumni sets the first password of a graduate's account that was
	// never activated.
	ActivateAlumni(ctx context.Context, p store.Proof, password string) (store.Account, error)
	// SetAlias gives a graduate a lifelong alumni e-mail alias; a clash is a
	// *store.AliasTakenError with free suggestions.
	SetAlias(ctx context.Context, p store.Proof, alias string) (store.Account, error)
	// AliasAvailable reads whether the account may take alias now (free, or
	// its own), and free ones like it when it is taken; it changes nothing.
	AliasAvailable(ctx context.Context, account, alias string) (bool, []string, error)
	// SetPersonalEmail sets the personal address notices go to ("" clears it).
	SetPersonalEmail(ctx context.Context, p store.Proof, email string) (store.Account, error)
	// SetDisplayName sets the name on the student's e-mails ("" or the
	// registry's name: the default).
	SetDisplayName(ctx context.Context, p store.Proof, name string) (store.Account, error)
	// SendEmailCode sends a one-time code for purpose (store.CodeVerifyEmail
	// to address, store.CodeReset to the verified personal e-mail); a new
	// code replaces the last. store.ErrCodeNotSent: the station or the
	// central store could not send it now.
	SendEmailCode(ctx context.Context, p store.Proof, purpose, address string) (store.CodeSent, error)
	// VerifyPersonalEmail saves the address the code went to, as verified,
	// once the code is right (a wrong one counts toward the lockout).
	VerifyPersonalEmail(ctx context.Context, p store.Proof, code string) (store.Account, error)
	// VerifyResetCode checks a reset code and returns the proof the new
	// password is saved with (a wrong one counts toward the lockout).
	VerifyResetCode(ctx context.Context, p store.Proof, code string) (store.Proof, error)
	// Status reports the replica and sync figures for the footer and staff.
	Status(ctx context.Context) (store.StationStatus, error)
}

// Staff is what staff mode asks of the station's replica; the replica
// implements it. Like Accounts, it is called only from tea.Cmds.
type Staff interface {
	// StaffSignIn checks a PIN against the configured hash. Wrong PINs count
	// towards the staff lockout (*store.StaffPINError, *store.StaffLockedError).
	StaffSignIn(ctx context.Context, pinHash, pin string) error
	// StaffAudit records a staff action that changes nothing else.
	StaffAudit(ctx context.Context, action, detail string) error
	// Maintenance reports whether students see the out-of-service screen;
	// SetMaintenance switches it (it survives a restart).
	Maintenance(ctx context.Context) (bool, error)
	SetMaintenance(ctx context.Context, on bool) error
	// StationReport is the panel's figures and the newest rejected ops.
	StationReport(ctx context.Context, rejectedLimit int) (store.StationReport, error)
	// RebuildFromRegistry resets a standalone station, ResetForResync one
	// with an upstream; both keep the outbox whole.
	RebuildFromRegistry(ctx context.Context) (store.ResetReport, error)
	ResetForResync(ctx context.Context) (store.ResetReport, error)
	// IssuePass gives an account a one-time access pass (issue 15) on a
	// standalone station, valid for valid; the store audits who and why.
	// The pass is returned to be shown once.
	IssuePass(ctx context.Context, account, reason, by string, valid time.Duration) (string, time.Time, error)
}
