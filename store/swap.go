package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// Installing a snapshot by moving its file into the replica's place: the
// station's own tables (outbox, audit, staff and sync state, ...) are
// copied INTO the downloaded snapshot, which then replaces the replica's
// file by rename. That costs what the station's own rows cost, not a
// transaction over 100,000 accounts and their indexes (issue 17).
//
// The rename is safe only while no connection has the old file open, so
// the replica holds every connection of both pools and keeps its gate shut
// (no pool opens a new one) from the copy to the rename; afterwards the
// pools open the new file. A replica that cannot be held that way soon (a
// long read, a write waiting for a read) gets the copy in one transaction
// instead (installCopy).

// holdWait is how long MoveInSnapshot waits for every connection before it
// installs by copying instead.
var holdWait = 2 * time.Second

// swapStep, when set (only by tests), runs at each step of a move: the
// crash tests kill the process there.
var swapStep func(step string)

func step(name string) {
	if swapStep != nil {
		swapStep(name)
	}
}

// MoveInSnapshot installs a downloaded snapshot as InstallSnapshot does,
// with the same result, but moves the file at path into the replica's
// place instead of copying its rows: path must be the station's own
// download, in the replica's directory, and is used up unless the snapshot
// is refused (ErrBadSnapshot). A crash at any step leaves the old replica
// or the new one whole.
func (r *Replica) MoveInSnapshot(ctx context.Context, path string, info SnapshotInfo) (ResetReport, error) {
	if err := checkSnapshot(ctx, path, info); err != nil {
		return ResetReport{}, err
	}
	if filepath.Dir(filepath.Clean(path)) != filepath.Dir(filepath.Clean(r.path)) {
		return r.installCopy(ctx, path, info) // a rename across file systems is a copy
	}
	r.importMu.Lock()
	held, err := r.holdAll(ctx)
	if err != nil {
		r.importMu.Unlock()
		r.log.Info("replica busy: installing the snapshot by copying", "err", err)
		return r.installCopy(ctx, path, info)
	}
	defer r.importMu.Unlock()
	r.gate.Lock()
	defer r.gate.Unlock()
	rep, err := r.mergeAndCheckpoint(ctx, held[0], path, info)
	for _, c := range held {
		// ErrBadConn makes the pool close the connection for good: the next
		// one opens the replica's file as it is then. All are closed before
		// the rename, so none has the old file open under the new name.
		c.Raw(func(any) error { return driver.ErrBadConn })
		c.Close()
	}
	if err != nil {
		return ResetReport{}, err
	}
	// The WAL is empty (checkpointed) and no connection is open: an old WAL
	// can never be read over the new file.
	if st, err := os.Stat(r.path + "-wal"); err == nil && st.Size() == 0 {
		os.Remove(r.path + "-wal")
	}
	step("closed")
	if err := os.Rename(path, r.path); err != nil {
		return ResetReport{}, fmt.Errorf("bootstrap: moving the snapshot into place: %w", err)
	}
	step("moved")
	if err := syncDir(filepath.Dir(r.path)); err != nil {
		r.log.Warn("snapshot installed, but its directory was not synced", "err", err)
	}
	r.log.Info("bootstrapped from a replica snapshot (moved in)", "cursor", info.Cursor, "accounts", rep.Accounts,
		"replayed", rep.Replayed, "pending", rep.Pending, "rejected", rep.Rejected)
	return rep, nil
}

// holdAll takes the writer's connection and every reader's, so that no
// statement runs on the replica until they are released; it gives up after
// holdWait.
func (r *Replica) holdAll(ctx context.Context) ([]*sql.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, holdWait)
	defer cancel()
	var held []*sql.Conn
	for i := range 1 + readers {
		db := r.r
		if i == 0 {
			db = r.w
		}
		c, err := db.Conn(ctx)
		if err != nil {
			for _, c := range held {
				c.Close()
			}
			return nil, err
		}
		held = append(held, c)
	}
	return held, nil
}

// mergeAndCheckpoint copies the station's tables into the snapshot at path
// and empties the replica's WAL into its file on w, the writer's held
// connection.
func (r *Replica) mergeAndCheckpoint(ctx context.Context, w *sql.Conn, path string, info SnapshotInfo) (ResetReport, error) {
	// A crash part-way through the copy leaves a hot journal beside the
	// download; without the ETag the next round downloads it again whole.
	os.Remove(path + ".etag")
	rep, err := r.mergeInto(ctx, path, info)
	if err != nil {
		return ResetReport{}, err
	}
	step("merged")
	var busy, logged, moved int
	err = w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &moved)
	if err == nil && (busy != 0 || logged != moved) {
		err = errors.New("another process is reading the replica") // kiosk status, say
	}
	if err != nil {
		return ResetReport{}, fmt.Errorf("bootstrap: emptying the replica's WAL: %w", err)
	}
	return rep, nil
}

// mergeInto makes the snapshot at path what InstallSnapshot makes of the
// replica: the snapshot's accounts, password history and profiles (the
// replica's undelivered profiles kept), every other table the replica's
// own (failures dropped, as a reset does), the cursor the snapshot's, the
// pending ops applied again and the bootstrap audited; in WAL mode, synced.
func (r *Replica) mergeInto(ctx context.Context, path string, info SnapshotInfo) (rep ResetReport, err error) {
	c, err := sqlite.NewConnector(path + "?_pragma=synchronous(FULL)&_pragma=foreign_keys(0)&_txlock=immediate")
	if err != nil {
		return rep, err
	}
	db := sql.OpenDB(c)
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return rep, fmt.Errorf("bootstrap: opening the snapshot: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS live`, r.path); err != nil {
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	defer tx.Rollback()
	var gen int64
	if err := tx.QueryRowContext(ctx, `SELECT gen FROM main.sync_state WHERE id = 1`).Scan(&gen); err != nil {
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	tables, err := liveTables(ctx, tx)
	if err != nil {
		return rep, err
	}
	for _, t := range tables {
		var qs []string
		cols := strings.Join(t.cols, ", ")
		copyRows := `INSERT INTO main.` + t.name + ` (` + cols + `) SELECT ` + cols + ` FROM live.` + t.name
		switch t.name {
		case "accounts", "password_history":
		case "failures":
			qs = []string{`DELETE FROM main.failures`}
		case "account_profiles": // the store's word wins; an undelivered alias stays
			qs = []string{`INSERT OR IGNORE INTO main.account_profiles (` + cols + `) SELECT ` + cols + ` FROM live.account_profiles`}
		default:
			qs = []string{`DELETE FROM main.` + t.name, copyRows}
		}
		for _, q := range qs {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return rep, fmt.Errorf("bootstrap: keeping the station's %s: %w", t.name, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE main.sync_state SET cursor = ?, epoch = ?, resyncing = 1, last_error = '', gen = ?
		WHERE id = 1`, info.Cursor, info.Epoch, gen); err != nil {
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	rep.Source = "a replica snapshot of the central store"
	if rep.Replayed, err = r.replayPending(ctx, tx); err != nil {
		return rep, err
	}
	err = tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM main.accounts),
		(SELECT count(*) FROM main.outbox WHERE state = 'pending'),
		(SELECT count(*) FROM main.outbox WHERE state = 'rejected')`).Scan(&rep.Accounts, &rep.Pending, &rep.Rejected)
	if err != nil {
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	detail := fmt.Sprintf("replica snapshot at cursor %d: %d accounts, %d undelivered ops applied again, %d pending and %d rejected ops kept",
		info.Cursor, rep.Accounts, rep.Replayed, rep.Pending, rep.Rejected)
	if err := r.audit(ctx, tx, r.now(), "", "bootstrap", detail); err != nil {
		return rep, err
	}
	if beforeCommit != nil {
		beforeCommit("bootstrap")
	}
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("bootstrap: saving the snapshot: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `DETACH DATABASE live`); err != nil {
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	// The replica's journal mode, set in the file, so that no pool has to
	// change it under its readers.
	if _, err := conn.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	conn.Close()
	if err := db.Close(); err != nil { // the last connection empties the WAL into the file
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	if err := syncFile(path); err != nil {
		return rep, fmt.Errorf("bootstrap: %w", err)
	}
	return rep, nil
}

type table struct {
	name string
	cols []string
}

// liveTables lists the replica's tables and their columns.
func liveTables(ctx context.Context, tx *sql.Tx) ([]table, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.name, p.name FROM live.sqlite_schema m, pragma_table_info(m.name, 'live') p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid`)
	if err != nil {
		return nil, fmt.Errorf("bootstrap: reading the replica's tables: %w", err)
	}
	defer rows.Close()
	var out []table
	for rows.Next() {
		var name, col string
		if err := rows.Scan(&name, &col); err != nil {
			return nil, fmt.Errorf("bootstrap: reading the replica's tables: %w", err)
		}
		if len(out) == 0 || out[len(out)-1].name != name {
			out = append(out, table{name: name})
		}
		out[len(out)-1].cols = append(out[len(out)-1].cols, `"`+col+`"`)
	}
	return out, rows.Err()
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
