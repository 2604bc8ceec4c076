package store

import (
	"context"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// Snapshot is a whole account as replicas exchange it: what the central
// store sends in a "changes after N" page, and what a station applies (in one
// transaction with its new cursor) to bootstrap or stay current. It carries
// hashes and sealed values only, so a page on the wire reveals no identity
// number, password or TOTP secret. Dates are "YYYY-MM-DD" or "".
type Snapshot struct {
	Seq               int64           `json:"seq,omitempty"` // the central change number (0 when read locally)
	Name              string          `json:"name"`
	StudentID         string          `json:"student_id"`
	Surname           string          `json:"surname"`
	GivenNames        string          `json:"given_names"`
	Department        string          `json:"department"`
	Level             policy.Level    `json:"level"`
	Category          policy.Category `json:"category"`
	CompletionDate    string          `json:"completion_date,omitempty"`
	ExtendedUntil     string          `json:"extended_until,omitempty"`
	Status            policy.Status   `json:"status"`
	HKIDHash          []byte          `json:"hkid_hash,omitempty"`
	DOBHash           []byte          `json:"dob_hash,omitempty"`
	PassportHash      []byte          `json:"passport_hash,omitempty"`
	PasswordHash      string          `json:"password_hash,omitempty"`
	PasswordHistory   []string        `json:"password_history,omitempty"` // newest first, current included
	ActivatedAt       *time.Time      `json:"activated_at,omitempty"`
	PasswordChangedAt *time.Time      `json:"password_changed_at,omitempty"`
	TOTPSealed        []byte          `json:"totp_sealed,omitempty"`
	TOTPLastStep      int64           `json:"totp_last_step"`
	DirectoryPublic   bool            `json:"directory_public"`
	LockedUntil       *time.Time      `json:"locked_until,omitempty"`
	Alias             string          `json:"alias,omitempty"`          // alumni e-mail alias (profile_ops.go)
	PersonalEmail     string          `json:"personal_email,omitempty"` // where notices go
}

// Snapshot reads one account in the exchange shape, or ErrNotFound.
func (r *Replica) Snapshot(ctx context.Context, account string) (Snapshot, error) {
	a, err := r.byName(ctx, account)
	if err != nil {
		return Snapshot{}, err
	}
	hist, err := r.history(ctx, a.ID)
	if err != nil {
		return Snapshot{}, err
	}
	return a.snapshot(hist), nil
}

// snapshot is the row in the exchange shape, with its password history
// (newest first).
func (a row) snapshot(hist []string) Snapshot {
	return Snapshot{
		Name: a.Name, StudentID: a.StudentID, Surname: a.Surname, GivenNames: a.GivenNames,
		Department: a.Department, Level: a.Level, Category: a.Category,
		CompletionDate: dateString(a.Completion), ExtendedUntil: dateString(a.Extended),
		Status:   a.Status,
		HKIDHash: a.HKIDHash, DOBHash: a.DOBHash, PassportHash: a.PassportHash,
		PasswordHash: a.PasswordHash, PasswordHistory: hist,
		ActivatedAt: timePtr(a.ActivatedAt), PasswordChangedAt: timePtr(a.PasswordChangedAt),
		TOTPSealed: a.TOTPSealed, TOTPLastStep: a.TOTPLastStep,
		DirectoryPublic: a.DirectoryPublic, LockedUntil: timePtr(a.LockedUntil),
		Alias: a.Alias, PersonalEmail: a.PersonalEmail,
	}
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(dateLayout)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
