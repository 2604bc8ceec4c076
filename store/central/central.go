// Package central is the central account store (accountd) that every
// station syncs with (DESIGN.md "Sync between stations and the central
// store"): the registry import that assigns account names, the change feed
// stations pull, the re-check and application of the ops they push, the
// stations' tokens, and the account lifecycle with the notices it sends
// (lifecycle.go).
//
// Store is the contract the HTTP API and the accountd command use; SQLite
// implements it. The rules an op must pass (rules.go) are pure functions of
// an account's state, so another implementation (PostgreSQL) reuses them
// and supplies only storage: a sequence of change numbers, one row per
// account holding its snapshot as JSON, a table of seen op ids and one of
// station token hashes.
package central

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/registry"
	"github.com/expressstation/kiosk/store/wire"
)

// Store is the central account store.
type Store interface {
	// Epoch identifies this store's history; it never changes. A station
	// holding a cursor from another epoch must resync from the start.
	Epoch() string
	// Changes returns up to limit changes after the cursor, in change order:
	// each account that changed, once, as its latest snapshot.
	Changes(ctx context.Context, after int64, limit int) (Feed, error)
	// Wait returns once there is a change after the cursor, or ctx ends.
	Wait(ctx context.Context, after int64) error
	// Apply re-checks and applies a station's ops in the order given,
	// after any ops received before them, each once: an op id seen before
	// is answered as a duplicate. One result per op, in order.
	Apply(ctx context.Context, station string, ops []domain.Op) ([]wire.OpResult, error)
	// Authenticate returns the station a bearer token belongs to, or
	// ErrUnauthorized for an unknown or revoked token.
	Authenticate(ctx context.Context, token string) (station string, err error)
	// Import loads registry records (the same CSV and row errors as a
	// station's import), assigning account names once.
	Import(ctx context.Context, csv io.Reader) (registry.ImportReport, error)
	// RunLifecycle moves every account along its lifecycle at now (grace,
	// alumni, terminated), each move a change with its audit row and notice.
	RunLifecycle(ctx context.Context, now time.Time) (domain.LifecycleReport, error)
	// QueuePasswordReminders queues the reminders due at now; how many.
	QueuePasswordReminders(ctx context.Context, now time.Time) (int, error)
	// Extend records a supervisor's extension of student services until a
	// date (ErrNoAccount, or why it may not, else nil).
	Extend(ctx context.Context, account string, until time.Time, reason string) error
	// Notices lists notices in a state ("" for all); with the three Mark and
	// Keep methods it is what mail.Deliver needs (mail.Queue).
	Notices(ctx context.Context, state notice.State, limit int) ([]notice.Notice, error)
	MarkNoticeSent(ctx context.Context, id int64) error
	MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error
	KeepNotice(ctx context.Context, id int64, reason string) error
	// AddStation makes a station and returns its token, which is shown
	// once: only its hash is kept.
	AddStation(ctx context.Context, id string) (token string, err error)
	Stations(ctx context.Context) ([]Station, error)
	RevokeStation(ctx context.Context, id string) error
	// SendCode queues the e-mail that carries a station's one-time code
	// (issue 19; codes.go).
	SendCode(ctx context.Context, station string, req wire.CodeRequest) error
	// RecordHealth keeps a station's latest heartbeat, seen now.
	RecordHealth(ctx context.Context, station string, h wire.Health) error
	Close() error
}

// Feed is what Changes returns.
type Feed struct {
	Head    int64 // the newest change number when the changes were read
	Changes []Change
}

// Change is one entry of the feed: an account's snapshot as stored, JSON
// without its seq, so serving a page encodes nothing again.
type Change struct {
	Seq      int64
	Snapshot json.RawMessage
}

// Station is a station known to the store.
type Station struct {
	ID        string     `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// LastSeen is when its latest heartbeat came and Health what it said;
	// nil for a station that never sent one.
	LastSeen *time.Time   `json:"last_seen,omitempty"`
	Health   *wire.Health `json:"health,omitempty"`
}

var (
	// ErrUnauthorized is the answer to a missing, unknown or revoked token.
	ErrUnauthorized = errors.New("unknown or revoked station token: ask staff for this station's token (accountd station add)")
	// ErrNoStation is the answer to revoking a station that does not exist.
	ErrNoStation = errors.New("no such station: see accountd station list")
)
