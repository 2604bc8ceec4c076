package kiosk

import (
	"context"

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
	Activate(ctx context.Context, account, password string) (store.Account, error)
	// SetPassword replaces the password of an active account (change or reset).
	SetPassword(ctx context.Context, account, password string) (store.Account, error)
	// BeginTOTP makes a new secret for the account; nothing is stored yet.
	BeginTOTP(ctx context.Context, account string) (store.Enrolment, error)
	// ConfirmTOTP stores the enrolment's secret once code is correct.
	ConfirmTOTP(ctx context.Context, e store.Enrolment, code string) (store.Account, error)
	// VerifyTOTP checks a code for an enrolled account; a step once accepted is refused again.
	VerifyTOTP(ctx context.Context, account, code string) error
	// SetDirectoryPublic records the "Open to Public" choice.
	SetDirectoryPublic(ctx context.Context, account string, public bool) (store.Account, error)
	// Status reports the replica and sync figures for the footer and staff.
	Status(ctx context.Context) (store.StationStatus, error)
}
