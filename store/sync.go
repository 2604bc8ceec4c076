package store

import (
	"errors"
	"time"
)

// The replica's side of the sync protocol (store/wire); sync_apply.go
// applies what the central store sends.

// ErrResync says the station's cursor means nothing to the central store
// (another epoch, or a cursor beyond its newest change): the station must
// walk the whole feed again (Replica.StartResync).
var ErrResync = errors.New("the central store does not know this station's place in its change feed: a full resync is needed")

// ErrPageOutOfOrder says a page does not start at the replica's cursor (it
// was fetched before another sync round moved the cursor): it is dropped.
var ErrPageOutOfOrder = errors.New("the page does not follow the replica's cursor")

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
