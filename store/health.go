package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/store/wire"
)

// Health is what the replica knows of the station's heartbeat
// (wire.Health): the outbox backlog, the age at now of its oldest pending
// op, the cursor and the last recorded sync error. The syncer adds the
// round's own error and the app the rest.
func (r *Replica) Health(ctx context.Context, now time.Time) (wire.Health, error) {
	var (
		h      wire.Health
		oldest sql.NullString
	)
	err := r.r.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM outbox WHERE state = 'pending'),
			(SELECT count(*) FROM outbox WHERE state = 'rejected'),
			(SELECT min(created_at) FROM outbox WHERE state = 'pending'),
			cursor, last_error
		FROM sync_state WHERE id = 1`).Scan(&h.OutboxPending, &h.OutboxRejected, &oldest, &h.Cursor, &h.LastError)
	if err != nil {
		return wire.Health{}, fmt.Errorf("replica %s health: %w", r.path, err)
	}
	if t := parseTime(oldest); !t.IsZero() && now.After(t) {
		h.OldestPending = int64(now.Sub(t) / time.Second)
	}
	return h, nil
}
