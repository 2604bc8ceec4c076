package store

import (
	"errors"
	"time"
)

// The sync protocol between stations and the central store (DESIGN.md "Sync
// between stations and the central store"). The types here are what travels
// on the wire as JSON; store/central serves them and store/syncer fetches
// them, so both sides share one definition.

// Page is one page of the central change feed: the accounts that changed
// after cursor After, each once, as its latest snapshot, in change order.
// A station applies a page in one transaction together with Next as its new
// cursor, so an empty replica bootstraps the same way it stays current.
type Page struct {
	Epoch   string     `json:"epoch"` // the central store's identity; another epoch means another history
	After   int64      `json:"after"` // the cursor the page was asked for
	Next    int64      `json:"next"`  // the cursor after this page
	Head    int64      `json:"head"`  // the newest change number when the page was read
	More    bool       `json:"more"`  // more changes follow Next
	Changes []Snapshot `json:"changes"`
}

// PushRequest carries a batch of a station's outbox ops, oldest first.
type PushRequest struct {
	Ops []Op `json:"ops"`
}

// PushResponse has one result per pushed op, in the same order.
type PushResponse struct {
	Epoch   string     `json:"epoch"` // the store's, as in a Page: snapshots belong to it
	Results []OpResult `json:"results"`
}

// Outcome is what the central store did with a pushed op.
type Outcome string

const (
	OutcomeApplied   Outcome = "applied"   // checked and applied now
	OutcomeDuplicate Outcome = "duplicate" // seen before (a retry after a lost reply); nothing applied again
	OutcomeRejected  Outcome = "rejected"  // refused by the central checks; Reason says why
)

// OpResult is the central store's answer for one op.
type OpResult struct {
	ID      string  `json:"op_id"`
	Outcome Outcome `json:"outcome"`
	// Original is, for a duplicate, what happened the first time (applied
	// or rejected), so a station that lost the first reply still learns it.
	Original Outcome `json:"original,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	// Snapshot is the account as the central store has it, sent with every
	// rejection so the station's replica converges back to the truth.
	Snapshot *Snapshot `json:"snapshot,omitempty"`
}

// Rejected reports whether the op was refused, now or the first time.
func (r OpResult) Rejected() bool {
	return r.Outcome == OutcomeRejected || (r.Outcome == OutcomeDuplicate && r.Original == OutcomeRejected)
}

// ErrResync says the station's cursor means nothing to the central store
// (another epoch, or a cursor beyond its newest change): the station must
// walk the whole feed again (Replica.StartResync).
var ErrResync = errors.New("the central store does not know this station's place in its change feed: a full resync is needed")

// ErrPageOutOfOrder says a page does not start at the replica's cursor (it
// was fetched before another sync round moved the cursor): it is dropped.
var ErrPageOutOfOrder = errors.New("the page does not follow the replica's cursor")

// Lockout rules, shared with the central store so both count the same way.
const (
	LockoutFailures = maxFailures
	LockoutWindow   = failureWindow
	LockoutFor      = lockFor
)

// HistoryLen is how many password hashes an account keeps, current included.
const HistoryLen = historyLen

// SyncState is where the replica stands with the central store.
type SyncState struct {
	Cursor    int64  // the last central change applied
	Epoch     string // the central store's identity; "" before the first page
	Gen       int64  // the current sync generation (see 0002_sync.sql)
	Resyncing bool   // a full walk of the feed is under way
	LastSync  time.Time
	LastError string
}

// OutboxSignal receives a value after a write that put an op in the
// outbox, so the sync loop can push it at once. Signals do not queue up:
// one value stands for "something is pending", however many writes made it.
func (r *Replica) OutboxSignal() <-chan struct{} { return r.outboxSignal }

func (r *Replica) signalOutbox() {
	select {
	case r.outboxSignal <- struct{}{}:
	default: // a signal is already waiting
	}
}
