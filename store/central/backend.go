package central

import (
	"context"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/wire"
)

// The central store is one orchestration over a storage backend, as
// litestream's replica clients are: Central (central.go, apply.go,
// lifecycle.go, import.go, stations.go) decides everything (group commit,
// the chain and proof of ops, lifecycle moves, notices, import naming), and
// a Backend only stores: SQLite (sqlite.go) or PostgreSQL (postgres.go).
// The conformance suite (conformance_test.go) runs against each.

// Backend is the storage of a central store.
type Backend interface {
	// Name says where the store is, for messages (never a password).
	Name() string
	Epoch() string
	// Begin starts a write transaction. Write transactions are one at a
	// time, across processes too: Tx.Head is the newest change number and
	// no other writer can take a number until this one ends.
	Begin(ctx context.Context) (Tx, error)
	// Head is the newest change number committed.
	Head(ctx context.Context) (int64, error)
	// Changes reads up to limit changes after a cursor, and the head, in
	// one read snapshot.
	Changes(ctx context.Context, after int64, limit int) (Feed, error)
	// Watch calls wake whenever another process may have moved the head;
	// PollEvery is how often Wait looks at the head anyway.
	Watch(wake func())
	PollEvery() time.Duration

	// KnownAccounts calls fn for every account, for import naming.
	KnownAccounts(ctx context.Context, fn func(k KnownAccount)) error
	// LockImport keeps other imports (in any process) out until unlock.
	LockImport(ctx context.Context) (unlock func(), err error)
	// LifecycleCandidates are the snapshots that may move on day
	// (YYYY-MM-DD): registered or active ones whose completion date has
	// come, grace ones whose grace (and extension) may have ended, loosely;
	// the rules decide.
	LifecycleCandidates(ctx context.Context, day string) ([]domain.Snapshot, error)
	// ReminderCandidates are the snapshots of accounts not terminated whose
	// password was set before a bound.
	ReminderCandidates(ctx context.Context, before time.Time) ([]domain.Snapshot, error)
	// PassHolders are the snapshots of accounts with an access pass
	// (expired ones too), by name.
	PassHolders(ctx context.Context) ([]domain.Snapshot, error)

	Stations(ctx context.Context) ([]Station, error)
	// StationByTokenHash is the live station with a token hash, or "".
	StationByTokenHash(ctx context.Context, hash string) (string, error)
	// PutHealth stores a station's latest heartbeat (wire.Health as JSON)
	// and when it came, replacing the one before; ok false when no such
	// station.
	PutHealth(ctx context.Context, id string, at time.Time, health []byte) (ok bool, err error)

	// The notices table (notice.Box's methods).
	Notices(ctx context.Context, state notice.State, limit int) ([]notice.Notice, error)
	LastNotices(ctx context.Context, kind notice.Kind) (map[string]time.Time, error)
	MarkNoticeSent(ctx context.Context, id int64) error
	MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error
	KeepNotice(ctx context.Context, id int64, reason string) error

	Close() error
}

// KnownAccount is an account as import naming sees it.
type KnownAccount struct {
	ID          int64
	Name        string
	StudentID   string
	Fingerprint [32]byte
}

// NewAccount is an imported account's first row.
type NewAccount struct {
	Name, StudentID string
	Seq             int64
	Snapshot        []byte // encodeSnapshot
	Fingerprint     []byte
	At              time.Time
}

// Tx is one write transaction of a backend: the unit of work Central
// composes. Change numbers are Central's to allocate (from Head); Commit
// stores the newest one with the rest.
type Tx interface {
	Head() int64
	Commit(ctx context.Context, head int64) error
	Rollback() error
	// A savepoint lets one request of a group fail alone.
	Savepoint(ctx context.Context) error
	RollbackToSavepoint(ctx context.Context) error
	ReleaseSavepoint(ctx context.Context) error

	// LoadAccount is an account's central state and row id; nil when none.
	LoadAccount(ctx context.Context, name string) (*Account, int64, error)
	// SaveAccount stores a new snapshot (a change numbered seq) with the
	// failures and alias; SaveFailures only the failures.
	SaveAccount(ctx context.Context, id, seq int64, snapshot, failures []byte, alias string, at time.Time) error
	SaveFailures(ctx context.Context, id int64, failures []byte, at time.Time) error
	// SeenOp is the recorded outcome of an op id, ok false when never seen.
	SeenOp(ctx context.Context, id string) (outcome wire.Outcome, reason string, ok bool, err error)
	// RecordOp records an op's outcome; an op id is recorded once (a unique
	// constraint), so a second record fails the transaction.
	RecordOp(ctx context.Context, station string, op domain.Op, at time.Time, outcome wire.Outcome, reason string) error
	// Link is the record of an op another follows; ok false when none.
	Link(ctx context.Context, id string) (Link, bool, error)
	// ActivatedBy is the station whose activation of an account the store
	// applied first, or "".
	ActivatedBy(ctx context.Context, account string) (string, error)
	// AliasTaken: Decide's question (rules.go AliasTaken).
	AliasTaken(ctx context.Context, alias, except string) (bool, error)
	// Audit writes an audit row (account "" for none).
	Audit(ctx context.Context, at time.Time, account, action, detail string) error
	QueueNotice(ctx context.Context, n notice.Notice) error
	// RecordCode notes that a code of purpose (notice.CodeVerify or
	// CodeReset) went to an address for account (for station); LastCode is
	// the last one of that purpose (zero: never).
	RecordCode(ctx context.Context, account, purpose string, sent SentCode) error
	LastCode(ctx context.Context, account, purpose string) (SentCode, error)
	// BlankCodes masks the codes of the e-mail code notices (notice.MaskCodes)
	// of account, and of any created before a time (expired codes).
	BlankCodes(ctx context.Context, account string, before time.Time) error
	// LastReminders is when each named account last got a password reminder.
	LastReminders(ctx context.Context, names []string) (map[string]time.Time, error)

	InsertAccounts(ctx context.Context, rows []NewAccount) error
	AccountSnapshot(ctx context.Context, id int64) ([]byte, error)
	UpdateParticulars(ctx context.Context, id, seq int64, snapshot, fingerprint []byte, at time.Time) error

	// Station says whether a station exists and is revoked.
	Station(ctx context.Context, id string) (exists, revoked bool, err error)
	PutStation(ctx context.Context, id, tokenHash string, at time.Time) error
	RevokeStation(ctx context.Context, id string, at time.Time) (bool, error)
}

// Prefetcher is a Tx that reads at once what a group of ops will ask for
// (PostgreSQL: fewer round trips). Optional.
type Prefetcher interface {
	Prefetch(ctx context.Context, ops []domain.Op) error
}
