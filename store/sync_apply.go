package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// The replica's side of sync: pulled pages, push results and the sync
// state. Pulled changes come from the central store, not from this
// station, so they write audit rows (one per page) but no outbox rows.

// SyncState reads where the replica stands with the central store.
func (r *Replica) SyncState(ctx context.Context) (SyncState, error) {
	return readSyncState(ctx, r.r)
}

func readSyncState(ctx context.Context, q queryer) (SyncState, error) {
	var (
		st       SyncState
		lastSync sql.NullString
	)
	err := q.QueryRowContext(ctx, `SELECT cursor, epoch, gen, resyncing, last_sync, last_error
		FROM sync_state WHERE id = 1`).Scan(&st.Cursor, &st.Epoch, &st.Gen, &st.Resyncing, &lastSync, &st.LastError)
	if err != nil {
		return SyncState{}, fmt.Errorf("reading the sync state: %w", err)
	}
	st.LastSync = parseTime(lastSync)
	return st, nil
}

// ApplyPage applies one page of the central change feed in one transaction
// together with its cursor, so after a crash the replica holds exactly the
// changes up to its cursor: no gap and nothing twice. A page that does not
// start at the cursor gives ErrPageOutOfOrder; a page from another epoch
// gives ErrResync. Accounts with ops still pending here get those ops
// replayed over the pulled snapshot. The last page of a full walk removes
// the accounts the central store no longer has.
func (r *Replica) ApplyPage(ctx context.Context, p Page) error {
	if err := checkPage(p); err != nil {
		return err
	}
	now := r.now()
	return r.writeTx(ctx, "sync", func(tx *sql.Tx) error {
		st, err := readSyncState(ctx, tx)
		if err != nil {
			return err
		}
		if st.Cursor != p.After {
			return ErrPageOutOfOrder
		}
		switch {
		case st.Epoch == "": // the first page of a full walk: adopt the store's epoch
			st.Epoch, st.Gen, st.Resyncing = p.Epoch, st.Gen+1, true
		case st.Epoch != p.Epoch:
			return ErrResync
		}
		if err := r.writeSnapshots(ctx, tx, p.Changes, st.Gen, now); err != nil {
			return err
		}
		detail := fmt.Sprintf("%d changes, cursor %d -> %d", len(p.Changes), p.After, p.Next)
		walked := st.Resyncing && !p.More
		if walked {
			n, err := sweep(ctx, tx, st.Gen)
			if err != nil {
				return err
			}
			st.Resyncing = false
			detail += fmt.Sprintf("; full sync done, %d accounts the central store no longer has removed", n)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sync_state SET cursor = ?, epoch = ?, gen = ?, resyncing = ?,
			last_sync = ?, last_error = '' WHERE id = 1`,
			p.Next, st.Epoch, st.Gen, st.Resyncing, formatTime(now)); err != nil {
			return fmt.Errorf("saving the sync cursor: %w", err)
		}
		if len(p.Changes) == 0 && !walked {
			return nil // nothing changed: no audit row for an empty poll
		}
		return r.audit(ctx, tx, now, "", "sync", detail)
	})
}

// checkPage refuses a page that cannot be applied as it stands, before
// anything is written.
func checkPage(p Page) error {
	if p.Epoch == "" {
		return errors.New("sync page: no epoch")
	}
	last := p.After
	for i, s := range p.Changes {
		switch {
		case s.Seq <= last || s.Seq > p.Next:
			return fmt.Errorf("sync page: change %d has number %d outside (%d, %d] or out of order", i, s.Seq, last, p.Next)
		case s.Name == "" || s.StudentID == "":
			return fmt.Errorf("sync page: change %d (number %d) has no account name or student id", i, s.Seq)
		}
		last = s.Seq
	}
	if p.Next < p.After {
		return fmt.Errorf("sync page: next cursor %d is before %d", p.Next, p.After)
	}
	return nil
}

// writeSnapshots writes pulled snapshots, replaying this station's pending
// ops over them first. A snapshot older than the one an account already has
// (same generation) is skipped.
func (r *Replica) writeSnapshots(ctx context.Context, tx *sql.Tx, snaps []Snapshot, gen int64, now time.Time) error {
	if len(snaps) == 0 {
		return nil
	}
	rebased, err := rebase(ctx, tx, snaps)
	if err != nil {
		return err
	}
	written := make(map[string]bool, len(rebased))
	ts := formatTime(now)
	for chunk := range slices.Chunk(rebased, upsertRows) {
		if err := upsertChunk(ctx, tx, chunk, gen, ts, written); err != nil {
			return err
		}
	}
	return writeHistories(ctx, tx, rebased, written, now)
}

// rebase replays pending ops over the snapshots of their accounts, so a
// pulled snapshot never undoes a change the central store has not seen yet.
func rebase(ctx context.Context, tx *sql.Tx, snaps []Snapshot) ([]Snapshot, error) {
	ops, err := readOps(ctx, tx, `state = 'pending' ORDER BY seq`)
	if err != nil || len(ops) == 0 {
		return snaps, err
	}
	byAccount := map[string][]Op{}
	for _, op := range ops {
		byAccount[op.Account] = append(byAccount[op.Account], op)
	}
	out := make([]Snapshot, len(snaps))
	for i, s := range snaps {
		for _, op := range byAccount[s.Name] {
			if err := s.ApplyOp(op); err != nil {
				return nil, fmt.Errorf("replaying pending op %s over account %s: %w", op.ID, s.Name, err)
			}
		}
		out[i] = s
	}
	return out, nil
}

// upsertRows is how many snapshots one statement writes.
const upsertRows = 64

var upsertColumns = []string{"name", "student_id", "surname", "given_names", "department", "level", "category",
	"completion_date", "extended_until", "status", "hkid_hash", "dob_hash", "passport_hash", "password_hash",
	"activated_at", "password_changed_at", "totp_sealed", "totp_last_step", "directory_public", "locked_until",
	"updated_at", "central_seq", "sync_gen", "created_at"}

// upsertSQL writes n snapshots; an existing account (by name) is updated
// unless it already holds a newer snapshot of the same generation. It
// returns the names it wrote.
func upsertSQL(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(upsertColumns)), ", ") + ")"
	var set []string
	for _, c := range upsertColumns {
		if c != "name" && c != "created_at" {
			set = append(set, c+" = excluded."+c)
		}
	}
	return "INSERT INTO accounts (" + strings.Join(upsertColumns, ", ") + ") VALUES " +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") +
		" ON CONFLICT (name) DO UPDATE SET " + strings.Join(set, ", ") +
		" WHERE excluded.central_seq >= accounts.central_seq OR excluded.sync_gen <> accounts.sync_gen" +
		" RETURNING name"
}

var fullUpsertSQL = upsertSQL(upsertRows)

func snapshotArgs(args []any, s *Snapshot, gen int64, now string) []any {
	return append(args, s.Name, s.StudentID, s.Surname, s.GivenNames, s.Department, string(s.Level),
		string(s.Category), nullString(s.CompletionDate), nullString(s.ExtendedUntil), string(s.Status),
		nullBlob(s.HKIDHash), nullBlob(s.DOBHash), nullBlob(s.PassportHash), nullString(s.PasswordHash),
		timeArg(s.ActivatedAt), timeArg(s.PasswordChangedAt), nullBlob(s.TOTPSealed), s.TOTPLastStep,
		s.DirectoryPublic, timeArg(s.LockedUntil), now, s.Seq, gen, now)
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return nullTime(*t)
}

// upsertChunk writes up to upsertRows snapshots in one statement. When a
// student id is held by another account name (a stale account from before a
// resync), that chunk is written row by row, removing the stale account.
func upsertChunk(ctx context.Context, tx *sql.Tx, chunk []Snapshot, gen int64, now string, written map[string]bool) error {
	args := make([]any, 0, len(chunk)*len(upsertColumns))
	for i := range chunk {
		args = snapshotArgs(args, &chunk[i], gen, now)
	}
	q := fullUpsertSQL
	if len(chunk) != upsertRows {
		q = upsertSQL(len(chunk))
	}
	err := queryNames(ctx, tx, q, args, written)
	if err == nil || !strings.Contains(err.Error(), "accounts.student_id") {
		return wrapSyncWrite(err)
	}
	for i := range chunk {
		if err := removeStale(ctx, tx, chunk[i].StudentID, chunk[i].Name); err != nil {
			return err
		}
		if err := queryNames(ctx, tx, upsertSQL(1), snapshotArgs(nil, &chunk[i], gen, now), written); err != nil {
			return wrapSyncWrite(err)
		}
	}
	return nil
}

func wrapSyncWrite(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("writing pulled accounts: %w", err)
}

// queryNames runs an upsert and adds the names it returns to written.
func queryNames(ctx context.Context, tx *sql.Tx, q string, args []any, written map[string]bool) error {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		written[name] = true
	}
	return rows.Err()
}

// removeStale deletes the account that holds studentID under another name,
// with its history and failures.
func removeStale(ctx context.Context, tx *sql.Tx, studentID, name string) error {
	return deleteAccounts(ctx, tx, `student_id = ? AND name <> ?`, studentID, name)
}

// deleteAccounts removes the accounts matching where, and every row that
// refers to them.
func deleteAccounts(ctx context.Context, tx *sql.Tx, where string, args ...any) error {
	for _, q := range []string{
		`DELETE FROM password_history WHERE account_id IN (SELECT id FROM accounts WHERE ` + where + `)`,
		`DELETE FROM failures WHERE account_id IN (SELECT id FROM accounts WHERE ` + where + `)`,
		`DELETE FROM accounts WHERE ` + where,
	} {
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("removing accounts the central store no longer has: %w", err)
		}
	}
	return nil
}

// sweep removes the accounts a full walk of the feed did not meet.
func sweep(ctx context.Context, tx *sql.Tx, gen int64) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE sync_gen < ?`, gen).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting stale accounts: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	return n, deleteAccounts(ctx, tx, `sync_gen < ?`, gen)
}

// historyRows is how many password history rows one statement inserts.
const historyRows = 100

// writeHistories replaces the password history of every written account
// that has (or may have had) one. Registered accounts without history, the
// bulk of a bootstrap, are left alone.
func writeHistories(ctx context.Context, tx *sql.Tx, snaps []Snapshot, written map[string]bool, now time.Time) error {
	var names []any
	var rows []any // name, hash, set_at triples, oldest first per account
	for i := range snaps {
		s := &snaps[i]
		if !written[s.Name] || (len(s.PasswordHistory) == 0 && s.Status == policy.StatusRegistered) {
			continue
		}
		names = append(names, s.Name)
		setAt := formatTime(now)
		if s.PasswordChangedAt != nil {
			setAt = formatTime(*s.PasswordChangedAt)
		}
		for j := len(s.PasswordHistory) - 1; j >= 0; j-- {
			rows = append(rows, s.Name, s.PasswordHistory[j], setAt)
		}
	}
	for chunk := range slices.Chunk(names, historyRows) {
		q := `DELETE FROM password_history WHERE account_id IN (SELECT id FROM accounts WHERE name IN (` +
			placeholders(len(chunk)) + `))`
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return fmt.Errorf("writing pulled password history: %w", err)
		}
	}
	const row = "((SELECT id FROM accounts WHERE name = ?), ?, ?)"
	for chunk := range slices.Chunk(rows, 3*historyRows) {
		q := `INSERT INTO password_history (account_id, hash, set_at) VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)/3), ", ")
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return fmt.Errorf("writing pulled password history: %w", err)
		}
	}
	return nil
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// StartResync makes the next pull walk the whole feed from the start, as
// the first sync of a replica does; its last page removes the accounts the
// central store no longer has. Until then the station keeps serving.
func (r *Replica) StartResync(ctx context.Context, reason string) error {
	now := r.now()
	return r.writeTx(ctx, "resync", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE sync_state SET cursor = 0, epoch = '', resyncing = 0 WHERE id = 1`); err != nil {
			return fmt.Errorf("starting a full resync: %w", err)
		}
		return r.audit(ctx, tx, now, "", "resync", reason)
	})
}

// RecordPush records the central store's answers to pushed ops in one
// transaction: applied ops are delivered; rejected ones are kept with their
// reason (and an audit row) for staff, never dropped. A snapshot sent with
// an answer is written as a pulled one would be, so the replica converges
// on the central truth; epoch is the store's, and a snapshot from another
// epoch than the replica's is left for the resync to bring.
func (r *Replica) RecordPush(ctx context.Context, epoch string, results []OpResult) error {
	now := r.now()
	return r.writeTx(ctx, "sync_push", func(tx *sql.Tx) error {
		var snaps []Snapshot
		for _, res := range results {
			rejected, err := r.recordResult(ctx, tx, res, now)
			if err != nil {
				return err
			}
			if res.Snapshot != nil && (rejected || res.Outcome == OutcomeDuplicate) {
				snaps = append(snaps, *res.Snapshot)
			}
		}
		st, err := readSyncState(ctx, tx)
		if err != nil || len(snaps) == 0 || st.Epoch != epoch {
			return err
		}
		return r.writeSnapshots(ctx, tx, latestPerAccount(snaps), st.Gen, now)
	})
}

// recordResult moves one pending op to delivered or rejected.
func (r *Replica) recordResult(ctx context.Context, tx *sql.Tx, res OpResult, now time.Time) (rejected bool, err error) {
	state, reason := OpDelivered, ""
	if res.Rejected() {
		state, reason = OpRejected, res.Reason
		if reason == "" {
			reason = "refused by the central store"
		}
	}
	var account, kind string
	err = tx.QueryRowContext(ctx, `UPDATE outbox SET state = ?, reason = ?, attempts = attempts + 1
		WHERE op_id = ? AND state = 'pending' RETURNING account, kind`,
		string(state), reason, res.ID).Scan(&account, &kind)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // not ours, or recorded already
	}
	if err != nil {
		return false, fmt.Errorf("recording the central store's answer: %w", err)
	}
	if state != OpRejected {
		return false, nil
	}
	r.log.Warn("central store rejected an op", "account", account, "kind", kind, "reason", reason)
	return true, r.audit(ctx, tx, now, account, "op_rejected", kind+": "+reason)
}

// latestPerAccount keeps the newest snapshot of each account, in order.
func latestPerAccount(snaps []Snapshot) []Snapshot {
	idx := map[string]int{}
	var out []Snapshot
	for _, s := range snaps {
		if i, ok := idx[s.Name]; ok {
			if s.Seq >= out[i].Seq {
				out[i] = s
			}
			continue
		}
		idx[s.Name] = len(out)
		out = append(out, s)
	}
	return out
}

// RecordSync notes the end of a sync round: nil clears the last error and
// stamps the last sync; an error is kept for `kiosk status` and staff.
func (r *Replica) RecordSync(ctx context.Context, syncErr error) error {
	q, args := `UPDATE sync_state SET last_sync = ?, last_error = '' WHERE id = 1`, []any{formatTime(r.now())}
	if syncErr != nil {
		msg := syncErr.Error()
		if len(msg) > 500 {
			msg = msg[:500]
		}
		q, args = `UPDATE sync_state SET last_error = ? WHERE id = 1`, []any{msg}
	}
	if _, err := r.w.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("saving the sync state: %w", err)
	}
	return nil
}

// RejectedOps returns up to limit ops the central store refused, newest
// first, for staff: each keeps its reason.
func (r *Replica) RejectedOps(ctx context.Context, limit int) ([]Op, error) {
	if limit <= 0 {
		limit = 100
	}
	return readOps(ctx, r.r, `state = 'rejected' ORDER BY seq DESC LIMIT ?`, limit)
}
