package central

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/wire"
)

// E-mail codes (issue 19): a synced station sends the code it made through
// the central store, which queues the notice that carries it (in the
// notices' languages, as every notice) and the delivery loop sends it at
// once (httpapi Options.OnCode). The code stays in clear only in that
// notice, until it is sent or expires (notice.MaskCodes); the station keeps
// its keyed hash and checks the code itself.

// SentCode is the last code of one purpose the store sent an account.
type SentCode struct {
	To      string
	At      time.Time
	Station string
}

// SendCode queues the e-mail that carries a station's code. A refusal is a
// *domain.Rejection: locked, bad_code, bad_email or
// no_verified_email (a reset code goes only to the account's verified
// personal e-mail as the store has it).
func (s *Central) SendCode(ctx context.Context, station string, req wire.CodeRequest) error {
	now := s.opt.Now().UTC().Truncate(time.Millisecond)
	if code, ok := policy.ParseEmailCode(req.Code); !ok || code != req.Code {
		return domain.Reject("bad_code", "a code is %d digits", policy.EmailCodeDigits)
	}
	if req.Expires.Before(now) || req.Expires.After(now.Add(policy.EmailCodeValid+time.Minute)) {
		return domain.Reject("bad_code", "the code's expiry is not within %s from now", policy.EmailCodeValid)
	}
	err := s.change(ctx, func(a *applier) error {
		acct, _, err := a.tx.LoadAccount(ctx, req.Account)
		switch {
		case err != nil:
			return err
		case acct == nil:
			return fmt.Errorf("%w: %q", ErrNoAccount, req.Account)
		}
		snap := &acct.Snapshot
		// Not activated here yet is no refusal: the station's activation may
		// still be on its way (a code right after activating); the station
		// checked it.
		if snap.LockedUntil != nil && now.Before(*snap.LockedUntil) {
			return domain.Reject("locked", "the account is locked after failed attempts")
		}
		switch req.Purpose {
		case notice.CodeVerify:
			addr, err := policy.ParsePersonalEmail(req.To, s.opt.EmailDomain)
			if err != nil || addr != req.To {
				return domain.Reject("bad_email", "the address is not a personal e-mail address")
			}
		case notice.CodeReset:
			if snap.PersonalEmail == "" || snap.PersonalEmailVerifiedAt == nil || !strings.EqualFold(req.To, snap.PersonalEmail) {
				return domain.Reject("no_verified_email", "a reset code goes only to the account's verified personal e-mail")
			}
		default:
			return domain.Reject("bad_code", "unknown purpose %q", req.Purpose)
		}
		// The account's earlier codes, and any expired, leave the notices.
		if err := a.tx.BlankCodes(ctx, snap.Name, now.Add(-policy.EmailCodeValid)); err != nil {
			return err
		}
		f := snap.Lifecycle()
		facts := notice.Facts{Account: snap.Name, FullName: strings.TrimSpace(snap.GivenNames + " " + snap.Surname),
			Email: policy.Email(snap.Name, s.opt.EmailDomain), Station: station, ServiceDesk: s.opt.ServiceDesk,
			Status: snap.Status, Category: snap.Category, ServicesEnd: f.ServicesEnd(), At: now,
			Languages: s.opt.NoticeLanguages, Code: req.Code, Purpose: req.Purpose, Expires: req.Expires}
		subject, body := notice.Compose(notice.EmailCode, facts)
		if err := a.tx.QueueNotice(ctx, notice.Notice{CreatedAt: now, Account: snap.Name, Kind: notice.EmailCode,
			To: req.To, Subject: subject, Body: body}); err != nil {
			return err
		}
		if err := a.tx.RecordCode(ctx, snap.Name, req.Purpose, SentCode{To: req.To, At: now, Station: station}); err != nil {
			return err
		}
		return a.tx.Audit(ctx, now, snap.Name, "email_code",
			fmt.Sprintf("%s code sent to …@%s for station %s", req.Purpose, req.To[strings.LastIndexByte(req.To, '@')+1:], station))
	})
	if err != nil {
		return err
	}
	s.log.Info("e-mail code queued", "account", req.Account, "purpose", req.Purpose, "station", station)
	return nil
}
