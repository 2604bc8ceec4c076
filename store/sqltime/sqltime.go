// Package sqltime is how the station's replica and the central store keep
// instants in SQLite text columns: UTC, milliseconds, fixed width, so that
// text order is time order in SQL comparisons. Both stores, and the notices
// table they share (store/notice), read and write the one layout.
package sqltime

import "time"

// Layout is the stored form of an instant.
const Layout = "2006-01-02T15:04:05.000Z"

// Format is t as stored.
func Format(t time.Time) string { return t.UTC().Format(Layout) }

// Parse reads a stored instant; "" or junk gives the zero time, which every
// caller treats as "never".
func Parse(s string) time.Time {
	t, err := time.Parse(Layout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
