package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
)

// Profile self-service (My Account and the end of Alumni Account
// Activation): the alumni e-mail alias and the personal e-mail address that
// notices go to. Both live in account_profiles (migration 0004), beside the
// registry data a reset or resync rewrites. The directory choice is
// SetDirectoryPublic (directory.go).

// aliasSuggestions is how many free aliases a clash offers.
const aliasSuggestions = 3

// SetAlias gives a degree graduate (in grace or alumni, activated) a lifelong
// alumni e-mail alias. The alias must keep policy.ParseAlias and be free:
// no other account has it as its alias or its account name. A clash returns
// an *AliasTakenError with free suggestions. An alias is for life: the same
// alias again changes nothing, another one gives ErrAliasAlreadySet.
func (r *Replica) SetAlias(ctx context.Context, p Proof, alias string) (Account, error) {
	alias, err := policy.ParseAlias(alias)
	if err != nil {
		return Account{}, err
	}
	a, err := r.byName(ctx, p.Account)
	if err != nil {
		return Account{}, err
	}
	if err := r.aliasAllowed(a, alias); err != nil {
		return Account{}, err
	}
	if a.Alias == alias {
		acct := r.account(a)
		acct.Proof = p
		return acct, nil
	}
	if taken, err := r.aliasTaken(ctx, alias, a.Name); err != nil || taken {
		return Account{}, r.aliasClash(ctx, alias, a.Name, err)
	}
	now := r.now()
	c := &change{Account: a.Name, Action: "alias", Detail: alias, Kind: domain.OpAlias, At: now,
		Payload: domain.AliasPayload{Alias: alias}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO account_profiles (account, alias) VALUES (?, ?)
			ON CONFLICT (account) DO UPDATE SET alias = excluded.alias WHERE account_profiles.alias IS NULL`,
			a.Name, alias)
		if isUniqueViolation(err) { // chosen by someone else at the same moment
			return errNoChange{r.aliasClash(ctx, alias, a.Name, nil)}
		}
		return mustAffect(res, err, ErrAliasAlreadySet)
	})
	if err != nil {
		return Account{}, err
	}
	r.log.Info("alias chosen", "account", a.Name)
	return r.reloadWith(ctx, a.Name, c.Next)
}

// aliasAllowed says why the account may not take alias, or nil.
func (r *Replica) aliasAllowed(a row, alias string) error {
	if err := r.checkLock(a); err != nil {
		return err
	}
	if err := r.requireActivated(a); err != nil {
		return err
	}
	eff := r.effective(a)
	if !policy.AlumniEligible(a.Category) || (eff != policy.StatusGrace && eff != policy.StatusAlumni) {
		return ErrAliasNotEligible
	}
	if a.Alias != "" && a.Alias != alias {
		return fmt.Errorf("%w (yours is %s)", ErrAliasAlreadySet, a.Alias)
	}
	return nil
}

// AliasTaken reports whether an alias (as policy.ParseAlias returns it) is
// held by any account, as its alias or as its account name.
func (r *Replica) AliasTaken(ctx context.Context, alias string) (bool, error) {
	return r.aliasTaken(ctx, alias, "")
}

// AliasAvailable reports whether account may still take alias as far as
// the replica knows (the live check of the alias screen): free, or already
// its own. When it is taken it also returns free aliases like it, as a
// clash of SetAlias would. It reads only; an alias that does not keep
// policy.ParseAlias is an error, so is an unknown account. SetAlias decides
// for good (two stations may be asked at once).
func (r *Replica) AliasAvailable(ctx context.Context, account, alias string) (bool, []string, error) {
	alias, err := policy.ParseAlias(alias)
	if err != nil {
		return false, nil, err
	}
	a, err := r.byName(ctx, account)
	if err != nil {
		return false, nil, err
	}
	if a.Alias == alias {
		return true, nil, nil
	}
	taken, err := r.aliasTaken(ctx, alias, a.Name)
	if err != nil || !taken {
		return !taken && err == nil, nil, err
	}
	var clash *AliasTakenError
	if err := r.aliasClash(ctx, alias, a.Name, nil); !errors.As(err, &clash) {
		return false, nil, err
	}
	return false, clash.Suggestions, nil
}

// aliasTaken is AliasTaken ignoring the account except (its own name is
// not a clash with itself).
func (r *Replica) aliasTaken(ctx context.Context, alias, except string) (bool, error) {
	var n int
	err := r.r.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM account_profiles WHERE alias = ?1 AND account <> ?2) +
		(SELECT count(*) FROM accounts WHERE name = ?1 AND name <> ?2)`, alias, except).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("checking whether alias %s is free: %w", alias, err)
	}
	return n > 0, nil
}

// aliasClash is the refusal of a taken alias, with free suggestions (or the
// error met finding out whether it was free).
func (r *Replica) aliasClash(ctx context.Context, alias, except string, err error) error {
	if err != nil {
		return err
	}
	taken := func(s string) bool {
		t, err := r.aliasTaken(ctx, s, except)
		return err != nil || t // when in doubt, do not offer it
	}
	return &AliasTakenError{Alias: alias, Suggestions: policy.AliasSuggestions(alias, taken, aliasSuggestions)}
}

// isUniqueViolation recognises SQLite's UNIQUE constraint error.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// aliasEmail is an alias's address, or "" without one.
func (r *Replica) aliasEmail(alias string) string {
	if alias == "" {
		return ""
	}
	return policy.Email(alias, r.opt.AliasDomain)
}

// SetPersonalEmail sets the personal (external) e-mail address that notices
// go to (policy.ParsePersonalEmail: not one of the university's own
// domains); "" clears it, and notices go to the account's own address again.
// An address set here is not verified, and gets no notices until it is: the
// stations' screens set one only with a code (SendEmailCode,
// VerifyPersonalEmail); this is for clearing, the demo and tests.
// The account must be activated and not terminated. Setting the address it
// already has changes nothing.
func (r *Replica) SetPersonalEmail(ctx context.Context, p Proof, email string) (Account, error) {
	if strings.TrimSpace(email) != "" {
		var err error
		if email, err = policy.ParsePersonalEmail(email, r.opt.EmailDomain, r.opt.AliasDomain); err != nil {
			return Account{}, err
		}
	} else {
		email = ""
	}
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return Account{}, err
	}
	if a.PersonalEmail == email {
		acct := r.account(a)
		acct.Proof = p
		return acct, nil
	}
	now := r.now()
	c := &change{Account: a.Name, Action: "personal_email", Detail: personalEmailDetail(email),
		Kind: domain.OpPersonalEmail, At: now, Payload: domain.PersonalEmailPayload{Email: email}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO account_profiles (account, personal_email) VALUES (?, ?)
			ON CONFLICT (account) DO UPDATE SET personal_email = excluded.personal_email,
				personal_email_verified_at = NULL`,
			a.Name, nullString(email))
		return err
	})
	if err != nil {
		return Account{}, err
	}
	return r.reloadWith(ctx, a.Name, c.Next)
}

// personalEmailDetail is the audit detail: the domain only, since the audit
// is read by staff who need to know what happened, not the address.
func personalEmailDetail(email string) string {
	if email == "" {
		return "cleared: notices go to the account's own address"
	}
	return "set (…@" + email[strings.LastIndexByte(email, '@')+1:] + ")"
}
