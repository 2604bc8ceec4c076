package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/notice"
)

// The replica's notices (store/notice): a change queues the one it sends in
// its own transaction, so it is never lost nor sent for a change that did
// not happen. Only accounts that were activated get notices: nobody reads a
// mailbox that was never opened.

// queueChangeNotice queues the notice a change sends (its own, or the one
// its op kind sends), inside the change's transaction. It reads the account
// as the change left it.
func (r *Replica) queueChangeNotice(ctx context.Context, tx *sql.Tx, c *change) error {
	kind := c.Notice
	if kind == "" {
		kind = c.Kind.Notice()
	}
	if kind == "" {
		return nil
	}
	a, err := loadRow(ctx, tx, "name", c.Account)
	if err != nil {
		return fmt.Errorf("notice %s for %s: %w", kind, c.Account, err)
	}
	return r.queueNotice(ctx, tx, a, kind, c.At)
}

// queueNotice writes one notice about a (as it is now) inside tx. Accounts
// never activated get none.
func (r *Replica) queueNotice(ctx context.Context, tx *sql.Tx, a row, kind notice.Kind, at time.Time) error {
	if !a.activated() {
		return nil
	}
	subject, body := notice.Compose(kind, r.noticeFacts(a, at))
	return notice.Queue(ctx, tx, notice.Notice{CreatedAt: at, Account: a.Name, Kind: kind,
		To: a.noticeAddress(r.opt.EmailDomain), Subject: subject, Body: body})
}

// noticeAddress is where a's notices go: its personal e-mail only when
// verified.
func (a row) noticeAddress(emailDomain string) string {
	return notice.Address(a.Name, a.PersonalEmail, !a.EmailVerifiedAt.IsZero(), emailDomain)
}

func (r *Replica) noticeFacts(a row, at time.Time) notice.Facts {
	return notice.Facts{
		Account: a.Name, FullName: strings.TrimSpace(a.GivenNames + " " + a.Surname),
		Email: policy.Email(a.Name, r.opt.EmailDomain), Station: r.opt.StationID, ServiceDesk: r.opt.ServiceDesk,
		Status: a.Status, Category: a.Category, ServicesEnd: policy.StudentServicesEnd(a.Completion, a.Extended),
		PasswordChangedAt: a.PasswordChangedAt, At: at, Languages: r.opt.NoticeLanguages,
	}
}

// Notices lists notices in a state ("" for all): see notice.Box.Notices.
func (r *Replica) Notices(ctx context.Context, state notice.State, limit int) ([]notice.Notice, error) {
	return r.notices().Notices(ctx, state, limit)
}

// NoticesFor lists the newest notices about one account, for staff: an
// e-mail code's code masked.
func (r *Replica) NoticesFor(ctx context.Context, account string, limit int) ([]notice.Notice, error) {
	list, err := r.notices().NoticesFor(ctx, account, limit)
	for i := range list {
		list[i] = notice.Masked(list[i])
	}
	return list, err
}

// MarkNoticeSent records that a pending notice was sent.
func (r *Replica) MarkNoticeSent(ctx context.Context, id int64) error {
	return r.notices().MarkNoticeSent(ctx, id)
}

// MarkNoticeFailed records a failed attempt to send a pending notice; keep
// gives up on it and keeps it for staff.
func (r *Replica) MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error {
	return r.notices().MarkNoticeFailed(ctx, id, reason, keep)
}

// KeepNotice keeps a pending notice unsent, with why (no [mail] server).
func (r *Replica) KeepNotice(ctx context.Context, id int64, reason string) error {
	return r.notices().KeepNotice(ctx, id, reason)
}

// notices is the replica's notices table.
func (r *Replica) notices() notice.Box { return notice.Box{R: r.r, W: r.w, Now: r.now} }
