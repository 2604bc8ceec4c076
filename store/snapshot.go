package store

import (
	"context"
	"time"

	"github.com/expressstation/kiosk/store/domain"
)

// Snapshot reads one account in the exchange shape, or ErrNotFound.
func (r *Replica) Snapshot(ctx context.Context, account string) (domain.Snapshot, error) {
	a, err := r.byName(ctx, account)
	if err != nil {
		return domain.Snapshot{}, err
	}
	hist, err := r.history(ctx, a.ID)
	if err != nil {
		return domain.Snapshot{}, err
	}
	return a.snapshot(hist), nil
}

// snapshot is the row in the exchange shape, with its password history
// (newest first).
func (a row) snapshot(hist []string) domain.Snapshot {
	return domain.Snapshot{
		Name: a.Name, StudentID: a.StudentID, Surname: a.Surname, GivenNames: a.GivenNames,
		Department: a.Department, Level: a.Level, Category: a.Category,
		CompletionDate: dateString(a.Completion), ExtendedUntil: dateString(a.Extended),
		Status:   a.Status,
		HKIDHash: a.HKIDHash, DOBHash: a.DOBHash, PassportHash: a.PassportHash,
		PasswordHash: a.PasswordHash, PasswordHistory: hist,
		ActivatedAt: timePtr(a.ActivatedAt), PasswordChangedAt: timePtr(a.PasswordChangedAt),
		TOTPSealed: a.TOTPSealed, TOTPLastStep: a.TOTPLastStep,
		DirectoryPublic: a.DirectoryPublic, LockedUntil: timePtr(a.LockedUntil),
		Alias: a.Alias, AliasFullName: a.AliasFullName, DisplayName: a.DisplayName,
		PersonalEmail: a.PersonalEmail, ChineseName: a.ChineseName,
		PassHash: a.PassHash, PassExpires: timePtr(a.PassExpires), PassIssuedBy: a.PassIssuedBy,
		PersonalEmailVerifiedAt: timePtr(a.EmailVerifiedAt),
	}
}

func dateString(t time.Time) string { return domain.DateString(t) }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
