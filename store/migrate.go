package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
)

// applicationID marks a SQLite file as an Express Station replica ("EXST"),
// so another application's database is recognised and left alone.
const applicationID = 0x45585354

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationScript is one embedded script and the number its file name
// starts with (0014_... is 14).
type migrationScript struct {
	number int
	text   string
}

// migrations are the embedded scripts in order; migration i (from 0) moves
// the file to user_version i+1.
func migrations() ([]migrationScript, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]migrationScript, 0, len(names))
	for _, n := range names {
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var num int
		fmt.Sscanf(path.Base(n), "%d_", &num)
		out = append(out, migrationScript{number: num, text: string(b)})
	}
	return out, nil
}

// SchemaVersion is the schema version this build migrates files to.
func SchemaVersion() int {
	m, _ := migrations()
	return len(m)
}

// migrate brings the file to the current schema, one immediate transaction
// per step, each setting user_version inside it, so a crash leaves the file
// at a whole version.
func migrate(ctx context.Context, db *sql.DB, path string) error {
	steps, err := migrations()
	if err != nil {
		return fmt.Errorf("replica %s: reading embedded migrations: %w", path, err)
	}
	var appID, version, objects int
	if err := db.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return fmt.Errorf("replica %s: %w", path, err)
	}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("replica %s: %w", path, err)
	}
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
		return fmt.Errorf("replica %s: %w", path, err)
	}
	switch {
	case appID == 0 && objects > 0:
		return fmt.Errorf("replica %s is another application's SQLite database, not a station replica: choose another [store] path", path)
	case appID != 0 && appID != applicationID:
		return fmt.Errorf("replica %s belongs to another application (application_id %#x): choose another [store] path", path, appID)
	case version > len(steps):
		return fmt.Errorf("replica %s has schema version %d but this station software knows only %d: update the station software",
			path, version, len(steps))
	}
	for v := version; v < len(steps); v++ {
		if err := applyMigration(ctx, db, v+1, steps[v]); err != nil {
			return fmt.Errorf("replica %s: migration to version %d: %w", path, v+1, err)
		}
	}
	return nil
}

// addColumns are columns a migration adds when missing, by the number of
// its script (the same as its version while the scripts are numbered
// without gaps; by number, a script merged in from another branch keeps
// its columns).
// SQLite has no ADD COLUMN IF NOT EXISTS, and a migration must be able to
// run again over a file that already has its changes (a file whose
// user_version was set back), so these are added here, not in the script.
var addColumns = map[int][]struct{ table, column, decl string }{
	9: {{"accounts", "chinese_name", "TEXT NOT NULL DEFAULT ''"}},
	12: {{"accounts", "pass_hash", "TEXT NOT NULL DEFAULT ''"}, {"accounts", "pass_expires", "TEXT"},
		{"accounts", "pass_issued_by", "TEXT NOT NULL DEFAULT ''"}},
	13: {{"account_profiles", "personal_email_verified_at", "TEXT"}},
	14: {{"account_profiles", "alias_full_name", "INTEGER NOT NULL DEFAULT 0"}, {"account_profiles", "display_name", "TEXT"}},
}

func applyMigration(ctx context.Context, db *sql.DB, version int, script migrationScript) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, script.text); err != nil {
		return err
	}
	for _, c := range addColumns[script.number] {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, c.table, c.column).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 { // names and declarations are constants above, never input
			if _, err := tx.ExecContext(ctx, "ALTER TABLE "+c.table+" ADD COLUMN "+c.column+" "+c.decl); err != nil {
				return err
			}
		}
	}
	// PRAGMAs cannot take parameters; both values are integers we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return err
	}
	return tx.Commit()
}

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkFile looks at an existing file's header before SQLite does, so a
// foreign or truncated file gets a clear error rather than a late failure.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open replica %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open replica %s: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("replica %s is a directory, not a database file: set [store] path to a file", path)
	}
	if st.Size() == 0 {
		return nil // SQLite treats an empty file as a new database
	}
	var hdr [100]byte
	n, err := io.ReadFull(f, hdr[:])
	if n < len(sqliteMagic) || string(hdr[:len(sqliteMagic)]) != sqliteMagic {
		return fmt.Errorf("replica %s is not a SQLite database (damaged, or another kind of file): move it aside and start again", path)
	}
	if err != nil {
		return fmt.Errorf("replica %s is truncated (%d bytes): move it aside and import the registry again or resync it", path, st.Size())
	}
	return checkSize(path, hdr[:], st.Size())
}

// checkSize compares the page count in the header with the file's size. With
// a WAL present the header may lag behind (an interrupted checkpoint), so the
// WAL's recovery and quick_check decide instead.
func checkSize(path string, hdr []byte, size int64) error {
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > 0 {
		return nil
	}
	pageSize := int64(binary.BigEndian.Uint16(hdr[16:18]))
	if pageSize == 1 {
		pageSize = 65536
	}
	pages := int64(binary.BigEndian.Uint32(hdr[28:32]))
	changeCounter := binary.BigEndian.Uint32(hdr[24:28])
	validFor := binary.BigEndian.Uint32(hdr[92:96])
	if pageSize < 512 || pageSize&(pageSize-1) != 0 {
		return fmt.Errorf("replica %s is not a usable SQLite database (bad page size): move it aside and start again", path)
	}
	if changeCounter == validFor && pages*pageSize > size {
		return fmt.Errorf("replica %s is truncated (%d of %d bytes): move it aside and import the registry again or resync it",
			path, size, pages*pageSize)
	}
	return nil
}
