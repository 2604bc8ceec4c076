// Package wire is the sync protocol between stations and the central store
// (DESIGN.md "Sync between stations and the central store"): what travels
// as JSON. store/central/httpapi serves it and store/syncer fetches it, so
// both sides share one definition.
package wire

import (
	"time"

	"github.com/expressstation/kiosk/store/domain"
)

// Page is one page of the central change feed: the accounts that changed
// after cursor After, each once, as its latest snapshot, in change order.
// A station applies a page in one transaction together with Next as its new
// cursor, so an empty replica bootstraps the same way it stays current.
type Page struct {
	Epoch   string            `json:"epoch"` // the central store's identity; another epoch means another history
	After   int64             `json:"after"` // the cursor the page was asked for
	Next    int64             `json:"next"`  // the cursor after this page
	Head    int64             `json:"head"`  // the newest change number when the page was read
	More    bool              `json:"more"`  // more changes follow Next
	Changes []domain.Snapshot `json:"changes"`
}

// PushRequest carries a batch of a station's outbox ops, oldest first.
type PushRequest struct {
	Ops []domain.Op `json:"ops"`
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
	Snapshot *domain.Snapshot `json:"snapshot,omitempty"`
}

// Rejected reports whether the op was refused, now or the first time.
func (r OpResult) Rejected() bool {
	return r.Outcome == OutcomeRejected || (r.Outcome == OutcomeDuplicate && r.Original == OutcomeRejected)
}

// Health is a station's heartbeat: what it says of itself after each sync
// round (POST /v1/health), so staff see a station that is down, behind or
// holding rejected ops without walking to it. Every field is optional: the
// central store keeps the latest as sent, and a station that sends none
// still syncs.
type Health struct {
	Version        string `json:"version,omitempty"`          // buildinfo, as kiosk --version
	OutboxPending  int    `json:"outbox_pending"`             // ops not yet accepted
	OutboxRejected int    `json:"outbox_rejected"`            // ops the central store refused
	OldestPending  int64  `json:"oldest_pending_s,omitempty"` // age of the oldest pending op, seconds
	LastError      string `json:"last_error,omitempty"`       // the last sync round's error, "" when it succeeded
	Maintenance    bool   `json:"maintenance"`                // the station shows its maintenance screen
	Cursor         int64  `json:"cursor"`                     // the replica's feed cursor
	FreeDisk       int64  `json:"free_disk_bytes,omitempty"`  // free bytes where the replica lives; 0 unknown
}

// CodeRequest is a station's request to send an e-mail code (POST
// /v1/codes, issue 19): the central store queues the notice that carries it
// and sends it at once. Purpose is "verify_email" (To is the new address,
// not saved yet) or "reset" (To must be the account's verified personal
// e-mail). The code travels only here and in that notice; the station keeps
// its keyed hash.
type CodeRequest struct {
	Account string    `json:"account"`
	Purpose string    `json:"purpose"`
	To      string    `json:"to"`
	Code    string    `json:"code"`
	Expires time.Time `json:"expires"`
}

// Headers of GET /v1/snapshot, the station replica snapshot (its ETag is the
// file's SHA-256). They live here, not in httpapi, so that a station's
// binary does not link the central store (and its PostgreSQL driver) just
// to name them: that cost every start a tenth of its init (issue 17).
const (
	HeaderSnapshotCursor = "X-Snapshot-Cursor"
	HeaderSnapshotEpoch  = "X-Snapshot-Epoch"
	HeaderSnapshotSchema = "X-Snapshot-Schema"
)
