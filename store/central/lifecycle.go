package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
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
func (s *SQLite) RunLifecycle(ctx context.Context, now time.Time) (domain.LifecycleReport, error) {
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

// candidatesSQL narrows the search for accounts that may move at ?1 (a
// date): registered or active ones whose completion date has come, grace
// ones whose grace and extension have ended. SQLite's date arithmetic only
// narrows it (with days to spare, as at the station); the rules decide.
var candidatesSQL = `SELECT snapshot FROM accounts
	WHERE snapshot ->> '$.completion_date' <= ?1 AND (
		snapshot ->> '$.status' IN ('registered', 'active') OR
		snapshot ->> '$.status' = 'grace'
			AND date(snapshot ->> '$.completion_date', '+` + strconv.Itoa(policy.GraceMonths) + ` months') <= date(?1, '+4 days')
			AND coalesce(snapshot ->> '$.extended_until', '') <= date(?1, '+4 days'))
	ORDER BY name`

// lifecycleDue is the names of the accounts due to move at now, and how
// many accounts the search looked at.
func (s *SQLite) lifecycleDue(ctx context.Context, now time.Time) ([]string, int, error) {
	snaps, err := s.readSnapshots(ctx, candidatesSQL, now.Format(time.DateOnly))
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

// readSnapshots reads the snapshots a query selects (one column).
func (s *SQLite) readSnapshots(ctx context.Context, query string, args ...any) ([]domain.Snapshot, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	defer rows.Close()
	var out []domain.Snapshot
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return nil, fmt.Errorf("reading accounts: %w", err)
		}
		var snap domain.Snapshot
		if err := json.Unmarshal(raw, &snap); err != nil {
			return nil, fmt.Errorf("reading accounts: stored snapshot: %w", err)
		}
		out = append(out, snap)
	}
	return out, rows.Err()
}

// moveAccounts makes the transitions due at now of the named accounts in
// one transaction, deciding each again as the account is now.
func (s *SQLite) moveAccounts(ctx context.Context, names []string, now time.Time) ([]domain.Transition, error) {
	var made []domain.Transition
	err := s.change(ctx, func(a *applier) error {
		made = made[:0]
		for _, name := range names {
			acct, id, err := a.load(ctx, name)
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
func (s *SQLite) Extend(ctx context.Context, account string, until time.Time, reason string) error {
	reason, err := domain.ExtensionReason(reason)
	if err != nil {
		return err
	}
	until = domain.ExtensionDate(until)
	now := s.opt.Now().UTC().Truncate(time.Millisecond)
	err = s.change(ctx, func(a *applier) error {
		acct, id, err := a.load(ctx, account)
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
func (s *SQLite) change(ctx context.Context, fn func(a *applier) error) error {
	var moved bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := s.newApplier(ctx, tx)
		if err != nil {
			return err
		}
		defer a.close()
		start := a.head
		if err := fn(a); err != nil {
			return err
		}
		moved = a.head > start
		return nil
	})
	if err == nil && moved {
		s.notify()
	}
	return err
}

// record saves a changed account as a new change, with its audit row and
// the notice it sends (none for an account never activated).
func (s *SQLite) record(ctx context.Context, a *applier, id int64, acct *Account, at time.Time,
	action, detail string, notice notice.Kind) error {
	if err := a.save(ctx, id, acct, SnapshotChanged); err != nil {
		return err
	}
	if err := auditAccount(ctx, a.tx, at, acct.Snapshot.Name, action, detail); err != nil {
		return err
	}
	if notice == "" || !acct.Snapshot.Activated() {
		return nil
	}
	return s.queueNotice(ctx, a.tx, &acct.Snapshot, notice, at)
}

// queueNotice writes the notice of kind about an account, as it is now,
// inside tx: to the personal e-mail when set, else the account's.
func (s *SQLite) queueNotice(ctx context.Context, tx *sql.Tx, snap *domain.Snapshot, kind notice.Kind, at time.Time) error {
	f := snap.Lifecycle()
	facts := notice.Facts{Account: snap.Name, FullName: strings.TrimSpace(snap.GivenNames + " " + snap.Surname),
		Email: policy.Email(snap.Name, s.opt.EmailDomain), ServiceDesk: s.opt.ServiceDesk, Status: snap.Status,
		Category: snap.Category, ServicesEnd: f.ServicesEnd(), At: at, Languages: s.opt.NoticeLanguages}
	if snap.PasswordChangedAt != nil {
		facts.PasswordChangedAt = *snap.PasswordChangedAt
	}
	subject, body := notice.Compose(kind, facts)
	return notice.Queue(ctx, tx, notice.Notice{CreatedAt: at, Account: snap.Name, Kind: kind,
		To: notice.Address(snap.Name, snap.PersonalEmail, s.opt.EmailDomain), Subject: subject, Body: body})
}

// remindersSQL narrows the search for password reminders: activated
// accounts not terminated whose password was set before ?1 (a loose bound;
// domain.LifecycleFacts.ReminderDue decides).
const remindersSQL = `SELECT snapshot FROM accounts
	WHERE snapshot ->> '$.password_changed_at' < ?1 AND snapshot ->> '$.status' <> 'terminated'
	ORDER BY name`

// QueuePasswordReminders queues a reminder (seed "netid") for every
// activated account, not terminated, whose password is more than six months
// old at now, at most one per account every six months, and returns how
// many it queued. Each is checked again against the last reminder inside
// the transaction that queues it, so a second run queues none.
func (s *SQLite) QueuePasswordReminders(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Millisecond)
	bound := now.AddDate(0, -policy.PasswordReminderMonths, 4).Format(time.RFC3339)
	snaps, err := s.readSnapshots(ctx, remindersSQL, bound)
	if err != nil {
		return 0, fmt.Errorf("password reminders: %w", err)
	}
	last, err := s.notices().LastNotices(ctx, notice.PasswordAge)
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
func (s *SQLite) queueReminders(ctx context.Context, snaps []domain.Snapshot, now time.Time) (int, error) {
	n := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		n = 0
		last, err := lastReminders(ctx, tx, snaps)
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

// lastReminders is when each of these accounts last got a reminder.
func lastReminders(ctx context.Context, tx *sql.Tx, snaps []domain.Snapshot) (map[string]time.Time, error) {
	names := make([]any, len(snaps))
	for i := range snaps {
		names[i] = snaps[i].Name
	}
	rows, err := tx.QueryContext(ctx, `SELECT account, max(created_at) FROM notices
		WHERE kind = 'password_age' AND account IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")+`)
		GROUP BY account`, names...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	last := map[string]time.Time{}
	for rows.Next() {
		var name, at string
		if err := rows.Scan(&name, &at); err != nil {
			return nil, err
		}
		last[name] = parseTime(at)
	}
	return last, rows.Err()
}

// notices is the store's notices table.
func (s *SQLite) notices() notice.Box { return notice.Box{R: s.r, W: s.w, Now: s.opt.Now} }

// Notices lists notices in a state ("" for all): pending ones oldest first,
// the others newest first. limit <= 0 means 100.
func (s *SQLite) Notices(ctx context.Context, state notice.State, limit int) ([]notice.Notice, error) {
	return s.notices().Notices(ctx, state, limit)
}

// MarkNoticeSent records that a pending notice was sent.
func (s *SQLite) MarkNoticeSent(ctx context.Context, id int64) error {
	return s.notices().MarkNoticeSent(ctx, id)
}

// MarkNoticeFailed records a failed attempt to send a pending notice; keep
// gives up on it and keeps it for staff.
func (s *SQLite) MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error {
	return s.notices().MarkNoticeFailed(ctx, id, reason, keep)
}

// KeepNotice keeps a pending notice unsent, with why.
func (s *SQLite) KeepNotice(ctx context.Context, id int64, reason string) error {
	return s.notices().KeepNotice(ctx, id, reason)
}
