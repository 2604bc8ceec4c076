package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
)

// E-mail codes (issue 19): a 6-digit code sent to a personal e-mail verifies
// a new address (My Account) or stands for the identity check's second
// factor at Forgot Password for an account without 2FA. A code is valid for
// policy.EmailCodeValid, works once, and a new one replaces the old; the
// replica keeps only its keyed hash (the identity key, never in the file).
// A wrong code counts toward the account's lockout like a wrong 2FA code.
//
// Delivery: a standalone station queues the notice in its own notices table
// (the station's delivery sends it); a station with an upstream sends the
// code through the central store (SetCodeCourier), which queues and sends
// the notice. When that fails the code is not kept and the student is told
// (ErrCodeNotSent).

// The purposes of a code, as stored.
const (
	CodeVerifyEmail = notice.CodeVerify
	CodeReset       = notice.CodeReset
)

// CodeRequest is a code for the central store to send (a synced station):
// the notice's facts are the central store's to compose.
type CodeRequest struct {
	Account, Purpose, To, Code string
	Expires                    time.Time
}

// CodeCourier sends a code through the central store; an error means the
// student did not get it.
type CodeCourier func(ctx context.Context, req CodeRequest) error

// SetCodeCourier makes codes go through the central store (a station with
// an upstream); without one they are queued in the replica's notices.
func (r *Replica) SetCodeCourier(c CodeCourier) {
	r.courierMu.Lock()
	defer r.courierMu.Unlock()
	r.courier = c
}

// CodeSignal is signalled when a code's notice is queued in the replica
// (a standalone station): its delivery loop sends it at once, not at the
// next minute.
func (r *Replica) CodeSignal() <-chan struct{} { return r.codeQueued }

func (r *Replica) codeCourier() CodeCourier {
	r.courierMu.Lock()
	defer r.courierMu.Unlock()
	return r.courier
}

// CodeSent says where a code went (masked) and when a new one may be asked for.
type CodeSent struct {
	To       string // masked: c•••@gmail.com
	SentAt   time.Time
	ResendAt time.Time
	Expires  time.Time
}

// Errors of e-mail codes.
var (
	ErrCodeWrong      = newError("error.code-wrong", "that code is not correct: check the newest e-mail and type its 6 digits")
	ErrCodeExpired    = newError("error.code-expired", "that code has expired or was already used: ask for a new code")
	ErrNoVerifiedMail = newError("error.no-verified-email",
		"this account has no verified personal e-mail address to send a code to")
	ErrCodeNotSent = newError("error.code-not-sent",
		"the code could not be sent now: the station cannot reach the account service; try again shortly, or go to the service desk")
)

// CodeTooSoonError refuses a new code asked for within policy.EmailCodeResend
// of the last one.
type CodeTooSoonError struct{ Wait time.Duration }

func (e *CodeTooSoonError) Error() string {
	return fmt.Sprintf("a code was sent a moment ago: a new one can be sent in %d seconds", int(e.Wait.Seconds()+0.999))
}
func (e *CodeTooSoonError) MessageID() string { return "error.code-too-soon" }
func (e *CodeTooSoonError) MessageData() map[string]any {
	return map[string]any{"Seconds": int(e.Wait.Seconds() + 0.999)}
}

// SendEmailCode sends a new code for purpose: CodeVerifyEmail to address
// (the new personal e-mail, not saved yet), CodeReset to the account's
// verified personal e-mail (address is ignored). The account must be
// activated, not locked nor terminated.
func (r *Replica) SendEmailCode(ctx context.Context, p Proof, purpose, address string) (CodeSent, error) {
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return CodeSent{}, err
	}
	switch purpose {
	case CodeVerifyEmail:
		if address, err = policy.ParsePersonalEmail(address, r.opt.EmailDomain, r.opt.AliasDomain); err != nil {
			return CodeSent{}, err
		}
	case CodeReset:
		if a.PersonalEmail == "" || a.EmailVerifiedAt.IsZero() {
			return CodeSent{}, ErrNoVerifiedMail
		}
		address = a.PersonalEmail
	default:
		return CodeSent{}, fmt.Errorf("e-mail code: unknown purpose %q", purpose)
	}
	now := r.now()
	// A new code to the same address waits a minute; another address (a
	// typo corrected) gets one at once, replacing the first.
	if last, to, ok, err := r.codeSentAt(ctx, a.Name, purpose); err != nil {
		return CodeSent{}, err
	} else if ok && strings.EqualFold(to, address) && now.Before(last.Add(policy.EmailCodeResend)) {
		return CodeSent{}, &CodeTooSoonError{Wait: last.Add(policy.EmailCodeResend).Sub(now)}
	}
	code, err := newEmailCode()
	if err != nil {
		return CodeSent{}, err
	}
	expires := now.Add(policy.EmailCodeValid)
	courier := r.codeCourier()
	if courier != nil {
		sendCtx, cancel := context.WithTimeout(ctx, 10*time.Second) // never a hang: the screen says so
		err := courier(sendCtx, CodeRequest{Account: a.Name, Purpose: purpose, To: address, Code: code, Expires: expires})
		cancel()
		if err != nil {
			r.log.Warn("e-mail code not sent", "account", a.Name, "purpose", purpose, "err", err)
			return CodeSent{}, fmt.Errorf("%w (%v)", ErrCodeNotSent, err)
		}
	}
	err = r.writeTx(ctx, "email code", func(tx *sql.Tx) error {
		if err := notice.BlankCodes(ctx, tx, `account = ? OR created_at <= ?`,
			a.Name, formatTime(now.Add(-policy.EmailCodeValid))); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_codes (account, purpose, code_hash, address, sent_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (account, purpose) DO UPDATE SET code_hash = excluded.code_hash,
			address = excluded.address, sent_at = excluded.sent_at, expires_at = excluded.expires_at, attempts = 0`,
			a.Name, purpose, r.codeHash(a.Name, purpose, address, code), address, formatTime(now), formatTime(expires)); err != nil {
			return fmt.Errorf("saving the e-mail code: %w", err)
		}
		if courier == nil {
			facts := r.noticeFacts(a, now)
			facts.Code, facts.Purpose, facts.Expires = code, purpose, expires
			subject, body := notice.Compose(notice.EmailCode, facts)
			if err := notice.Queue(ctx, tx, notice.Notice{CreatedAt: now, Account: a.Name, Kind: notice.EmailCode,
				To: address, Subject: subject, Body: body}); err != nil {
				return err
			}
		}
		return r.audit(ctx, tx, now, a.Name, "email_code", purpose+" code sent to "+domainOnly(address))
	})
	if err != nil {
		return CodeSent{}, err
	}
	if courier == nil {
		select {
		case r.codeQueued <- struct{}{}: // the station's delivery sends it now
		default:
		}
	}
	return CodeSent{To: policy.MaskEmail(address), SentAt: now, ResendAt: now.Add(policy.EmailCodeResend), Expires: expires}, nil
}

// newEmailCode is a uniform 6-digit code from crypto/rand.
func newEmailCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("making an e-mail code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

// codeHash binds a code to its account, purpose and address.
func (r *Replica) codeHash(account, purpose, address, code string) []byte {
	return r.opt.Keys.IdentityHash("email_code", strings.Join([]string{account, purpose, strings.ToLower(address), code}, "\x00"))
}

// codeSentAt is when the live code for purpose was sent, and where.
func (r *Replica) codeSentAt(ctx context.Context, account, purpose string) (time.Time, string, bool, error) {
	var at, to string
	err := r.r.QueryRowContext(ctx, `SELECT sent_at, address FROM email_codes WHERE account = ? AND purpose = ?`,
		account, purpose).Scan(&at, &to)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, "", false, nil
	}
	if err != nil {
		return time.Time{}, "", false, fmt.Errorf("reading the e-mail code: %w", err)
	}
	return parseTime(sql.NullString{String: at, Valid: true}), to, true, nil
}

// takeCode checks a typed code for purpose and, when right, spends it inside
// tx (with the notice that carried it blanked) and returns the address it
// was sent to. A wrong code returns ErrCodeWrong (the caller counts it); no
// live code, ErrCodeExpired.
func (r *Replica) takeCode(ctx context.Context, tx *sql.Tx, a row, purpose, typed string) (string, error) {
	var (
		hash             []byte
		address, expires string
	)
	err := tx.QueryRowContext(ctx, `SELECT code_hash, address, expires_at FROM email_codes WHERE account = ? AND purpose = ?`,
		a.Name, purpose).Scan(&hash, &address, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrCodeExpired
	}
	if err != nil {
		return "", fmt.Errorf("reading the e-mail code: %w", err)
	}
	now := r.now()
	if !now.Before(parseTime(sql.NullString{String: expires, Valid: true})) {
		return "", ErrCodeExpired
	}
	code, ok := policy.ParseEmailCode(typed)
	if !ok || !hmac.Equal(hash, r.codeHash(a.Name, purpose, address, code)) {
		return "", ErrCodeWrong // the caller counts it, outside tx (rolled back)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM email_codes WHERE account = ? AND purpose = ?`, a.Name, purpose); err != nil {
		return "", fmt.Errorf("spending the e-mail code: %w", err)
	}
	return address, notice.BlankCodes(ctx, tx, `account = ?`, a.Name)
}

// checkEmailCode is takeCode in its own transaction, counting a wrong code
// toward the lockout (as a wrong 2FA code: the failures table knows the
// kinds identity, password and totp, and an e-mail code stands in the
// second factor's place).
func (r *Replica) checkEmailCode(ctx context.Context, a row, purpose, typed string, then func(tx *sql.Tx, address string) error) error {
	err := r.writeTx(ctx, "email code check", func(tx *sql.Tx) error {
		address, err := r.takeCode(ctx, tx, a, purpose, typed)
		if errors.Is(err, ErrCodeWrong) {
			return errNoChange{err} // committed below: the attempt counts
		}
		if err != nil {
			return err
		}
		if then != nil {
			return then(tx, address)
		}
		return nil
	})
	var nc errNoChange
	if errors.As(err, &nc) {
		return r.wrongCode(ctx, a, purpose)
	}
	return err
}

// wrongCode counts a wrong code on its code and toward the lockout.
func (r *Replica) wrongCode(ctx context.Context, a row, purpose string) error {
	if _, err := r.w.ExecContext(ctx, `UPDATE email_codes SET attempts = attempts + 1 WHERE account = ? AND purpose = ?`,
		a.Name, purpose); err != nil {
		return fmt.Errorf("counting a wrong e-mail code: %w", err)
	}
	return r.recordFailure(ctx, a, failTOTP, ErrCodeWrong)
}

// VerifyResetCode checks the code sent for a reset (Forgot Password for an
// account without 2FA) and returns the proof the new password is saved
// with: domain.ProofEmailCode, which never stands for a 2FA code.
func (r *Replica) VerifyResetCode(ctx context.Context, p Proof, code string) (Proof, error) {
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return Proof{}, err
	}
	if err := r.checkEmailCode(ctx, a, CodeReset, code, nil); err != nil {
		return Proof{}, err
	}
	r.log.Info("reset code accepted", "account", a.Name)
	next := p
	next.Kind = domain.ProofEmailCode
	return next, nil
}

// VerifyPersonalEmail saves the personal e-mail a code was sent to
// (SendEmailCode, CodeVerifyEmail), as verified now, once the code is right.
// The old verified address, if another, is told that it was replaced.
func (r *Replica) VerifyPersonalEmail(ctx context.Context, p Proof, code string) (Account, error) {
	a, err := r.selfService(ctx, p.Account, r.requireActivated)
	if err != nil {
		return Account{}, err
	}
	var address string
	now := r.now()
	c := &change{Account: a.Name, Action: "personal_email", Kind: domain.OpPersonalEmail, At: now, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		var err error
		if address, err = r.takeCode(ctx, tx, a, CodeVerifyEmail, code); err != nil {
			return errNoChange{err}
		}
		c.Detail = personalEmailDetail(address) + ", verified"
		c.Payload = domain.PersonalEmailPayload{Email: address, VerifiedAt: &now}
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_profiles (account, personal_email, personal_email_verified_at)
			VALUES (?, ?, ?) ON CONFLICT (account) DO UPDATE SET personal_email = excluded.personal_email,
			personal_email_verified_at = excluded.personal_email_verified_at`,
			a.Name, address, formatTime(now)); err != nil {
			return err
		}
		// The address notices went to until now is told: the old verified
		// one, or for a first address the account's own mailbox (a stolen
		// password must not add a reset address unseen).
		old, kind := a.PersonalEmail, notice.EmailReplaced
		if old == "" || a.EmailVerifiedAt.IsZero() {
			old, kind = policy.Email(a.Name, r.opt.EmailDomain), notice.EmailAdded
		}
		if strings.EqualFold(old, address) || !a.activated() {
			return nil
		}
		facts := r.noticeFacts(a, now)
		facts.NewAddress = policy.MaskEmail(address)
		subject, body := notice.Compose(kind, facts)
		return notice.Queue(ctx, tx, notice.Notice{CreatedAt: now, Account: a.Name, Kind: kind,
			To: old, Subject: subject, Body: body})
	})
	if errors.Is(err, ErrCodeWrong) {
		return Account{}, r.wrongCode(ctx, a, CodeVerifyEmail)
	}
	if err != nil {
		return Account{}, err
	}
	r.log.Info("personal e-mail verified", "account", a.Name, "domain", domainOnly(address))
	return r.reloadWith(ctx, a.Name, c.Next)
}

// domainOnly is an address as logs and the audit may show it.
func domainOnly(addr string) string { return "…@" + addr[strings.LastIndexByte(addr, '@')+1:] }

// HeldNotice is the newest notice the station holds (any state), as it
// will be or was sent: the tape command CaptureMail reads a code from it.
// Staff listings use NoticesFor, which masks codes.
func (r *Replica) HeldNotice(ctx context.Context) (notice.Notice, error) {
	list, err := r.notices().Notices(ctx, "", 1)
	if err != nil {
		return notice.Notice{}, err
	}
	if len(list) == 0 {
		return notice.Notice{}, errors.New("the station holds no notice")
	}
	return list[0], nil
}
