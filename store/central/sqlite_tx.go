package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/wire"
)

// The SQLite backend's storage, with `?` placeholders: the reads Central
// needs and its write transaction (sqliteTx).

// sqliteTx is one immediate transaction on the writer, with the statements
// a group of ops runs many times prepared once.
type sqliteTx struct {
	tx   *sql.Tx
	head int64

	seenOp, loadAcct, saveAcct, saveFailures, recordOp, aliasUse, loadLink *sql.Stmt
}

// Begin starts a write transaction: the file's write lock is taken at once
// (_txlock=immediate), so the head read here stays the newest.
func (s *sqliteStore) Begin(ctx context.Context) (Tx, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	t := &sqliteTx{tx: tx}
	if t.head, err = head(ctx, tx); err != nil {
		tx.Rollback()
		return nil, err
	}
	for dst, q := range map[**sql.Stmt]string{
		&t.seenOp:       `SELECT outcome, reason FROM ops WHERE op_id = ?`,
		&t.loadAcct:     `SELECT id, seq, snapshot, failures FROM accounts WHERE name = ?`,
		&t.saveAcct:     `UPDATE accounts SET seq = ?, snapshot = ?, failures = ?, alias = ?, updated_at = ? WHERE id = ?`,
		&t.aliasUse:     `SELECT count(*) FROM accounts WHERE (alias = ?1 OR name = ?1) AND name <> ?2`,
		&t.saveFailures: `UPDATE accounts SET failures = ?, updated_at = ? WHERE id = ?`,
		&t.recordOp: `INSERT INTO ops (op_id, station, account, kind, created_at, received_at, outcome, reason, after_op, proof)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		&t.loadLink: `SELECT account, kind, outcome, reason, after_op FROM ops WHERE op_id = ?`,
	} {
		if *dst, err = tx.PrepareContext(ctx, q); err != nil {
			t.Rollback()
			return nil, err
		}
	}
	return t, nil
}

func (t *sqliteTx) closeStmts() {
	for _, st := range []*sql.Stmt{t.seenOp, t.loadAcct, t.saveAcct, t.saveFailures, t.recordOp, t.aliasUse, t.loadLink} {
		if st != nil {
			st.Close()
		}
	}
}

func (t *sqliteTx) Head() int64 { return t.head }

// Commit: the head is max(seq) of the accounts, stored with them.
func (t *sqliteTx) Commit(ctx context.Context, _ int64) error {
	t.closeStmts()
	return t.tx.Commit()
}

func (t *sqliteTx) Rollback() error {
	t.closeStmts()
	return t.tx.Rollback()
}

func (t *sqliteTx) exec(ctx context.Context, q string, args ...any) error {
	_, err := t.tx.ExecContext(ctx, q, args...)
	return err
}

func (t *sqliteTx) Savepoint(ctx context.Context) error { return t.exec(ctx, "SAVEPOINT request") }
func (t *sqliteTx) RollbackToSavepoint(ctx context.Context) error {
	return t.exec(ctx, "ROLLBACK TO request")
}
func (t *sqliteTx) ReleaseSavepoint(ctx context.Context) error { return t.exec(ctx, "RELEASE request") }

func (t *sqliteTx) LoadAccount(ctx context.Context, name string) (*Account, int64, error) {
	var (
		id, seq        int64
		snap, failures []byte
	)
	err := t.loadAcct.QueryRowContext(ctx, name).Scan(&id, &seq, &snap, &failures)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	acct, err := decodeAccount(name, seq, snap, failures)
	return acct, id, err
}

func (t *sqliteTx) SaveAccount(ctx context.Context, id, seq int64, snapshot, failures []byte, alias string, at time.Time) error {
	var a any
	if alias != "" {
		a = alias
	}
	_, err := t.saveAcct.ExecContext(ctx, seq, string(snapshot), string(failures), a, formatTime(at), id)
	return err
}

func (t *sqliteTx) SaveFailures(ctx context.Context, id int64, failures []byte, at time.Time) error {
	_, err := t.saveFailures.ExecContext(ctx, string(failures), formatTime(at), id)
	return err
}

func (t *sqliteTx) SeenOp(ctx context.Context, id string) (wire.Outcome, string, bool, error) {
	var outcome, reason string
	err := t.seenOp.QueryRowContext(ctx, id).Scan(&outcome, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	return wire.Outcome(outcome), reason, err == nil, err
}

func (t *sqliteTx) RecordOp(ctx context.Context, station string, op domain.Op, at time.Time, outcome wire.Outcome, reason string) error {
	_, err := t.recordOp.ExecContext(ctx, op.ID, station, op.Account, string(op.Kind), formatTime(op.CreatedAt),
		formatTime(at), string(outcome), reason, op.After, op.Proof)
	return err
}

func (t *sqliteTx) Link(ctx context.Context, id string) (Link, bool, error) {
	l := Link{ID: id}
	var kind, outcome string
	err := t.loadLink.QueryRowContext(ctx, id).Scan(&l.Account, &kind, &outcome, &l.Reason, &l.After)
	if errors.Is(err, sql.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, err
	}
	l.Kind, l.Outcome = domain.OpKind(kind), wire.Outcome(outcome)
	return l, true, nil
}

// activationKindsJSON is activationKinds for json_each.
var activationKindsJSON = func() string {
	b, _ := json.Marshal(activationKinds)
	return string(b)
}()

// ActivatedBy scans the ops, which only a second activation needs.
func (t *sqliteTx) ActivatedBy(ctx context.Context, account string) (string, error) {
	var station string
	err := t.tx.QueryRowContext(ctx, `SELECT station FROM ops WHERE account = ? AND outcome = 'applied'
		AND kind IN (SELECT value FROM json_each(?)) ORDER BY received_at LIMIT 1`, account, activationKindsJSON).Scan(&station)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return station, err
}

func (t *sqliteTx) AliasTaken(ctx context.Context, alias, except string) (bool, error) {
	var n int
	err := t.aliasUse.QueryRowContext(ctx, alias, except).Scan(&n)
	return n > 0, err
}

func (t *sqliteTx) Audit(ctx context.Context, at time.Time, account, action, detail string) error {
	return auditAccount(ctx, t.tx, at, account, action, detail)
}

func (t *sqliteTx) QueueNotice(ctx context.Context, n notice.Notice) error {
	return notice.Queue(ctx, t.tx, n)
}

func (t *sqliteTx) RecordCode(ctx context.Context, account, purpose string, sent SentCode) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO sent_codes (account, purpose, address, sent_at, station) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (account, purpose) DO UPDATE SET address = excluded.address, sent_at = excluded.sent_at, station = excluded.station`,
		account, purpose, sent.To, formatTime(sent.At), sent.Station)
	return err
}

func (t *sqliteTx) LastCode(ctx context.Context, account, purpose string) (SentCode, error) {
	var sent SentCode
	var at string
	err := t.tx.QueryRowContext(ctx, `SELECT address, sent_at, station FROM sent_codes WHERE account = ? AND purpose = ?`,
		account, purpose).Scan(&sent.To, &at, &sent.Station)
	if errors.Is(err, sql.ErrNoRows) {
		return SentCode{}, nil
	}
	sent.At = parseTime(at)
	return sent, err
}

func (t *sqliteTx) BlankCodes(ctx context.Context, account string, before time.Time) error {
	return notice.BlankCodes(ctx, t.tx, `account = ? OR created_at <= ?`, account, formatTime(before))
}

func (t *sqliteTx) LastReminders(ctx context.Context, names []string) (map[string]time.Time, error) {
	last := map[string]time.Time{}
	if len(names) == 0 {
		return last, nil
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT account, max(created_at) FROM notices
		WHERE kind = 'password_age' AND account IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(names)), ", ")+`)
		GROUP BY account`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, at string
		if err := rows.Scan(&name, &at); err != nil {
			return nil, err
		}
		last[name] = parseTime(at)
	}
	return last, rows.Err()
}

// insertRows accounts go into one INSERT statement.
const insertRows = 100

func (t *sqliteTx) InsertAccounts(ctx context.Context, rows []NewAccount) error {
	const row = "(?, ?, ?, ?, ?, ?)"
	for chunk := range chunks(rows, insertRows) {
		args := make([]any, 0, len(chunk)*6)
		for _, a := range chunk {
			args = append(args, a.Name, a.StudentID, a.Seq, string(a.Snapshot), a.Fingerprint, formatTime(a.At))
		}
		q := `INSERT INTO accounts (name, student_id, seq, snapshot, fingerprint, updated_at) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := t.tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}

// chunks splits s into slices of at most n.
func chunks[T any](s []T, n int) func(func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			c := s[:min(len(s), n)]
			s = s[len(c):]
			if !yield(c) {
				return
			}
		}
	}
}

func (t *sqliteTx) AccountSnapshot(ctx context.Context, id int64) ([]byte, error) {
	var stored []byte
	err := t.tx.QueryRowContext(ctx, `SELECT snapshot FROM accounts WHERE id = ?`, id).Scan(&stored)
	return stored, err
}

func (t *sqliteTx) UpdateParticulars(ctx context.Context, id, seq int64, snapshot, fingerprint []byte, at time.Time) error {
	return t.exec(ctx, `UPDATE accounts SET seq = ?, snapshot = ?, fingerprint = ?, updated_at = ? WHERE id = ?`,
		seq, string(snapshot), fingerprint, formatTime(at), id)
}

func (t *sqliteTx) Station(ctx context.Context, id string) (bool, bool, error) {
	var revoked sql.NullString
	err := t.tx.QueryRowContext(ctx, `SELECT revoked_at FROM stations WHERE id = ?`, id).Scan(&revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return false, false, nil
	}
	return err == nil, revoked.Valid, err
}

func (t *sqliteTx) PutStation(ctx context.Context, id, tokenHash string, at time.Time) error {
	return t.exec(ctx, `INSERT INTO stations (id, token_hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, revoked_at = NULL`,
		id, tokenHash, formatTime(at))
}

func (t *sqliteTx) RevokeStation(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE stations SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
		formatTime(at), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// KnownAccounts reads every account's name, student id and fingerprint.
func (s *sqliteStore) KnownAccounts(ctx context.Context, fn func(KnownAccount)) error {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, student_id, fingerprint FROM accounts`)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanKnown(rows, fn)
}

// LockImport holds an exclusive lock on the file beside the database
// (central.db-import.lock) while an import runs, so that an import in
// another process waits and then names from what this one added.
func (s *sqliteStore) LockImport(ctx context.Context) (func(), error) {
	f, err := os.OpenFile(s.path+"-import.lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	locked := make(chan error, 1)
	go func() { locked <- syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }()
	select {
	case err = <-locked:
	case <-ctx.Done():
		f.Close() // the waiting Flock fails once the file is closed
		return nil, ctx.Err()
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil // closing releases the lock
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

func (s *sqliteStore) LifecycleCandidates(ctx context.Context, day string) ([]domain.Snapshot, error) {
	return readSnapshots(ctx, s.r, candidatesSQL, day)
}

// remindersSQL narrows the search for password reminders: activated
// accounts not terminated whose password was set before ?1.
const remindersSQL = `SELECT snapshot FROM accounts
	WHERE snapshot ->> '$.password_changed_at' < ?1 AND snapshot ->> '$.status' <> 'terminated'
	ORDER BY name`

func (s *sqliteStore) ReminderCandidates(ctx context.Context, before time.Time) ([]domain.Snapshot, error) {
	return readSnapshots(ctx, s.r, remindersSQL, before.UTC().Format(time.RFC3339))
}

func (s *sqliteStore) PassHolders(ctx context.Context) ([]domain.Snapshot, error) {
	return readSnapshots(ctx, s.r, `SELECT snapshot FROM accounts
		WHERE coalesce(snapshot ->> '$.pass_hash', '') <> '' ORDER BY name`)
}

// readSnapshots reads the snapshots a query selects (one column).
func readSnapshots(ctx context.Context, db *sql.DB, query string, args ...any) ([]domain.Snapshot, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	defer rows.Close()
	return scanSnapshots(rows)
}

// scanKnown passes each row of (id, name, student_id, fingerprint) to fn,
// for both backends.
func scanKnown(rows snapshotRows, fn func(KnownAccount)) error {
	for rows.Next() {
		var (
			k  KnownAccount
			fp []byte
		)
		if err := rows.Scan(&k.ID, &k.Name, &k.StudentID, &fp); err != nil {
			return err
		}
		copy(k.Fingerprint[:], fp)
		fn(k)
	}
	return rows.Err()
}

// snapshotRows is what both database/sql's and pgx's rows offer.
type snapshotRows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanSnapshots decodes rows of one stored snapshot column, for both backends.
func scanSnapshots(rows snapshotRows) ([]domain.Snapshot, error) {
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

// Stations lists every station, revoked ones too.
func (s *sqliteStore) Stations(ctx context.Context) ([]Station, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, created_at, revoked_at, last_seen, health FROM stations ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Station
	for rows.Next() {
		var (
			st                       Station
			created                  string
			revoked, seen, healthTxt sql.NullString
		)
		if err := rows.Scan(&st.ID, &created, &revoked, &seen, &healthTxt); err != nil {
			return nil, err
		}
		st.CreatedAt = parseTime(created)
		if revoked.Valid {
			t := parseTime(revoked.String)
			st.RevokedAt = &t
		}
		if seen.Valid {
			t := parseTime(seen.String)
			st.LastSeen = &t
			st.Health = decodeHealth([]byte(healthTxt.String))
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s *sqliteStore) PutHealth(ctx context.Context, id string, at time.Time, health []byte) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE stations SET last_seen = ?, health = ? WHERE id = ?`, formatTime(at), string(health), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (s *sqliteStore) StationByTokenHash(ctx context.Context, hash string) (string, error) {
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT id FROM stations WHERE token_hash = ? AND revoked_at IS NULL`, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// notices is the file's notices table.
func (s *sqliteStore) notices() notice.Box { return notice.Box{R: s.r, W: s.w, Now: s.opt.Now} }

func (s *sqliteStore) Notices(ctx context.Context, state notice.State, limit int) ([]notice.Notice, error) {
	return s.notices().Notices(ctx, state, limit)
}

func (s *sqliteStore) LastNotices(ctx context.Context, kind notice.Kind) (map[string]time.Time, error) {
	return s.notices().LastNotices(ctx, kind)
}

func (s *sqliteStore) MarkNoticeSent(ctx context.Context, id int64) error {
	return s.notices().MarkNoticeSent(ctx, id)
}

func (s *sqliteStore) MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error {
	return s.notices().MarkNoticeFailed(ctx, id, reason, keep)
}

func (s *sqliteStore) KeepNotice(ctx context.Context, id int64, reason string) error {
	return s.notices().KeepNotice(ctx, id, reason)
}
