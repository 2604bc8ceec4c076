package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/mail"
	"github.com/expressstation/kiosk/store/notice"
)

// The lifecycle commands (lifecycle run, extend, notices) and serve's
// background jobs: the daily lifecycle job and the delivery of notices.

// How often serve's jobs run: the lifecycle just after each UTC midnight
// (stored dates are UTC days, so a move falls due then), notices every
// minute.
const (
	dailyAfterMidnight = 5 * time.Minute
	deliverEvery       = time.Minute
)

// noticeFlags adds the flags naming what notices say, defaulting to the
// environment so an operator sets them once for every command; the result
// applies them to store options.
func noticeFlags(fs *flag.FlagSet) func(central.Options) central.Options {
	domain := fs.String("email-domain", envOr("ACCOUNTD_EMAIL_DOMAIN", central.DefaultEmailDomain),
		"the students' e-mail domain, as [station] email_domain")
	desk := fs.String("service-desk", envOr("ACCOUNTD_SERVICE_DESK", central.DefaultServiceDesk),
		"where students get help, as [station] service_desk")
	langs := fs.String("notice-languages", envOr("ACCOUNTD_NOTICE_LANGUAGES", strings.Join(notice.DefaultLanguages, ",")),
		"the languages of each notice e-mail, in order, as [notices] languages (en, zh-HK)")
	return func(o central.Options) central.Options {
		o.EmailDomain, o.ServiceDesk = *domain, *desk
		o.NoticeLanguages = strings.Split(*langs, ",")
		return o
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// smtpSender is the SMTP server notices go through, or nil (kept) when
// none is given. The login comes from the environment, never a flag (flags
// show in process lists); the password may instead be in the file
// ACCOUNTD_SMTP_PASSWORD_FILE names, as systemd's LoadCredential= gives it.
func smtpSender(addr, from string, requireTLS bool) (mail.Sender, error) {
	user, pw := os.Getenv("ACCOUNTD_SMTP_USERNAME"), os.Getenv("ACCOUNTD_SMTP_PASSWORD")
	if file := os.Getenv("ACCOUNTD_SMTP_PASSWORD_FILE"); pw == "" && file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("SMTP password (ACCOUNTD_SMTP_PASSWORD_FILE): %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	switch {
	case addr == "" && (from != "" || requireTLS):
		return nil, errors.New("--mail-from and --smtp-require-tls need --smtp HOST:PORT")
	case addr == "":
		return nil, nil
	case from == "":
		return nil, errors.New("--smtp needs --mail-from ADDR, the sender of notices")
	case (user == "") != (pw == ""):
		return nil, errors.New("set both ACCOUNTD_SMTP_USERNAME and ACCOUNTD_SMTP_PASSWORD, or neither")
	}
	return &mail.SMTP{Addr: addr, From: from, Username: user, Password: pw, RequireTLS: requireTLS}, nil
}

// startJobs runs serve's background jobs until the returned stop is called
// (or ctx ends); stop waits for them. A signal on nudge delivers notices at
// once (an e-mail code a student waits for).
func startJobs(ctx context.Context, clk clock, st central.Store, sender mail.Sender, logger *slog.Logger,
	nudge <-chan struct{}) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		daily(ctx, clk, func(now time.Time) { lifecycleJob(ctx, st, now, logger) })
	})
	wg.Go(func() {
		every(ctx, clk, deliverEvery, nudge, func() { deliver(ctx, st, sender, logger) })
	})
	return func() { cancel(); wg.Wait() }
}

// daily runs job now and then at each next run time, until ctx ends.
func daily(ctx context.Context, clk clock, job func(now time.Time)) {
	for {
		job(clk.Now())
		select {
		case <-ctx.Done():
			return
		case <-clk.After(untilNextRun(clk.Now())):
		}
	}
}

// untilNextRun is how long from now until the next daily run.
func untilNextRun(now time.Time) time.Duration {
	now = now.UTC()
	next := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).Add(dailyAfterMidnight)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next.Sub(now)
}

// every runs job now and then every d, and at once on a nudge, until ctx ends.
func every(ctx context.Context, clk clock, d time.Duration, nudge <-chan struct{}, job func()) {
	for {
		job()
		select {
		case <-ctx.Done():
			return
		case <-clk.After(d):
		case <-nudge:
		}
	}
}

// lifecycleJob is the daily job: the lifecycle moves, then the password
// reminders.
func lifecycleJob(ctx context.Context, st central.Store, now time.Time, logger *slog.Logger) {
	rep, reminders, err := runJob(ctx, st, now)
	if err != nil {
		if ctx.Err() == nil {
			logger.Error("lifecycle job failed", "err", err)
		}
		return
	}
	logger.Info("lifecycle job", "at", now.UTC().Format(time.RFC3339), "moved", len(rep.Transitions),
		"notices", rep.Notices, "reminders", reminders)
}

func runJob(ctx context.Context, st central.Store, now time.Time) (domain.LifecycleReport, int, error) {
	rep, err := st.RunLifecycle(ctx, now)
	if err != nil {
		return rep, 0, err
	}
	n, err := st.QueuePasswordReminders(ctx, now)
	return rep, n, err
}

// deliver sends pending notices, or keeps them without a mail server: a
// batch at a time for as long as whole batches go through, so the notices
// of a completion day do not wait a minute per batch.
func deliver(ctx context.Context, st central.Store, sender mail.Sender, logger *slog.Logger) {
	var total mail.Report
	for ctx.Err() == nil {
		rep, err := mail.Deliver(ctx, st, sender)
		total.Sent, total.Failed, total.Kept = total.Sent+rep.Sent, total.Failed+rep.Failed, total.Kept+rep.Kept
		if err != nil {
			if ctx.Err() == nil {
				logger.Error("notice delivery failed", "err", err)
			}
			break
		}
		if rep.Failed > 0 || rep.Sent+rep.Kept < mail.Batch {
			break
		}
	}
	if total.Sent+total.Failed+total.Kept > 0 {
		logger.Info("notices", "sent", total.Sent, "failed", total.Failed, "kept", total.Kept)
	}
}

// runLifecycle runs the daily job once, at --now or the clock's time, and
// prints the moves by kind.
func runLifecycle(ctx context.Context, clk clock, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lifecycle run", flag.ContinueOnError)
	db := fs.String("db", defaultDB, dbUsage)
	shared := sharedFlag(fs)
	nowFlag := fs.String("now", "", "run as at this time (RFC 3339, or YYYY-MM-DD for its start, UTC); default now")
	notices := noticeFlags(fs)
	if _, ok := parse(fs, args, 0, stderr); !ok {
		return 2
	}
	now, err := parseNow(*nowFlag, clk)
	if err != nil {
		return fail(stderr, 2, err)
	}
	st, err := central.Open(*db, notices(central.Options{AllowSharedFile: *shared, Now: func() time.Time { return now }}))
	if err != nil {
		return fail(stderr, 2, err)
	}
	defer st.Close()
	rep, reminders, err := runJob(ctx, st, now)
	printLifecycle(stdout, now, rep, reminders)
	if err != nil {
		return fail(stderr, 1, err)
	}
	return 0
}

// parseNow reads --now: a time in RFC 3339, or a date (its UTC midnight).
func parseNow(s string, clk clock) (time.Time, error) {
	if s == "" {
		return clk.Now(), nil
	}
	for _, layout := range []string{time.RFC3339, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--now %q: give a time as 2026-08-31T09:00:00Z or a date as 2026-08-31", s)
}

// printLifecycle prints a job's summary: the moves counted by kind.
func printLifecycle(w io.Writer, now time.Time, rep domain.LifecycleReport, reminders int) {
	fmt.Fprintf(w, "lifecycle at %s: %d accounts moved, %d notices queued, %d password reminders\n",
		now.UTC().Format(time.RFC3339), len(rep.Transitions), rep.Notices, reminders)
	counts := map[string]int{}
	for _, t := range rep.Transitions {
		counts[fmt.Sprintf("%s -> %s", t.From, t.To)]++
	}
	moves := make([]string, 0, len(counts))
	for m := range counts {
		moves = append(moves, m)
	}
	sort.Strings(moves)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, m := range moves {
		fmt.Fprintf(tw, "  %s\t%d\n", m, counts[m])
	}
	tw.Flush()
}

// runExtend records a supervisor's extension. Exit 2 for a missing or
// malformed flag, 1 when the store refuses it (and says why).
func runExtend(ctx context.Context, clk clock, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("extend", flag.ContinueOnError)
	db := fs.String("db", defaultDB, dbUsage)
	shared := sharedFlag(fs)
	untilFlag := fs.String("until", "", "the date student services end (YYYY-MM-DD)")
	reason := fs.String("reason", "", "the supervisor's justification (required)")
	notices := noticeFlags(fs)
	pos, ok := parse(fs, args, 1, stderr)
	if !ok {
		return 2
	}
	until, err := time.Parse(time.DateOnly, *untilFlag)
	if err != nil {
		return fail(stderr, 2, fmt.Errorf("extend: give --until as a date, YYYY-MM-DD (got %q)", *untilFlag))
	}
	if _, err := domain.ExtensionReason(*reason); err != nil {
		return fail(stderr, 2, fmt.Errorf("extend: --reason: %w", err))
	}
	st, err := central.Open(*db, notices(central.Options{AllowSharedFile: *shared, Now: clk.Now}))
	if err != nil {
		return fail(stderr, 2, err)
	}
	defer st.Close()
	if err := st.Extend(ctx, pos[0], until, *reason); err != nil {
		return fail(stderr, 1, fmt.Errorf("extend %s: %w", pos[0], err))
	}
	fmt.Fprintf(stdout, "%s: student services now end on %s; stations receive it at their next sync\n",
		pos[0], policy.FormatDate(until))
	return 0
}

// runNotices lists the store's notices.
func runNotices(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("notices", flag.ContinueOnError)
	db := fs.String("db", defaultDB, dbUsage)
	shared := sharedFlag(fs)
	state := fs.String("state", "", "only notices in this state: pending, sent or kept")
	limit := fs.Int("limit", 100, "at most this many (pending oldest first, others newest first)")
	asJSON := fs.Bool("json", false, "list as JSON, bodies included")
	if _, ok := parse(fs, args, 0, stderr); !ok {
		return 2
	}
	switch notice.State(*state) {
	case "", notice.Pending, notice.Sent, notice.Kept:
	default:
		return fail(stderr, 2, fmt.Errorf("notices: --state %q: say pending, sent or kept", *state))
	}
	st, err := central.Open(*db, central.Options{AllowSharedFile: *shared})
	if err != nil {
		return fail(stderr, 2, err)
	}
	defer st.Close()
	list, err := st.Notices(ctx, notice.State(*state), *limit)
	if err != nil {
		return fail(stderr, 1, err)
	}
	for i := range list {
		list[i] = notice.Masked(list[i]) // staff never read an e-mail code
	}
	if *asJSON {
		return printJSON(stdout, list)
	}
	printNotices(stdout, list)
	return 0
}

func printNotices(w io.Writer, list []notice.Notice) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tSTATE\tKIND\tACCOUNT\tTO\tSUBJECT\tLAST ERROR")
	for _, n := range list {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.CreatedAt.Local().Format(time.DateTime), n.State,
			n.Kind, n.Account, n.To, n.Subject, n.Error)
	}
	tw.Flush()
}
