package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/expressstation/kiosk/store/domain"
	"io"
	"log/slog"
	"os"
)

// Reset station (staff panel): the account data is rebuilt from its source,
// the outbox is kept whole, and the station's undelivered changes are
// applied again, so no student's change that the central store has not
// seen is lost. The replica changes in one transaction: a crash part-way
// leaves it as it was.

// ResetReport says what a reset did.
type ResetReport struct {
	Source   string // a registry file, "the demo registry" or "the central store"
	Accounts int    // accounts in the replica afterwards (0 after ResetForResync until the sync loop fetches them)
	Replayed int    // undelivered ops applied again
	Pending  int    // outbox ops not yet delivered: all kept
	Rejected int    // ops the central store refused: all kept
	BadRows  int    // registry rows skipped, as an import skips them
}

// ErrNoRegistrySource says a standalone station has never imported a registry.
var ErrNoRegistrySource = errors.New("this station has no registry to rebuild from: " +
	"import one with `kiosk --config F import REGISTRY.csv`")

// RebuildFromRegistry resets a standalone replica: every account goes back
// to what the registry recorded at the last import says (names stay as
// assigned, students new in the file are added), then the station's pending
// ops (on a standalone station, every change made here) are applied again.
//
// The registry is imported into a scratch replica beside the file first;
// only the final swap touches the replica, in one transaction.
func (r *Replica) RebuildFromRegistry(ctx context.Context) (ResetReport, error) {
	r.importMu.Lock()
	defer r.importMu.Unlock()
	st, err := readStationState(ctx, r.r)
	if err != nil {
		return ResetReport{}, err
	}
	csv, source, err := r.openRegistry(st.RegistrySource)
	if err != nil {
		return ResetReport{}, err
	}
	defer csv.Close()

	aside := r.path + ".rebuild"
	removeDBFiles(aside) // what a reset that crashed left behind
	defer removeDBFiles(aside)
	scratch, err := Open(aside, r.scratchOptions())
	if err != nil {
		return ResetReport{}, fmt.Errorf("reset: %w", err)
	}
	defer scratch.Close() // before the files are removed
	if err := r.withAttached(ctx, aside, seedScratch); err != nil {
		return ResetReport{}, err
	}
	imp, err := scratch.ImportRegistry(ctx, csv)
	if err != nil {
		return ResetReport{}, fmt.Errorf("reset: rebuilding from %s: %w", source, err)
	}
	rep := ResetReport{Source: source, BadRows: len(imp.Errors)}
	err = r.withAttached(ctx, aside, func(conn *sql.Conn) error { return r.swapIn(ctx, conn, &rep) })
	if err != nil {
		return ResetReport{}, err
	}
	r.logReset(rep)
	return rep, nil
}

// ResetForResync resets a station that has an upstream: the accounts and the
// pull cursor are cleared, so the sync loop bootstraps the replica from the
// central store again, as it does an empty one. The outbox is kept whole;
// the sync loop pushes the pending ops and replays them over what it pulls.
func (r *Replica) ResetForResync(ctx context.Context) (ResetReport, error) {
	rep := ResetReport{Source: "the central store"}
	err := r.writeTx(ctx, "reset", func(tx *sql.Tx) error {
		if err := clearAccounts(ctx, tx); err != nil {
			return err
		}
		// As StartResync: the next pull walks the whole feed and adopts the
		// store's epoch in a new generation.
		if _, err := tx.ExecContext(ctx, `UPDATE sync_state SET cursor = 0, epoch = '', resyncing = 0, last_error = ''
			WHERE id = 1`); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
		return r.finishReset(ctx, tx, &rep)
	})
	if err != nil {
		return ResetReport{}, err
	}
	r.logReset(rep)
	return rep, nil
}

// openRegistry opens the recorded registry source.
func (r *Replica) openRegistry(src string) (io.ReadCloser, string, error) {
	switch {
	case src == "":
		return nil, "", ErrNoRegistrySource
	case src == DemoRegistrySource && r.opt.DemoRegistry == nil:
		return nil, "", errors.New("this station was seeded with the demo registry, which this program was not given: " +
			"import a registry with `kiosk import`")
	case src == DemoRegistrySource:
		return io.NopCloser(bytes.NewReader(r.opt.DemoRegistry)), "the demo registry", nil
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, "", fmt.Errorf("the registry file recorded at the last import cannot be read (%w): "+
			"import the registry again with `kiosk import`", err)
	}
	return f, src, nil
}

// scratchOptions open the scratch replica: same keys, clock and naming,
// and no log (its import is not the station's).
func (r *Replica) scratchOptions() Options {
	o := r.opt
	o.Logger = slog.New(slog.DiscardHandler)
	return o
}

func removeDBFiles(path string) {
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		_ = os.Remove(p)
	}
}

// withAttached runs fn on the writer's connection with the database at path
// attached as "rebuild". Holding the only writer connection keeps every
// other write waiting until fn is done.
func (r *Replica) withAttached(ctx context.Context, path string, fn func(conn *sql.Conn) error) error {
	conn, err := r.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS rebuild`, path); err != nil {
		return fmt.Errorf("reset: opening the scratch replica %s: %w", path, err)
	}
	defer conn.ExecContext(context.Background(), `DETACH DATABASE rebuild`)
	return fn(conn)
}

// seedScratch copies every known student's registry data (not their
// account state) into the scratch replica, so the import there keeps their
// account names and only updates what the registry changed.
func seedScratch(conn *sql.Conn) error {
	const cols = `id, name, student_id, surname, given_names, department, level, category,
		completion_date, extended_until, hkid_hash, dob_hash, passport_hash, created_at, updated_at, chinese_name`
	_, err := conn.ExecContext(context.Background(),
		`INSERT INTO rebuild.accounts (`+cols+`) SELECT `+cols+` FROM main.accounts`)
	if err != nil {
		return fmt.Errorf("reset: copying the known students: %w", err)
	}
	return nil
}

// swapIn replaces the replica's accounts with the scratch replica's and
// applies the pending ops again, in one transaction.
func (r *Replica) swapIn(ctx context.Context, conn *sql.Conn, rep *ResetReport) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	defer tx.Rollback()
	if err := clearAccounts(ctx, tx); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO main.accounts SELECT * FROM rebuild.accounts`); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if rep.Replayed, err = r.replayPending(ctx, tx); err != nil {
		return err
	}
	if err := r.finishReset(ctx, tx, rep); err != nil {
		return err
	}
	if beforeCommit != nil {
		beforeCommit("reset")
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("saving the reset to the replica: %w", err)
	}
	return nil
}

// clearAccounts removes every account and what refers to it; the outbox
// and the audit are left alone.
func clearAccounts(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{`DELETE FROM main.failures`, `DELETE FROM main.password_history`, `DELETE FROM main.accounts`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	return nil
}

// replayPending applies the pending ops again to the accounts they are
// about, the way a pulled snapshot gets them (writeSnapshots), and returns
// how many ops that was.
func (r *Replica) replayPending(ctx context.Context, tx *sql.Tx) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT account, count(*) FROM main.outbox WHERE state = 'pending' GROUP BY account`)
	if err != nil {
		return 0, fmt.Errorf("reset: reading the outbox: %w", err)
	}
	counts := map[string]int{}
	for rows.Next() {
		var (
			account string
			n       int
		)
		if err := rows.Scan(&account, &n); err != nil {
			rows.Close()
			return 0, fmt.Errorf("reset: reading the outbox: %w", err)
		}
		counts[account] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reset: reading the outbox: %w", err)
	}
	var (
		snaps    []domain.Snapshot
		replayed int
	)
	for account, n := range counts {
		a, err := loadRow(ctx, tx, "name", account)
		if errors.Is(err, ErrNotFound) {
			continue // the registry no longer has the student: nothing to apply to
		}
		if err != nil {
			return 0, err
		}
		// The row's own history and change number (a reset's rebuild has
		// neither; a snapshot bootstrap has both), so the replay is written
		// over it and the history goes on.
		hist, err := historyIn(ctx, tx, a.ID)
		if err != nil {
			return 0, err
		}
		s := a.snapshot(hist)
		if err := tx.QueryRowContext(ctx, `SELECT central_seq FROM main.accounts WHERE id = ?`, a.ID).Scan(&s.Seq); err != nil {
			return 0, fmt.Errorf("reset: %w", err)
		}
		snaps = append(snaps, s)
		replayed += n
	}
	st, err := readSyncState(ctx, tx)
	if err != nil {
		return 0, err
	}
	if err := r.writeSnapshots(ctx, tx, snaps, st.Gen, r.now()); err != nil {
		return 0, fmt.Errorf("reset: applying undelivered changes again: %w", err)
	}
	return replayed, nil
}

// finishReset counts what the replica holds now and audits the reset.
func (r *Replica) finishReset(ctx context.Context, tx *sql.Tx, rep *ResetReport) error {
	err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM main.accounts),
		(SELECT count(*) FROM main.outbox WHERE state = 'pending'),
		(SELECT count(*) FROM main.outbox WHERE state = 'rejected')`).Scan(&rep.Accounts, &rep.Pending, &rep.Rejected)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	detail := fmt.Sprintf("from %s: %d accounts, %d undelivered ops applied again, %d pending and %d rejected ops kept",
		rep.Source, rep.Accounts, rep.Replayed, rep.Pending, rep.Rejected)
	return r.audit(ctx, tx, r.now(), "", AuditStaffReset, detail)
}

func (r *Replica) logReset(rep ResetReport) {
	r.log.Info("station reset", "action", AuditStaffReset, "source", rep.Source, "accounts", rep.Accounts,
		"replayed", rep.Replayed, "pending", rep.Pending, "rejected", rep.Rejected, "bad_rows", rep.BadRows)
}

// historyIn is history, read inside a transaction.
func historyIn(ctx context.Context, tx *sql.Tx, id int64) ([]string, error) {
	rows, err := tx.QueryContext(ctx,
		`SELECT hash FROM main.password_history WHERE account_id = ? ORDER BY seq DESC LIMIT ?`, id, historyLen)
	if err != nil {
		return nil, fmt.Errorf("reading password history: %w", err)
	}
	defer rows.Close()
	var hs []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("reading password history: %w", err)
		}
		hs = append(hs, h)
	}
	return hs, rows.Err()
}
