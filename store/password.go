package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

// historyLen is how many password hashes an account keeps, the current one
// included: a new password may match none of them (seed: "Cannot reuse any
// of the last ten passwords").
const historyLen = domain.HistoryLen

// reuseViolation is the "reuse" rule, which only the store can decide.
var reuseViolation = policy.Violation{
	Rule:    policy.RuleReuse,
	Message: "You used this password recently: choose one you have not used before",
}

// dummyHash is verified against when there is no real hash (unknown account,
// never activated), so the reply takes as long as for a real account and
// does not tell which account names exist.
var dummyHash = sync.OnceValues(func() (string, error) {
	return secret.HashPassword("express station timing equaliser")
})

// VerifyPassword checks an account's current password. An unknown account
// and a wrong password give the same ErrWrongPassword; only a failure on an
// existing account counts towards its lockout. A right password on an
// account that cannot be used gives the matching status error.
func (r *Replica) VerifyPassword(ctx context.Context, account, password string) (Account, error) {
	a, err := r.byName(ctx, account)
	if errors.Is(err, ErrNotFound) {
		burnTime(password)
		return Account{}, ErrWrongPassword
	}
	if err != nil {
		return Account{}, err
	}
	if err := r.checkLock(a); err != nil {
		return Account{}, err
	}
	ok, err := r.passwordMatches(a, password)
	if err != nil {
		return Account{}, err
	}
	if !ok {
		return Account{}, r.recordFailure(ctx, a, failPassword, ErrWrongPassword)
	}
	if err := r.requireActivated(a); err != nil {
		return Account{}, err
	}
	acct := r.account(a)
	acct.Proof = Proof{Account: a.Name, Kind: domain.ProofPassword}
	return acct, nil
}

// passwordMatches verifies against the stored hash, or burns the same time
// when there is none.
func (r *Replica) passwordMatches(a row, pw string) (bool, error) {
	if a.PasswordHash == "" {
		burnTime(pw)
		return false, nil
	}
	ok, err := secret.VerifyPassword(a.PasswordHash, pw)
	if err != nil {
		return false, fmt.Errorf("account %s: stored password hash: %w", a.Name, err)
	}
	return ok, nil
}

func burnTime(pw string) {
	if h, err := dummyHash(); err == nil {
		_, _ = secret.VerifyPassword(h, pw)
	}
}

// firstPasswordHash checks a first password against the rules (there is no
// history yet) and hashes it; callers do this before any transaction opens.
func firstPasswordHash(a row, password string) (string, error) {
	if vs := policy.CheckPassword(password, person(a)); len(vs) > 0 {
		return "", &PolicyError{Violations: vs}
	}
	return secret.HashPassword(password)
}

// Activate sets the first password of a registered account and makes it
// active. The argon2 work happens before the write transaction opens.
func (r *Replica) Activate(ctx context.Context, p Proof, password string) (Account, error) {
	a, err := r.selfService(ctx, p.Account, r.activatable)
	if err != nil {
		return Account{}, err
	}
	hash, err := firstPasswordHash(a, password)
	if err != nil {
		return Account{}, err
	}
	now := r.now()
	c := &change{Account: a.Name, Action: "activate", Kind: domain.OpActivate, At: now,
		Payload: domain.ActivatePayload{PasswordHash: hash, ActivatedAt: now}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts
			SET status = 'active', password_hash = ?, activated_at = ?, password_changed_at = ?, updated_at = ?
			WHERE id = ? AND status = 'registered'`,
			hash, formatTime(now), formatTime(now), formatTime(now), a.ID)
		if err := mustAffect(res, err, ErrAlreadyActive); err != nil {
			return err
		}
		return pushHistory(ctx, tx, a.ID, hash, now)
	})
	if err != nil {
		return Account{}, err
	}
	r.log.Info("account activated", "account", a.Name)
	return r.reloadWith(ctx, a.Name, c.Next)
}

// activatable says why an account cannot be activated, or nil
// (policy.CanActivate, the rule a station's summary shows too).
func (r *Replica) activatable(a row) error {
	return ActivationError(policy.CanActivate(r.effective(a), a.Category, a.Completion, a.activated(), r.now()))
}

// ActivationError is the refusal of Student A/C Activation that
// policy.CanActivate's answer means, or nil: the error a screen explains.
func ActivationError(a policy.Activation) error {
	switch a {
	case policy.ActivationOpen:
		return nil
	case policy.ActivationDone:
		return ErrAlreadyActive
	case policy.ActivationTerminated:
		return ErrTerminated
	case policy.ActivationGraduate:
		return ErrAlumniNotActivated // a graduate: Alumni Account Activation
	}
	return ErrNotEligible // studies ended before the account was activated
}

// SetPassword replaces the password of an activated account (change or
// reset). The new password must keep every policy rule and match none of the
// last ten; all argon2 work happens before the write transaction opens.
func (r *Replica) SetPassword(ctx context.Context, p Proof, password string) (Account, error) {
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return Account{}, err
	}
	vs := policy.CheckPassword(password, person(a))
	reused, err := r.reused(ctx, a, password)
	if err != nil {
		return Account{}, err
	}
	if reused {
		vs = append(vs, reuseViolation)
	}
	if len(vs) > 0 {
		return Account{}, &PolicyError{Violations: vs}
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return Account{}, err
	}
	now := r.now()
	c := &change{Account: a.Name, Action: "set_password", Kind: domain.OpSetPassword, At: now,
		Payload: domain.SetPasswordPayload{PasswordHash: hash, ChangedAt: now}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		// Only if the password is still the one checked for reuse above.
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ?, password_changed_at = ?, updated_at = ?
			WHERE id = ? AND password_hash = ?`,
			hash, formatTime(now), formatTime(now), a.ID, a.PasswordHash)
		if err := mustAffect(res, err, errChangedMeanwhile); err != nil {
			return err
		}
		return pushHistory(ctx, tx, a.ID, hash, now)
	})
	if err != nil {
		return Account{}, err
	}
	r.log.Info("password changed", "account", a.Name)
	return r.reloadWith(ctx, a.Name, c.Next)
}

var errChangedMeanwhile = newError("error.changed-meanwhile", "the password was changed at the same time elsewhere: please start again")

// reused reports whether pw matches the current password or one of the last
// ten (checked concurrently by secret.MatchesAny).
func (r *Replica) reused(ctx context.Context, a row, pw string) (bool, error) {
	hashes, err := r.history(ctx, a.ID)
	if err != nil {
		return false, err
	}
	if a.PasswordHash != "" && !slices.Contains(hashes, a.PasswordHash) {
		hashes = append(hashes, a.PasswordHash)
	}
	ok, err := secret.MatchesAny(hashes, pw)
	if err != nil && !ok {
		return false, fmt.Errorf("account %s: password history: %w", a.Name, err)
	}
	return ok, nil
}

// history returns the stored hashes, newest first.
func (r *Replica) history(ctx context.Context, id int64) ([]string, error) {
	rows, err := r.r.QueryContext(ctx,
		`SELECT hash FROM password_history WHERE account_id = ? ORDER BY seq DESC LIMIT ?`, id, historyLen)
	if err != nil {
		return nil, fmt.Errorf("reading password history: %w", err)
	}
	defer rows.Close()
	var hs []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("reading password history: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}

// pushHistory records a new current hash and keeps only the newest ten.
func pushHistory(ctx context.Context, tx *sql.Tx, id int64, hash string, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO password_history (account_id, hash, set_at) VALUES (?, ?, ?)`,
		id, hash, formatTime(at)); err != nil {
		return fmt.Errorf("saving password history: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM password_history WHERE account_id = ? AND seq NOT IN
		(SELECT seq FROM password_history WHERE account_id = ? ORDER BY seq DESC LIMIT ?)`,
		id, id, historyLen); err != nil {
		return fmt.Errorf("trimming password history: %w", err)
	}
	return nil
}

func person(a row) policy.Person {
	return policy.Person{AccountName: a.Name, Surname: a.Surname, GivenNames: a.GivenNames, ChineseName: a.ChineseName}
}
