package store

import (
	"database/sql"
	"time"

	"github.com/expressstation/kiosk/store/sqltime"
)

// timeLayout is how the replica stores instants: UTC, milliseconds, fixed
// width, so that text order is time order in SQL comparisons.
const timeLayout = sqltime.Layout

// dateLayout is how registry dates are stored.
const dateLayout = time.DateOnly

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTime is NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return formatTime(t)
}

// parseTime reads a stored instant; NULL or junk gives the zero time, which
// every caller treats as "never".
func parseTime(s sql.NullString) time.Time {
	if !s.Valid {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, s.String)
	if err != nil {
		return time.Time{}
	}
	return t
}

// parseDate reads a stored YYYY-MM-DD (UTC midnight); NULL gives zero.
func parseDate(s sql.NullString) time.Time {
	if !s.Valid || s.String == "" {
		return time.Time{}
	}
	t, err := time.Parse(dateLayout, s.String)
	if err != nil {
		return time.Time{}
	}
	return t
}

// nullString is NULL for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullBlob is NULL for an absent value (nil, not merely empty).
func nullBlob(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}
