package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/totp"
)

// BeginTOTP makes a new TOTP secret for an activated account. Nothing is
// stored: the secret is saved (sealed) only when ConfirmTOTP gets a right code.
func (r *Replica) BeginTOTP(ctx context.Context, p Proof) (Enrolment, error) {
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return Enrolment{}, err
	}
	s, err := totp.NewSecret(r.opt.Rand)
	if err != nil {
		return Enrolment{}, fmt.Errorf("making a 2FA key: %w", err)
	}
	return Enrolment{Account: a.Name, Proof: p, Secret: s, URI: totp.URI(r.opt.Issuer, a.Name, s)}, nil
}

// ConfirmTOTP saves the enrolment's secret, sealed to the account, once code
// is right. The accepted step is stored too, so that code is never accepted
// again. A wrong code counts towards the lockout.
func (r *Replica) ConfirmTOTP(ctx context.Context, e Enrolment, code string) (Account, error) {
	p := e.Proof
	if p.Account == "" {
		p = Unverified(e.Account) // an enrolment made without BeginTOTP (the demo seeding)
	}
	if p.Account != e.Account {
		return Account{}, ErrProofMismatch
	}
	a, err := r.selfService(ctx, e.Account, r.requireActivated)
	if err != nil {
		return Account{}, err
	}
	if e.Secret == "" {
		return Account{}, newError("error.no-totp-enrolment", "no 2FA key to confirm: start the 2FA step again")
	}
	step, err := r.checkCode(ctx, a, e.Secret, code)
	if err != nil {
		return Account{}, err
	}
	sealed, err := r.opt.Keys.Seal([]byte(e.Secret), []byte(a.Name))
	if err != nil {
		return Account{}, fmt.Errorf("sealing the 2FA key: %w", err)
	}
	now := r.now()
	c := &change{Account: a.Name, Action: "enrol_totp", Kind: domain.OpEnrolTOTP, At: now,
		Payload: domain.EnrolTOTPPayload{Sealed: sealed, Step: step}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET totp_sealed = ?, totp_last_step = ?, updated_at = ?
			WHERE id = ? AND totp_last_step < ?`, sealed, step, formatTime(now), a.ID, step)
		return mustAffect(res, err, ErrTOTPReplay)
	})
	if err != nil {
		return Account{}, err
	}
	r.log.Info("2FA enrolled", "account", a.Name)
	return r.reloadWith(ctx, a.Name, c.Next)
}

// VerifyTOTP checks a code for an enrolled account. An accepted step is
// stored at once (with its audit and outbox rows) so it is refused from then
// on, here and, once synced, at every station. It returns the proof for the
// visit's next change, which follows this step: if the central store
// refuses the step (a code used meanwhile elsewhere), it refuses that too.
func (r *Replica) VerifyTOTP(ctx context.Context, p Proof, code string) (Proof, error) {
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return Proof{}, err
	}
	if a.TOTPSealed == nil {
		return Proof{}, ErrTOTPNotEnrolled
	}
	secretBytes, err := r.opt.Keys.Open(a.TOTPSealed, []byte(a.Name))
	if err != nil {
		return Proof{}, fmt.Errorf("account %s: the station cannot read its 2FA key (wrong seal key?): %w", a.Name, err)
	}
	step, err := r.checkCode(ctx, a, string(secretBytes), code)
	clear(secretBytes)
	if err != nil {
		return Proof{}, err
	}
	now := r.now()
	c := &change{Account: a.Name, Action: "totp_step", Kind: domain.OpTOTPStep, At: now,
		Payload: domain.TOTPStepPayload{Step: step}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET totp_last_step = ?, updated_at = ?
			WHERE id = ? AND totp_last_step < ?`, step, formatTime(now), a.ID, step)
		return mustAffect(res, err, ErrTOTPReplay) // another station or screen used it first
	})
	if err != nil {
		return Proof{}, err
	}
	return c.Next, nil
}

// checkCode maps totp.Verify's result to the store's errors. Only a wrong
// code is a failed attempt: a replay or a phone clock that is off are not
// guesses.
func (r *Replica) checkCode(ctx context.Context, a row, secret, code string) (int64, error) {
	step, res := totp.Verify(secret, code, r.now(), a.TOTPLastStep)
	switch res {
	case totp.Accepted:
		return step, nil
	case totp.Replayed:
		return 0, ErrTOTPReplay
	case totp.WrongClock:
		return 0, ErrTOTPClock
	default:
		return 0, r.recordFailure(ctx, a, failTOTP, ErrTOTPWrong)
	}
}
