package notice

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/expressstation/kiosk/store/sqltime"
)

// Box is a notices table: the replica's (migration 0004) or the
// central store's, which has the same columns. It is what mail.Deliver and
// the staff listings need of either. Reads go to R, updates to W.
type Box struct {
	R, W *sql.DB
	Now  func() time.Time
}

// Queue writes n as a pending notice inside tx, the transaction of
// the change it tells of.
func Queue(ctx context.Context, tx *sql.Tx, n Notice) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO notices (created_at, account, kind, to_address, subject, body)
		VALUES (?, ?, ?, ?, ?, ?)`, sqltime.Format(n.CreatedAt), n.Account, string(n.Kind), n.To, n.Subject, n.Body)
	if err != nil {
		return fmt.Errorf("notice %s for %s: %w", n.Kind, n.Account, err)
	}
	return nil
}

// Notices lists notices in a state ("" for all): pending ones oldest first
// (the order they are sent in), the others newest first. limit <= 0 means 100.
func (b Box) Notices(ctx context.Context, state State, limit int) ([]Notice, error) {
	if limit <= 0 {
		limit = 100
	}
	where, args := `1 = 1 ORDER BY id DESC LIMIT ?`, []any{limit}
	switch state {
	case "":
	case Pending:
		where, args = `state = ? ORDER BY id LIMIT ?`, []any{string(state), limit}
	default:
		where, args = `state = ? ORDER BY id DESC LIMIT ?`, []any{string(state), limit}
	}
	return b.read(ctx, where, args...)
}

// NoticesFor lists the newest notices about one account, for staff.
func (b Box) NoticesFor(ctx context.Context, account string, limit int) ([]Notice, error) {
	if limit <= 0 {
		limit = 100
	}
	return b.read(ctx, `account = ? ORDER BY id DESC LIMIT ?`, account, limit)
}

func (b Box) read(ctx context.Context, where string, args ...any) ([]Notice, error) {
	rows, err := b.R.QueryContext(ctx, `SELECT id, created_at, account, kind, to_address, subject, body, state,
		sent_at, error, attempts FROM notices WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("reading notices: %w", err)
	}
	defer rows.Close()
	var out []Notice
	for rows.Next() {
		var (
			n                   Notice
			created, sent       sql.NullString
			kind, state, toAddr string
		)
		if err := rows.Scan(&n.ID, &created, &n.Account, &kind, &toAddr, &n.Subject, &n.Body, &state,
			&sent, &n.Error, &n.Attempts); err != nil {
			return nil, fmt.Errorf("reading notices: %w", err)
		}
		n.CreatedAt, n.SentAt = sqltime.Parse(created.String), sqltime.Parse(sent.String)
		n.Kind, n.State, n.To = Kind(kind), State(state), toAddr
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading notices: %w", err)
	}
	return out, nil
}

// LastNotices is when each account last got a notice of a kind.
func (b Box) LastNotices(ctx context.Context, kind Kind) (map[string]time.Time, error) {
	rows, err := b.R.QueryContext(ctx, `SELECT account, max(created_at) FROM notices WHERE kind = ? GROUP BY account`,
		string(kind))
	if err != nil {
		return nil, fmt.Errorf("reading notices: %w", err)
	}
	defer rows.Close()
	last := map[string]time.Time{}
	for rows.Next() {
		var (
			account string
			at      sql.NullString
		)
		if err := rows.Scan(&account, &at); err != nil {
			return nil, fmt.Errorf("reading notices: %w", err)
		}
		last[account] = sqltime.Parse(at.String)
	}
	return last, rows.Err()
}

// MarkNoticeSent records that a pending notice was sent; an EmailCode
// notice keeps its body with the code masked (MaskCodes).
func (b Box) MarkNoticeSent(ctx context.Context, id int64) error {
	if err := b.update(ctx, id, `state = 'sent', sent_at = ?, error = '', attempts = attempts + 1`,
		sqltime.Format(b.Now())); err != nil {
		return err
	}
	var body string
	err := b.W.QueryRowContext(ctx, `SELECT body FROM notices WHERE id = ? AND kind = ?`, id, string(EmailCode)).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err == nil {
		_, err = b.W.ExecContext(ctx, `UPDATE notices SET body = ? WHERE id = ?`, MaskCodes(body), id)
	}
	if err != nil {
		return fmt.Errorf("notice %d: masking its code: %w", id, err)
	}
	return nil
}

// MarkNoticeFailed records a failed attempt to send a pending notice; keep
// gives up on it (a permanent refusal, or too many attempts) and keeps it
// for staff.
func (b Box) MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error {
	state := Pending
	if keep {
		state = Kept
	}
	return b.update(ctx, id, `state = ?, error = ?, attempts = attempts + 1`, string(state), clip(reason, 500))
}

// KeepNotice keeps a pending notice unsent, with why (no mail server).
func (b Box) KeepNotice(ctx context.Context, id int64, reason string) error {
	return b.update(ctx, id, `state = 'kept', error = ?`, clip(reason, 500))
}

// update changes a pending notice; one already sent or kept is left
// alone, and an unknown id is an error.
func (b Box) update(ctx context.Context, id int64, set string, args ...any) error {
	res, err := b.W.ExecContext(ctx, `UPDATE notices SET `+set+` WHERE id = ? AND state = 'pending'`,
		append(args, id)...)
	if err != nil {
		return fmt.Errorf("notice %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fmt.Errorf("notice %d is not pending (sent or kept already, or no such notice)", id)
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// Execer is what BlankCodes needs: a *sql.Tx (or *sql.DB).
type Execer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// BlankCodes masks the codes in the EmailCode notices matching where
// (SQLite placeholders): their code was used, replaced or expired.
func BlankCodes(ctx context.Context, q Execer, where string, args ...any) error {
	rows, err := q.QueryContext(ctx, `SELECT id, body FROM notices WHERE kind = 'email_code' AND (`+where+`)`, args...)
	if err != nil {
		return fmt.Errorf("blanking used codes: %w", err)
	}
	masked := map[int64]string{}
	for rows.Next() {
		var (
			id   int64
			body string
		)
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return fmt.Errorf("blanking used codes: %w", err)
		}
		if m := MaskCodes(body); m != body {
			masked[id] = m
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("blanking used codes: %w", err)
	}
	for id, body := range masked {
		if _, err := q.ExecContext(ctx, `UPDATE notices SET body = ? WHERE id = ?`, body, id); err != nil {
			return fmt.Errorf("blanking used codes: %w", err)
		}
	}
	return nil
}
