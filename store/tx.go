package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
)

// beforeCommit, when set (only by tests), runs inside every write transaction
// just before COMMIT with the transaction's audit action. The crash tests use
// it to kill a process with a transaction open.
var beforeCommit func(action string)

// writeTx runs fn in one immediate transaction on the single writer
// connection and commits it; any error rolls everything back.
func (r *Replica) writeTx(ctx context.Context, action string, fn func(tx *sql.Tx) error) error {
	tx, err := r.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("starting a write to the replica: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if beforeCommit != nil {
		beforeCommit(action)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("saving %s to the replica: %w", action, err)
	}
	return nil
}

// change describes one account change: what the audit row says and what the
// outbox row carries. apply may fill in Detail and Payload from what it finds.
type change struct {
	Account string
	Action  string // audit action
	Detail  string // audit detail; never a secret
	Kind    domain.OpKind
	Payload any
	At      time.Time
	// Notice is the notice the change sends, queued in its transaction;
	// "" sends the one its Kind sends (domain.OpKind.Notice), if any.
	Notice notice.Kind
	// Proof is what allowed a student's change (zero for staff and
	// lifecycle changes); record checks it and sets Next to the proof for
	// the visit's next change.
	Proof Proof
	Next  Proof
}

// errNoChange lets apply abandon a change (nothing written, nothing audited)
// and pass an error to the caller.
type errNoChange struct{ err error }

func (e errNoChange) Error() string { return e.err.Error() }
func (e errNoChange) Unwrap() error { return e.err }

// commit is the only way an account changes: apply, the audit row, the
// outbox row and the notice the change sends go into one transaction, or
// none of them happens.
func (r *Replica) commit(ctx context.Context, c *change, apply func(tx *sql.Tx, c *change) error) error {
	err := r.writeTx(ctx, c.Action, func(tx *sql.Tx) error { return r.record(ctx, tx, c, apply) })
	if err == nil {
		r.signalOutbox()
	}
	var nc errNoChange
	if errors.As(err, &nc) {
		return nc.err
	}
	return err
}

// record is one change inside tx: apply, its audit row, its outbox row and
// the notice it sends.
func (r *Replica) record(ctx context.Context, tx *sql.Tx, c *change, apply func(tx *sql.Tx, c *change) error) error {
	if c.Proof.Kind != "" {
		if err := checkProof(ctx, tx, c.Account, c.Proof); err != nil {
			return err
		}
	}
	if err := apply(tx, c); err != nil {
		return err
	}
	if err := r.audit(ctx, tx, c.At, c.Account, c.Action, c.Detail); err != nil {
		return err
	}
	id, err := r.enqueue(ctx, tx, c.At, c.Kind, c.Account, c.Payload, c.Proof)
	if err != nil {
		return err
	}
	c.Next = c.Proof.next(id, c.Kind)
	return r.queueChangeNotice(ctx, tx, c) // notices.go: "if this wasn't you..."
}

// commitEach is commit for the many changes of a job (the daily lifecycle):
// each is recorded whole, as commit records one, but they share one
// transaction (a commit, an fsync, per change made the lifecycle job two to
// five times slower). A change whose apply returns errNoChange is rolled
// back to its savepoint and left out; any other error rolls back them all.
// It returns the changes recorded.
func (r *Replica) commitEach(ctx context.Context, action string, cs []*change,
	apply func(tx *sql.Tx, c *change) error) ([]*change, error) {
	return r.commitEachThen(ctx, action, cs, apply, nil)
}

// commitEachThen is commitEach that also runs then, if not nil, in the same
// transaction after the changes (a job's progress, committed with them).
func (r *Replica) commitEachThen(ctx context.Context, action string, cs []*change,
	apply func(tx *sql.Tx, c *change) error, then func(tx *sql.Tx) error) ([]*change, error) {
	var done []*change
	err := r.writeTx(ctx, action, func(tx *sql.Tx) error {
		done = done[:0]
		for _, c := range cs {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT change`); err != nil {
				return err
			}
			err := r.record(ctx, tx, c, apply)
			var nc errNoChange
			switch {
			case errors.As(err, &nc):
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO change`); err != nil {
					return err
				}
			case err != nil:
				return err
			default:
				done = append(done, c)
			}
			if _, err := tx.ExecContext(ctx, `RELEASE change`); err != nil {
				return err
			}
		}
		if then != nil {
			return then(tx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(done) > 0 {
		r.signalOutbox()
	}
	return done, nil
}

// audit writes one audit row inside tx. account may be "" (an import batch).
func (r *Replica) audit(ctx context.Context, tx *sql.Tx, at time.Time, account, action, detail string) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO audit (at, station, account, action, detail) VALUES (?, ?, ?, ?, ?)`,
		formatTime(at), r.opt.StationID, nullString(account), action, detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// mustAffect turns "no row updated" into err: the row changed under us since
// it was read (another write won), so this change must not happen.
func mustAffect(res sql.Result, err error, refusal error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNoChange{refusal}
	}
	return nil
}
