package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// row is an account as stored, secrets (hashed or sealed) included. It never
// leaves the package: callers get an Account.
type row struct {
	ID                   int64
	Name, StudentID      string
	Surname, GivenNames  string
	Department           string
	Level                policy.Level
	Category             policy.Category
	Completion, Extended time.Time
	Status               policy.Status // as stored; see effective
	HKIDHash, DOBHash    []byte
	PassportHash         []byte
	PasswordHash         string
	ActivatedAt          time.Time
	PasswordChangedAt    time.Time
	TOTPSealed           []byte
	TOTPLastStep         int64
	DirectoryPublic      bool
	LockedUntil          time.Time
}

const rowColumns = `id, name, student_id, surname, given_names, department, level, category,
	completion_date, extended_until, status, hkid_hash, dob_hash, passport_hash, password_hash,
	activated_at, password_changed_at, totp_sealed, totp_last_step, directory_public, locked_until`

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadRow reads one account by a unique column ("name" or "student_id").
// It returns ErrNotFound when there is none.
func loadRow(ctx context.Context, q queryer, column, value string) (row, error) {
	var (
		a                        row
		level, category, status  string
		completion, extended     sql.NullString
		pwHash                   sql.NullString
		activated, changed, lock sql.NullString
	)
	err := q.QueryRowContext(ctx, "SELECT "+rowColumns+" FROM accounts WHERE "+column+" = ?", value).Scan(
		&a.ID, &a.Name, &a.StudentID, &a.Surname, &a.GivenNames, &a.Department, &level, &category,
		&completion, &extended, &status, &a.HKIDHash, &a.DOBHash, &a.PassportHash, &pwHash,
		&activated, &changed, &a.TOTPSealed, &a.TOTPLastStep, &a.DirectoryPublic, &lock)
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, ErrNotFound
	}
	if err != nil {
		return row{}, fmt.Errorf("reading account: %w", err)
	}
	a.Level, a.Category, a.Status = policy.Level(level), policy.Category(category), policy.Status(status)
	a.Completion, a.Extended = parseDate(completion), parseDate(extended)
	a.PasswordHash = pwHash.String
	a.ActivatedAt, a.PasswordChangedAt, a.LockedUntil = parseTime(activated), parseTime(changed), parseTime(lock)
	return a, nil
}

// byName and byStudentID read from the read pool.
func (r *Replica) byName(ctx context.Context, name string) (row, error) {
	return loadRow(ctx, r.r, "name", name)
}

func (r *Replica) byStudentID(ctx context.Context, id string) (row, error) {
	return loadRow(ctx, r.r, "student_id", id)
}

// effective is the status the account has now: the stored status moved along
// the lifecycle by the injected clock (completion date, grace, alumni). The
// store does not write these moves; the central store owns them.
func (r *Replica) effective(a row) policy.Status {
	if a.Completion.IsZero() {
		return a.Status
	}
	return policy.LifecycleStatus(a.Status, a.Category, a.Completion, a.Extended, r.now())
}

// account is what screens may see of a row.
func (r *Replica) account(a row) Account {
	return Account{
		Name:              a.Name,
		Email:             policy.Email(a.Name, r.opt.EmailDomain),
		StudentID:         a.StudentID,
		Surname:           a.Surname,
		GivenNames:        a.GivenNames,
		Department:        a.Department,
		Level:             a.Level,
		Category:          a.Category,
		Status:            r.effective(a),
		CompletionDate:    a.Completion,
		TOTPEnrolled:      a.TOTPSealed != nil,
		DirectoryPublic:   a.DirectoryPublic,
		ActivatedAt:       a.ActivatedAt,
		PasswordChangedAt: a.PasswordChangedAt,
	}
}

// reload reads the account again after a change, for the caller's result.
func (r *Replica) reload(ctx context.Context, name string) (Account, error) {
	a, err := loadRow(ctx, r.r, "name", name)
	if err != nil {
		return Account{}, err
	}
	return r.account(a), nil
}

// checkLock refuses self-service while the account is locked.
func (r *Replica) checkLock(a row) error {
	if !a.LockedUntil.IsZero() && r.now().Before(a.LockedUntil) {
		return &LockedError{Until: a.LockedUntil}
	}
	return nil
}

// requireActivated refuses accounts that have no password to change or 2FA
// to enrol: not yet activated, or terminated.
func (r *Replica) requireActivated(a row) error {
	switch {
	case a.Status == policy.StatusRegistered:
		return ErrNotActivated
	case a.Status == policy.StatusTerminated || r.effective(a) == policy.StatusTerminated:
		return ErrTerminated
	}
	return nil
}

// Account returns the account with this name, or ErrNotFound. It changes
// nothing and records no failure.
func (r *Replica) Account(ctx context.Context, name string) (Account, error) {
	a, err := r.byName(ctx, name)
	if err != nil {
		return Account{}, err
	}
	return r.account(a), nil
}
