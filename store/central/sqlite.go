package central

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/sqltime"
)

// Options configure the SQLite store. Nothing is required to serve; Keys
// are needed only to import a registry.
type Options struct {
	Keys            *secret.Keys     // the deployment's keys (as at the stations); needed only to import
	Now             func() time.Time // default time.Now
	Logger          *slog.Logger     // may be nil; never given a secret
	StudentIDLength int              // default 8
	// EmailDomain and ServiceDesk are what notices say, as at the stations
	// ([station] email_domain and service_desk); defaults as there.
	EmailDomain string
	ServiceDesk string
	// NoticeLanguages are the languages of a notice, in order (accountd
	// --notice-languages, as a station's [notices] languages); nil is
	// notice.DefaultLanguages.
	NoticeLanguages []string
	// MaxGroup bounds how many ops one group commit applies; default 4096.
	MaxGroup int
	// AllowSharedFile opens a database file that other users may read
	// (accountd --allow-shared-db-file); by default Open refuses one, since
	// the file holds password hashes and sealed 2FA keys.
	AllowSharedFile bool
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StudentIDLength <= 0 {
		o.StudentIDLength = 8
	}
	if o.MaxGroup <= 0 {
		o.MaxGroup = 4096
	}
	if o.EmailDomain == "" {
		o.EmailDomain = DefaultEmailDomain
	}
	if o.ServiceDesk == "" {
		o.ServiceDesk = DefaultServiceDesk
	}
	return o
}

// The defaults of what notices say: a station's defaults.
const (
	DefaultEmailDomain = "connect.example.edu"
	DefaultServiceDesk = "the IT Service Desk"
)

// applicationID marks a central store file ("EXAC"), so a station replica
// or another application's database is refused.
const applicationID = 0x45584143

// pollEvery is how often Wait looks for changes written by another process
// (an `accountd import` while serving); changes made here wake it at once.
const pollEvery = time.Second

// sqliteStore is the central store's Backend in one SQLite file: one writer
// connection (so write transactions are one at a time; other processes
// wait on the file's lock) and a pool of readers for the feed.
type sqliteStore struct {
	path  string
	opt   Options
	epoch string

	w *sql.DB
	r *sql.DB
}

// OpenSQLite opens (creating when missing) the central store file at path.
func OpenSQLite(path string, opt Options) (Backend, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("central store: bad path %q: give --db a file name without '?' or '#'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("central store %s: cannot create its directory: %w", path, err)
	}
	if err := privateFile(path, opt.AllowSharedFile); err != nil {
		return nil, err
	}
	s := &sqliteStore{path: path, opt: opt.withDefaults()}
	if err := s.open(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// privateFile makes a missing database file empty with mode 0600, whatever
// the umask: SQLite gives its -wal and -shm files the mode of the database
// file, so all three are private. An existing file (or -wal, -shm) that
// other users may read is refused unless allowed.
func privateFile(path string, allowShared bool) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Chmod(0o600); err != nil { // the umask may not take bits away only
			f.Close()
			return fmt.Errorf("central store %s: %w", path, err)
		}
		return f.Close()
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("central store %s: cannot create it: %w", path, err)
	case allowShared:
		return nil
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("central store %s: %w", p, err)
		}
		if mode := fi.Mode().Perm(); mode&0o077 != 0 {
			return fmt.Errorf("central store %s can be read by other users (mode %04o), and it holds password hashes and sealed 2FA keys: "+
				"make it private with chmod 600 %s*, or pass --allow-shared-db-file if sharing it is intended", p, mode, path)
		}
	}
	return nil
}

var writerDSN = strings.Join([]string{
	"_pragma=busy_timeout(10000)",
	"_pragma=journal_mode(WAL)",
	"_pragma=synchronous(FULL)", // every group commit is durable
	"_pragma=foreign_keys(1)",
	"_pragma=cache_size(-65536)",
	"_txlock=immediate",
}, "&")

var readerDSN = "_pragma=busy_timeout(10000)&_pragma=query_only(1)"

func (s *sqliteStore) open() error {
	w, err := sql.Open("sqlite", s.path+"?"+writerDSN)
	if err != nil {
		return s.fileErr(err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	s.w = w
	ctx := context.Background()
	if err := s.migrate(ctx); err != nil {
		return err
	}
	if s.epoch, err = s.loadEpoch(ctx); err != nil {
		return err
	}
	if s.r, err = sql.Open("sqlite", s.path+"?"+readerDSN); err != nil {
		return s.fileErr(err)
	}
	s.r.SetMaxOpenConns(8)
	s.r.SetMaxIdleConns(8)
	return s.r.PingContext(ctx)
}

func (s *sqliteStore) fileErr(err error) error {
	if strings.Contains(err.Error(), "not a database") {
		return fmt.Errorf("central store %s is not a SQLite database: check --db: %w", s.path, err)
	}
	return fmt.Errorf("central store %s: %w", s.path, err)
}

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrate brings the file to the current schema, a step per transaction.
func (s *sqliteStore) migrate(ctx context.Context) error {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	var appID, version, objects int
	for q, dst := range map[string]*int{"PRAGMA application_id": &appID, "PRAGMA user_version": &version,
		"SELECT count(*) FROM sqlite_schema": &objects} {
		if err := s.w.QueryRowContext(ctx, q).Scan(dst); err != nil {
			return s.fileErr(err)
		}
	}
	switch {
	case appID != applicationID && (appID != 0 || objects > 0):
		return fmt.Errorf("central store %s is another application's database (a station replica?): check --db", s.path)
	case version > len(names):
		return fmt.Errorf("central store %s has schema %d but this accountd knows only %d: update accountd", s.path, version, len(names))
	}
	for v := version; v < len(names); v++ {
		script, err := migrationFS.ReadFile(names[v])
		if err != nil {
			return err
		}
		if err := s.sqlTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, string(script)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d; PRAGMA user_version = %d", applicationID, v+1))
			return err
		}); err != nil {
			return fmt.Errorf("central store %s: migration to version %d: %w", s.path, v+1, err)
		}
	}
	return nil
}

// loadEpoch reads the store's epoch, making one for a new file.
func (s *sqliteStore) loadEpoch(ctx context.Context) (string, error) {
	var epoch string
	err := s.sqlTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'epoch'`).Scan(&epoch)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		epoch = hex.EncodeToString(b[:])
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('epoch', ?)`, epoch)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("central store %s: epoch: %w", s.path, err)
	}
	return epoch, nil
}

// sqlTx runs fn in one immediate transaction on the writer.
func (s *sqliteStore) sqlTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// Close closes the file.
func (s *sqliteStore) Close() error {
	var errs []error
	for _, db := range []*sql.DB{s.r, s.w} {
		if db != nil {
			errs = append(errs, db.Close())
		}
	}
	return errors.Join(errs...)
}

// Name is the file's path.
func (s *sqliteStore) Name() string { return s.path }

// Epoch identifies this store's history.
func (s *sqliteStore) Epoch() string { return s.epoch }

// Watch: another process's commits are seen by polling only.
func (s *sqliteStore) Watch(func()) {}

// PollEvery is how often Wait looks at the file's head.
func (s *sqliteStore) PollEvery() time.Duration { return pollEvery }

// Head is the newest change number.
func (s *sqliteStore) Head(ctx context.Context) (int64, error) { return head(ctx, s.r) }

// head is the newest change number.
func head(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int64, error) {
	var h int64
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM accounts`).Scan(&h)
	return h, err
}

// Changes reads up to limit changes after the cursor and the head in one
// read transaction, so the two agree.
func (s *sqliteStore) Changes(ctx context.Context, after int64, limit int) (Feed, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Feed{}, err
	}
	defer tx.Rollback()
	var f Feed
	if f.Head, err = head(ctx, tx); err != nil {
		return Feed{}, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, snapshot FROM accounts WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return Feed{}, err
	}
	defer rows.Close()
	f.Changes = make([]Change, 0, min(limit, 1024))
	for rows.Next() {
		var c Change
		var snap []byte
		if err := rows.Scan(&c.Seq, &snap); err != nil {
			return Feed{}, err
		}
		c.Snapshot = snap
		f.Changes = append(f.Changes, c)
	}
	return f, rows.Err()
}

// auditAccount writes an audit row about one account ("" for none).
func auditAccount(ctx context.Context, tx *sql.Tx, at time.Time, account, action, detail string) error {
	var acct any
	if account != "" {
		acct = account
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (at, account, action, detail) VALUES (?, ?, ?, ?)`,
		formatTime(at), acct, action, detail)
	return err
}

// timeLayout matches the station replica's: UTC, milliseconds, fixed width.
const timeLayout = sqltime.Layout

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}
