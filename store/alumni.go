package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
)

// Alumni Account Activation (seed "alumni-accounts-faq"): a degree graduate
// who never activated the student account proves who they are with the full
// name exactly as on the HK ID card or passport and the HKID or passport
// number, then sets a password (and, on the screens, 2FA and an alias).
// Non-degree graduates, former exchange students and visiting scholars are
// refused, each with their own reason; a graduate who already activated is
// sent to Change/Forgot Password, since that account continues as alumni.

// Errors of VerifyAlumni's input.
var (
	ErrNoFullName       = newError("error.no-full-name", "enter your full name, including any middle name, exactly as it appears on your HK ID card or passport")
	ErrNoAlumniIdentity = newError("error.no-alumni-identity", "enter your HK ID card number, or your passport number if you have no HK ID card")
)

// VerifyAlumni finds the graduate an AlumniIdentity belongs to. The number
// finds the registry record(s); the name must match one of them
// (policy.FullNameMatches). A record that holds an HKID is verified with it
// (DESIGN "Identity proofing"): the passport is for graduates without one.
// A wrong name, a passport for a record with an HKID and an unknown number
// all give the same ErrIdentityMismatch, so the answer never tells whether a
// number is on record or which documents a record holds, and each counts
// alike (the records' lockout, or the unknown number's, and the station's
// limit, identity_rate.go). A name that cannot match any name in English
// letters (policy.CheckFullName) is refused first and counts nowhere. It
// returns the account only when it can be activated as an alumni account;
// otherwise the error says why (ErrAlumniNonDegree, ErrAlumniExchange,
// ErrAlumniVisiting, ErrAlumniAlreadyActive, ErrAlumniNotGraduated,
// ErrTerminated).
func (r *Replica) VerifyAlumni(ctx context.Context, id AlumniIdentity) (Account, error) {
	if strings.TrimSpace(id.FullName) == "" {
		return Account{}, ErrNoFullName
	}
	if err := policy.CheckFullName(id.FullName); err != nil {
		return Account{}, err
	}
	kind, value := id.verifier()
	if kind == "" {
		return Account{}, ErrNoAlumniIdentity
	}
	typed := r.opt.Keys.IdentityHash(kind, value)
	subject := hex.EncodeToString(typed)
	if err := r.checkHolds(ctx, subject); err != nil {
		return Account{}, err
	}
	// A scan (about 30 ms for 100,000 accounts): an index would slow every
	// import more than it saves here (migration 0005).
	rows, err := r.queryRows(ctx, kind+"_hash = ? ORDER BY completion_date DESC, id", typed)
	if err != nil {
		return Account{}, err
	}
	if len(rows) == 0 {
		return Account{}, r.failUnknown(ctx, subject, "alumni identity: unknown "+kind)
	}
	for _, a := range rows {
		if err := r.checkLock(a); err != nil {
			return Account{}, err
		}
	}
	var named []row
	for _, a := range rows {
		if kind != "hkid" && a.HKIDHash != nil {
			continue // verified with its HKID only
		}
		if policy.FullNameMatches(a.Surname, a.GivenNames, id.FullName) {
			named = append(named, a)
		}
	}
	if len(named) == 0 {
		var errs []error
		for i, a := range rows {
			errs = append(errs, r.recordIdentityFailure(ctx, a, i == 0))
		}
		return Account{}, errors.Join(errs...)
	}
	a, err := r.pickAlumnus(named)
	if err != nil {
		return Account{}, err
	}
	acct := r.account(a)
	acct.Proof = Proof{Account: a.Name, Kind: kind}
	return acct, nil
}

// verifier picks the number an AlumniIdentity is checked with, normalised
// as the registry's was (screens normalise already; this is a safety net).
func (id AlumniIdentity) verifier() (kind, value string) {
	if h := strings.TrimSpace(id.HKID); h != "" {
		if parsed, err := policy.ParseHKID(h); err == nil {
			return "hkid", parsed.String()
		}
		return "hkid", strings.ToUpper(h)
	}
	if p := strings.TrimSpace(id.PassportNo); p != "" {
		if n, err := policy.ParsePassport(p); err == nil {
			return "passport", n
		}
		return "passport", strings.ToUpper(strings.Join(strings.Fields(p), ""))
	}
	return "", ""
}

// pickAlumnus chooses among the records of one person (a UG and a later PG
// degree give two): an activated account means there is nothing to
// activate; else the most recent record that can be activated; else the
// most recent record's refusal. rows are newest completion first.
func (r *Replica) pickAlumnus(rows []row) (row, error) {
	var firstErr error
	var pick *row
	for i, a := range rows {
		err := r.alumniActivatable(a)
		switch {
		case errors.Is(err, ErrAlumniAlreadyActive):
			return row{}, err
		case err == nil && pick == nil:
			pick = &rows[i]
		case err != nil && firstErr == nil:
			firstErr = err
		}
	}
	if pick != nil {
		return *pick, nil
	}
	return row{}, firstErr
}

// alumniActivatable says why an account cannot be activated as an alumni
// account, or nil: a degree graduate (grace or alumni now) who never
// activated. The category decides first, so that a former exchange
// student is told so whatever the account's state.
func (r *Replica) alumniActivatable(a row) error {
	eff := r.effective(a)
	switch {
	case a.Category == policy.CategoryNonDegree:
		return ErrAlumniNonDegree
	case a.Category == policy.CategoryExchange:
		return ErrAlumniExchange
	case a.Category == policy.CategoryVisiting:
		return ErrAlumniVisiting
	case !policy.AlumniEligible(a.Category):
		return ErrNotEligible
	case a.Status == policy.StatusTerminated || eff == policy.StatusTerminated:
		return ErrTerminated
	case a.activated():
		return ErrAlumniAlreadyActive
	case eff != policy.StatusGrace && eff != policy.StatusAlumni:
		return ErrAlumniNotGraduated
	}
	return nil
}

// afterAlumniHash, when set (only by tests), runs between ActivateAlumni's
// hashing and its transaction: what another writer may do meanwhile.
var afterAlumniHash func()

// ActivateAlumni sets the first password of a degree graduate's account
// that was never activated. The account takes its lifecycle status now:
// alumni, or grace until the grace period ends (student services for the
// rest of it, then alumni). History, audit, outbox op "activate_alumni" and
// the activation notice go in one transaction; the argon2 work happens
// before it opens.
func (r *Replica) ActivateAlumni(ctx context.Context, p Proof, password string) (Account, error) {
	a, err := r.selfService(ctx, p.Account, r.alumniActivatable)
	if err != nil {
		return Account{}, err
	}
	hash, err := firstPasswordHash(a, password)
	if err != nil {
		return Account{}, err
	}
	if afterAlumniHash != nil {
		afterAlumniHash()
	}
	now := r.now()
	status := r.effective(a)
	c := &change{Account: a.Name, Action: "activate_alumni", Detail: "status " + string(status),
		Kind: domain.OpActivateAlumni, At: now,
		Payload: domain.ActivateAlumniPayload{PasswordHash: hash, ActivatedAt: now, Status: status}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		// The rule is asked again on the row as it is now: the daily
		// lifecycle job may have moved the stored status (registered to
		// grace or alumni) while the password was hashed, which changes
		// nothing for a graduate who never activated.
		fresh, err := loadRow(ctx, tx, "name", a.Name)
		if err != nil {
			return err
		}
		if err := r.alumniActivatable(fresh); err != nil {
			return errNoChange{err}
		}
		res, err := tx.ExecContext(ctx, `UPDATE accounts
			SET status = ?, password_hash = ?, activated_at = ?, password_changed_at = ?, updated_at = ?
			WHERE id = ? AND password_hash IS NULL AND activated_at IS NULL`,
			string(status), hash, formatTime(now), formatTime(now), formatTime(now), a.ID)
		if err := mustAffect(res, err, ErrAlumniAlreadyActive); err != nil {
			return err
		}
		return pushHistory(ctx, tx, a.ID, hash, now)
	})
	if err != nil {
		return Account{}, err
	}
	r.log.Info("alumni account activated", "account", a.Name, "status", status)
	return r.reloadWith(ctx, a.Name, c.Next)
}
