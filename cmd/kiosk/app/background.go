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

// When the background jobs run. The lifecycle job runs on the station's
// clock, daily just after midnight UTC as accountd's does (registry dates
// are UTC days), so a tape's Advance runs it once a day; the delivery of
// notices is a real-time ticker (it talks to a mail server).
const (
	lifecycleAfterMidnight = 5 * time.Minute
	deliverEvery           = time.Minute
)

// startBackground starts the station's loops until ctx ends: the sync loop
// with the upstream (which also keeps the footer's link and staff's Sync now
// working), or on a standalone station the daily lifecycle job that the
// central store runs otherwise (its run at start waits until drawn is
// closed, the first frame, and closes started when done); and the delivery
// of notices. started is closed at once on a synced station.
// The loops are counted in wg so that Close can wait for them before it
// closes the replica under them.
// After each sync round the loop posts kiosk.RefreshMsg to events (dropped
// when one is already waiting), for the program to pass to the screens.
func startBackground(ctx context.Context, wg *sync.WaitGroup, cfg *config.Config, r *store.Replica,
	clk clock.Clock, logger *slog.Logger, opt *kiosk.Options, events chan<- tea.Msg, drawn <-chan struct{}, started chan<- struct{}) (syncOnce func(context.Context) error, err error) {
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
		r.SetCodeCourier(s.SendCode) // e-mail codes go through the central store (issue 19)
		wg.Go(func() { s.Run(ctx) })
		opt.Link, opt.Sync = LinkOf(s), s.SyncOnce
		syncOnce = s.SyncOnce
		close(started)
	} else {
		var first sync.Once
		daily(ctx, wg, clk, drawn, func(now time.Time) {
			runLifecycle(ctx, r, now, logger)
			first.Do(func() { close(started) })
		})
	}
	wg.Go(func() { every(ctx, deliverEvery, r.CodeSignal(), func() { deliver(ctx, r, sender, logger) }) })
	return syncOnce, nil
}

// every runs job now and then every d, and at once on a nudge, until ctx ends.
func every(ctx context.Context, d time.Duration, nudge <-chan struct{}, job func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		job()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-nudge:
		}
	}
}

// daily runs job now and then each day at lifecycleAfterMidnight UTC on
// clk, in a goroutine counted in wg, until ctx ends. The clock's callback
// hands each run to that goroutine and waits for it, and the next run is
// armed before the callback returns: so a virtual clock's Advance over many
// days runs the job once a day, each at its own time, and finds the next
// day's timer (clock.AfterFunc). The first timer is armed before daily
// returns, so an Advance right after start cannot miss it. The run "now"
// waits until first is closed (the station's first frame is drawn), so it
// never competes with it.
func daily(ctx context.Context, wg *sync.WaitGroup, clk clock.Clock, first <-chan struct{}, job func(now time.Time)) {
	type run struct {
		at   time.Time
		done chan struct{}
	}
	runs := make(chan run)
	arm := func(now time.Time) (stop func() bool) {
		return clock.AfterFunc(clk, untilNextRun(now), func(at time.Time) {
			r := run{at: at, done: make(chan struct{})}
			select {
			case runs <- r:
				<-r.done
			case <-ctx.Done():
			}
		})
	}
	now := clk.Now()
	stop := arm(now)
	wg.Go(func() {
		select {
		case <-first:
		case <-ctx.Done():
			stop()
			return
		}
		job(now)
		for {
			select {
			case <-ctx.Done():
				stop()
				return
			case r := <-runs:
				job(r.at)
				stop = arm(r.at)
				close(r.done)
			}
		}
	})
}

// untilNextRun is how long from now until the next daily run.
func untilNextRun(now time.Time) time.Duration {
	now = now.UTC()
	next := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(lifecycleAfterMidnight)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next.Sub(now)
}

// onLifecycleRun, when set (tests), is called as each lifecycle run begins.
var onLifecycleRun func()

// runLifecycle moves accounts along their lifecycle (grace, alumni,
// terminated) as at now and queues password-age reminders: the standalone
// station's share of what accountd does for synced stations.
func runLifecycle(ctx context.Context, r *store.Replica, now time.Time, logger *slog.Logger) {
	if onLifecycleRun != nil {
		onLifecycleRun()
	}
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
	// One line a day, as accountd logs its job: staff can see it ran.
	logger.Info("lifecycle job", "at", now.UTC().Format(time.RFC3339), "transitions", len(rep.Transitions),
		"notices", rep.Notices, "reminders", n)
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
