package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/secret"
)

const defaultDB = "central.db"

// dbUsage is every command's --db.
const dbUsage = "the central store: a SQLite file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass rather than the URL)"

// sharedFlag is every command's --allow-shared-db-file: the store refuses
// a database file other users can read unless it is given.
func sharedFlag(fs *flag.FlagSet) *bool {
	return fs.Bool("allow-shared-db-file", false,
		"open the central store even if other users may read its file (it holds password hashes and sealed 2FA keys)")
}

// runServe serves the sync API until ctx ends (SIGINT or SIGTERM), then
// lets requests in flight finish. Beside it run the daily lifecycle job and
// the delivery of notices.
func runServe(ctx context.Context, clk clock, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	db := fs.String("db", defaultDB, dbUsage)
	shared := sharedFlag(fs)
	listen := fs.String("listen", "127.0.0.1:8440", "address to listen on")
	metricsListen := fs.String("metrics-listen", "", "serve Prometheus /metrics on this address (its own listener, not --listen's); none: no metrics")
	cert := fs.String("cert", "", "TLS certificate file (PEM); with --key, serve HTTPS")
	key := fs.String("key", "", "TLS private key file (PEM)")
	smtpAddr := fs.String("smtp", "", "SMTP server host:port for notices; none: notices are kept")
	mailFrom := fs.String("mail-from", "", "sender address of notices (with --smtp)")
	requireTLS := fs.Bool("smtp-require-tls", false, "send notices only over STARTTLS")
	snapDir := fs.String("snapshot-dir", "", "where the station replica snapshot is built (default: beside a SQLite --db, else the temp directory)")
	snapEvery := fs.Int64("snapshot-every", 10000, "rebuild the station replica snapshot after this many changes; 0: serve none (stations walk the feed)")
	notices := noticeFlags(fs)
	if _, ok := parse(fs, args, 0, stderr); !ok {
		return 2
	}
	if (*cert == "") != (*key == "") {
		return fail(stderr, 2, errors.New("serve: give both --cert and --key for TLS, or neither"))
	}
	sender, err := smtpSender(*smtpAddr, *mailFrom, *requireTLS)
	if err != nil {
		return fail(stderr, 2, fmt.Errorf("serve: %w", err))
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	st, err := central.Open(*db, notices(central.Options{AllowSharedFile: *shared, Logger: logger, Now: clk.Now}))
	if err != nil {
		return fail(stderr, 2, err)
	}
	defer st.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(stderr, 2, fmt.Errorf("serve: %w", err))
	}
	nudge := make(chan struct{}, 1)
	apiOpt := httpapi.Options{Logger: logger, OnCode: func() {
		select {
		case nudge <- struct{}{}: // the delivery loop sends the code now
		default:
		}
	}}
	if *snapEvery > 0 {
		dir := *snapDir
		if dir == "" && strings.Contains(*db, "://") {
			dir = filepath.Join(os.TempDir(), "accountd-snapshots")
		} else if dir == "" {
			dir = *db + ".snapshots"
		}
		sn, err := httpapi.NewSnapshots(st, dir, *snapEvery, logger)
		if err != nil {
			return fail(stderr, 2, fmt.Errorf("serve: %w", err))
		}
		apiOpt.Snapshots = sn
		snapCtx, stopSnap := context.WithCancel(ctx)
		snapDone := make(chan struct{})
		go func() { defer close(snapDone); sn.Run(snapCtx) }()
		defer func() { stopSnap(); <-snapDone }() // before the store closes
	}
	var api central.Store = st
	var handler http.Handler
	if *metricsListen != "" {
		m := newMetrics(st, clk.Now)
		api = m.wrap(st)
		mln, err := net.Listen("tcp", *metricsListen)
		if err != nil {
			ln.Close()
			return fail(stderr, 2, fmt.Errorf("serve: --metrics-listen: %w", err))
		}
		msrv := &http.Server{Handler: m.handler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: time.Minute,
			ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
		go msrv.Serve(mln)
		defer msrv.Close()
		handler = m.middleware(httpapi.New(api, apiOpt))
		logger.Info("accountd metrics", "url", "http://"+mln.Addr().String()+"/metrics")
	} else {
		handler = httpapi.New(st, apiOpt)
	}
	// Long-polls end when shutdown starts, so in-flight requests drain fast.
	base, stopRequests := context.WithCancel(context.Background())
	defer stopRequests()
	srv := &http.Server{
		BaseContext:       func(net.Listener) context.Context { return base },
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // past the longest long-poll
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if *cert != "" {
		scheme = "https"
	}
	logger.Info("accountd serving", "db", st.Backend().Name(), "url", scheme+"://"+ln.Addr().String(), "epoch", st.Epoch())
	stopJobs := startJobs(ctx, clk, api, sender, logger, nudge)
	defer stopJobs() // before the store closes
	errc := make(chan error, 1)
	go func() {
		if *cert != "" {
			errc <- srv.ServeTLS(ln, *cert, *key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fail(stderr, 1, fmt.Errorf("serve: %w", err))
	case <-ctx.Done():
	}
	stopRequests()
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		logger.Warn("shutdown", "err", err)
	}
	logger.Info("accountd stopped")
	return 0
}

// runImport loads a registry CSV. Exit 0: every row landed; 1: some rows
// were refused (the good ones landed); 2: nothing could be read.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	db := fs.String("db", defaultDB, dbUsage)
	shared := sharedFlag(fs)
	idFile := fs.String("identity-key", "", "file holding the deployment's identity HMAC key")
	sealFile := fs.String("seal-key", "", "file holding the deployment's seal key")
	create := fs.Bool("create-keys", false, "make missing key files with new random keys (a new deployment only)")
	idLen := fs.Int("student-id-length", 8, "digits in a student ID ([station] student_id_length)")
	pos, ok := parse(fs, args, 1, stderr)
	if !ok {
		return 2
	}
	keys, err := secret.LoadKeys(secret.KeySource{IdentityFile: *idFile, SealFile: *sealFile,
		IdentityEnv: "KIOSK_IDENTITY_KEY", SealEnv: "KIOSK_SEAL_KEY", Create: *create})
	if err != nil {
		return fail(stderr, 2, err)
	}
	f, err := os.Open(pos[0])
	if err != nil {
		return fail(stderr, 2, err)
	}
	defer f.Close()
	st, err := central.Open(*db, central.Options{AllowSharedFile: *shared, Keys: &keys, StudentIDLength: *idLen})
	if err != nil {
		return fail(stderr, 2, err)
	}
	defer st.Close()
	start := time.Now()
	rep, err := st.Import(ctx, f)
	for _, e := range rep.Errors {
		fmt.Fprintf(stderr, "%s:%d: %s\n", pos[0], e.Line, e.Reason)
	}
	if err != nil {
		return fail(stderr, 2, err)
	}
	fmt.Fprintf(stdout, "imported %s: %d added, %d updated, %d unchanged, %d rejected (%.1fs)\n",
		pos[0], rep.Added, rep.Updated, rep.Unchanged, len(rep.Errors), time.Since(start).Seconds())
	if len(rep.Errors) > 0 {
		return 1
	}
	return 0
}

// runStation adds, lists or revokes stations.
func runStation(ctx context.Context, clk clock, cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	db := fs.String("db", defaultDB, dbUsage)
	shared := sharedFlag(fs)
	asJSON := fs.Bool("json", false, "list as JSON")
	want := 1
	var stale *time.Duration
	if cmd == "station list" {
		want = 0
		stale = fs.Duration("stale", 10*time.Minute, "mark a live station stale when no heartbeat came for this long")
	}
	pos, ok := parse(fs, args, want, stderr)
	if !ok {
		return 2
	}
	st, err := central.Open(*db, central.Options{AllowSharedFile: *shared})
	if err != nil {
		return fail(stderr, 2, err)
	}
	defer st.Close()
	switch cmd {
	case "station add":
		token, err := st.AddStation(ctx, pos[0])
		if err != nil {
			return fail(stderr, 1, err)
		}
		fmt.Fprintf(stderr, "station %s added. Its token follows, shown this once: put it in the station's [sync] token_file.\n", pos[0])
		fmt.Fprintln(stdout, token)
	case "station revoke":
		if err := st.RevokeStation(ctx, pos[0]); err != nil {
			return fail(stderr, 1, err)
		}
		fmt.Fprintf(stdout, "station %s revoked: its token no longer works\n", pos[0])
	case "station list":
		list, err := stationViews(ctx, st, clk.Now(), *stale)
		if err != nil {
			return fail(stderr, 1, err)
		}
		if *asJSON {
			return printJSON(stdout, list)
		}
		printStations(stdout, list)
	}
	return 0
}

// printJSON prints a list as indented JSON: [] rather than null when it is
// empty, so scripts can always iterate it.
func printJSON[T any](w io.Writer, list []T) int {
	if list == nil {
		list = []T{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(list)
	return 0
}

// runMigrate copies a SQLite central store into a new PostgreSQL one,
// keeping its epoch and change numbers, so stations keep their cursors and
// tokens.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	from := fs.String("from", defaultDB, "the SQLite central store to copy")
	to := fs.String("to", "", "the PostgreSQL database to copy into (postgres://...), empty")
	shared := sharedFlag(fs)
	if _, ok := parse(fs, args, 0, stderr); !ok {
		return 2
	}
	if !central.IsPostgresURL(*to) {
		return fail(stderr, 2, errors.New("migrate: give --to a postgres:// URL"))
	}
	if central.IsPostgresURL(*from) {
		return fail(stderr, 2, errors.New("migrate: --from is a SQLite file"))
	}
	if _, err := os.Stat(*from); err != nil {
		return fail(stderr, 2, fmt.Errorf("migrate: %w", err))
	}
	start := time.Now()
	rep, err := central.CopySQLiteToPostgres(ctx, *from, *to, central.Options{AllowSharedFile: *shared})
	if err != nil {
		return fail(stderr, 1, fmt.Errorf("migrate: %w", err))
	}
	fmt.Fprintf(stdout, "copied %s: epoch %s, head %d: %d accounts, %d ops, %d stations, %d notices, %d audit rows (%.1fs)\n",
		*from, rep.Epoch, rep.Head, rep.Accounts, rep.Ops, rep.Stations, rep.Notices, rep.Audit, time.Since(start).Seconds())
	return 0
}
