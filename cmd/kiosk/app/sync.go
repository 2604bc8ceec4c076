package app

import (
	"fmt"
	"log/slog"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/syncer"
)

// NewSyncer makes the sync loop of a station that has an upstream ([sync]
// upstream, token or token_file, ca_file, interval); nil for a standalone station.
// Nothing is sent until the caller starts it:
//
//	go s.Run(ctx)            // until ctx ends; pushes right after each local write
//	opt.Link = LinkOf(s)     // the footer's online/offline
//	opt.Sync = s.SyncOnce    // staff "Sync now" and the tape command Sync
func NewSyncer(cfg *config.Config, r *store.Replica, clk clock.Clock, logger *slog.Logger, afterRound func()) (*syncer.Syncer, error) {
	if cfg.Standalone() {
		return nil, nil
	}
	token, err := cfg.SyncToken()
	if err != nil {
		return nil, err
	}
	roots, err := cfg.SyncRootCAs()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s, err := syncer.New(r, syncer.Options{
		Upstream: cfg.Sync.Upstream, Upstreams: cfg.Sync.Upstreams, Token: token, RootCAs: roots, Interval: cfg.Sync.Interval,
		Logger: logger.With("part", "sync"), Now: clk.Now, AfterRound: afterRound, Health: stationHealth(r),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: [sync]: %w", cfg.Path, err)
	}
	return s, nil
}

// LinkOf reports a sync loop's link in the footer's terms.
func LinkOf(s *syncer.Syncer) func() kiosk.LinkState {
	return func() kiosk.LinkState {
		l := s.Link()
		return kiosk.LinkState{Mode: l.Mode, Since: l.Since}
	}
}
