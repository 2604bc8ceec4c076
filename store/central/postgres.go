package central

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/wire"
)

// The central store's Backend on PostgreSQL (jackc/pgx v5), for several
// accountd processes in front of one database:
//
//   - Change numbers are served in commit order. Every write transaction
//     first locks the one row of central_head (Begin) and stores the number
//     it reached in that row before it commits (Commit). The lock is held
//     until the commit, so the next writer, in this process or another,
//     reads a head that already counts every committed change: a later
//     commit can never take a smaller number, and a station that has read
//     up to N never misses a change numbered N or less that commits later.
//     Each process batches its stations' ops into one transaction (group
//     commit), so the lock is taken once per group, not per op.
//   - An op id is applied once across processes: ops.op_id is the primary
//     key, and writers are one at a time, so the second sees the first.
//   - Long-polls wake across processes: the writer's transaction sends
//     NOTIFY on the store's channel, delivered at commit; every process
//     LISTENs and wakes its Waits.
//   - Import naming is unique when two imports race: an import holds an
//     advisory lock for the whole run (LockImport), and names are UNIQUE.
//   - Migrations are applied at start under an advisory lock, so two
//     processes starting together do not race.
//
// Each lock is keyed by the schema (current_schema()), so stores in
// different schemas of one database (the tests) do not block each other.

//go:embed migrations/postgres/*.sql
var pgMigrationFS embed.FS

// pgPollEvery is how often Wait looks at the head although no NOTIFY came
// (one may be lost while the listening connection reconnects).
const pgPollEvery = 2 * time.Second

type pgStore struct {
	pool    *pgxpool.Pool
	cfg     *pgxpool.Config
	name    string
	opt     Options
	epoch   string
	schema  string
	channel string // NOTIFY channel, quoted

	listenOnce sync.Once
	stopListen context.CancelFunc
	listenDone chan struct{}
}

// OpenPostgres opens the central store in the PostgreSQL database at url
// (postgres://user:password@host:port/db?options), applying migrations.
func OpenPostgres(ctx context.Context, dbURL string, opt Options) (Backend, error) {
	name := redact(dbURL)
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("central store %s: bad URL: %w", name, err)
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("central store %s: %w", name, err)
	}
	s := &pgStore{pool: pool, cfg: cfg, name: name, opt: opt.withDefaults(), listenDone: make(chan struct{})}
	if err := s.open(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// redact is the URL without its password, for messages.
func redact(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(a PostgreSQL URL)"
	}
	return u.Redacted()
}

func (s *pgStore) open(ctx context.Context) error {
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(current_schema(), '')`).Scan(&s.schema); err != nil {
		return fmt.Errorf("central store %s: cannot connect: %w", s.name, err)
	}
	if s.schema == "" {
		return fmt.Errorf("central store %s: no schema to use: check search_path in the URL", s.name)
	}
	s.channel = pgx.Identifier{"accountd_changes_" + s.schema}.Sanitize()
	if err := s.migrate(ctx); err != nil {
		return fmt.Errorf("central store %s: %w", s.name, err)
	}
	// The epoch is made once: a second process starting together keeps the
	// first one's.
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('epoch', $1) ON CONFLICT (key) DO NOTHING`,
		hex.EncodeToString(b[:])); err != nil {
		return fmt.Errorf("central store %s: epoch: %w", s.name, err)
	}
	if err := s.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'epoch'`).Scan(&s.epoch); err != nil {
		return fmt.Errorf("central store %s: epoch: %w", s.name, err)
	}
	return nil
}

// withLock runs fn on one connection holding the session advisory lock
// named what (in this schema).
func (s *pgStore) withLock(ctx context.Context, what string, fn func(c *pgxpool.Conn) error) error {
	c, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	key := s.schema + ":" + what
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock(hashtext($1))`, key); err != nil {
		return err
	}
	defer c.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext($1))`, key)
	return fn(c)
}

// migrate brings the schema to the current version, a step per
// transaction, under an advisory lock.
func (s *pgStore) migrate(ctx context.Context) error {
	names, err := fs.Glob(pgMigrationFS, "migrations/postgres/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	return s.withLock(ctx, "migrate", func(c *pgxpool.Conn) error {
		if _, err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS accountd_schema (version integer NOT NULL)`); err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
		var version int
		if err := c.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM accountd_schema`).Scan(&version); err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
		if version > len(names) {
			return fmt.Errorf("the database has schema %d but this accountd knows only %d: update accountd", version, len(names))
		}
		for v := version; v < len(names); v++ {
			script, err := pgMigrationFS.ReadFile(names[v])
			if err != nil {
				return err
			}
			err = pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, string(script)); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO accountd_schema (version) VALUES (`+strconv.Itoa(v+1)+`)`)
				return err
			})
			if err != nil {
				return fmt.Errorf("migration to version %d: %w", v+1, err)
			}
		}
		return nil
	})
}

func (s *pgStore) Name() string             { return s.name }
func (s *pgStore) Epoch() string            { return s.epoch }
func (s *pgStore) PollEvery() time.Duration { return pgPollEvery }

func (s *pgStore) Close() error {
	if s.stopListen != nil {
		s.stopListen()
		<-s.listenDone
	}
	s.pool.Close()
	return nil
}

// Watch listens on the store's channel on a connection of its own,
// reconnecting (with a pause) after a failure; every notification, and
// every reconnection (one may have been missed), calls wake.
func (s *pgStore) Watch(wake func()) {
	s.listenOnce.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopListen = cancel
		go func() {
			defer close(s.listenDone)
			for ctx.Err() == nil {
				s.listen(ctx, wake)
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
			}
		}()
	})
}

func (s *pgStore) listen(ctx context.Context, wake func()) {
	conn, err := pgx.ConnectConfig(ctx, s.cfg.ConnConfig.Copy())
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+s.channel); err != nil {
		return
	}
	wake()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return
		}
		wake()
	}
}

func (s *pgStore) Head(ctx context.Context) (int64, error) {
	var h int64
	err := s.pool.QueryRow(ctx, `SELECT head FROM central_head`).Scan(&h)
	return h, err
}

// Changes reads the head and the changes in one repeatable-read snapshot:
// the counter commits with the changes it numbers, so the snapshot holds
// every change up to the head.
func (s *pgStore) Changes(ctx context.Context, after int64, limit int) (Feed, error) {
	var f Feed
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT head FROM central_head`).Scan(&f.Head); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT seq, snapshot FROM accounts WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		f.Changes = make([]Change, 0, min(limit, 1024))
		for rows.Next() {
			var c Change
			var snap []byte
			if err := rows.Scan(&c.Seq, &snap); err != nil {
				return err
			}
			c.Snapshot = snap
			f.Changes = append(f.Changes, c)
		}
		return rows.Err()
	})
	return f, err
}

// pgTx is one write transaction, holding the head's row lock. A group of
// ops runs with few round trips (pg_batch.go): what it reads is fetched
// for the whole group at once, and each request's writes go in one batch.
type pgTx struct {
	s           *pgStore
	tx          pgx.Tx
	start, head int64
	groupCache
}

// Begin starts a write transaction and locks the head (see the top of
// this file for why numbers are then in commit order).
func (s *pgStore) Begin(ctx context.Context) (Tx, error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	t := &pgTx{s: s, tx: tx}
	if err := tx.QueryRow(ctx, `SELECT head FROM central_head FOR UPDATE`).Scan(&t.start); err != nil {
		tx.Rollback(context.Background())
		return nil, err
	}
	t.head = t.start
	t.reset()
	return t, nil
}

func (t *pgTx) Head() int64 { return t.head }

// Commit stores the head the transaction reached, with a NOTIFY (sent at
// commit) when it moved.
func (t *pgTx) Commit(ctx context.Context, head int64) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	if head != t.start {
		if _, err := t.tx.Exec(ctx, `UPDATE central_head SET head = $1`, head); err != nil {
			return err
		}
		if _, err := t.tx.Exec(ctx, `SELECT pg_notify($1, $2)`, strings.Trim(t.s.channel, `"`), strconv.FormatInt(head, 10)); err != nil {
			return err
		}
	}
	return t.tx.Commit(ctx)
}

func (t *pgTx) Rollback() error { return t.tx.Rollback(context.Background()) }

// exec runs a statement now, after the writes queued before it.
func (t *pgTx) exec(ctx context.Context, q string, args ...any) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	_, err := t.tx.Exec(ctx, q, args...)
	return err
}

func (t *pgTx) loadAccount(ctx context.Context, name string) (*Account, int64, error) {
	var (
		id, seq  int64
		snap     []byte
		failures string
	)
	err := t.tx.QueryRow(ctx, `SELECT id, seq, snapshot, failures FROM accounts WHERE name = $1`, name).
		Scan(&id, &seq, &snap, &failures)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	acct, err := decodeAccount(name, seq, snap, []byte(failures))
	return acct, id, err
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (t *pgTx) saveAccount(ctx context.Context, id, seq int64, snapshot, failures []byte, alias string, at time.Time) error {
	return t.queue(`UPDATE accounts SET seq = $1, snapshot = $2, failures = $3, alias = $4, updated_at = $5 WHERE id = $6`,
		seq, snapshot, string(failures), nullIfEmpty(alias), at, id)
}

func (t *pgTx) saveFailures(ctx context.Context, id int64, failures []byte, at time.Time) error {
	return t.queue(`UPDATE accounts SET failures = $1, updated_at = $2 WHERE id = $3`, string(failures), at, id)
}

func (t *pgTx) recordOp(ctx context.Context, station string, op domain.Op, at time.Time, outcome wire.Outcome, reason string) error {
	return t.queue(`INSERT INTO ops (op_id, station, account, kind, created_at, received_at, outcome, reason, after_op, proof)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		op.ID, station, op.Account, string(op.Kind), op.CreatedAt.UTC(), at, string(outcome), reason, op.After, op.Proof)
}

func (t *pgTx) link(ctx context.Context, id string) (Link, bool, error) {
	l := Link{ID: id}
	var kind, outcome string
	err := t.tx.QueryRow(ctx, `SELECT account, kind, outcome, reason, after_op FROM ops WHERE op_id = $1`, id).
		Scan(&l.Account, &kind, &outcome, &l.Reason, &l.After)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, err
	}
	l.Kind, l.Outcome = domain.OpKind(kind), wire.Outcome(outcome)
	return l, true, nil
}

func (t *pgTx) activatedBy(ctx context.Context, account string) (string, error) {
	var station string
	err := t.tx.QueryRow(ctx, `SELECT station FROM ops WHERE account = $1 AND outcome = 'applied'
		AND kind = ANY($2) ORDER BY received_at LIMIT 1`, account, activationKinds).Scan(&station)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return station, err
}

func (t *pgTx) AliasTaken(ctx context.Context, alias, except string) (bool, error) {
	if err := t.flush(ctx); err != nil {
		return false, err
	}
	var taken bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE (alias = $1 OR name = $1) AND name <> $2)`,
		alias, except).Scan(&taken)
	return taken, err
}

func (t *pgTx) Audit(ctx context.Context, at time.Time, account, action, detail string) error {
	return t.exec(ctx, `INSERT INTO audit (at, account, action, detail) VALUES ($1, $2, $3, $4)`,
		at.UTC(), nullIfEmpty(account), action, detail)
}

func (t *pgTx) QueueNotice(ctx context.Context, n notice.Notice) error {
	err := t.exec(ctx, `INSERT INTO notices (created_at, account, kind, to_address, subject, body)
		VALUES ($1, $2, $3, $4, $5, $6)`, n.CreatedAt.UTC(), n.Account, string(n.Kind), n.To, n.Subject, n.Body)
	if err != nil {
		return fmt.Errorf("notice %s for %s: %w", n.Kind, n.Account, err)
	}
	return nil
}

// maskCodesSQL is notice.MaskCodes in PostgreSQL's regular expressions.
const maskCodesSQL = `regexp_replace(body, '\m[0-9]{6}\M', '••••••', 'g')`

func (t *pgTx) RecordCode(ctx context.Context, account, purpose string, sent SentCode) error {
	return t.exec(ctx, `INSERT INTO sent_codes (account, purpose, address, sent_at, station) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account, purpose) DO UPDATE SET address = excluded.address, sent_at = excluded.sent_at, station = excluded.station`,
		account, purpose, sent.To, sent.At.UTC(), sent.Station)
}

func (t *pgTx) LastCode(ctx context.Context, account, purpose string) (SentCode, error) {
	var sent SentCode
	err := t.tx.QueryRow(ctx, `SELECT address, sent_at, station FROM sent_codes WHERE account = $1 AND purpose = $2`,
		account, purpose).Scan(&sent.To, &sent.At, &sent.Station)
	if errors.Is(err, pgx.ErrNoRows) {
		return SentCode{}, nil
	}
	sent.At = sent.At.UTC()
	return sent, err
}

func (t *pgTx) BlankCodes(ctx context.Context, account string, before time.Time) error {
	return t.exec(ctx, `UPDATE notices SET body = `+maskCodesSQL+` WHERE kind = 'email_code' AND (account = $1 OR created_at <= $2)`,
		account, before.UTC())
}

func (t *pgTx) LastReminders(ctx context.Context, names []string) (map[string]time.Time, error) {
	return collectLast(t.query(ctx, `SELECT account, max(created_at) FROM notices
		WHERE kind = 'password_age' AND account = ANY($1) GROUP BY account`, names))
}

func (t *pgTx) query(ctx context.Context, q string, args ...any) (pgx.Rows, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.tx.Query(ctx, q, args...)
}

func collectLast(rows pgx.Rows, err error) (map[string]time.Time, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	last := map[string]time.Time{}
	for rows.Next() {
		var (
			name string
			at   time.Time
		)
		if err := rows.Scan(&name, &at); err != nil {
			return nil, err
		}
		last[name] = at.UTC()
	}
	return last, rows.Err()
}

// InsertAccounts copies the rows in (COPY), the fast way in for a registry.
func (t *pgTx) InsertAccounts(ctx context.Context, rows []NewAccount) error {
	if len(rows) == 0 {
		return nil
	}
	if err := t.flush(ctx); err != nil {
		return err
	}
	t.reset()
	_, err := t.tx.CopyFrom(ctx, pgx.Identifier{"accounts"},
		[]string{"name", "student_id", "seq", "snapshot", "fingerprint", "updated_at"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			a := rows[i]
			return []any{a.Name, a.StudentID, a.Seq, string(a.Snapshot), a.Fingerprint, a.At.UTC()}, nil
		}))
	return err
}

func (t *pgTx) AccountSnapshot(ctx context.Context, id int64) ([]byte, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	var stored []byte
	err := t.tx.QueryRow(ctx, `SELECT snapshot FROM accounts WHERE id = $1`, id).Scan(&stored)
	return stored, err
}

func (t *pgTx) UpdateParticulars(ctx context.Context, id, seq int64, snapshot, fingerprint []byte, at time.Time) error {
	t.reset()
	return t.exec(ctx, `UPDATE accounts SET seq = $1, snapshot = $2, fingerprint = $3, updated_at = $4 WHERE id = $5`,
		seq, snapshot, fingerprint, at.UTC(), id)
}

func (t *pgTx) Station(ctx context.Context, id string) (bool, bool, error) {
	if err := t.flush(ctx); err != nil {
		return false, false, err
	}
	var revoked *time.Time
	err := t.tx.QueryRow(ctx, `SELECT revoked_at FROM stations WHERE id = $1`, id).Scan(&revoked)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, false, nil
	}
	return err == nil, revoked != nil, err
}

func (t *pgTx) PutStation(ctx context.Context, id, tokenHash string, at time.Time) error {
	return t.exec(ctx, `INSERT INTO stations (id, token_hash, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, revoked_at = NULL`,
		id, tokenHash, at.UTC())
}

func (t *pgTx) RevokeStation(ctx context.Context, id string, at time.Time) (bool, error) {
	if err := t.flush(ctx); err != nil {
		return false, err
	}
	tag, err := t.tx.Exec(ctx, `UPDATE stations SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, at.UTC(), id)
	return tag.RowsAffected() > 0, err
}

func (s *pgStore) KnownAccounts(ctx context.Context, fn func(KnownAccount)) error {
	rows, err := s.pool.Query(ctx, `SELECT id, name, student_id, fingerprint FROM accounts`)
	if err != nil {
		return err
	}
	defer rows.Close()
	return scanKnown(rows, fn)
}

// LockImport holds the import's advisory lock on a connection of its own
// until unlock.
func (s *pgStore) LockImport(ctx context.Context) (func(), error) {
	locked := make(chan error, 1)
	release := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		err := s.withLock(ctx, "import", func(*pgxpool.Conn) error {
			locked <- nil
			<-release
			return nil
		})
		if err != nil {
			locked <- err
		}
	}()
	if err := <-locked; err != nil {
		return nil, fmt.Errorf("waiting for another import: %w", err)
	}
	return func() { close(release); <-finished }, nil
}

// pgCandidatesSQL is candidatesSQL (sqlite_tx.go) in PostgreSQL's terms:
// only a narrowing (four days to spare); the rules decide.
var pgCandidatesSQL = `WITH c AS (
		SELECT name, snapshot, snapshot ->> 'status' AS status, snapshot ->> 'completion_date' AS done,
			coalesce(snapshot ->> 'extended_until', '') AS ext
		FROM accounts WHERE snapshot ->> 'completion_date' <= $1::text)
	SELECT snapshot FROM c
	WHERE status IN ('registered', 'active') OR status = 'grace'
		AND (CASE WHEN done ~ '^\d{4}-\d{2}-\d{2}$' THEN done::date END) + interval '` + strconv.Itoa(policy.GraceMonths) + ` months'
			<= ($1::text)::date + 4
		AND ext <= to_char(($1::text)::date + 4, 'YYYY-MM-DD')
	ORDER BY name`

func (s *pgStore) LifecycleCandidates(ctx context.Context, day string) ([]domain.Snapshot, error) {
	return s.readSnapshots(ctx, pgCandidatesSQL, day)
}

func (s *pgStore) ReminderCandidates(ctx context.Context, before time.Time) ([]domain.Snapshot, error) {
	return s.readSnapshots(ctx, `SELECT snapshot FROM accounts
		WHERE snapshot ->> 'password_changed_at' < $1::text AND snapshot ->> 'status' <> 'terminated'
		ORDER BY name`, before.UTC().Format(time.RFC3339))
}

func (s *pgStore) PassHolders(ctx context.Context) ([]domain.Snapshot, error) {
	return s.readSnapshots(ctx, `SELECT snapshot FROM accounts
		WHERE coalesce(snapshot ->> 'pass_hash', '') <> '' ORDER BY name`)
}

func (s *pgStore) readSnapshots(ctx context.Context, query string, args ...any) ([]domain.Snapshot, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	defer rows.Close()
	return scanSnapshots(rows)
}

func (s *pgStore) Stations(ctx context.Context) ([]Station, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, created_at, revoked_at, last_seen, health FROM stations ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Station
	for rows.Next() {
		var (
			st     Station
			health *string
		)
		if err := rows.Scan(&st.ID, &st.CreatedAt, &st.RevokedAt, &st.LastSeen, &health); err != nil {
			return nil, err
		}
		st.CreatedAt = st.CreatedAt.UTC()
		if st.RevokedAt != nil {
			r := st.RevokedAt.UTC()
			st.RevokedAt = &r
		}
		if st.LastSeen != nil {
			t := st.LastSeen.UTC()
			st.LastSeen = &t
			if health != nil {
				st.Health = decodeHealth([]byte(*health))
			}
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func (s *pgStore) PutHealth(ctx context.Context, id string, at time.Time, health []byte) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE stations SET last_seen = $1, health = $2 WHERE id = $3`, at, string(health), id)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

func (s *pgStore) StationByTokenHash(ctx context.Context, hash string) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, `SELECT id FROM stations WHERE token_hash = $1 AND revoked_at IS NULL`, hash).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// Notices lists notices as notice.Box does.
func (s *pgStore) Notices(ctx context.Context, state notice.State, limit int) ([]notice.Notice, error) {
	if limit <= 0 {
		limit = 100
	}
	where, args := `true ORDER BY id DESC LIMIT $1`, []any{limit}
	switch state {
	case "":
	case notice.Pending:
		where, args = `state = $1 ORDER BY id LIMIT $2`, []any{string(state), limit}
	default:
		where, args = `state = $1 ORDER BY id DESC LIMIT $2`, []any{string(state), limit}
	}
	rows, err := s.pool.Query(ctx, `SELECT id, created_at, account, kind, to_address, subject, body, state,
		sent_at, error, attempts FROM notices WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("reading notices: %w", err)
	}
	defer rows.Close()
	var out []notice.Notice
	for rows.Next() {
		var (
			n           notice.Notice
			sent        *time.Time
			kind, state string
		)
		if err := rows.Scan(&n.ID, &n.CreatedAt, &n.Account, &kind, &n.To, &n.Subject, &n.Body, &state,
			&sent, &n.Error, &n.Attempts); err != nil {
			return nil, fmt.Errorf("reading notices: %w", err)
		}
		n.CreatedAt = n.CreatedAt.UTC()
		if sent != nil {
			n.SentAt = sent.UTC()
		}
		n.Kind, n.State = notice.Kind(kind), notice.State(state)
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading notices: %w", err)
	}
	return out, nil
}

func (s *pgStore) LastNotices(ctx context.Context, kind notice.Kind) (map[string]time.Time, error) {
	last, err := collectLast(s.pool.Query(ctx, `SELECT account, max(created_at) FROM notices WHERE kind = $1 GROUP BY account`,
		string(kind)))
	if err != nil {
		return nil, fmt.Errorf("reading notices: %w", err)
	}
	return last, nil
}

// MarkNoticeSent records that a pending notice was sent; an e-mail code's
// body keeps its code masked (notice.Box does the same).
func (s *pgStore) MarkNoticeSent(ctx context.Context, id int64) error {
	return s.updateNotice(ctx, id, `state = 'sent', sent_at = $2, error = '', attempts = attempts + 1,
		body = CASE WHEN kind = 'email_code' THEN `+maskCodesSQL+` ELSE body END`, s.opt.Now().UTC())
}

func (s *pgStore) MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error {
	state := notice.Pending
	if keep {
		state = notice.Kept
	}
	return s.updateNotice(ctx, id, `state = $2, error = $3, attempts = attempts + 1`, string(state), clipReason(reason))
}

func (s *pgStore) KeepNotice(ctx context.Context, id int64, reason string) error {
	return s.updateNotice(ctx, id, `state = 'kept', error = $2`, clipReason(reason))
}

// updateNotice changes a pending notice ($1 is its id), as notice.Box does.
func (s *pgStore) updateNotice(ctx context.Context, id int64, set string, args ...any) error {
	tag, err := s.pool.Exec(ctx, `UPDATE notices SET `+set+` WHERE id = $1 AND state = 'pending'`, append([]any{id}, args...)...)
	if err != nil {
		return fmt.Errorf("notice %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("notice %d is not pending (sent or kept already, or no such notice)", id)
	}
	return nil
}

func clipReason(s string) string {
	if len(s) <= 500 {
		return s
	}
	return strings.ToValidUTF8(s[:500], "")
}
