package central

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/secret"
)

// The central re-check of every op a station pushes. A station checked the
// op against its replica, which may be behind: meanwhile another station
// may have activated the account, used the same 2FA code or counted the
// failures that lock it, or the account may have ended. These are pure
// functions of an account's state, shared by every Store implementation.

// Account is the central state of one account: the snapshot every station
// receives, and what only the central store keeps.
type Account struct {
	Snapshot store.Snapshot
	// Failures are the failed attempts, at any station, still inside the
	// lockout window.
	Failures []time.Time
	// ActivatedBy is the station whose activation the store applied, when
	// known (the refusal of a second activation names it).
	ActivatedBy string
}

// Link is what the store recorded for an op another op follows
// (store.Op.After): the chain of a station's visit, read back from the
// store's own record, so a retry or a duplicate push is decided the same.
type Link struct {
	ID      string
	Account string
	Kind    store.OpKind
	Outcome store.Outcome // applied or rejected
	Reason  string        // the rejection, "code: message"
	After   string        // the op this one followed, or ""
}

// Rejection is why an op was refused: Code is stable, Message is for staff
// (kept with the op at its station) and never holds a secret.
type Rejection struct {
	Code    string
	Message string
}

func (r *Rejection) Error() string { return r.Code + ": " + r.Message }

func reject(code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Message: fmt.Sprintf(format, args...)}
}

// UnknownAccount is the rejection of an op for an account the store lacks.
func UnknownAccount(name string) *Rejection {
	return reject("unknown_account", "the central store has no account %q", name)
}

// Effect is what deciding an op did to the account.
type Effect int

const (
	Unchanged       Effect = iota // nothing to store
	FailuresChanged               // only the central failure count changed
	SnapshotChanged               // stations must receive a new snapshot
)

// AliasTaken reports whether an alias is held by an account other than
// except, as its alias or its account name: the one check that looks
// beyond one account, so the store answers it.
type AliasTaken func(alias, except string) (bool, error)

// Decide checks op against the account at the store's time now and, when it
// passes, applies it. The op's own time (not after now) decides lock and
// lifecycle, as the station saw them. A failure is never refused: it is
// counted with every station's failures and may lock the account.
//
// An op that follows another (op.After) is decided only if that one was
// applied: chain holds the store's record of the ops it follows, nearest
// first (empty when the store never saw op.After). Its proof is re-checked
// (checkProof).
func Decide(a *Account, op store.Op, chain []Link, now time.Time, taken AliasTaken) (Effect, *Rejection, error) {
	p, err := store.DecodePayload(op)
	if err != nil {
		return Unchanged, nil, err
	}
	at := op.CreatedAt
	if at.IsZero() || at.After(now) {
		at = now
	}
	if f, ok := p.(store.FailurePayload); ok {
		return a.fail(f, at), nil, nil
	}
	if rej := checkChain(op, chain); rej != nil {
		return Unchanged, rej, nil
	}
	if rej := checkProof(&a.Snapshot, op, chain); rej != nil {
		return Unchanged, rej, nil
	}
	if rej := check(a, p, at); rej != nil {
		return Unchanged, rej, nil
	}
	if al, ok := p.(store.AliasPayload); ok && taken != nil {
		busy, err := taken(al.Alias, a.Snapshot.Name)
		if err != nil {
			return Unchanged, nil, err
		}
		if busy {
			return Unchanged, reject("alias_taken", "the alias %s was taken (at another station) first", al.Alias), nil
		}
	}
	before := a.Snapshot
	if err := a.Snapshot.ApplyOp(op); err != nil {
		return Unchanged, nil, err
	}
	if sameSnapshot(before, a.Snapshot) {
		return Unchanged, nil, nil
	}
	return SnapshotChanged, nil, nil
}

// checkChain refuses an op that follows one the store did not apply: never
// received, for another account, or refused. The refusal names the first
// refusal of the chain, so staff see why the whole visit was refused.
func checkChain(op store.Op, chain []Link) *Rejection {
	if op.After == "" {
		return nil
	}
	if len(chain) == 0 || chain[0].ID != op.After {
		return reject("chain", "refused because the change it depends on (op %s) never reached the central store", op.After)
	}
	dep := chain[0]
	switch {
	case dep.Account != op.Account:
		return reject("chain", "refused because the change it depends on (op %s) is for another account", dep.ID)
	case dep.Outcome == store.OutcomeApplied:
		return nil
	}
	code, msg, _ := strings.Cut(dep.Reason, ": ")
	if code == "chain" {
		return reject("chain", "%s", msg) // it names the first refusal already
	}
	return reject("chain", "refused because the change it depends on (%s, op %s) was refused: %s", dep.Kind, dep.ID, code)
}

// checkProof re-checks how a visit was verified, as the store knows the
// account: a date of birth does not verify a record that holds an HK ID
// card number (or, for a graduate, a passport number), and a change to an
// account with 2FA needs a 2FA code (or enrolment) earlier in its chain.
// An op without a proof (from a station before proofs, or not a student's
// change) is decided as before.
func checkProof(s *store.Snapshot, op store.Op, chain []Link) *Rejection {
	if op.Proof == "" {
		return nil
	}
	graduate := s.Status == policy.StatusGrace || s.Status == policy.StatusAlumni || op.Kind == store.OpActivateAlumni
	if op.Proof == store.ProofDOB && (len(s.HKIDHash) > 0 || (graduate && len(s.PassportHash) > 0)) {
		return reject("identity_proof", "the student was verified with a date of birth, but the record holds an identity document number that must be used")
	}
	switch op.Kind {
	case store.OpSetPassword, store.OpEnrolTOTP, store.OpDirectory, store.OpAlias, store.OpPersonalEmail:
	default:
		return nil
	}
	if s.TOTPSealed == nil {
		return nil
	}
	for _, l := range chain { // all applied: checkChain passed, and each link was checked so
		if l.Kind == store.OpTOTPStep || l.Kind == store.OpEnrolTOTP {
			return nil
		}
	}
	return reject("2fa_required", "the account has two-factor authentication and this change was made without a 2FA code")
}

// check is the re-check of a station's op (every kind but a failure).
func check(a *Account, p any, at time.Time) *Rejection {
	s := &a.Snapshot
	switch p := p.(type) {
	case store.LifecyclePayload, store.ExtendPayload:
		return checkRecords(s, p, at) // not self-service: no lock or status gate
	}
	if s.LockedUntil != nil && at.Before(*s.LockedUntil) && !at.Before(s.LockedUntil.Add(-store.LockoutFor)) {
		return reject("locked", "the account was locked after failed attempts (until %s) when this change was made",
			s.LockedUntil.UTC().Format(time.RFC3339))
	}
	status := effective(s, at)
	if s.Status == policy.StatusTerminated || status == policy.StatusTerminated {
		return reject("terminated", "the account had been terminated when this change was made")
	}
	if _, ok := p.(store.DirectoryPayload); ok {
		return nil
	}
	switch p := p.(type) {
	case store.ActivatePayload:
		return checkActivate(a, status, p.PasswordHash)
	case store.ActivateAlumniPayload:
		return checkActivateAlumni(a, status, p)
	}
	if !s.Activated() {
		return reject("not_activated", "the account has not been activated")
	}
	switch p := p.(type) {
	case store.SetPasswordPayload:
		return checkHash(s, p.PasswordHash)
	case store.EnrolTOTPPayload:
		if len(p.Sealed) == 0 {
			return reject("bad_totp", "the 2FA enrolment carries no sealed key")
		}
		return checkStep(s, p.Step)
	case store.TOTPStepPayload:
		if s.TOTPSealed == nil {
			return reject("not_enrolled", "the account has no 2FA enrolment")
		}
		return checkStep(s, p.Step)
	case store.AliasPayload:
		return checkAlias(s, status, p.Alias)
	case store.PersonalEmailPayload:
		if _, err := policy.ParsePersonalEmail(p.Email); p.Email != "" && err != nil {
			return reject("bad_email", "the personal e-mail address is not valid: %v", err)
		}
	}
	return nil
}

func checkActivate(a *Account, status policy.Status, hash string) *Rejection {
	s := &a.Snapshot
	switch {
	case s.Activated():
		return activatedElsewhere(a)
	case status != policy.StatusRegistered:
		return reject("not_eligible", "the account's studies had ended before it was activated")
	}
	return checkHash(s, hash)
}

// checkActivateAlumni is the graduate's first password (never activated
// as a student; degree graduates only, in grace or alumni).
func checkActivateAlumni(a *Account, status policy.Status, p store.ActivateAlumniPayload) *Rejection {
	s := &a.Snapshot
	switch {
	case s.Activated():
		return activatedElsewhere(a)
	case !policy.AlumniEligible(s.Category) || (status != policy.StatusGrace && status != policy.StatusAlumni) ||
		(p.Status != policy.StatusGrace && p.Status != policy.StatusAlumni):
		return reject("not_eligible", "the account is not a degree graduate's in grace or alumni")
	}
	return checkHash(s, p.PasswordHash)
}

// activatedElsewhere refuses a second activation (two stations, at least
// one offline, activated the same account): the first one applied stands.
func activatedElsewhere(a *Account) *Rejection {
	where := "another station"
	if a.ActivatedBy != "" {
		where = "station " + a.ActivatedBy
	}
	if t := a.Snapshot.ActivatedAt; t != nil {
		where += " at " + t.UTC().Format("2006-01-02 15:04 UTC")
	}
	return reject("activated_elsewhere", "the account had already been activated at %s; that activation stands", where)
}

// checkAlias: a well-formed alias, for degree graduates, once for life.
// Whether another account holds it is the store's to say (AliasTaken).
func checkAlias(s *store.Snapshot, status policy.Status, alias string) *Rejection {
	norm, err := policy.ParseAlias(alias)
	switch {
	case err != nil || norm != alias:
		return reject("bad_alias", "the alias %q is not valid", alias)
	case !policy.AlumniEligible(s.Category) || (status != policy.StatusGrace && status != policy.StatusAlumni):
		return reject("not_eligible", "an alumni alias is for degree graduates")
	case s.Alias != "" && s.Alias != alias:
		return reject("alias_set", "the account already has the alias %s, which is for life", s.Alias)
	}
	return nil
}

// checkRecords checks the registry-side ops: a lifecycle move must start
// from the status the store has, or have been made already (stations that
// run the lifecycle each send it), and an extension needs a date.
func checkRecords(s *store.Snapshot, p any, at time.Time) *Rejection {
	switch p := p.(type) {
	case store.LifecyclePayload:
		if s.Status != p.From && s.Status != p.To { // the same move from another station changes nothing
			return reject("stale", "the account's status was %s, not %s, when this move arrived", s.Status, p.From)
		}
	case store.ExtendPayload:
		until, err := time.Parse(time.DateOnly, p.Until)
		if err != nil {
			return reject("bad_date", "the extension date %q is not a date", p.Until)
		}
		if _, err := store.ExtensionReason(p.Reason); err != nil {
			return reject("bad_reason", "%v", err)
		}
		// The rules accountd's own extend applies, at the time the station
		// made the extension: services that ended meanwhile stay ended.
		if err := s.Lifecycle().CheckExtension(until, at); err != nil {
			return reject("not_extendable", "%v", err)
		}
	}
	return nil
}

// checkHash accepts only an argon2id hash at the deployment's strength that
// the account has not had before (the history is the last ten).
func checkHash(s *store.Snapshot, hash string) *Rejection {
	if secret.NeedsRehash(hash) {
		return reject("bad_hash", "the password hash is malformed or weaker than the deployment's argon2id parameters")
	}
	if hash == s.PasswordHash || slices.Contains(s.PasswordHistory, hash) {
		return reject("reuse", "the password is one of the account's last %d", store.HistoryLen)
	}
	return nil
}

// checkStep refuses a TOTP step not after the last one accepted anywhere.
func checkStep(s *store.Snapshot, step int64) *Rejection {
	if step <= s.TOTPLastStep {
		return reject("totp_replay", "the 2FA code had already been used (at this or another station)")
	}
	return nil
}

// effective is the account's lifecycle status at t.
func effective(s *store.Snapshot, t time.Time) policy.Status { return s.Lifecycle().StatusAt(t) }

// fail counts a failed attempt made at any station. Reaching the limit in
// the window locks the account for LockoutFor from this failure and spends
// the failures, as a station does; a lock the station already decided is
// kept (never longer than LockoutFor from the failure).
func (a *Account) fail(f store.FailurePayload, at time.Time) Effect {
	if !f.At.IsZero() && f.At.Before(at) {
		at = f.At.UTC()
	}
	cut := at.Add(-store.LockoutWindow)
	kept := a.Failures[:0]
	for _, t := range a.Failures {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	a.Failures = append(kept, at)
	until := a.Snapshot.LockedUntil
	if len(a.Failures) >= store.LockoutFailures {
		a.Snapshot.LockUntil(at.Add(store.LockoutFor))
		a.Failures = nil
	}
	if f.LockedUntil != nil {
		a.Snapshot.LockUntil(minTime(*f.LockedUntil, at.Add(store.LockoutFor)))
	}
	if !sameTime(until, a.Snapshot.LockedUntil) {
		return SnapshotChanged
	}
	return FailuresChanged
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// sameSnapshot reports whether an op changed nothing a station would see.
func sameSnapshot(a, b store.Snapshot) bool {
	return a.Status == b.Status && a.PasswordHash == b.PasswordHash &&
		slices.Equal(a.PasswordHistory, b.PasswordHistory) && sameTime(a.ActivatedAt, b.ActivatedAt) &&
		sameTime(a.PasswordChangedAt, b.PasswordChangedAt) && bytes.Equal(a.TOTPSealed, b.TOTPSealed) &&
		a.TOTPLastStep == b.TOTPLastStep && a.DirectoryPublic == b.DirectoryPublic &&
		sameTime(a.LockedUntil, b.LockedUntil) && a.Alias == b.Alias && a.PersonalEmail == b.PersonalEmail &&
		a.ExtendedUntil == b.ExtendedUntil
}
