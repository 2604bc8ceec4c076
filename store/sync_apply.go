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
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/wire"
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
func (r *Replica) ApplyPage(ctx context.Context, p wire.Page) error {
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
func checkPage(p wire.Page) error {
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
func (r *Replica) writeSnapshots(ctx context.Context, tx *sql.Tx, snaps []domain.Snapshot, gen int64, now time.Time) error {
	if len(snaps) == 0 {
		return nil
	}
	rebased, err := rebase(ctx, tx, snaps)
	if err != nil {
		return err
	}
	u := &upserter{tx: tx, gen: gen, now: formatTime(now)}
	defer u.close()
	for chunk := range slices.Chunk(rebased, upsertRows) {
		if err := u.write(ctx, chunk); err != nil {
			return err
		}
	}
	if err := writeHistories(ctx, tx, rebased, gen, now); err != nil {
		return err
	}
	return writeProfiles(ctx, tx, rebased, gen)
}

// rebase replays pending ops over the snapshots of their accounts, so a
// pulled snapshot never undoes a change the central store has not seen yet.
// A pending op that follows a refused one (Op.After, at any distance) is
// not replayed: the central store will refuse it with that one, so the
// replica takes the store's state now.
func rebase(ctx context.Context, tx *sql.Tx, snaps []domain.Snapshot) ([]domain.Snapshot, error) {
	ops, err := readOps(ctx, tx, `state = 'pending' ORDER BY seq`)
	if err != nil || len(ops) == 0 {
		return snaps, err
	}
	refused, err := refusedDeps(ctx, tx)
	if err != nil {
		return nil, err
	}
	byAccount := map[string][]domain.Op{}
	for _, op := range ops {
		if op.After != "" && refused[op.After] {
			refused[op.ID] = true // what follows it is refused too
			continue
		}
		byAccount[op.Account] = append(byAccount[op.Account], op)
	}
	out := make([]domain.Snapshot, len(snaps))
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

// refusedDeps is the set of refused ops that a pending op follows.
func refusedDeps(ctx context.Context, tx *sql.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT op_id FROM outbox WHERE state = 'rejected'
		AND op_id IN (SELECT after_op FROM outbox WHERE state = 'pending' AND after_op <> '')`)
	if err != nil {
		return nil, fmt.Errorf("reading refused ops: %w", err)
	}
	defer rows.Close()
	refused := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("reading refused ops: %w", err)
		}
		refused[id] = true
	}
	return refused, rows.Err()
}

// upsertRows is how many snapshots one statement writes.
const upsertRows = 64

var upsertColumns = []string{"name", "student_id", "surname", "given_names", "department", "level", "category",
	"completion_date", "extended_until", "status", "hkid_hash", "dob_hash", "passport_hash", "password_hash",
	"activated_at", "password_changed_at", "totp_sealed", "totp_last_step", "directory_public", "locked_until",
	"updated_at", "central_seq", "sync_gen", "created_at", "chinese_name", "pass_hash", "pass_expires", "pass_issued_by"}

// upsertSQL writes n snapshots; an existing account (by name) is updated
// unless it already holds a newer snapshot of the same generation.
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
		" WHERE excluded.central_seq >= accounts.central_seq OR excluded.sync_gen <> accounts.sync_gen"
}

var fullUpsertSQL = upsertSQL(upsertRows)

func snapshotArgs(args []any, s *domain.Snapshot, gen int64, now string) []any {
	return append(args, s.Name, s.StudentID, s.Surname, s.GivenNames, s.Department, string(s.Level),
		string(s.Category), nullString(s.CompletionDate), nullString(s.ExtendedUntil), string(s.Status),
		nullBlob(s.HKIDHash), nullBlob(s.DOBHash), nullBlob(s.PassportHash), nullString(s.PasswordHash),
		timeArg(s.ActivatedAt), timeArg(s.PasswordChangedAt), nullBlob(s.TOTPSealed), s.TOTPLastStep,
		s.DirectoryPublic, timeArg(s.LockedUntil), now, s.Seq, gen, now, s.ChineseName,
		s.PassHash, timeArg(s.PassExpires), s.PassIssuedBy)
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return nullTime(*t)
}

// upserter writes snapshots in one transaction, upsertRows to a statement;
// the statement for a full chunk is prepared once (preparing a statement of
// this size costs more than running it).
type upserter struct {
	tx   *sql.Tx
	full *sql.Stmt
	gen  int64
	now  string
	args []any // reused from chunk to chunk: a bootstrap writes thousands
}

func (u *upserter) close() {
	if u.full != nil {
		u.full.Close()
	}
}

// write writes up to upsertRows snapshots in one statement. When a student
// id is held by another account name (a stale account from before a
// resync), the chunk is written row by row, removing the stale account.
func (u *upserter) write(ctx context.Context, chunk []domain.Snapshot) error {
	args := u.args[:0]
	for i := range chunk {
		args = snapshotArgs(args, &chunk[i], u.gen, u.now)
	}
	u.args = args
	err := u.run(ctx, len(chunk), args)
	if err == nil || !strings.Contains(err.Error(), "accounts.student_id") {
		return wrapSyncWrite(err)
	}
	for i := range chunk {
		if err := removeStale(ctx, u.tx, chunk[i].StudentID, chunk[i].Name); err != nil {
			return err
		}
		if err := u.run(ctx, 1, snapshotArgs(nil, &chunk[i], u.gen, u.now)); err != nil {
			return wrapSyncWrite(err)
		}
	}
	return nil
}

// run executes the upsert for n snapshots.
func (u *upserter) run(ctx context.Context, n int, args []any) error {
	if n != upsertRows {
		_, err := u.tx.ExecContext(ctx, upsertSQL(n), args...)
		return err
	}
	if u.full == nil {
		var err error
		if u.full, err = u.tx.PrepareContext(ctx, fullUpsertSQL); err != nil {
			return err
		}
	}
	_, err := u.full.ExecContext(ctx, args...)
	return err
}

func wrapSyncWrite(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("writing pulled accounts: %w", err)
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

// writeHistories replaces the password history of every account written
// from one of these snapshots (an older snapshot that was skipped leaves
// the history alone: the account's central_seq tells). Registered accounts
// without history, the bulk of a bootstrap, are left alone.
func writeHistories(ctx context.Context, tx *sql.Tx, snaps []domain.Snapshot, gen int64, now time.Time) error {
	var ids, rows []any // (name, seq, gen) triples; (name, seq, gen, hash, set_at) oldest first
	for i := range snaps {
		s := &snaps[i]
		if len(s.PasswordHistory) == 0 && s.Status == policy.StatusRegistered {
			continue
		}
		ids = append(ids, s.Name, s.Seq, gen)
		setAt := formatTime(now)
		if s.PasswordChangedAt != nil {
			setAt = formatTime(*s.PasswordChangedAt)
		}
		for j := len(s.PasswordHistory) - 1; j >= 0; j-- {
			rows = append(rows, s.Name, s.Seq, gen, s.PasswordHistory[j], setAt)
		}
	}
	if err := execChunks(ctx, tx, ids, 3, deleteHistorySQL); err != nil {
		return fmt.Errorf("writing pulled password history: %w", err)
	}
	if err := execChunks(ctx, tx, rows, 5, insertHistorySQL); err != nil {
		return fmt.Errorf("writing pulled password history: %w", err)
	}
	return nil
}

// historyAccount finds the account a pulled snapshot wrote (name, seq, gen).
const historyAccount = `SELECT id FROM accounts WHERE name = ? AND central_seq = ? AND sync_gen = ?`

// deleteHistorySQL clears the history of n accounts (3 arguments each).
func deleteHistorySQL(n int) string {
	return `DELETE FROM password_history WHERE account_id IN (` +
		strings.TrimSuffix(strings.Repeat(historyAccount+" UNION ALL ", n), " UNION ALL ") + `)`
}

// insertHistorySQL writes n history rows (5 arguments each).
func insertHistorySQL(n int) string {
	const row = "((" + historyAccount + "), ?, ?)"
	return `INSERT INTO password_history (account_id, hash, set_at) SELECT * FROM (VALUES ` +
		strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + `) WHERE column1 IS NOT NULL`
}

// execChunks runs the statement query(n) over args, historyRows rows of width
// arguments at a time. The full-size statement (a 100-way UNION ALL or
// VALUES list) is prepared once per call, not once per chunk; only a
// shorter last chunk gets its own.
func execChunks(ctx context.Context, tx *sql.Tx, args []any, width int, query func(n int) string) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	for chunk := range slices.Chunk(args, width*historyRows) {
		if len(chunk) < width*historyRows {
			if _, err := tx.ExecContext(ctx, query(len(chunk)/width), chunk...); err != nil {
				return err
			}
			continue
		}
		if full == nil {
			var err error
			if full, err = tx.PrepareContext(ctx, query(historyRows)); err != nil {
				return err
			}
		}
		if _, err := full.ExecContext(ctx, chunk...); err != nil {
			return err
		}
	}
	return nil
}

// writeProfiles keeps account_profiles (alias, personal e-mail, display
// name) as the written snapshots say. The store's word on an alias wins: an
// account here holding it (a choice the store will refuse) lets go of it.
// An alias is for life, so a snapshot without one never clears it; a
// personal e-mail or a display name it does.
func writeProfiles(ctx context.Context, tx *sql.Tx, snaps []domain.Snapshot, gen int64) error {
	withEmail := map[string]bool{}
	rows, err := tx.QueryContext(ctx, `SELECT account FROM account_profiles WHERE personal_email IS NOT NULL OR display_name IS NOT NULL`)
	if err != nil {
		return fmt.Errorf("writing pulled profiles: %w", err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		withEmail[n] = true
	}
	rows.Close()
	for i := range snaps {
		s := &snaps[i]
		if s.Alias == "" && s.PersonalEmail == "" && s.DisplayName == "" && !withEmail[s.Name] {
			continue
		}
		const written = `EXISTS (SELECT 1 FROM accounts WHERE name = ?1 AND central_seq = ?4 AND sync_gen = ?5)`
		if _, err := tx.ExecContext(ctx, `UPDATE account_profiles SET alias = NULL, alias_full_name = 0
			WHERE alias = ?2 AND account <> ?1 AND `+written, s.Name, s.Alias, nil, s.Seq, gen); err != nil {
			return fmt.Errorf("writing pulled profiles: %w", err)
		}
		var verified any
		if s.PersonalEmailVerifiedAt != nil {
			verified = formatTime(*s.PersonalEmailVerifiedAt)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO account_profiles (account, alias, personal_email, alias_full_name, display_name, personal_email_verified_at)
			SELECT ?1, nullif(?2, ''), nullif(?3, ''), ?6, nullif(?7, ''), ?8 WHERE `+written+`
			ON CONFLICT (account) DO UPDATE SET alias = coalesce(excluded.alias, account_profiles.alias),
				alias_full_name = CASE WHEN excluded.alias IS NULL THEN account_profiles.alias_full_name ELSE excluded.alias_full_name END,
				personal_email = excluded.personal_email, display_name = excluded.display_name,
				personal_email_verified_at = excluded.personal_email_verified_at`,
			s.Name, s.Alias, s.PersonalEmail, s.Seq, gen, s.AliasFullName, s.DisplayName, verified); err != nil {
			return fmt.Errorf("writing pulled profiles: %w", err)
		}
	}
	return nil
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
func (r *Replica) RecordPush(ctx context.Context, epoch string, results []wire.OpResult) error {
	now := r.now()
	return r.writeTx(ctx, "sync_push", func(tx *sql.Tx) error {
		var snaps []domain.Snapshot
		for _, res := range results {
			rejected, err := r.recordResult(ctx, tx, res, now)
			if err != nil {
				return err
			}
			if res.Snapshot != nil && (rejected || res.Outcome == wire.OutcomeDuplicate) {
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
func (r *Replica) recordResult(ctx context.Context, tx *sql.Tx, res wire.OpResult, now time.Time) (rejected bool, err error) {
	state, reason := domain.OpDelivered, ""
	if res.Rejected() {
		state, reason = domain.OpRejected, res.Reason
		if reason == "" {
			reason = "refused by the central store"
		}
	}
	var account, kind, after string
	err = tx.QueryRowContext(ctx, `UPDATE outbox SET state = ?, reason = ?, attempts = attempts + 1
		WHERE op_id = ? AND state = 'pending' RETURNING account, kind, after_op`,
		string(state), reason, res.ID).Scan(&account, &kind, &after)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // not ours, or recorded already
	}
	if err != nil {
		return false, fmt.Errorf("recording the central store's answer: %w", err)
	}
	if state != domain.OpRejected {
		return false, nil
	}
	r.log.Warn("central store rejected an op", "account", account, "kind", kind, "reason", reason)
	if err := r.audit(ctx, tx, now, account, "op_rejected", kind+": "+reason); err != nil {
		return true, err
	}
	why, told, err := firstRefusal(ctx, tx, after, reason)
	if err != nil || told {
		return true, err
	}
	var followed bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox WHERE after_op = ?)`, res.ID).Scan(&followed); err != nil {
		return true, fmt.Errorf("recording the central store's answer: %w", err)
	}
	return true, r.queueRefusal(ctx, tx, account, domain.OpKind(kind), why, followed, now)
}

// firstRefusal follows a refused op's chain (Op.After) up through the
// ops refused before it. told reports that one of them was a change whose
// refusal the student was told of already (one notice for a visit's
// refused changes); otherwise why is the first refusal's reason, which
// says what happened better than "the change it depends on was refused".
func firstRefusal(ctx context.Context, tx *sql.Tx, after, reason string) (why string, told bool, err error) {
	why = reason
	for n := 0; after != "" && n < 32; n++ {
		var kind, state, r, up string
		err := tx.QueryRowContext(ctx, `SELECT kind, state, reason, after_op FROM outbox WHERE op_id = ?`,
			after).Scan(&kind, &state, &r, &up)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && state != string(domain.OpRejected)) {
			break
		}
		if err != nil {
			return "", false, fmt.Errorf("reading a refused op's chain: %w", err)
		}
		if domain.OpKind(kind).Refused() != "" {
			return "", true, nil
		}
		why, after = r, up
	}
	return why, false, nil
}

// queueRefusal queues the notice of a refused change, where it matters to
// the student, inside the transaction that records the refusal.
// followed says that changes of the same visit followed it (refused with it).
func (r *Replica) queueRefusal(ctx context.Context, tx *sql.Tx, account string, kind domain.OpKind, reason string, followed bool, now time.Time) error {
	what := kind.Refused()
	a, err := loadRow(ctx, tx, "name", account)
	if what == "" || errors.Is(err, ErrNotFound) || (err == nil && !a.activated()) {
		return nil
	}
	if err != nil {
		return err
	}
	subject, body := notice.ComposeRefusal(r.noticeFacts(a, now), what, reason, followed)
	return notice.Queue(ctx, tx, notice.Notice{CreatedAt: now, Account: a.Name, Kind: notice.ChangeRefused,
		To: a.noticeAddress(r.opt.EmailDomain), Subject: subject, Body: body})
}

// latestPerAccount keeps the newest snapshot of each account, in order.
func latestPerAccount(snaps []domain.Snapshot) []domain.Snapshot {
	idx := map[string]int{}
	var out []domain.Snapshot
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

// RecordUpstream records the central store URL the sync loop uses (one of
// [sync] upstream's list), for `kiosk status` and staff.
func (r *Replica) RecordUpstream(ctx context.Context, url string) error {
	if _, err := r.w.ExecContext(ctx, `INSERT INTO sync_upstream (id, url) VALUES (1, ?)
		ON CONFLICT (id) DO UPDATE SET url = excluded.url`, url); err != nil {
		return fmt.Errorf("saving the sync state: %w", err)
	}
	return nil
}

// RejectedOps returns up to limit ops the central store refused, newest
// first, for staff: each keeps its reason.
func (r *Replica) RejectedOps(ctx context.Context, limit int) ([]domain.Op, error) {
	if limit <= 0 {
		limit = 100
	}
	return readOps(ctx, r.r, `state = 'rejected' ORDER BY seq DESC LIMIT ?`, limit)
}
