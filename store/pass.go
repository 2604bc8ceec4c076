package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

// The service desk's access pass at a station (issued by accountd pass
// issue, or by the staff panel of a standalone station: IssuePass): after
// the identity check it stands for the lost authenticator, once.

var (
	ErrPassNone    = newError("error.pass-none", "this account has no access pass: the service desk gives one after checking your identity card in person")
	ErrPassExpired = newError("error.pass-expired", "that access pass has expired: ask the service desk for a new one")
	ErrPassWrong   = newError("error.pass-wrong", "that access pass is not correct")
	ErrPassFormat  = newError("error.pass-format", "an access pass is 10 letters and digits, as on the slip from the service desk")
	ErrPassUsed    = newError("error.pass-used", "that access pass has already been used: ask the service desk for a new one")
)

// failPass: a wrong access pass is counted as the wrong 2FA code it
// stands for (the failures table admits identity, password and totp).
const failPass = failTOTP

// UsePass checks the account's access pass after an identity check (p) and
// spends it (audit and outbox rows: op use_pass, which the central store
// re-checks, so a pass used elsewhere meanwhile is refused there). It
// returns the proof for the visit's next changes (ProofPass), which stands
// for a 2FA code: a new password, then a new 2FA enrolment. A wrong pass
// counts towards the lockout.
func (r *Replica) UsePass(ctx context.Context, p Proof, pass string) (Proof, error) {
	if p.Kind == "" || p.Account == "" {
		return Proof{}, ErrProofMismatch // the identity check comes first
	}
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return Proof{}, err
	}
	now := r.now()
	switch {
	case a.PassHash == "":
		return Proof{}, ErrPassNone
	case !now.Before(a.PassExpires):
		return Proof{}, ErrPassExpired
	}
	norm, err := policy.NormalizeAccessPass(pass)
	if err != nil {
		return Proof{}, ErrPassFormat // a typo, not a guess: not counted
	}
	ok, err := secret.VerifyPassword(a.PassHash, norm)
	if err != nil {
		return Proof{}, fmt.Errorf("account %s: checking the access pass: %w", a.Name, err)
	}
	if !ok {
		return Proof{}, r.recordFailure(ctx, a, failPass, ErrPassWrong)
	}
	c := &change{Account: a.Name, Action: "use_pass", Detail: "issued by " + a.PassIssuedBy, Kind: domain.OpUsePass, At: now,
		Payload: domain.UsePassPayload{PassHash: a.PassHash, At: now}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET pass_hash = '', pass_expires = NULL, pass_issued_by = '',
			updated_at = ? WHERE id = ? AND pass_hash = ?`, formatTime(now), a.ID, a.PassHash)
		return mustAffect(res, err, ErrPassUsed) // another screen used it first
	})
	if err != nil {
		return Proof{}, err
	}
	r.log.Info("access pass used", "account", a.Name)
	return c.Next, nil
}

// IssuePass is the staff panel's pass on a standalone station (a synced
// station's desk uses accountd pass issue, which every station receives):
// a new pass for an activated account, valid for valid, replacing any
// earlier one, audited with who, why and when. The pass is returned to be
// shown once; only its argon2id hash is kept (store/central/pass.go says
// why argon2id).
func (r *Replica) IssuePass(ctx context.Context, account, reason, by string, valid time.Duration) (string, time.Time, error) {
	reason, by = strings.Join(strings.Fields(reason), " "), strings.Join(strings.Fields(by), " ")
	if reason == "" || by == "" {
		return "", time.Time{}, errPassStaff
	}
	if err := policy.PassValid(valid); err != nil {
		return "", time.Time{}, err
	}
	a, err := r.byName(ctx, account)
	if err != nil {
		return "", time.Time{}, err
	}
	if err := r.requireActivated(a); err != nil {
		return "", time.Time{}, err
	}
	pass, err := policy.NewAccessPass(r.opt.Rand)
	if err != nil {
		return "", time.Time{}, err
	}
	expires, err := r.setPass(ctx, a, pass, reason, by, valid)
	return pass, expires, err
}

// SeedPass gives an account a known pass: for the demo station's seeding
// only (README publishes the demo pass, as it publishes the demo TOTP key).
func (r *Replica) SeedPass(ctx context.Context, account, pass string, valid time.Duration) error {
	a, err := r.byName(ctx, account)
	if err != nil {
		return err
	}
	_, err = r.setPass(ctx, a, pass, "demo seeding", "demo", valid)
	return err
}

func (r *Replica) setPass(ctx context.Context, a row, pass, reason, by string, valid time.Duration) (time.Time, error) {
	norm, err := policy.NormalizeAccessPass(pass)
	if err != nil {
		return time.Time{}, err
	}
	hash, err := secret.HashPassword(norm)
	if err != nil {
		return time.Time{}, err
	}
	now := r.now()
	expires := now.Add(valid)
	err = r.writeTx(ctx, "pass_issue", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET pass_hash = ?, pass_expires = ?, pass_issued_by = ?,
			updated_at = ? WHERE id = ?`, hash, formatTime(expires), by, formatTime(now), a.ID); err != nil {
			return fmt.Errorf("issuing an access pass: %w", err)
		}
		return r.audit(ctx, tx, now, a.Name, "pass_issue",
			fmt.Sprintf("by %s, valid until %s: %s", by, expires.UTC().Format(time.RFC3339), reason))
	})
	if err != nil {
		return time.Time{}, err
	}
	r.log.Info("access pass issued", "account", a.Name, "by", by)
	return expires, nil
}

// errPassStaff refuses a staff pass without the facts the audit needs.
var errPassStaff = errors.New("give the reason (how the student was identified) and who issues the pass")
