package central

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// Ops apply through one writer goroutine that takes every request waiting
// and applies them in one transaction (a group commit): one fsync for many
// stations' ops, each request inside its own savepoint so a failing request
// leaves the others applied. Requests apply in the order they arrive.

// applyReq is one station's batch of ops waiting for the writer.
type applyReq struct {
	station string
	ops     []domain.Op
	results []wire.OpResult
	err     error
	done    chan struct{}
}

var errClosed = errors.New("the central store is shutting down: try again shortly")

// Apply queues the ops for the next group commit and waits for it. Once
// queued they are applied even if ctx ends, so the answer is always true.
func (s *SQLite) Apply(ctx context.Context, station string, ops []domain.Op) ([]wire.OpResult, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	req := &applyReq{station: station, ops: ops, done: make(chan struct{})}
	if err := s.enqueue(ctx, req); err != nil {
		return nil, err
	}
	<-req.done
	return req.results, req.err
}

func (s *SQLite) enqueue(ctx context.Context, req *applyReq) error {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	if s.closed {
		return errClosed
	}
	select {
	case s.writes <- req:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writer applies queued requests in groups until the store closes, then
// applies what is still queued.
func (s *SQLite) writer() {
	defer close(s.done)
	for {
		select {
		case req := <-s.writes:
			s.commitGroup(s.gather(req))
		case <-s.stop:
			for {
				select {
				case req := <-s.writes:
					s.commitGroup(s.gather(req))
				default:
					return
				}
			}
		}
	}
}

// gather takes the requests already waiting behind first, up to MaxGroup ops.
func (s *SQLite) gather(first *applyReq) []*applyReq {
	group, n := []*applyReq{first}, len(first.ops)
	for n < s.opt.MaxGroup {
		select {
		case req := <-s.writes:
			group, n = append(group, req), n+len(req.ops)
		default:
			return group
		}
	}
	return group
}

// commitGroup applies a group in one durable transaction and answers each
// request.
func (s *SQLite) commitGroup(group []*applyReq) {
	ctx := context.Background()
	var moved bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		a, err := s.newApplier(ctx, tx)
		if err != nil {
			return err
		}
		defer a.close()
		start := a.head
		for _, req := range group {
			a.applyRequest(ctx, req)
		}
		moved = a.head > start
		return nil
	})
	for _, req := range group {
		if err != nil {
			req.results, req.err = nil, fmt.Errorf("saving ops in the central store: %w", err)
		}
		close(req.done)
	}
	if err == nil && moved {
		s.notify()
	}
}

// applier applies ops inside one group transaction.
type applier struct {
	tx   *sql.Tx
	now  time.Time
	head int64
	log  func(msg string, args ...any)

	seenOp, loadAcct, saveAcct, saveFailures, recordOp, aliasUse, loadLink *sql.Stmt
}

func (s *SQLite) newApplier(ctx context.Context, tx *sql.Tx) (*applier, error) {
	a := &applier{tx: tx, now: s.opt.Now().UTC(), log: s.log.Warn}
	var err error
	if a.head, err = head(ctx, tx); err != nil {
		return nil, err
	}
	for dst, q := range map[**sql.Stmt]string{
		&a.seenOp:       `SELECT outcome, reason FROM ops WHERE op_id = ?`,
		&a.loadAcct:     `SELECT id, seq, snapshot, failures FROM accounts WHERE name = ?`,
		&a.saveAcct:     `UPDATE accounts SET seq = ?, snapshot = ?, failures = ?, alias = ?, updated_at = ? WHERE id = ?`,
		&a.aliasUse:     `SELECT count(*) FROM accounts WHERE (alias = ?1 OR name = ?1) AND name <> ?2`,
		&a.saveFailures: `UPDATE accounts SET failures = ?, updated_at = ? WHERE id = ?`,
		&a.recordOp: `INSERT INTO ops (op_id, station, account, kind, created_at, received_at, outcome, reason, after_op, proof)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		&a.loadLink: `SELECT account, kind, outcome, reason, after_op FROM ops WHERE op_id = ?`,
	} {
		if *dst, err = tx.PrepareContext(ctx, q); err != nil {
			a.close()
			return nil, err
		}
	}
	return a, nil
}

func (a *applier) close() {
	for _, st := range []*sql.Stmt{a.seenOp, a.loadAcct, a.saveAcct, a.saveFailures, a.recordOp, a.aliasUse, a.loadLink} {
		if st != nil {
			st.Close()
		}
	}
}

// applyRequest applies one station's ops inside a savepoint: an error
// undoes this request only.
func (a *applier) applyRequest(ctx context.Context, req *applyReq) {
	mark := a.head
	if _, err := a.tx.ExecContext(ctx, "SAVEPOINT request"); err != nil {
		req.err = err
		return
	}
	req.results = make([]wire.OpResult, 0, len(req.ops))
	for _, op := range req.ops {
		res, err := a.apply(ctx, req.station, op)
		if err != nil {
			req.results, req.err = nil, fmt.Errorf("op %s: %w", op.ID, err)
			a.head = mark
			a.tx.ExecContext(ctx, "ROLLBACK TO request")
			break
		}
		req.results = append(req.results, res)
	}
	if _, err := a.tx.ExecContext(ctx, "RELEASE request"); err != nil && req.err == nil {
		req.results, req.err = nil, err
	}
}

// apply answers one op: a duplicate, a rejection (with the account's
// snapshot, re-emitted so the station converges) or applied.
func (a *applier) apply(ctx context.Context, station string, op domain.Op) (wire.OpResult, error) {
	res := wire.OpResult{ID: op.ID}
	var outcome, reason string
	err := a.seenOp.QueryRowContext(ctx, op.ID).Scan(&outcome, &reason)
	switch {
	case err == nil:
		res.Outcome, res.Original, res.Reason = wire.OutcomeDuplicate, wire.Outcome(outcome), reason
		acct, _, err := a.load(ctx, op.Account)
		if acct != nil {
			res.Snapshot = &acct.Snapshot
		}
		return res, err
	case !errors.Is(err, sql.ErrNoRows):
		return res, err
	}
	acct, id, err := a.load(ctx, op.Account)
	if err != nil {
		return res, err
	}
	effect, rej := Unchanged, UnknownAccount(op.Account)
	if acct != nil {
		chain, err := a.chain(ctx, op.After)
		if err != nil {
			return res, err
		}
		if op.Kind.Activates() && acct.Snapshot.Activated() {
			if acct.ActivatedBy, err = a.activatedBy(ctx, op.Account); err != nil {
				return res, err
			}
		}
		if effect, rej, err = Decide(acct, op, chain, a.now, a.aliasTaken(ctx)); err != nil {
			return res, err
		}
	}
	res.Outcome = wire.OutcomeApplied
	if rej != nil {
		res.Outcome, res.Reason = wire.OutcomeRejected, rej.Error()
		a.log("op rejected", "station", station, "account", op.Account, "kind", op.Kind, "reason", rej.Code)
		if acct != nil {
			effect = SnapshotChanged // re-emitted: the station must learn the truth
			res.Snapshot = &acct.Snapshot
		}
	}
	if err := a.save(ctx, id, acct, effect); err != nil {
		return res, err
	}
	_, err = a.recordOp.ExecContext(ctx, op.ID, station, op.Account, string(op.Kind), formatTime(op.CreatedAt),
		formatTime(a.now), string(res.Outcome), res.Reason, op.After, op.Proof)
	return res, err
}

// maxChain bounds how far back a chain is read: a visit makes a few ops.
const maxChain = 32

// chain reads the store's record of the op after and those it followed,
// nearest first; empty when the store never received after.
func (a *applier) chain(ctx context.Context, after string) ([]Link, error) {
	var chain []Link
	for id := after; id != "" && len(chain) < maxChain; {
		l := Link{ID: id}
		var kind, outcome string
		err := a.loadLink.QueryRowContext(ctx, id).Scan(&l.Account, &kind, &outcome, &l.Reason, &l.After)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading op %s that another follows: %w", id, err)
		}
		l.Kind, l.Outcome = domain.OpKind(kind), wire.Outcome(outcome)
		chain = append(chain, l)
		id = l.After
	}
	return chain, nil
}

// activationKinds are the kinds that activate an account (domain.OpKind.Activates), as
// a JSON array for activatedBy's query.
var activationKinds = func() string {
	var ks []domain.OpKind
	for _, k := range domain.Kinds() {
		if k.Activates() {
			ks = append(ks, k)
		}
	}
	b, _ := json.Marshal(ks)
	return string(b)
}()

// activatedBy is the station whose activation of account the store
// applied, or "" (imported active, or before the ops were kept). It scans
// the ops, which only a second activation needs.
func (a *applier) activatedBy(ctx context.Context, account string) (string, error) {
	var station string
	err := a.tx.QueryRowContext(ctx, `SELECT station FROM ops WHERE account = ? AND outcome = 'applied'
		AND kind IN (SELECT value FROM json_each(?)) ORDER BY received_at LIMIT 1`, account, activationKinds).Scan(&station)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return station, err
}

// load reads an account's central state; nil when there is none.
func (a *applier) load(ctx context.Context, name string) (*Account, int64, error) {
	var (
		id, seq        int64
		snap, failures []byte
	)
	err := a.loadAcct.QueryRowContext(ctx, name).Scan(&id, &seq, &snap, &failures)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	acct := &Account{}
	if err := json.Unmarshal(snap, &acct.Snapshot); err != nil {
		return nil, 0, fmt.Errorf("account %s: stored snapshot: %w", name, err)
	}
	acct.Snapshot.Seq = seq
	if err := json.Unmarshal(failures, &acct.Failures); err != nil {
		return nil, 0, fmt.Errorf("account %s: stored failures: %w", name, err)
	}
	return acct, id, nil
}

// save writes what an op changed; a new snapshot gets the next change
// number, which the snapshot in the answer carries too.
func (a *applier) save(ctx context.Context, id int64, acct *Account, effect Effect) error {
	if acct == nil || effect == Unchanged {
		return nil
	}
	failures, err := json.Marshal(acct.Failures)
	if err != nil {
		return err
	}
	if effect == FailuresChanged {
		_, err = a.saveFailures.ExecContext(ctx, string(failures), formatTime(a.now), id)
		return err
	}
	a.head++
	snap, err := encodeSnapshot(acct.Snapshot)
	if err != nil {
		return err
	}
	acct.Snapshot.Seq = a.head
	var alias any
	if acct.Snapshot.Alias != "" {
		alias = acct.Snapshot.Alias
	}
	_, err = a.saveAcct.ExecContext(ctx, a.head, snap, string(failures), alias, formatTime(a.now), id)
	return err
}

// aliasTaken answers Decide's one question beyond the account.
func (a *applier) aliasTaken(ctx context.Context) AliasTaken {
	return func(alias, except string) (bool, error) {
		var n int
		err := a.aliasUse.QueryRowContext(ctx, alias, except).Scan(&n)
		return n > 0, err
	}
}

// encodeSnapshot is the stored (and served) form: JSON without the seq,
// which the feed adds from the row.
func encodeSnapshot(s domain.Snapshot) (string, error) {
	s.Seq = 0
	b, err := json.Marshal(s)
	return string(b), err
}
