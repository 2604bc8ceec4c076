package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/term"

	"github.com/expressstation/kiosk/cmd/kiosk/app"
	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/kiosk/tape"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/secret"
)

// loadConfig finds the configuration: --config, else ./kiosk.toml, else the
// embedded demo configuration with its data beside the working directory.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		if _, err := os.Stat("kiosk.toml"); err == nil {
			path = "kiosk.toml"
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	cfg, err := app.LoadConfig(path, wd)
	if err == nil && limitMemory != nil {
		limitMemory(cfg)
	}
	return cfg, err
}

// limitMemory applies the configuration's memory limit. main sets it, so
// that tests which run commands in process keep their own GC settings.
var limitMemory func(*config.Config)

// applyMemoryLimit sets [station] memory_limit as the runtime's soft limit,
// unless GOMEMLIMIT says otherwise. Without it the 19 MiB an argon2id hash
// takes doubles the GC target (GOGC) and the heap stays high long after.
func applyMemoryLimit(cfg *config.Config) {
	if cfg.Station.MemoryLimit > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(cfg.Station.MemoryLimit))
	}
}

func runTUI(configPath string, dev bool, stderr io.Writer) int {
	cfg, err := loadConfig(configPath)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 2
	}
	st, err := app.Start(cfg, clock.Real{}, dev)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 2
	}
	defer st.Close()
	pace := &pacer{}
	p := tea.NewProgram(st.Root, programOptions(pace)...)
	pace.p = p
	defer pace.stop()
	defer stopOnSignal(p, st.Logger)()
	go forwardEvents(p, st.Events)
	if _, err := p.Run(); err != nil {
		st.Logger.Error("program ended", "err", err)
		fmt.Fprintln(stderr, "kiosk:", err)
		return 1
	}
	return 0
}

// stationFPS is the renderer's frame rate. Bubble Tea compares the last
// View with what is on screen at every frame, copying it, even when nothing
// happened: at its default 60 fps an idle menu cost ~1% CPU and 0.5 MB/s of
// garbage (issue 17). The station only changes on input, timers and sync,
// and 12 fps still shows a keystroke within 85 ms. While nothing happens the
// pacer lowers it further (pace.go).
const stationFPS = 12

// programOptions are the full-screen station's Bubble Tea options; pace,
// when not nil, sees every message first.
func programOptions(pace *pacer) []tea.ProgramOption {
	filter := kiosk.Filter
	if pace != nil {
		filter = pace.filter(filter)
	}
	return []tea.ProgramOption{
		tea.WithAltScreen(),
		tea.WithMouseCellMotion(),
		tea.WithFilter(filter),
		tea.WithoutSignalHandler(), // the filter would drop its InterruptMsg: see stopOnSignal
		tea.WithFPS(stationFPS),
	}
}

// forwardEvents passes the station's background messages (a sync round
// ended) to the program; Send is a no-op once the program has ended.
func forwardEvents(p *tea.Program, events <-chan tea.Msg) {
	for m := range events {
		p.Send(m)
	}
}

// stopOnSignal turns SIGTERM and SIGINT from outside (systemctl stop, kill)
// into a ShutdownMsg, the one quit the kiosk model accepts. It returns the
// function that stops listening.
func stopOnSignal(p *tea.Program, logger *slog.Logger) func() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			logger.Info("stopping on signal", "signal", sig.String())
			p.Send(kiosk.ShutdownMsg{})
		case <-done:
		}
	}()
	return func() {
		signal.Stop(sigs)
		close(done)
	}
}

// runImport loads a registry CSV into a standalone replica. Exit 0: every row
// landed; 1: some rows were refused (the good ones landed); 2: nothing could
// be read (bad header, missing file, bad configuration).
func runImport(configPath string, args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: kiosk --config F import REGISTRY.csv")
		return 2
	}
	cfg, err := loadConfig(configPath)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 2
	}
	if !cfg.Standalone() {
		fmt.Fprintf(stderr, "kiosk: this station syncs with %s: import the registry into the central store (accountd import)\n", cfg.Sync.Upstream)
		return 2
	}
	f, err := os.Open(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 2
	}
	defer f.Close()
	r, err := openReplica(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 2
	}
	defer r.Close()
	start := time.Now()
	rep, err := r.ImportRegistry(context.Background(), f)
	for _, e := range rep.Errors {
		fmt.Fprintf(stderr, "%s:%d: %s\n", args[0], e.Line, e.Reason)
	}
	if err != nil {
		fmt.Fprintf(stderr, "kiosk: import %s: %v\n", args[0], err)
		return 2
	}
	// Reset station rebuilds a standalone replica from this file.
	if abs, err := filepath.Abs(args[0]); err == nil {
		if err := r.RecordRegistrySource(context.Background(), abs); err != nil {
			fmt.Fprintln(stderr, "kiosk:", err)
		}
	}
	fmt.Fprintf(stdout, "imported %s: %d added, %d updated, %d unchanged, %d rejected (%.1fs)\n",
		args[0], rep.Added, rep.Updated, rep.Unchanged, len(rep.Errors), time.Since(start).Seconds())
	if len(rep.Errors) > 0 {
		return 1
	}
	return 0
}

func runStatus(configPath string, args []string, stdout, stderr io.Writer) int {
	asJSON := false
	for _, a := range args {
		switch a {
		case "--json", "-json":
			asJSON = true
		default:
			fmt.Fprintln(stderr, "usage: kiosk --config F status [--json]")
			return 2
		}
	}
	cfg, err := loadConfig(configPath)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 2
	}
	r, err := openReplica(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 2
	}
	defer r.Close()
	st, err := r.StationReport(context.Background(), statusRejected)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 1
	}
	if asJSON {
		return printJSON(stdout, stderr, cfg, st)
	}
	printStatus(stdout, cfg, st)
	return 0
}

// statusRejected is how many rejected ops (newest first) status lists.
const statusRejected = 100

// statusJSON is `status --json`: the contract's numbers at the top level,
// with the figures the staff panel shows.
type statusJSON struct {
	store.StationReport
	Station string `json:"station"`
	Mode    string `json:"mode"`
	// Upstream is the central store URL in use: the one the last
	// successful sync used, else the first configured.
	Upstream  string   `json:"upstream,omitempty"`
	Upstreams []string `json:"upstreams,omitempty"` // [sync] upstream, in failover order
	Version   string   `json:"version"`
}

func printJSON(stdout, stderr io.Writer, cfg *config.Config, st store.StationReport) int {
	out := statusJSON{StationReport: st, Station: cfg.Station.ID, Mode: mode(cfg), Upstream: cfg.Sync.Upstream,
		Upstreams: cfg.Sync.Upstreams, Version: app.Version()}
	if st.Upstream != "" && !cfg.Standalone() {
		out.Upstream = st.Upstream
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 1
	}
	return 0
}

func printStatus(w io.Writer, cfg *config.Config, st store.StationReport) {
	last := "never"
	if st.LastSync != nil {
		last = st.LastSync.Local().Format(time.RFC3339)
	}
	fmt.Fprintf(w, "station         %s (%s)\n", cfg.Station.ID, mode(cfg))
	fmt.Fprintf(w, "version         %s\n", app.Version())
	fmt.Fprintf(w, "replica         %s (%d bytes, schema %d)\n", st.Path, st.DatabaseBytes, st.SchemaVersion)
	fmt.Fprintf(w, "accounts        %d\n", st.Accounts)
	fmt.Fprintf(w, "cursor          %d\n", st.Cursor)
	fmt.Fprintf(w, "last sync       %s\n", last)
	if st.LastSyncError != "" {
		fmt.Fprintf(w, "last sync error %s\n", st.LastSyncError)
	}
	fmt.Fprintf(w, "outbox pending  %d\n", st.OutboxPending)
	fmt.Fprintf(w, "outbox rejected %d\n", st.OutboxRejected)
	for _, op := range st.Rejected {
		fmt.Fprintf(w, "  %s %s %s %s: %s\n", op.CreatedAt.Local().Format(time.RFC3339), op.ID, op.Kind, op.Account, op.Reason)
	}
	maint := "off"
	if st.Maintenance {
		maint = "on (students see the out-of-service screen)"
		if st.MaintenanceSince != nil {
			maint = "on since " + st.MaintenanceSince.Local().Format(time.RFC3339)
		}
	}
	fmt.Fprintf(w, "maintenance     %s\n", maint)
	if st.StaffLockedUntil != nil {
		fmt.Fprintf(w, "staff entry     locked until %s (wrong PINs)\n", st.StaffLockedUntil.Local().Format(time.RFC3339))
	}
}

func mode(cfg *config.Config) string {
	if cfg.Standalone() {
		return "standalone"
	}
	return "synced"
}

// openReplica opens the replica for a command (no demo seeding, no log).
func openReplica(cfg *config.Config) (*store.Replica, error) {
	return app.OpenReplicaOnly(cfg, clock.Real{}, nil, false)
}

// runHashPin reads a staff PIN (twice on a terminal, without echo) and prints
// its argon2id hash for `[staff] pin_hash`.
func runHashPin(stdin io.Reader, stdout, stderr io.Writer) int {
	pin, err := readPIN(stdin, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 2
	}
	h, err := secret.HashPassword(pin)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return 1
	}
	fmt.Fprintln(stdout, h)
	return 0
}

func readPIN(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Staff PIN: ")
		a, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(a) != string(b) {
			return "", errors.New("the two PINs differ")
		}
		return checkPIN(string(a))
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return checkPIN(strings.TrimRight(line, "\r\n"))
}

func checkPIN(pin string) (string, error) {
	if len(pin) < 6 || len(pin) > 32 {
		return "", errors.New("a staff PIN has 6 to 32 characters")
	}
	for _, r := range pin {
		if r < ' ' || r == 0x7f {
			return "", errors.New("a staff PIN must not contain control characters")
		}
	}
	return pin, nil
}

// runScript runs a tape headless against the configured station.
func runScript(configPath, script string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(configPath)
	if err != nil {
		fmt.Fprintln(stdout, "station cannot start:", err)
		return tape.ExitBadInput
	}
	return tape.RunScript(context.Background(), script, stdin, app.TapeStarter(cfg), stdout)
}
