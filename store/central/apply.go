package central

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
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
func (s *Central) Apply(ctx context.Context, station string, ops []domain.Op) ([]wire.OpResult, error) {
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

func (s *Central) enqueue(ctx context.Context, req *applyReq) error {
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
func (s *Central) writer() {
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
func (s *Central) gather(first *applyReq) []*applyReq {
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

// groupAttempts: a group whose transaction fails for a passing reason (the
// database restarted, a standby was promoted, two processes raced for an
// op id) is tried again as a whole; nothing of a failed attempt was kept.
const groupAttempts = 3

// groupTimeout bounds one attempt at a group transaction: a database
// server that died without closing its connections (a crashed machine, a
// failover) must not hold every station's push forever.
const groupTimeout = 30 * time.Second

// commitGroup applies a group in one durable transaction and answers each
// request.
func (s *Central) commitGroup(group []*applyReq) {
	var err error
	for attempt := range groupAttempts {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
		err = s.inTx(ctx, func(tx Tx, head *int64) error {
			a := &applier{tx: tx, now: s.opt.Now().UTC(), head: *head, log: s.log.Warn}
			if p, ok := tx.(Prefetcher); ok {
				var ops []domain.Op
				for _, req := range group {
					ops = append(ops, req.ops...)
				}
				if err := p.Prefetch(ctx, ops); err != nil {
					return err
				}
			}
			for _, req := range group {
				a.applyRequest(ctx, req)
			}
			*head = a.head
			return nil
		})
		cancel()
		if err == nil {
			break
		}
		s.log.Warn("group commit failed", "attempt", attempt+1, "err", err)
	}
	for _, req := range group {
		if err != nil {
			req.results, req.err = nil, fmt.Errorf("saving ops in the central store: %w", err)
		}
		close(req.done)
	}
}

// applier applies ops inside one write transaction.
type applier struct {
	tx   Tx
	now  time.Time
	head int64
	log  func(msg string, args ...any)
}

// applyRequest applies one station's ops inside a savepoint: an error
// undoes this request only.
func (a *applier) applyRequest(ctx context.Context, req *applyReq) {
	mark := a.head
	req.results, req.err = nil, nil
	if err := a.tx.Savepoint(ctx); err != nil {
		req.err = err
		return
	}
	req.results = make([]wire.OpResult, 0, len(req.ops))
	for _, op := range req.ops {
		res, err := a.apply(ctx, req.station, op)
		if err != nil {
			req.results, req.err = nil, fmt.Errorf("op %s: %w", op.ID, err)
			a.head = mark
			a.tx.RollbackToSavepoint(ctx)
			break
		}
		req.results = append(req.results, res)
	}
	if err := a.tx.ReleaseSavepoint(ctx); err != nil && req.err == nil {
		req.results, req.err = nil, err
		a.head = mark // the backend undid the request
	}
}

// apply answers one op: a duplicate, a rejection (with the account's
// snapshot, re-emitted so the station converges) or applied.
func (a *applier) apply(ctx context.Context, station string, op domain.Op) (wire.OpResult, error) {
	res := wire.OpResult{ID: op.ID}
	outcome, reason, seen, err := a.tx.SeenOp(ctx, op.ID)
	switch {
	case err != nil:
		return res, err
	case seen:
		res.Outcome, res.Original, res.Reason = wire.OutcomeDuplicate, outcome, reason
		acct, _, err := a.tx.LoadAccount(ctx, op.Account)
		if acct != nil {
			res.Snapshot = &acct.Snapshot
		}
		return res, err
	}
	acct, id, err := a.tx.LoadAccount(ctx, op.Account)
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
			if acct.ActivatedBy, err = a.tx.ActivatedBy(ctx, op.Account); err != nil {
				return res, err
			}
		}
		if err := a.sentCodes(ctx, acct, op); err != nil {
			return res, err
		}
		taken := func(alias, except string) (bool, error) { return a.tx.AliasTaken(ctx, alias, except) }
		if effect, rej, err = Decide(acct, op, chain, a.now, taken); err != nil {
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
	return res, a.tx.RecordOp(ctx, station, op, a.now, res.Outcome, res.Reason)
}

// maxChain bounds how far back a chain is read: a visit makes a few ops.
const maxChain = 32

// sentCodes reads the last code the store sent the account, for an op
// that may rest on one (checkEmailCode): only those pay for the read.
func (a *applier) sentCodes(ctx context.Context, acct *Account, op domain.Op) error {
	var err error
	switch {
	case op.Proof == domain.ProofEmailCode && op.After == "":
		acct.ResetCode, err = a.tx.LastCode(ctx, op.Account, notice.CodeReset)
	case op.Kind == domain.OpPersonalEmail:
		acct.VerifyCode, err = a.tx.LastCode(ctx, op.Account, notice.CodeVerify)
	}
	return err
}

// chain reads the store's record of the op after and those it followed,
// nearest first; empty when the store never received after.
func (a *applier) chain(ctx context.Context, after string) ([]Link, error) {
	var chain []Link
	for id := after; id != "" && len(chain) < maxChain; {
		l, ok, err := a.tx.Link(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("reading op %s that another follows: %w", id, err)
		}
		if !ok {
			break
		}
		chain = append(chain, l)
		id = l.After
	}
	return chain, nil
}

// activationKinds are the kinds that activate an account
// (domain.OpKind.Activates), for the backends' ActivatedBy.
var activationKinds = func() []string {
	var ks []string
	for _, k := range domain.Kinds() {
		if k.Activates() {
			ks = append(ks, string(k))
		}
	}
	return ks
}()

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
		return a.tx.SaveFailures(ctx, id, failures, a.now)
	}
	a.head++
	snap, err := encodeSnapshot(acct.Snapshot)
	if err != nil {
		return err
	}
	acct.Snapshot.Seq = a.head
	return a.tx.SaveAccount(ctx, id, a.head, []byte(snap), failures, acct.Snapshot.Alias, a.now)
}

// decodeAccount is an account from its stored snapshot and failures.
func decodeAccount(name string, seq int64, snap, failures []byte) (*Account, error) {
	acct := &Account{}
	if err := json.Unmarshal(snap, &acct.Snapshot); err != nil {
		return nil, fmt.Errorf("account %s: stored snapshot: %w", name, err)
	}
	acct.Snapshot.Seq = seq
	if err := json.Unmarshal(failures, &acct.Failures); err != nil {
		return nil, fmt.Errorf("account %s: stored failures: %w", name, err)
	}
	return acct, nil
}

// encodeSnapshot is the stored (and served) form: JSON without the seq,
// which the feed adds from the row.
func encodeSnapshot(s domain.Snapshot) (string, error) {
	s.Seq = 0
	b, err := json.Marshal(s)
	return string(b), err
}
