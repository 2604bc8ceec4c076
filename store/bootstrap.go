package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

// Bootstrap from a snapshot: instead of replaying every change of the feed,
// an empty (or reset) station installs a ready station replica that the
// central store built from its feed at a known cursor with this very code
// (so the schema is exactly a station's), then pulls the changes after that
// cursor as usual.

// SnapshotInfo describes a built replica snapshot.
type SnapshotInfo struct {
	Path     string // the compacted file
	Cursor   int64  // the feed's change number the snapshot holds every change up to
	Epoch    string // the central store's epoch
	SHA256   string // hex checksum of the file
	Size     int64
	Schema   int // the replica schema version (PRAGMA user_version)
	Accounts int
	// Got is the hex checksum of the file as a station downloaded it,
	// computed while it arrived, so the check need not read it again; ""
	// when unknown.
	Got string
}

// ErrBadSnapshot says a downloaded snapshot was refused; the replica is
// left as it was.
var ErrBadSnapshot = errors.New("replica snapshot refused")

// BuildSnapshot builds a station replica at dst from the change feed read
// through next (the page after a cursor, as a station pulls it), compacts
// it (VACUUM INTO) and checksums it. A half-built file never appears at dst.
func BuildSnapshot(ctx context.Context, dst string, next func(ctx context.Context, after int64) (wire.Page, error)) (SnapshotInfo, error) {
	build := dst + ".build"
	removeDBFiles(build)
	defer removeDBFiles(build)
	id, seal := make([]byte, 32), make([]byte, 32)
	rand.Read(id)
	rand.Read(seal)
	keys, err := secret.NewKeys(id, seal) // never used: the feed carries hashes and sealed secrets only
	if err != nil {
		return SnapshotInfo{}, err
	}
	r, err := Open(build, Options{Keys: keys, DeferIntegrityCheck: true, StationID: "snapshot"})
	if err != nil {
		return SnapshotInfo{}, fmt.Errorf("building a replica snapshot: %w", err)
	}
	defer r.Close()
	info := SnapshotInfo{Path: dst}
	for {
		p, err := next(ctx, info.Cursor)
		if err != nil {
			return SnapshotInfo{}, fmt.Errorf("building a replica snapshot: %w", err)
		}
		if err := r.ApplyPage(ctx, p); err != nil {
			return SnapshotInfo{}, fmt.Errorf("building a replica snapshot: %w", err)
		}
		info.Cursor, info.Epoch = p.Next, p.Epoch
		if !p.More {
			break
		}
	}
	tmp := dst + ".tmp"
	removeDBFiles(tmp)
	if _, err := r.w.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return SnapshotInfo{}, fmt.Errorf("compacting the replica snapshot: %w", err)
	}
	if err := r.w.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&info.Accounts); err != nil {
		return SnapshotInfo{}, fmt.Errorf("building a replica snapshot: %w", err)
	}
	info.Schema = SchemaVersion()                // Open migrated the file
	if err := os.Chmod(tmp, 0o600); err != nil { // password hashes and sealed 2FA keys
		return SnapshotInfo{}, fmt.Errorf("saving the replica snapshot: %w", err)
	}
	if info.SHA256, info.Size, err = fileSHA256(tmp); err != nil {
		return SnapshotInfo{}, err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return SnapshotInfo{}, fmt.Errorf("saving the replica snapshot: %w", err)
	}
	return info, nil
}

func fileSHA256(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// CheckSnapshot verifies a downloaded snapshot file: its checksum, its
// schema version and PRAGMA integrity_check. Any failure is ErrBadSnapshot.
func CheckSnapshot(ctx context.Context, path, sum string) error {
	return checkSnapshot(ctx, path, SnapshotInfo{SHA256: sum})
}

// checkSnapshot is CheckSnapshot with info.Got, when set, as the file's
// checksum.
func checkSnapshot(ctx context.Context, path string, info SnapshotInfo) error {
	got, sum := info.Got, info.SHA256
	if got == "" {
		var err error
		if got, _, err = fileSHA256(path); err != nil {
			return fmt.Errorf("%w: %v", ErrBadSnapshot, err)
		}
	}
	if !strings.EqualFold(got, sum) {
		return fmt.Errorf("%w: checksum %s, expected %s (damaged or incomplete download)", ErrBadSnapshot, got, sum)
	}
	// No mmap: it spares integrity_check about 15% of its CPU, but maps the
	// whole file into the station's resident memory while it runs.
	db, err := sql.Open("sqlite", path+"?mode=ro&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadSnapshot, err)
	}
	defer db.Close()
	var version int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSnapshot, err)
	}
	if version != SchemaVersion() {
		return fmt.Errorf("%w: schema version %d, this station has %d", ErrBadSnapshot, version, SchemaVersion())
	}
	var ok string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&ok); err != nil || ok != "ok" {
		return fmt.Errorf("%w: integrity_check: %s %v", ErrBadSnapshot, ok, err)
	}
	return nil
}

// InstallSnapshot replaces the replica's account data with a verified
// snapshot's and moves the cursor to the snapshot's, in one transaction: a
// crash leaves the old replica or the new one. The station's outbox, staff
// state and audit never leave the file, and its pending ops are applied
// again over the snapshot's accounts, as a reset does. The file at path
// is checked first (CheckSnapshot); a refused one changes nothing.
func (r *Replica) InstallSnapshot(ctx context.Context, path string, info SnapshotInfo) (ResetReport, error) {
	if err := checkSnapshot(ctx, path, info); err != nil {
		return ResetReport{}, err
	}
	return r.installCopy(ctx, path, info)
}

// installCopy is InstallSnapshot after the check.
func (r *Replica) installCopy(ctx context.Context, path string, info SnapshotInfo) (ResetReport, error) {
	r.importMu.Lock()
	defer r.importMu.Unlock()
	rep := ResetReport{Source: "a replica snapshot of the central store"}
	err := r.withAttached(ctx, path, func(conn *sql.Conn) error {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		defer tx.Rollback()
		if err := clearAccounts(ctx, tx); err != nil {
			return err
		}
		for _, q := range []string{
			`INSERT INTO main.accounts SELECT * FROM rebuild.accounts`,
			`INSERT INTO main.password_history SELECT * FROM rebuild.password_history`,
			// A lifelong alias chosen here and not yet delivered stays; the
			// store's word wins otherwise.
			`INSERT OR REPLACE INTO main.account_profiles SELECT * FROM rebuild.account_profiles`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("bootstrap: copying the snapshot: %w", err)
			}
		}
		// The snapshot's generation becomes the station's, so its rows count
		// as written by this walk. The walk is still under way (resyncing)
		// until the pull after the snapshot's cursor reaches the head: the
		// snapshot may be older than changes the feed already has, and
		// students must not meet that state (StationStatus.Bootstrapping).
		if _, err := tx.ExecContext(ctx, `UPDATE main.sync_state SET cursor = ?, epoch = ?, resyncing = 1, last_error = '',
			gen = (SELECT gen FROM rebuild.sync_state WHERE id = 1) WHERE id = 1`, info.Cursor, info.Epoch); err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		if rep.Replayed, err = r.replayPending(ctx, tx); err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM main.accounts),
			(SELECT count(*) FROM main.outbox WHERE state = 'pending'),
			(SELECT count(*) FROM main.outbox WHERE state = 'rejected')`).Scan(&rep.Accounts, &rep.Pending, &rep.Rejected)
		if err != nil {
			return fmt.Errorf("bootstrap: %w", err)
		}
		detail := fmt.Sprintf("replica snapshot at cursor %d: %d accounts, %d undelivered ops applied again, %d pending and %d rejected ops kept",
			info.Cursor, rep.Accounts, rep.Replayed, rep.Pending, rep.Rejected)
		if err := r.audit(ctx, tx, r.now(), "", "bootstrap", detail); err != nil {
			return err
		}
		if beforeCommit != nil {
			beforeCommit("bootstrap")
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("saving the snapshot to the replica: %w", err)
		}
		return nil
	})
	if err != nil {
		return ResetReport{}, err
	}
	r.log.Info("bootstrapped from a replica snapshot", "cursor", info.Cursor, "accounts", rep.Accounts,
		"replayed", rep.Replayed, "pending", rep.Pending, "rejected", rep.Rejected)
	return rep, nil
}
