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
// Activation): the e-mail alias (an alumni alias, or a postgraduate's
// full-name alias), the e-mail display name and the personal e-mail address
// that notices go to. Both live in account_profiles (migration 0004), beside the
// registry data a reset or resync rewrites. The directory choice is
// SetDirectoryPublic (directory.go).

// aliasSuggestions is how many free aliases a clash offers.
const aliasSuggestions = 3

// SetAlias gives the account its one e-mail alias, of the use its standing
// allows (aliasUse): a degree graduate (in grace or alumni, activated) a
// lifelong alumni alias, a postgraduate student (active) a full-name alias
// of their own names at the e-mail domain (policy.ParseFullNameAlias). The
// alias must keep policy.ParseAlias and be free: no other account has it
// as its alias (of either use) or its account name. A clash returns an
// *AliasTakenError with free suggestions. An alias is set once: the same
// alias again changes nothing, another one gives ErrAliasAlreadySet (an
// alumni alias is for life) or ErrFullNameAliasSet (the desk changes a
// full-name alias). A postgraduate's full-name alias stays after
// graduation, as the @connect mailbox does, and is their alias as alumni.
func (r *Replica) SetAlias(ctx context.Context, p Proof, alias string) (Account, error) {
	a, err := r.byName(ctx, p.Account)
	if err != nil {
		return Account{}, err
	}
	full := r.fullNameUse(a)
	if alias, err = parseAliasFor(a, full, alias); err != nil {
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
		return Account{}, r.aliasClash(ctx, alias, a, err)
	}
	now := r.now()
	detail := alias
	if full {
		detail += " (full-name alias)"
	}
	c := &change{Account: a.Name, Action: "alias", Detail: detail, Kind: domain.OpAlias, At: now,
		Payload: domain.AliasPayload{Alias: alias, FullName: full}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO account_profiles (account, alias, alias_full_name) VALUES (?, ?, ?)
			ON CONFLICT (account) DO UPDATE SET alias = excluded.alias, alias_full_name = excluded.alias_full_name
			WHERE account_profiles.alias IS NULL`,
			a.Name, alias, full)
		if isUniqueViolation(err) { // chosen by someone else at the same moment
			return errNoChange{r.aliasClash(ctx, alias, a, nil)}
		}
		if full {
			return mustAffect(res, err, ErrFullNameAliasSet)
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
	full := r.fullNameUse(a)
	if !full && (!policy.AlumniEligible(a.Category) || (eff != policy.StatusGrace && eff != policy.StatusAlumni)) {
		return ErrAliasNotEligible
	}
	switch {
	case a.Alias == "" || a.Alias == alias:
		return nil
	case a.AliasFullName:
		return fmt.Errorf("%w (yours is %s)", ErrFullNameAliasSet, a.Alias)
	}
	return fmt.Errorf("%w (yours is %s)", ErrAliasAlreadySet, a.Alias)
}

// fullNameUse reports whether an alias the account chooses now is a
// full-name alias (a postgraduate student) rather than an alumni alias.
func (r *Replica) fullNameUse(a row) bool {
	return policy.FullNameAliasOpen(a.Level, r.effective(a))
}

// parseAliasFor checks an alias as typed for its use: a full-name alias
// must also be made of the account's names.
func parseAliasFor(a row, full bool, alias string) (string, error) {
	if full {
		return policy.ParseFullNameAlias(alias, a.Surname, a.GivenNames)
	}
	return policy.ParseAlias(alias)
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
	a, err := r.byName(ctx, account)
	if err != nil {
		return false, nil, err
	}
	if alias, err = parseAliasFor(a, r.fullNameUse(a), alias); err != nil {
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
	if err := r.aliasClash(ctx, alias, a, nil); !errors.As(err, &clash) {
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

// aliasClash is the refusal of a taken alias, with free suggestions the
// account may take (or the error met finding out whether it was free).
func (r *Replica) aliasClash(ctx context.Context, alias string, a row, err error) error {
	if err != nil {
		return err
	}
	full := r.fullNameUse(a)
	taken := func(s string) bool {
		if _, err := parseAliasFor(a, full, s); err != nil {
			return true // not one of the account's names: not offered
		}
		t, err := r.aliasTaken(ctx, s, a.Name)
		return err != nil || t // when in doubt, do not offer it
	}
	return &AliasTakenError{Alias: alias, Suggestions: policy.AliasSuggestions(alias, taken, aliasSuggestions)}
}

// isUniqueViolation recognises SQLite's UNIQUE constraint error.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// aliasEmail is an alias's address, or "" without one: an alumni alias at
// the alias domain, a full-name alias at the e-mail domain.
func (r *Replica) aliasEmail(alias string, full bool) string {
	switch {
	case alias == "":
		return ""
	case full:
		return policy.Email(alias, r.opt.EmailDomain)
	}
	return policy.Email(alias, r.opt.AliasDomain)
}

// displayName is the name on the account's e-mails: the one set, else the
// registry's.
func (a row) displayName() string {
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return policy.DefaultDisplayName(a.Surname, a.GivenNames)
}

// SetDisplayName sets the name shown on the student's e-mails
// (policy.ParseDisplayName: Latin, Chinese or any script, one line); ""
// or the registry's own name goes back to the default, so a later
// correction of the registry's name shows. Any activated student may set
// it (seed "student-user-accounts": "set email display name"; only the
// full-name alias is for postgraduates). The same name again changes
// nothing.
func (r *Replica) SetDisplayName(ctx context.Context, p Proof, name string) (Account, error) {
	name, err := policy.ParseDisplayName(name)
	if err != nil {
		return Account{}, err
	}
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return Account{}, err
	}
	if name == policy.DefaultDisplayName(a.Surname, a.GivenNames) {
		name = ""
	}
	if a.DisplayName == name {
		acct := r.account(a)
		acct.Proof = p
		return acct, nil
	}
	now := r.now()
	detail := "set"
	if name == "" {
		detail = "back to the registry's name"
	}
	c := &change{Account: a.Name, Action: "display_name", Detail: detail,
		Kind: domain.OpDisplayName, At: now, Payload: domain.DisplayNamePayload{Name: name}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO account_profiles (account, display_name) VALUES (?, ?)
			ON CONFLICT (account) DO UPDATE SET display_name = excluded.display_name`,
			a.Name, nullString(name))
		return err
	})
	if err != nil {
		return Account{}, err
	}
	return r.reloadWith(ctx, a.Name, c.Next)
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
