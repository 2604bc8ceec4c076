package domain

import (
	"fmt"
	"slices"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/secret"
)

// The central re-check of an op a station pushed (store/central decides
// with it). A station checked the op against its replica, which may be
// behind: meanwhile another station may have activated the account or used
// the same 2FA code, or the account may have ended. These are pure
// functions of the account's snapshot; each kind names its own (kinds.go).

// Rejection is why an op was refused: Code is stable, Message is for staff
// (kept with the op at its station) and never holds a secret.
type Rejection struct {
	Code    string
	Message string
}

func (r *Rejection) Error() string { return r.Code + ": " + r.Message }

// Reject makes a Rejection.
func Reject(code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Message: fmt.Sprintf(format, args...)}
}

// gate is which general checks an op passes before its kind's own.
type gate int

const (
	gateCounted     gate = iota // never refused: a failure is counted (store/central)
	gateRecords                 // registry-side: no lock or status gate
	gateSelfService             // a student's change: refused while locked or terminated
	gateActivated               // as gateSelfService, on an activated account
)

// checking is what a kind's check reads: the account, when the station
// made the change, and the status the account had then.
type checking struct {
	s           *Snapshot
	activatedBy string
	at          time.Time
	status      policy.Status
}

// Check re-checks a decoded op of kind k (DecodePayload) against the account
// as the central store has it, at the op's time at. activatedBy is the
// station whose activation the store applied, when known (the refusal of a
// second activation names it). nil means the op may be applied.
func Check(s *Snapshot, activatedBy string, k OpKind, p any, at time.Time) *Rejection {
	kd, ok := kinds[k]
	if !ok {
		return Reject("unknown_kind", "the central store does not know ops of kind %q", k)
	}
	c := &checking{s: s, activatedBy: activatedBy, at: at, status: s.Lifecycle().StatusAt(at)}
	if kd.gate >= gateSelfService {
		if rej := c.selfService(); rej != nil {
			return rej
		}
	}
	if kd.gate >= gateActivated && !s.Activated() {
		return Reject("not_activated", "the account has not been activated")
	}
	if kd.check == nil {
		return nil
	}
	return kd.check(c, p)
}

// selfService refuses a student's change made while the account was locked
// or terminated.
func (c *checking) selfService() *Rejection {
	s := c.s
	if s.LockedUntil != nil && c.at.Before(*s.LockedUntil) && !c.at.Before(s.LockedUntil.Add(-LockoutFor)) {
		return Reject("locked", "the account was locked after failed attempts (until %s) when this change was made",
			s.LockedUntil.UTC().Format(time.RFC3339))
	}
	if s.Status == policy.StatusTerminated || c.status == policy.StatusTerminated {
		return Reject("terminated", "the account had been terminated when this change was made")
	}
	return nil
}

func checkActivate(c *checking, p ActivatePayload) *Rejection {
	switch {
	case c.s.Activated():
		return c.activatedElsewhere()
	case c.status != policy.StatusRegistered:
		return Reject("not_eligible", "the account's studies had ended before it was activated")
	}
	return checkHash(c.s, p.PasswordHash)
}

// checkActivateAlumni is the graduate's first password (never activated
// as a student; degree graduates only, in grace or alumni).
func checkActivateAlumni(c *checking, p ActivateAlumniPayload) *Rejection {
	switch {
	case c.s.Activated():
		return c.activatedElsewhere()
	case !policy.AlumniEligible(c.s.Category) || (c.status != policy.StatusGrace && c.status != policy.StatusAlumni) ||
		(p.Status != policy.StatusGrace && p.Status != policy.StatusAlumni):
		return Reject("not_eligible", "the account is not a degree graduate's in grace or alumni")
	}
	return checkHash(c.s, p.PasswordHash)
}

// activatedElsewhere refuses a second activation (two stations, at least
// one offline, activated the same account): the first one applied stands.
func (c *checking) activatedElsewhere() *Rejection {
	where := "another station"
	if c.activatedBy != "" {
		where = "station " + c.activatedBy
	}
	if t := c.s.ActivatedAt; t != nil {
		where += " at " + t.UTC().Format("2006-01-02 15:04 UTC")
	}
	return Reject("activated_elsewhere", "the account had already been activated at %s; that activation stands", where)
}

func checkSetPassword(c *checking, p SetPasswordPayload) *Rejection {
	return checkHash(c.s, p.PasswordHash)
}

func checkEnrolTOTP(c *checking, p EnrolTOTPPayload) *Rejection {
	if len(p.Sealed) == 0 {
		return Reject("bad_totp", "the 2FA enrolment carries no sealed key")
	}
	return checkStep(c.s, p.Step)
}

func checkTOTPStep(c *checking, p TOTPStepPayload) *Rejection {
	if c.s.TOTPSealed == nil {
		return Reject("not_enrolled", "the account has no 2FA enrolment")
	}
	return checkStep(c.s, p.Step)
}

// checkAlias: a well-formed alias, once: an alumni alias for degree
// graduates (for life), a full-name alias of the student's own names for
// postgraduates while they study (changed only at the service desk). An
// account has one alias, whichever use it was chosen for. Whether another
// account holds it is the store's to say.
func checkAlias(c *checking, p AliasPayload) *Rejection {
	s, alias := c.s, p.Alias
	norm, err := policy.ParseAlias(alias)
	if p.FullName && err == nil {
		norm, err = policy.ParseFullNameAlias(alias, s.Surname, s.GivenNames)
	}
	switch {
	case err != nil || norm != alias:
		return Reject("bad_alias", "the alias %q is not valid", alias)
	case p.FullName && !policy.FullNameAliasOpen(s.Level, c.status):
		return Reject("not_eligible", "a full-name alias is for postgraduate students")
	case !p.FullName && (!policy.AlumniEligible(s.Category) || (c.status != policy.StatusGrace && c.status != policy.StatusAlumni)):
		return Reject("not_eligible", "an alumni alias is for degree graduates")
	case s.Alias != "" && (s.Alias != alias || s.AliasFullName != p.FullName):
		return Reject("alias_set", "the account already has the alias %s, which is for life (changed only at the desk)", s.Alias)
	}
	return nil
}

func checkDisplayName(c *checking, p DisplayNamePayload) *Rejection {
	if n, err := policy.ParseDisplayName(p.Name); err != nil || n != p.Name {
		return Reject("bad_display_name", "the display name is not valid")
	}
	return nil
}

func checkPersonalEmail(c *checking, p PersonalEmailPayload) *Rejection {
	if _, err := policy.ParsePersonalEmail(p.Email); p.Email != "" && err != nil {
		return Reject("bad_email", "the personal e-mail address is not valid: %v", err)
	}
	return nil
}

// checkLifecycle: a lifecycle move must start from the status the store
// has, or have been made already (stations that run the lifecycle each
// send it).
func checkLifecycle(c *checking, p LifecyclePayload) *Rejection {
	if c.s.Status != p.From && c.s.Status != p.To { // the same move from another station changes nothing
		return Reject("stale", "the account's status was %s, not %s, when this move arrived", c.s.Status, p.From)
	}
	return nil
}

// checkExtend: an extension needs a date and a reason, and the rules
// accountd's own extend applies, at the time the station made it:
// services that ended meanwhile stay ended.
func checkExtend(c *checking, p ExtendPayload) *Rejection {
	until, err := time.Parse(time.DateOnly, p.Until)
	if err != nil {
		return Reject("bad_date", "the extension date %q is not a date", p.Until)
	}
	if _, err := ExtensionReason(p.Reason); err != nil {
		return Reject("bad_reason", "%v", err)
	}
	if err := c.s.Lifecycle().CheckExtension(until, c.at); err != nil {
		return Reject("not_extendable", "%v", err)
	}
	return nil
}

// checkHash accepts only an argon2id hash at the deployment's strength that
// the account has not had before (the history is the last ten).
func checkHash(s *Snapshot, hash string) *Rejection {
	if secret.NeedsRehash(hash) {
		return Reject("bad_hash", "the password hash is malformed or weaker than the deployment's argon2id parameters")
	}
	if hash == s.PasswordHash || slices.Contains(s.PasswordHistory, hash) {
		return Reject("reuse", "the password is one of the account's last %d", HistoryLen)
	}
	return nil
}

// checkStep refuses a TOTP step not after the last one accepted anywhere.
func checkStep(s *Snapshot, step int64) *Rejection {
	if step <= s.TOTPLastStep {
		return Reject("totp_replay", "the 2FA code had already been used (at this or another station)")
	}
	return nil
}

// checkUsePass: the pass used must be the one outstanding (not used,
// revoked or replaced meanwhile) and unexpired when the station took it.
func checkUsePass(c *checking, p UsePassPayload) *Rejection {
	switch {
	case p.PassHash == "" || c.s.PassHash != p.PassHash:
		return Reject("pass_used", "the access pass had already been used, revoked or replaced (at this or another station)")
	case !c.s.PassOutstanding(c.at):
		return Reject("pass_expired", "the access pass had expired when it was used")
	}
	return nil
}
