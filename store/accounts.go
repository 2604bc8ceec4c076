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
	Alias, PersonalEmail string    // "" when not set
	AliasFullName        bool      // Alias is a PG's full-name alias (at the e-mail domain)
	DisplayName          string    // the name on the student's e-mails; "" = policy.DefaultDisplayName
	EmailVerifiedAt      time.Time // when PersonalEmail was verified; zero: not (it gets no notices)
	ChineseName          string    // "" when the registry gives none
	// The desk's access pass: its hash ("" when none), expiry and issuer.
	PassHash, PassIssuedBy string
	PassExpires            time.Time
}

const rowColumns = `id, name, student_id, surname, given_names, department, level, category,
	completion_date, extended_until, status, hkid_hash, dob_hash, passport_hash, password_hash,
	activated_at, password_changed_at, totp_sealed, totp_last_step, directory_public, locked_until,
	alias, personal_email, chinese_name, pass_hash, pass_expires, pass_issued_by,
	coalesce(alias_full_name, 0), coalesce(display_name, ''), personal_email_verified_at`

// rowFrom is the accounts table with each account's profile (0004).
const rowFrom = ` FROM accounts LEFT JOIN account_profiles ON account_profiles.account = accounts.name `

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// loadRow reads one account by a unique column ("name" or "student_id").
// It returns ErrNotFound when there is none.
func loadRow(ctx context.Context, q queryer, column, value string) (row, error) {
	a, err := scanRow(q.QueryRowContext(ctx, "SELECT "+rowColumns+rowFrom+"WHERE "+column+" = ?", value))
	if errors.Is(err, sql.ErrNoRows) {
		return row{}, ErrNotFound
	}
	if err != nil {
		return row{}, fmt.Errorf("reading account: %w", err)
	}
	return a, nil
}

// scanRow reads the rowColumns of one result row (*sql.Row or *sql.Rows).
func scanRow(sc interface{ Scan(dest ...any) error }) (row, error) {
	var (
		a                        row
		level, category, status  string
		completion, extended     sql.NullString
		pwHash                   sql.NullString
		activated, changed, lock sql.NullString
		alias, personal          sql.NullString
		passExpires, verified    sql.NullString
	)
	err := sc.Scan(
		&a.ID, &a.Name, &a.StudentID, &a.Surname, &a.GivenNames, &a.Department, &level, &category,
		&completion, &extended, &status, &a.HKIDHash, &a.DOBHash, &a.PassportHash, &pwHash,
		&activated, &changed, &a.TOTPSealed, &a.TOTPLastStep, &a.DirectoryPublic, &lock,
		&alias, &personal, &a.ChineseName, &a.PassHash, &passExpires, &a.PassIssuedBy,
		&a.AliasFullName, &a.DisplayName, &verified)
	if err != nil {
		return row{}, err
	}
	a.Level, a.Category, a.Status = policy.Level(level), policy.Category(category), policy.Status(status)
	a.Completion, a.Extended = parseDate(completion), parseDate(extended)
	a.PasswordHash = pwHash.String
	a.ActivatedAt, a.PasswordChangedAt, a.LockedUntil = parseTime(activated), parseTime(changed), parseTime(lock)
	a.Alias, a.PersonalEmail = alias.String, personal.String
	a.PassExpires = parseTime(passExpires)
	if a.PersonalEmail != "" {
		a.EmailVerifiedAt = parseTime(verified)
	}
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
// central store writes these moves (and a standalone station, RunLifecycle);
// until one has, the screens still see the status the account has now.
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
		ChineseName:       a.ChineseName,
		Department:        a.Department,
		Level:             a.Level,
		Category:          a.Category,
		Status:            r.effective(a),
		CompletionDate:    a.Completion,
		TOTPEnrolled:      a.TOTPSealed != nil,
		DirectoryPublic:   a.DirectoryPublic,
		ActivatedAt:       a.ActivatedAt,
		PasswordChangedAt: a.PasswordChangedAt,
		Alias:             a.Alias,
		AliasEmail:        r.aliasEmail(a.Alias, a.AliasFullName),
		AliasFullName:     a.AliasFullName,
		DisplayName:       a.displayName(),
		PersonalEmail:     a.PersonalEmail,
		EmailVerifiedAt:   a.EmailVerifiedAt,
		ExtendedUntil:     a.Extended,
		ServicesEnd:       policy.StudentServicesEnd(a.Completion, a.Extended),
	}
}

// activated reports whether the account was ever activated (as a student or
// an alumnus): it has a password. The lifecycle moves never-activated
// accounts along too, so the status alone does not tell.
func (a row) activated() bool { return a.PasswordHash != "" || !a.ActivatedAt.IsZero() }

// reload reads the account again after a change, for the caller's result.
func (r *Replica) reload(ctx context.Context, name string) (Account, error) {
	a, err := loadRow(ctx, r.r, "name", name)
	if err != nil {
		return Account{}, err
	}
	return r.account(a), nil
}

// reloadWith is reload carrying the visit's proof for its next change.
func (r *Replica) reloadWith(ctx context.Context, name string, p Proof) (Account, error) {
	acct, err := r.reload(ctx, name)
	if err != nil {
		return Account{}, err
	}
	acct.Proof = p
	return acct, nil
}

// checkLock refuses self-service while the account is locked.
// selfService reads an account for a student's operation: refused while the
// account is locked, or when rule (the operation's status rule) says no.
func (r *Replica) selfService(ctx context.Context, account string, rule func(row) error) (row, error) {
	a, err := r.byName(ctx, account)
	if err != nil {
		return row{}, err
	}
	if err := r.checkLock(a); err != nil {
		return row{}, err
	}
	if err := rule(a); err != nil {
		return row{}, err
	}
	return a, nil
}

func (r *Replica) checkLock(a row) error {
	if !a.LockedUntil.IsZero() && r.now().Before(a.LockedUntil) {
		return &LockedError{Until: a.LockedUntil}
	}
	return nil
}

// requireActivated refuses accounts that have no password to change or 2FA
// to enrol: terminated, or never activated (a graduate who never activated
// is sent to Alumni Account Activation).
func (r *Replica) requireActivated(a row) error {
	eff := r.effective(a)
	switch {
	case a.Status == policy.StatusTerminated || eff == policy.StatusTerminated:
		return ErrTerminated
	case !a.activated() && eff == policy.StatusAlumni:
		return ErrAlumniNotActivated
	case !a.activated():
		return ErrNotActivated
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
