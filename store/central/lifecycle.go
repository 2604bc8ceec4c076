package central

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
)

// The account lifecycle for every station (seed "Account Termination"),
// which `accountd serve` runs daily and `accountd lifecycle run` once: the
// rules are the station's own (domain.LifecycleFacts: Due, CheckExtension,
// ReminderDue) and so are the notices' words (notice.Compose). Each
// transition or extension is one change: the account's snapshot with a new
// change number (stations pull it), an audit row and the notice it sends,
// in one transaction. Notices wait in the notices table for mail.Deliver.
// Security notices (password or 2FA changed) are not sent here: the station
// that made the change queued them.

// lifecycleBatch transitions share a transaction: a commit (an fsync) per
// batch, and stations' ops never wait long behind the job.
const lifecycleBatch = 256

// ErrNoAccount refuses an extension for an account the store lacks.
var ErrNoAccount = errors.New("no such account in the central store: check the account name")

// RunLifecycle moves every account whose lifecycle status at now differs
// from the stored one: active (or registered) to grace on the completion
// date, grace to alumni (degree) or terminated (everyone else) at the end
// of grace or of an extension. Activated accounts get the notice of grace
// starting or of the expiry date. Each move is decided again inside its
// transaction, so running it twice, or beside another run, moves nothing
// twice.
func (s *Central) RunLifecycle(ctx context.Context, now time.Time) (domain.LifecycleReport, error) {
	now = now.UTC().Truncate(time.Millisecond)
	due, checked, err := s.lifecycleDue(ctx, now)
	if err != nil {
		return domain.LifecycleReport{}, err
	}
	rep := domain.LifecycleReport{Checked: checked}
	for chunk := range slices.Chunk(due, lifecycleBatch) {
		made, err := s.moveAccounts(ctx, chunk, now)
		if err != nil {
			return rep, fmt.Errorf("lifecycle run: %w", err)
		}
		for _, t := range made {
			rep.Add(t)
		}
	}
	s.log.Info("lifecycle run", "at", now, "checked", rep.Checked, "grace", rep.Count(policy.StatusGrace),
		"alumni", rep.Count(policy.StatusAlumni), "terminated", rep.Count(policy.StatusTerminated),
		"notices", rep.Notices)
	return rep, nil
}

// lifecycleDue is the names of the accounts due to move at now, and how
// many accounts the search looked at.
func (s *Central) lifecycleDue(ctx context.Context, now time.Time) ([]string, int, error) {
	snaps, err := s.b.LifecycleCandidates(ctx, now.Format(time.DateOnly))
	if err != nil {
		return nil, 0, fmt.Errorf("lifecycle run: %w", err)
	}
	var due []string
	for _, snap := range snaps {
		if _, ok := snap.Lifecycle().Due(now); ok {
			due = append(due, snap.Name)
		}
	}
	return due, len(snaps), nil
}

// moveAccounts makes the transitions due at now of the named accounts in
// one transaction, deciding each again as the account is now.
func (s *Central) moveAccounts(ctx context.Context, names []string, now time.Time) ([]domain.Transition, error) {
	var made []domain.Transition
	err := s.change(ctx, func(a *applier) error {
		made = made[:0]
		for _, name := range names {
			acct, id, err := a.tx.LoadAccount(ctx, name)
			if err != nil || acct == nil {
				return err // an account is never removed: nil cannot happen
			}
			t, ok := acct.Snapshot.Lifecycle().Due(now)
			if !ok {
				continue // moved meanwhile
			}
			acct.Snapshot.Status = t.To
			if err := s.record(ctx, a, id, acct, now, "lifecycle", t.Detail(), t.Notice); err != nil {
				return err
			}
			made = append(made, t)
		}
		return nil
	})
	return made, err
}

// Extend records a supervisor's extension of an account's student services
// until a date (only the date of until counts): the station's rules
// (domain.LifecycleFacts.CheckExtension) decide whether it may, and the
// reason must be given (domain.ExtensionReason). The account's snapshot
// carries the new date to every station; the student is told it. The same
// date again changes nothing.
func (s *Central) Extend(ctx context.Context, account string, until time.Time, reason string) error {
	reason, err := domain.ExtensionReason(reason)
	if err != nil {
		return err
	}
	until = domain.ExtensionDate(until)
	now := s.opt.Now().UTC().Truncate(time.Millisecond)
	err = s.change(ctx, func(a *applier) error {
		acct, id, err := a.tx.LoadAccount(ctx, account)
		switch {
		case err != nil:
			return err
		case acct == nil:
			return fmt.Errorf("%w: %q", ErrNoAccount, account)
		}
		if err := acct.Snapshot.Lifecycle().CheckExtension(until, now); err != nil {
			return err
		}
		date := until.Format(time.DateOnly)
		if acct.Snapshot.ExtendedUntil == date {
			return nil
		}
		acct.Snapshot.ExtendedUntil = date
		return s.record(ctx, a, id, acct, now, "extend", domain.ExtensionDetail(until, reason), notice.Extended)
	})
	if err != nil {
		return err
	}
	s.log.Info("student services extended", "account", account, "until", until.Format(time.DateOnly))
	return nil
}

// change runs fn in one write transaction with an applier, and wakes the
// stations' long-polls when it moved the head.
func (s *Central) change(ctx context.Context, fn func(a *applier) error) error {
	return s.inTx(ctx, func(tx Tx, head *int64) error {
		a := &applier{tx: tx, now: s.opt.Now().UTC(), head: *head, log: s.log.Warn}
		if err := fn(a); err != nil {
			return err
		}
		*head = a.head
		return nil
	})
}

// record saves a changed account as a new change, with its audit row and
// the notice it sends (none for an account never activated).
func (s *Central) record(ctx context.Context, a *applier, id int64, acct *Account, at time.Time,
	action, detail string, notice notice.Kind) error {
	if err := a.save(ctx, id, acct, SnapshotChanged); err != nil {
		return err
	}
	if err := a.tx.Audit(ctx, at, acct.Snapshot.Name, action, detail); err != nil {
		return err
	}
	if notice == "" || !acct.Snapshot.Activated() {
		return nil
	}
	return s.queueNotice(ctx, a.tx, &acct.Snapshot, notice, at)
}

// queueNotice writes the notice of kind about an account, as it is now,
// inside tx: to the personal e-mail when set, else the account's.
func (s *Central) queueNotice(ctx context.Context, tx Tx, snap *domain.Snapshot, kind notice.Kind, at time.Time) error {
	f := snap.Lifecycle()
	facts := notice.Facts{Account: snap.Name, FullName: strings.TrimSpace(snap.GivenNames + " " + snap.Surname),
		Email: policy.Email(snap.Name, s.opt.EmailDomain), ServiceDesk: s.opt.ServiceDesk, Status: snap.Status,
		Category: snap.Category, ServicesEnd: f.ServicesEnd(), At: at, Languages: s.opt.NoticeLanguages}
	if snap.PasswordChangedAt != nil {
		facts.PasswordChangedAt = *snap.PasswordChangedAt
	}
	subject, body := notice.Compose(kind, facts)
	return tx.QueueNotice(ctx, notice.Notice{CreatedAt: at, Account: snap.Name, Kind: kind,
		To: notice.Address(snap.Name, snap.PersonalEmail, snap.PersonalEmailVerifiedAt != nil, s.opt.EmailDomain), Subject: subject, Body: body})
}

// QueuePasswordReminders queues a reminder (seed "netid") for every
// activated account, not terminated, whose password is more than six months
// old at now, at most one per account every six months, and returns how
// many it queued. Each is checked again against the last reminder inside
// the transaction that queues it, so a second run queues none.
func (s *Central) QueuePasswordReminders(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Millisecond)
	// A loose bound (four days to spare); ReminderDue decides.
	bound := now.AddDate(0, -policy.PasswordReminderMonths, 4)
	snaps, err := s.b.ReminderCandidates(ctx, bound)
	if err != nil {
		return 0, fmt.Errorf("password reminders: %w", err)
	}
	last, err := s.b.LastNotices(ctx, notice.PasswordAge)
	if err != nil {
		return 0, fmt.Errorf("password reminders: %w", err)
	}
	var due []domain.Snapshot
	for _, snap := range snaps {
		if snap.PasswordChangedAt != nil && snap.Lifecycle().ReminderDue(*snap.PasswordChangedAt, last[snap.Name], now) {
			due = append(due, snap)
		}
	}
	queued := 0
	for chunk := range slices.Chunk(due, lifecycleBatch) {
		n, err := s.queueReminders(ctx, chunk, now)
		if err != nil {
			return queued, fmt.Errorf("password reminders: %w", err)
		}
		queued += n
	}
	if queued > 0 {
		s.log.Info("password reminders queued", "count", queued)
	}
	return queued, nil
}

// queueReminders queues the reminders of snaps that are still due, as the
// notices table stands inside the transaction.
func (s *Central) queueReminders(ctx context.Context, snaps []domain.Snapshot, now time.Time) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx Tx, _ *int64) error {
		n = 0
		names := make([]string, len(snaps))
		for i := range snaps {
			names[i] = snaps[i].Name
		}
		last, err := tx.LastReminders(ctx, names)
		if err != nil {
			return err
		}
		for i := range snaps {
			snap := &snaps[i]
			if !snap.Lifecycle().ReminderDue(*snap.PasswordChangedAt, last[snap.Name], now) {
				continue
			}
			if err := s.queueNotice(ctx, tx, snap, notice.PasswordAge, now); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// Notices lists notices in a state ("" for all): pending ones oldest first,
// the others newest first. limit <= 0 means 100.
func (s *Central) Notices(ctx context.Context, state notice.State, limit int) ([]notice.Notice, error) {
	return s.b.Notices(ctx, state, limit)
}

// MarkNoticeSent records that a pending notice was sent.
func (s *Central) MarkNoticeSent(ctx context.Context, id int64) error {
	return s.b.MarkNoticeSent(ctx, id)
}

// MarkNoticeFailed records a failed attempt to send a pending notice; keep
// gives up on it and keeps it for staff.
func (s *Central) MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error {
	return s.b.MarkNoticeFailed(ctx, id, reason, keep)
}

// KeepNotice keeps a pending notice unsent, with why.
func (s *Central) KeepNotice(ctx context.Context, id int64, reason string) error {
	return s.b.KeepNotice(ctx, id, reason)
}
