package central

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

// Access passes: the service desk's one-time pass for a student who lost
// the authenticator (policy.NewAccessPass). The pass is shown once, to the
// desk; the store keeps its hash in the account's snapshot, so it reaches
// the stations at their next sync like any change, and a station's use of
// it is an op (domain.OpUsePass) that the store re-checks on push.
//
// The hash is argon2id, as passwords, not HMAC-SHA256 with the identity
// key as identity numbers: every station holds the identity key, so a
// stolen station would give both the key and the hash, and a 10-character
// pass (about 48 bits) falls to an HMAC search well within its lifetime;
// argon2id makes each guess cost what a password guess does.

// ErrNoPass: revoke found no pass on the account.
var ErrNoPass = errors.New("the account has no access pass")

// PassInfo is an outstanding (or expired, not yet cleared) pass as
// `accountd pass list` shows it: never the pass nor its hash.
type PassInfo struct {
	Account  string    `json:"account"`
	IssuedBy string    `json:"issued_by"`
	Expires  time.Time `json:"expires"`
	Expired  bool      `json:"expired"`
}

// PassReason checks a desk reason (as an extension's: plain, short, given).
func PassReason(s string) (string, error) {
	s, err := domain.ExtensionReason(s)
	if err != nil {
		return "", errors.New(strings.Replace(err.Error(), "for the extension, as the supervisor stated it", "for the pass (how the student was identified, why)", 1))
	}
	return s, nil
}

// IssuePass gives an activated account a new access pass valid for valid
// from now, replacing any earlier one, audited with who (by), why and
// when. It returns the pass, to be shown once.
func (s *Central) IssuePass(ctx context.Context, account, reason, by string, valid time.Duration) (string, time.Time, error) {
	reason, err := PassReason(reason)
	if err != nil {
		return "", time.Time{}, err
	}
	by = strings.Join(strings.Fields(by), " ")
	if by == "" {
		return "", time.Time{}, errors.New("say who issues the pass (the staff member's name or ID)")
	}
	if err := policy.PassValid(valid); err != nil {
		return "", time.Time{}, err
	}
	pass, err := policy.NewAccessPass(nil)
	if err != nil {
		return "", time.Time{}, err
	}
	norm, _ := policy.NormalizeAccessPass(pass)
	hash, err := secret.HashPassword(norm)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.opt.Now().UTC().Truncate(time.Millisecond)
	expires := now.Add(valid)
	err = s.change(ctx, func(a *applier) error {
		acct, id, err := a.tx.LoadAccount(ctx, account)
		switch {
		case err != nil:
			return err
		case acct == nil:
			return fmt.Errorf("%w: %q", ErrNoAccount, account)
		case !acct.Snapshot.Activated():
			return errors.New("the account has not been activated: the student activates it at a station, no pass is needed")
		case acct.Snapshot.Status == policy.StatusTerminated:
			return errors.New("the account has been terminated")
		}
		acct.Snapshot.PassHash, acct.Snapshot.PassExpires, acct.Snapshot.PassIssuedBy = hash, &expires, by
		return s.record(ctx, a, id, acct, now, "pass_issue",
			fmt.Sprintf("by %s, valid until %s: %s", by, expires.Format(time.RFC3339), reason), "")
	})
	if err != nil {
		return "", time.Time{}, err
	}
	s.log.Info("access pass issued", "account", account, "by", by, "expires", expires.Format(time.RFC3339))
	return pass, expires, nil
}

// RevokePass withdraws an account's pass; stations refuse it after their
// next sync, and the store refuses a use pushed later.
func (s *Central) RevokePass(ctx context.Context, account, by string) error {
	now := s.opt.Now().UTC().Truncate(time.Millisecond)
	err := s.change(ctx, func(a *applier) error {
		acct, id, err := a.tx.LoadAccount(ctx, account)
		switch {
		case err != nil:
			return err
		case acct == nil:
			return fmt.Errorf("%w: %q", ErrNoAccount, account)
		case acct.Snapshot.PassHash == "":
			return ErrNoPass
		}
		acct.Snapshot.ClearPass()
		detail := "revoked"
		if by = strings.TrimSpace(by); by != "" {
			detail += " by " + by
		}
		return s.record(ctx, a, id, acct, now, "pass_revoke", detail, "")
	})
	if err != nil {
		return err
	}
	s.log.Info("access pass revoked", "account", account)
	return nil
}

// Passes lists the accounts with a pass, by name.
func (s *Central) Passes(ctx context.Context) ([]PassInfo, error) {
	snaps, err := s.b.PassHolders(ctx)
	if err != nil {
		return nil, err
	}
	now := s.opt.Now()
	out := make([]PassInfo, 0, len(snaps))
	for _, sn := range snaps {
		p := PassInfo{Account: sn.Name, IssuedBy: sn.PassIssuedBy}
		if sn.PassExpires != nil {
			p.Expires = sn.PassExpires.UTC()
		}
		p.Expired = !sn.PassOutstanding(now)
		out = append(out, p)
	}
	return out, nil
}
