// Package store is the station's SQLite replica of the central account store:
// accounts, identity verifiers, password and TOTP credentials, lockouts, the
// audit log, the outbox of the station's own writes and the sync state.
//
// Every write that changes an account goes through Replica.commit, which puts
// the change, its audit row, its outbox row and the notice it sends (if any)
// in one immediate transaction; a batch job (the lifecycle) uses commitEach,
// which records each change of the batch the same way.
package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite" // also registers the "sqlite" driver

	"github.com/expressstation/kiosk/store/secret"
)

// Options configure a Replica. Only Keys is required.
type Options struct {
	Keys            secret.Keys      // identity HMAC and sealing keys (never stored in the database)
	StationID       string           // written on every audit and outbox row; default "station"
	Now             func() time.Time // injected clock (tapes move it); default time.Now
	EmailDomain     string           // e.g. "connect.example.edu"
	Issuer          string           // TOTP issuer shown in authenticator apps, short
	Rand            io.Reader        // randomness for TOTP secrets; default crypto/rand
	Logger          *slog.Logger     // may be nil; never given a secret
	StudentIDLength int              // default 8
	ServiceDesk     string           // named in notices ("if this wasn't you, contact ..."); default "the IT Service Desk"
	AliasDomain     string           // alumni aliases live here, e.g. "alumni.example.edu" (the default)
	NoticeLanguages []string         // the languages of a notice, in order ([notices] languages); nil is notice.DefaultLanguages
	// DeferIntegrityCheck skips PRAGMA quick_check in Open. quick_check reads
	// the whole file (about 0.4 s for 100,000 accounts), too slow for a
	// station's start; the station runs CheckIntegrity in the background
	// instead. Open still refuses foreign, truncated and unreadable files.
	DeferIntegrityCheck bool
	// DemoRegistry is the registry CSV that DemoRegistrySource names, given
	// by the program that seeds a demo station (store/demo's), so that
	// Reset station can rebuild from it; the replica carries no demo data.
	DemoRegistry []byte
}

const (
	defaultStationID   = "station"
	defaultEmailDomain = "connect.example.edu"
	defaultIssuer      = "Campus"
	defaultIDLength    = 8
	defaultServiceDesk = "the IT Service Desk"
	defaultAliasDomain = "alumni.example.edu"

	// readers is the size of the read pool; writes have one connection.
	readers = 4
	// busyTimeoutMS lets a reader wait out a checkpoint instead of failing.
	busyTimeoutMS = 5000
)

// Replica is an open station replica. It is safe for concurrent use.
type Replica struct {
	path string
	opt  Options
	log  *slog.Logger

	w *sql.DB // the only writer: MaxOpenConns(1), BEGIN IMMEDIATE
	r *sql.DB // read pool, query_only

	importMu sync.Mutex // one import at a time: names are assigned in memory

	// gate is held shut while a snapshot's file is moved into the replica's
	// place (moveIn): no pool opens a connection to the old file meanwhile.
	gate sync.RWMutex

	outboxSignal chan struct{} // see OutboxSignal

	courierMu  sync.Mutex
	courier    CodeCourier   // SetCodeCourier: codes go through the central store
	codeQueued chan struct{} // see CodeSignal
}

// Open opens the replica at path, creating the file (and its directory) when
// missing and migrating it to the current schema. A file that is not a
// station replica, or is damaged, gives an error naming it.
func Open(path string, opt Options) (*Replica, error) {
	if path == "" {
		return nil, errors.New("open replica: no path given: set [store] path in the configuration")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("open replica %s: the path must not contain '?' or '#'", path)
	}
	if _, err := opt.Keys.Seal(nil, nil); err != nil {
		return nil, fmt.Errorf("open replica %s: the station keys were not loaded (secret.LoadKeys): %w", path, err)
	}
	opt = opt.withDefaults()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("open replica %s: cannot create its directory: %w", path, err)
	}
	if err := checkFile(path); err != nil {
		return nil, err
	}
	r := &Replica{path: path, opt: opt, log: opt.Logger, outboxSignal: make(chan struct{}, 1),
		codeQueued: make(chan struct{}, 1)}
	if err := r.open(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (o Options) withDefaults() Options {
	if o.StationID == "" {
		o.StationID = defaultStationID
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.EmailDomain == "" {
		o.EmailDomain = defaultEmailDomain
	}
	if o.Issuer == "" {
		o.Issuer = defaultIssuer
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StudentIDLength <= 0 {
		o.StudentIDLength = defaultIDLength
	}
	if o.ServiceDesk == "" {
		o.ServiceDesk = defaultServiceDesk
	}
	if o.AliasDomain == "" {
		o.AliasDomain = defaultAliasDomain
	}
	return o
}

// open connects the writer, checks and migrates the file, then the readers.
func (r *Replica) open() error {
	w, err := r.openDB(writerDSN)
	if err != nil {
		return r.fileError(err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r.w = w

	ctx := context.Background()
	if !r.opt.DeferIntegrityCheck {
		if err := r.CheckIntegrity(ctx); err != nil {
			return err
		}
	}
	if err := migrate(ctx, w, r.path); err != nil {
		return err
	}

	rd, err := r.openDB(readerDSN)
	if err != nil {
		return r.fileError(err)
	}
	rd.SetMaxOpenConns(readers)
	rd.SetMaxIdleConns(readers)
	r.r = rd
	if err := rd.PingContext(ctx); err != nil {
		return r.fileError(err)
	}
	return nil
}

// openDB opens a pool on the replica's file whose connections open only
// while the gate is open.
func (r *Replica) openDB(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(r.path + "?" + dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(gatedConnector{c, &r.gate}), nil
}

type gatedConnector struct {
	driver.Connector
	gate *sync.RWMutex
}

func (c gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c.gate.RLock()
	defer c.gate.RUnlock()
	return c.Connector.Connect(ctx)
}

// The writer runs every transaction as BEGIN IMMEDIATE so two writes never
// deadlock upgrading a read lock; synchronous=FULL makes each commit durable.
var writerDSN = strings.Join([]string{
	fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS),
	"_pragma=foreign_keys(1)",
	"_pragma=journal_mode(WAL)",
	"_pragma=synchronous(FULL)",
	"_pragma=temp_store(MEMORY)", // statement journals of multi-row inserts
	// 8 MiB: a station's writes touch few pages; ImportRegistry raises it
	// for its batches, so a lifecycle run or a sync round cannot leave
	// 32 MiB of pages behind in a station's memory (issue 17).
	"_pragma=cache_size(" + strconv.Itoa(-writerCacheKiB) + ")",
	"_txlock=immediate",
}, "&")

// The writer's page cache in KiB, and during an import (so an import
// batch's index pages stay in memory).
const (
	writerCacheKiB = 8 << 10
	importCacheKiB = 32 << 10
)

var readerDSN = strings.Join([]string{
	fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeoutMS),
	"_pragma=query_only(1)",
}, "&")

// CheckIntegrity runs quick_check so a damaged file is found at start, not
// halfway through a student's activation. The error names the file.
func (r *Replica) CheckIntegrity(ctx context.Context) error {
	db := r.w
	if r.r != nil {
		db = r.r // once open, check on a reader so students' writes go on
	}
	rows, err := db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return r.fileError(err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return r.fileError(err)
		}
		for _, line := range strings.Split(s, "\n") {
			if line != "ok" && !strings.HasPrefix(line, "***") && len(problems) < 3 {
				problems = append(problems, strings.TrimSpace(line))
			}
		}
	}
	if err := rows.Err(); err != nil {
		return r.fileError(err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("replica %s is damaged (%s): move it aside and import the registry again or resync it",
			r.path, strings.Join(problems, "; "))
	}
	return nil
}

// fileError turns a driver error met while opening into one that names the
// file and says what to do.
func (r *Replica) fileError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "not a database"):
		return fmt.Errorf("replica %s is not a SQLite database (damaged, or another kind of file): move it aside and start again: %w", r.path, err)
	case strings.Contains(msg, "malformed") || strings.Contains(msg, "corrupt"):
		return fmt.Errorf("replica %s is damaged: move it aside and import the registry again or resync it: %w", r.path, err)
	}
	return fmt.Errorf("open replica %s: %w", r.path, err)
}

// Close closes the replica. The last connection checkpoints the WAL.
func (r *Replica) Close() error {
	var errs []error
	if r.r != nil {
		errs = append(errs, r.r.Close())
	}
	if r.w != nil {
		errs = append(errs, r.w.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close replica %s: %w", r.path, err)
	}
	return nil
}

// Path is the replica's file.
func (r *Replica) Path() string { return r.path }

// now is the injected clock in UTC, truncated to what the database keeps.
func (r *Replica) now() time.Time { return r.opt.Now().UTC().Truncate(time.Millisecond) }
