package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"

	"github.com/expressstation/kiosk/store/central"
)

// stationView is a line of `station list`; its JSON is a contract
// (DESIGN.md "Fleet"): id, last_seen, version, lag, outbox_pending,
// outbox_rejected, maintenance, stale. Fields a station has never reported
// are null (last_seen, lag) or zero.
type stationView struct {
	ID             string     `json:"id"`
	CreatedAt      time.Time  `json:"created_at"`
	RevokedAt      *time.Time `json:"revoked_at,omitempty"`
	LastSeen       *time.Time `json:"last_seen"`
	Version        string     `json:"version"`
	Lag            *int64     `json:"lag"` // feed head − the station's cursor
	Cursor         int64      `json:"cursor"`
	OutboxPending  int        `json:"outbox_pending"`
	OutboxRejected int        `json:"outbox_rejected"`
	OldestPendingS int64      `json:"oldest_pending_s"`
	LastError      string     `json:"last_error,omitempty"`
	Maintenance    bool       `json:"maintenance"`
	FreeDisk       int64      `json:"free_disk_bytes,omitempty"`
	Stale          bool       `json:"stale"`
}

// stationViews joins each station's latest heartbeat with the feed head at
// now. A live station is stale when silent for longer than stale (counted
// from when it was added if it was never heard from); a revoked one never
// is: it is not expected to call.
func stationViews(ctx context.Context, st *central.Central, now time.Time, stale time.Duration) ([]stationView, error) {
	list, err := st.Stations(ctx)
	if err != nil {
		return nil, err
	}
	feed, err := st.Changes(ctx, math.MaxInt64, 0)
	if err != nil {
		return nil, fmt.Errorf("reading the feed head: %w", err)
	}
	var out []stationView
	for _, s := range list {
		v := stationView{ID: s.ID, CreatedAt: s.CreatedAt, RevokedAt: s.RevokedAt, LastSeen: s.LastSeen}
		heard := s.CreatedAt
		if s.LastSeen != nil {
			heard = *s.LastSeen
		}
		if h := s.Health; h != nil {
			lag := max(feed.Head-h.Cursor, 0)
			v.Version, v.Lag, v.Cursor = h.Version, &lag, h.Cursor
			v.OutboxPending, v.OutboxRejected, v.OldestPendingS = h.OutboxPending, h.OutboxRejected, h.OldestPending
			v.LastError, v.Maintenance, v.FreeDisk = h.LastError, h.Maintenance, h.FreeDisk
		}
		v.Stale = s.RevokedAt == nil && now.Sub(heard) > stale
		out = append(out, v)
	}
	return out, nil
}

func printStations(w io.Writer, list []stationView) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATION\tADDED\tSTATE\tLAST SEEN\tVERSION\tLAG\tBACKLOG\tREJECTED\tMAINTENANCE")
	for _, s := range list {
		state := "active"
		switch {
		case s.RevokedAt != nil:
			state = "revoked " + s.RevokedAt.Local().Format(time.DateTime)
		case s.Stale:
			state = "STALE"
		}
		seen, lag, maint := "never", "-", "-"
		if s.LastSeen != nil {
			seen = s.LastSeen.Local().Format(time.DateTime)
			maint = "off"
			if s.Maintenance {
				maint = "ON"
			}
		}
		if s.Lag != nil {
			lag = fmt.Sprint(*s.Lag)
		}
		version := s.Version
		if version == "" {
			version = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.ID, s.CreatedAt.Local().Format(time.DateTime),
			state, seen, version, lag, s.OutboxPending, s.OutboxRejected, maint)
	}
	tw.Flush()
}
