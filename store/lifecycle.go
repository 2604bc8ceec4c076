package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
)

// The account lifecycle (seed "Account Termination"): on the completion date
// an account enters four months of grace; at its end (or at the end of a
// supervisor's extension) degree graduates become alumni and keep their
// e-mail, everyone else is terminated. The central store runs this daily for
// every station; a standalone station runs the same rules here. Screens
// never wait for it: Account.Status is already the status at the clock's
// time (see effective).
//
// Accounts that were never activated move too, exactly as
// policy.LifecycleStatus says (registered -> grace -> alumni or terminated),
// so a graduate who never activated is found as an alumnus by Alumni Account
// Activation. They get no notices: they have no mailbox anyone reads.

// lifecycleBatch is how many candidates are read, and their transitions
// committed, at a time: few commits (an fsync each), yet a student's write
// never waits long behind the job, and the job never holds more than a
// batch in memory.
var lifecycleBatch = 256

// RunLifecycle moves every stored status to the one policy.LifecycleStatus
// gives at now (LifecycleFacts.Due, shared with the central store). Each
// transition is a whole change (status, audit row, outbox op "lifecycle"
// and its notice together): grace starts ("your student services end on
// <date>") or the expiry date (alumni, or terminated). Running it again at
// the same time changes nothing. A transition whose account changed
// meanwhile (an extension came in) is left for the next run.
//
// The candidates are read in batches in name order; each batch's
// transitions commit together with how far the run got (lifecycle_progress),
// so a run cut short (the station stopped) resumes on the same day after
// its last committed batch instead of starting over.
func (r *Replica) RunLifecycle(ctx context.Context, now time.Time) (domain.LifecycleReport, error) {
	now = now.UTC().Truncate(time.Millisecond)
	day := now.Format(dateLayout)
	var rep domain.LifecycleReport
	after, err := r.lifecycleResume(ctx, day)
	if err != nil {
		return rep, fmt.Errorf("lifecycle run: %w", err)
	}
	for {
		rows, err := r.lifecycleCandidates(ctx, now, after, lifecycleBatch)
		if err != nil {
			return rep, err
		}
		if len(rows) == 0 {
			break
		}
		rep.Checked += len(rows)
		byName := map[string]row{}
		var changes []*change
		var due []domain.Transition
		for _, a := range rows {
			if t, ok := a.lifecycle().Due(now); ok {
				byName[a.Name] = a
				changes = append(changes, transition(t, now))
				due = append(due, t)
			}
		}
		after = rows[len(rows)-1].Name
		done, err := r.commitEachThen(ctx, "lifecycle", changes, func(tx *sql.Tx, c *change) error {
			return applyTransition(ctx, tx, byName[c.Account], c)
		}, func(tx *sql.Tx) error { return setLifecycleProgress(ctx, tx, day, &after) })
		if err != nil {
			return rep, fmt.Errorf("lifecycle run: %w", err)
		}
		moved := map[string]bool{}
		for _, c := range done {
			moved[c.Account] = true
		}
		for _, t := range due {
			if moved[t.Account] {
				rep.Add(t)
			}
		}
		if len(rows) < lifecycleBatch {
			break
		}
	}
	if err := r.writeTx(ctx, "lifecycle", func(tx *sql.Tx) error { return setLifecycleProgress(ctx, tx, day, nil) }); err != nil {
		return rep, fmt.Errorf("lifecycle run: %w", err)
	}
	// The batches filled the writer's page cache (32 MiB, sized for imports)
	// with pages a station rarely needs again: give them back.
	if _, err := r.w.ExecContext(ctx, "PRAGMA shrink_memory"); err != nil {
		r.log.Warn("lifecycle run: shrinking the page cache", "err", err)
	}
	r.log.Info("lifecycle run", "checked", rep.Checked, "grace", rep.Count(policy.StatusGrace),
		"alumni", rep.Count(policy.StatusAlumni), "terminated", rep.Count(policy.StatusTerminated))
	return rep, nil
}

// lifecycleResume is the account after which a run on day goes on: the
// last committed batch's of an unfinished run that day, else "" (from the
// start).
func (r *Replica) lifecycleResume(ctx context.Context, day string) (string, error) {
	var d string
	var after sql.NullString
	err := r.r.QueryRowContext(ctx, `SELECT day, after_name FROM lifecycle_progress WHERE id = 1`).Scan(&d, &after)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	if d != day || !after.Valid {
		return "", nil
	}
	return after.String, nil
}

// setLifecycleProgress records that the run on day committed every
// candidate up to *after; nil: the run finished.
func setLifecycleProgress(ctx context.Context, tx *sql.Tx, day string, after *string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_progress (id, day, after_name) VALUES (1, ?1, ?2)
		ON CONFLICT (id) DO UPDATE SET day = ?1, after_name = ?2`, day, after)
	return err
}

// lifecycle is the row's lifecycle facts.
func (a row) lifecycle() domain.LifecycleFacts {
	return domain.LifecycleFacts{Account: a.Name, Status: a.Status, Category: a.Category, Completion: a.Completion,
		Extended: a.Extended, Activated: a.activated()}
}

// lifecycleCandidates are up to limit accounts, in name order after the
// name after, that may move at now: registered or active ones whose
// completion date has come, and grace ones whose grace and extension have
// ended. SQLite's date arithmetic is only trusted to narrow the search
// (with days to spare); policy.LifecycleStatus decides.
func (r *Replica) lifecycleCandidates(ctx context.Context, now time.Time, after string, limit int) ([]row, error) {
	today := now.Format(dateLayout)
	return r.queryRows(ctx, `name > ?2 AND completion_date IS NOT NULL AND completion_date <= ?1 AND (
			status IN ('registered', 'active') OR
			status = 'grace' AND date(completion_date, '+`+strconv.Itoa(policy.GraceMonths)+` months') <= date(?1, '+4 days')
				AND (extended_until IS NULL OR extended_until <= date(?1, '+4 days')))
		ORDER BY name LIMIT ?3`, today, after, limit)
}

// errMovedMeanwhile abandons a transition whose account changed since it was read.
var errMovedMeanwhile = errors.New("the account changed meanwhile")

// transition is the change that makes t, with the notice it sends.
func transition(t domain.Transition, now time.Time) *change {
	return &change{Account: t.Account, Action: "lifecycle", Kind: domain.OpLifecycle, At: now, Notice: t.Notice,
		Detail: t.Detail(), Payload: domain.LifecyclePayload{From: t.From, To: t.To, At: now}}
}

// applyTransition writes the new status, only if nothing the decision
// rested on (status, completion, extension) has changed since a was read.
func applyTransition(ctx context.Context, tx *sql.Tx, a row, c *change) error {
	p := c.Payload.(domain.LifecyclePayload)
	res, err := tx.ExecContext(ctx, `UPDATE accounts SET status = ?, updated_at = ?
		WHERE id = ? AND status = ? AND completion_date IS ? AND extended_until IS ?`,
		string(p.To), formatTime(c.At), a.ID, string(p.From), nullString(dateString(a.Completion)),
		nullString(dateString(a.Extended)))
	return mustAffect(res, err, errMovedMeanwhile)
}

// queryRows reads the accounts (with their profiles) matching where.
func (r *Replica) queryRows(ctx context.Context, where string, args ...any) ([]row, error) {
	rows, err := r.r.QueryContext(ctx, "SELECT "+rowColumns+rowFrom+"WHERE "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		a, err := scanRow(rows)
		if err != nil {
			return nil, fmt.Errorf("reading accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	return out, nil
}

// Extend records a supervisor's extension of an account's student services
// until a date (seed: "ask your academic supervisor ... stating the period
// of extension and justification"). Only the date of until counts. The
// rules are LifecycleFacts.CheckExtension's, shared with the central store:
// a completion date, services not ended (alumni and terminated are final),
// a date after the grace period and after today. A later call replaces the
// date. Audited with the reason, sent to the central store, and the student
// is told the new date.
func (r *Replica) Extend(ctx context.Context, account string, until time.Time, reason string) error {
	reason, err := domain.ExtensionReason(reason)
	if err != nil {
		return err
	}
	until = domain.ExtensionDate(until)
	a, err := r.byName(ctx, account)
	if err != nil {
		return err
	}
	now := r.now()
	if err := a.lifecycle().CheckExtension(until, now); err != nil {
		return err
	}
	c := &change{Account: a.Name, Action: "extend", Kind: domain.OpExtend, At: now, Notice: notice.Extended,
		Detail:  domain.ExtensionDetail(until, reason),
		Payload: domain.ExtendPayload{Until: dateString(until), Reason: reason}}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET extended_until = ?, updated_at = ?
			WHERE id = ? AND status = ?`, dateString(until), formatTime(now), a.ID, string(a.Status))
		return mustAffect(res, err, errors.New("the account changed at the same time: try again"))
	})
	if err != nil {
		return err
	}
	r.log.Info("student services extended", "account", a.Name, "until", dateString(until))
	return nil
}

// QueuePasswordReminders queues a reminder (seed "netid": "A reminder email
// will be sent to you if you have not changed your NetPassword for more
// than 6 months") for every activated account, not terminated, whose
// password is more than six months old at now, at most one per account every
// six months. It returns how many it queued.
func (r *Replica) QueuePasswordReminders(ctx context.Context, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Millisecond)
	// A loose bound in SQL (AddDate normalises 31 February forward); the
	// policy decides exactly.
	bound := now.AddDate(0, -policy.PasswordReminderMonths, 4)
	rows, err := r.queryRows(ctx, `password_changed_at IS NOT NULL AND password_changed_at < ?
		AND status <> 'terminated' ORDER BY name`, formatTime(bound))
	if err != nil {
		return 0, err
	}
	last, err := r.notices().LastNotices(ctx, notice.PasswordAge)
	if err != nil {
		return 0, err
	}
	var due []row
	for _, a := range rows {
		if a.lifecycle().ReminderDue(a.PasswordChangedAt, last[a.Name], now) {
			due = append(due, a)
		}
	}
	if len(due) == 0 {
		return 0, nil
	}
	err = r.writeTx(ctx, "password reminders", func(tx *sql.Tx) error {
		for _, a := range due {
			if err := r.queueNotice(ctx, tx, a, notice.PasswordAge, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	r.log.Info("password reminders queued", "count", len(due))
	return len(due), nil
}
