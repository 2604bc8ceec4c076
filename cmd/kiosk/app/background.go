package app

import (
	"context"
	"log/slog"

	tea "github.com/charmbracelet/bubbletea"
	"sync"
	"time"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/mail"
)

// How often the background jobs run. They are real-time tickers: a tape's
// virtual clock moves what the jobs see as "now", not how often they run.
const (
	lifecycleEvery = 24 * time.Hour
	deliverEvery   = time.Minute
)

// startBackground starts the station's loops until ctx ends: the sync loop
// with the upstream (which also keeps the footer's link and staff's Sync now
// working), or on a standalone station the daily lifecycle job that the
// central store runs otherwise; and the delivery of notices.
// The loops are counted in wg so that Close can wait for them before it
// closes the replica under them.
// After each sync round the loop posts kiosk.RefreshMsg to events (dropped
// when one is already waiting), for the program to pass to the screens.
func startBackground(ctx context.Context, wg *sync.WaitGroup, cfg *config.Config, r *store.Replica,
	clk clock.Clock, logger *slog.Logger, opt *kiosk.Options, events chan<- tea.Msg) (syncOnce func(context.Context) error, err error) {
	refresh := func() {
		select {
		case events <- kiosk.RefreshMsg{}:
		default:
		}
	}
	s, err := NewSyncer(cfg, r, clk, logger, refresh)
	if err != nil {
		return nil, err
	}
	sender, err := mailSender(cfg)
	if err != nil {
		return nil, err
	}
	if s != nil {
		wg.Go(func() { s.Run(ctx) })
		opt.Link, opt.Sync = LinkOf(s), s.SyncOnce
		syncOnce = s.SyncOnce
	} else {
		wg.Go(func() { every(ctx, lifecycleEvery, func() { runLifecycle(ctx, r, clk, logger) }) })
	}
	wg.Go(func() { every(ctx, deliverEvery, func() { deliver(ctx, r, sender, logger) }) })
	return syncOnce, nil
}

// every runs job now and then every d until ctx ends.
func every(ctx context.Context, d time.Duration, job func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		job()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runLifecycle moves accounts along their lifecycle (grace, alumni,
// terminated) and queues password-age reminders: the standalone station's
// share of what accountd does for synced stations.
func runLifecycle(ctx context.Context, r *store.Replica, clk clock.Clock, logger *slog.Logger) {
	now := clk.Now()
	rep, err := r.RunLifecycle(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			logger.Error("lifecycle run failed", "err", err)
		}
		return
	}
	n, err := r.QueuePasswordReminders(ctx, now)
	if err != nil && ctx.Err() == nil {
		logger.Error("password reminders failed", "err", err)
	}
	if len(rep.Transitions) > 0 || n > 0 {
		logger.Info("lifecycle run", "transitions", len(rep.Transitions), "notices", rep.Notices, "reminders", n)
	}
}

// deliver sends pending notices, or keeps them for staff with no mail server.
func deliver(ctx context.Context, r *store.Replica, sender mail.Sender, logger *slog.Logger) {
	rep, err := mail.Deliver(ctx, r, sender)
	if err != nil && ctx.Err() == nil {
		logger.Error("notice delivery failed", "err", err)
		return
	}
	if rep.Sent+rep.Failed+rep.Kept > 0 {
		logger.Info("notices", "sent", rep.Sent, "failed", rep.Failed, "kept", rep.Kept)
	}
}

// mailSender is the configured SMTP server, or nil to keep notices.
func mailSender(cfg *config.Config) (mail.Sender, error) {
	if cfg.Mail.Server == "" {
		return nil, nil
	}
	pw, err := cfg.MailPassword()
	if err != nil {
		return nil, err
	}
	return &mail.SMTP{Addr: cfg.Mail.Server, From: cfg.Mail.From, Username: cfg.Mail.Username,
		Password: pw, RequireTLS: cfg.Mail.RequireTLS}, nil
}
