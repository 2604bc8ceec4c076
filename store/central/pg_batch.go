package central

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// Round trips, not statements, bound how fast one process applies ops on
// PostgreSQL. So a group transaction reads the accounts and op records its
// ops name in two queries (Prefetch) and keeps them as its writes change
// them; each request's writes wait in a batch that goes with its SAVEPOINT
// and RELEASE in one round trip. Any read the cache cannot answer sends
// the waiting writes first, so the database always answers as if each
// write had been sent at once.

type cachedAccount struct {
	id, seq        int64
	snap, failures []byte
}

type groupCache struct {
	accounts map[string]*cachedAccount // by name; nil: no such account
	byID     map[int64]string
	ops      map[string]*Link // by op id; nil: never recorded
	batch    *pgx.Batch       // writes not yet sent
	spQueued bool             // the batch starts with this request's SAVEPOINT
}

// reset forgets what the cache knows (its writes are sent or dropped).
func (c *groupCache) reset() {
	c.accounts, c.byID, c.ops = map[string]*cachedAccount{}, map[int64]string{}, map[string]*Link{}
	c.batch, c.spQueued = &pgx.Batch{}, false
}

func (t *pgTx) queue(q string, args ...any) error {
	t.batch.Queue(q, args...)
	return nil
}

// flush sends the waiting writes.
func (t *pgTx) flush(ctx context.Context) error {
	if t.batch.Len() == 0 {
		return nil
	}
	b := t.batch
	t.batch, t.spQueued = &pgx.Batch{}, false
	br := t.tx.SendBatch(ctx, b)
	var errs []error
	for range b.Len() {
		if _, err := br.Exec(); err != nil {
			errs = append(errs, err)
			break
		}
	}
	errs = append(errs, br.Close())
	return errors.Join(errs...)
}

// Prefetch reads what a group's ops will ask for.
func (t *pgTx) Prefetch(ctx context.Context, ops []domain.Op) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	var ids, names []string
	for _, op := range ops {
		ids = append(ids, op.ID)
		if op.After != "" {
			ids = append(ids, op.After)
		}
		names = append(names, op.Account)
	}
	for _, id := range ids {
		t.ops[id] = nil
	}
	rows, err := t.tx.Query(ctx, `SELECT op_id, account, kind, outcome, reason, after_op FROM ops WHERE op_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var l Link
		var kind, outcome string
		if err := rows.Scan(&l.ID, &l.Account, &kind, &outcome, &l.Reason, &l.After); err != nil {
			rows.Close()
			return err
		}
		l.Kind, l.Outcome = domain.OpKind(kind), wire.Outcome(outcome)
		t.ops[l.ID] = &l
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, n := range names {
		t.accounts[n] = nil
	}
	rows, err = t.tx.Query(ctx, `SELECT name, id, seq, snapshot, failures FROM accounts WHERE name = ANY($1)`, names)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			name     string
			a        cachedAccount
			failures string
		)
		if err := rows.Scan(&name, &a.id, &a.seq, &a.snap, &failures); err != nil {
			return err
		}
		a.failures = []byte(failures)
		t.accounts[name], t.byID[a.id] = &a, name
	}
	return rows.Err()
}

// Savepoint starts a request: its SAVEPOINT waits for its writes.
func (t *pgTx) Savepoint(ctx context.Context) error {
	if err := t.flush(ctx); err != nil {
		return err
	}
	t.batch.Queue("SAVEPOINT request")
	t.spQueued = true
	return nil
}

// RollbackToSavepoint undoes the request: writes not sent are dropped.
func (t *pgTx) RollbackToSavepoint(ctx context.Context) error {
	unsent := t.spQueued
	t.reset()
	if unsent {
		_, err := t.tx.Exec(ctx, "SAVEPOINT request") // RELEASE follows
		return err
	}
	_, err := t.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT request")
	return err
}

// ReleaseSavepoint ends the request, sending its writes; if one fails the
// request is undone and the cache forgotten.
func (t *pgTx) ReleaseSavepoint(ctx context.Context) error {
	t.batch.Queue("RELEASE SAVEPOINT request")
	err := t.flush(ctx)
	if err == nil {
		return nil
	}
	t.reset()
	if _, rerr := t.tx.Exec(ctx, "ROLLBACK TO SAVEPOINT request"); rerr != nil {
		return errors.Join(err, rerr)
	}
	if _, rerr := t.tx.Exec(ctx, "RELEASE SAVEPOINT request"); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

func (t *pgTx) LoadAccount(ctx context.Context, name string) (*Account, int64, error) {
	a, ok := t.accounts[name]
	if !ok {
		if err := t.flush(ctx); err != nil {
			return nil, 0, err
		}
		return t.loadAccount(ctx, name)
	}
	if a == nil {
		return nil, 0, nil
	}
	acct, err := decodeAccount(name, a.seq, a.snap, a.failures)
	return acct, a.id, err
}

func (t *pgTx) SaveAccount(ctx context.Context, id, seq int64, snapshot, failures []byte, alias string, at time.Time) error {
	if a := t.cached(id); a != nil {
		a.seq, a.snap, a.failures = seq, snapshot, failures
	}
	return t.saveAccount(ctx, id, seq, snapshot, failures, alias, at)
}

func (t *pgTx) SaveFailures(ctx context.Context, id int64, failures []byte, at time.Time) error {
	if a := t.cached(id); a != nil {
		a.failures = failures
	}
	return t.saveFailures(ctx, id, failures, at)
}

func (t *pgTx) cached(id int64) *cachedAccount {
	if name, ok := t.byID[id]; ok {
		return t.accounts[name]
	}
	return nil
}

func (t *pgTx) SeenOp(ctx context.Context, id string) (wire.Outcome, string, bool, error) {
	l, ok, err := t.Link(ctx, id)
	return l.Outcome, l.Reason, ok, err
}

func (t *pgTx) RecordOp(ctx context.Context, station string, op domain.Op, at time.Time, outcome wire.Outcome, reason string) error {
	t.ops[op.ID] = &Link{ID: op.ID, Account: op.Account, Kind: op.Kind, Outcome: outcome, Reason: reason, After: op.After}
	return t.recordOp(ctx, station, op, at, outcome, reason)
}

func (t *pgTx) Link(ctx context.Context, id string) (Link, bool, error) {
	l, ok := t.ops[id]
	if !ok {
		if err := t.flush(ctx); err != nil {
			return Link{}, false, err
		}
		return t.link(ctx, id)
	}
	if l == nil {
		return Link{ID: id}, false, nil
	}
	return *l, true, nil
}

// ActivatedBy (a second activation only) asks the database.
func (t *pgTx) ActivatedBy(ctx context.Context, account string) (string, error) {
	if err := t.flush(ctx); err != nil {
		return "", err
	}
	return t.activatedBy(ctx, account)
}
