package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/store/domain"
)

// The outbox: a station's own changes, each written in the transaction of
// the change, until the central store has answered for it. The ops and
// their payloads are store/account's.

// newOpID is a random 128-bit hex id. It always uses crypto/rand, not
// Options.Rand: ids must be unique across stations even when tests make the
// TOTP randomness repeatable.
func newOpID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making an outbox op id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// enqueue writes one outbox row of a declared kind inside tx, with the
// proof that allowed it (zero for none), and returns its op id.
func (r *Replica) enqueue(ctx context.Context, tx *sql.Tx, at time.Time, kind domain.OpKind, account string, payload any, p Proof) (string, error) {
	if !kind.Known() { // the outbox takes the kinds store/domain declares, and no others
		return "", fmt.Errorf("outbox: op kind %q is not declared in store/domain", kind)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("outbox %s payload: %w", kind, err)
	}
	id, err := newOpID()
	if err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO outbox (op_id, created_at, station, kind, account, payload, after_op, proof) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		id, formatTime(at), r.opt.StationID, string(kind), account, string(body), p.After, p.Kind)
	if err != nil {
		return "", fmt.Errorf("outbox %s for %s: %w", kind, account, err)
	}
	return id, nil
}

// checkProof refuses, inside tx, a write whose proof is for another
// account, or follows an op of another account or one the central store
// has refused meanwhile (it would be refused with it).
func checkProof(ctx context.Context, tx *sql.Tx, account string, p Proof) error {
	if p.Account != account {
		return errNoChange{ErrProofMismatch}
	}
	// Up the chain while the store has not answered: a refusal anywhere
	// above is this change's refusal too.
	for id, n := p.After, 0; id != "" && n < 32; n++ {
		var owner, state string
		err := tx.QueryRowContext(ctx, `SELECT account, state, after_op FROM outbox WHERE op_id = ?`, id).Scan(&owner, &state, &id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errNoChange{ErrProofMismatch}
		case err != nil:
			return fmt.Errorf("reading the op this change follows: %w", err)
		case owner != account || state == string(domain.OpRejected):
			return errNoChange{ErrProofMismatch}
		case state == string(domain.OpDelivered):
			return nil
		}
	}
	return nil
}

// next is the proof for the change after op id of kind k: a 2FA code
// accepted or an enrolment confirmed makes it ProofTOTP. A zero proof
// stays zero (its ops are decided alone).
func (p Proof) next(id string, k domain.OpKind) Proof {
	if p.Kind == "" {
		return p
	}
	p.After = id
	if k.ProvesTOTP() {
		p.Kind = domain.ProofTOTP
	}
	if k.ProvesPass() {
		p.Kind = domain.ProofPass
	}
	return p
}

// PendingOps returns up to limit ops not yet delivered, oldest first, for
// the sync loop to push.
func (r *Replica) PendingOps(ctx context.Context, limit int) ([]domain.Op, error) {
	if limit <= 0 {
		limit = 100
	}
	return readOps(ctx, r.r, `state = 'pending' ORDER BY seq LIMIT ?`, limit)
}

// rowsQueryer is what both *sql.DB and *sql.Tx offer for multi-row reads.
type rowsQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// readOps reads the outbox rows matching where (which may also order and
// limit them).
func readOps(ctx context.Context, q rowsQueryer, where string, args ...any) ([]domain.Op, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT seq, op_id, created_at, station, kind, account, payload, state, reason, attempts, after_op, proof
		FROM outbox WHERE `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("reading the outbox: %w", err)
	}
	defer rows.Close()
	var ops []domain.Op
	for rows.Next() {
		var (
			op      domain.Op
			created sql.NullString
			kind    string
			payload string
			state   string
		)
		if err := rows.Scan(&op.Seq, &op.ID, &created, &op.Station, &kind, &op.Account,
			&payload, &state, &op.Reason, &op.Attempts, &op.After, &op.Proof); err != nil {
			return nil, fmt.Errorf("reading the outbox: %w", err)
		}
		op.CreatedAt = parseTime(created)
		op.Kind, op.State = domain.OpKind(kind), domain.OpState(state)
		op.Payload = json.RawMessage(payload)
		ops = append(ops, op)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the outbox: %w", err)
	}
	return ops, nil
}
