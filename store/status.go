package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
)

// Status reports the replica and sync figures for the footer, staff and
// `kiosk status`.
func (r *Replica) Status(ctx context.Context) (StationStatus, error) {
	st := StationStatus{Path: r.path}
	var lastSync sql.NullString
	err := r.r.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM accounts),
			(SELECT count(*) FROM outbox WHERE state = 'pending'),
			(SELECT count(*) FROM outbox WHERE state = 'rejected'),
			cursor, last_sync, last_error, coalesce((SELECT url FROM sync_upstream WHERE id = 1), ''), resyncing
		FROM sync_state WHERE id = 1`).Scan(
		&st.Accounts, &st.OutboxPending, &st.OutboxRejected, &st.Cursor, &lastSync, &st.LastSyncError, &st.Upstream,
		&st.Bootstrapping)
	if err != nil {
		return StationStatus{}, fmt.Errorf("replica %s status: %w", r.path, err)
	}
	if t := parseTime(lastSync); !t.IsZero() {
		st.LastSync = &t
	}
	if err := r.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&st.SchemaVersion); err != nil {
		return StationStatus{}, fmt.Errorf("replica %s status: %w", r.path, err)
	}
	st.DatabaseBytes = fileSize(r.path) + fileSize(r.path+"-wal")
	return st, nil
}

func fileSize(path string) int64 {
	if fi, err := os.Stat(path); err == nil {
		return fi.Size()
	}
	return 0
}
