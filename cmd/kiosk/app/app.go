// Package app wires a station together from its configuration: keys, the
// replica, the demo seed, the log and the root model. The TUI, the tape
// runner and the status command all start a station through here, so they
// cannot drift apart.
package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	tea "github.com/charmbracelet/bubbletea"
	"sync"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/text"
	"github.com/expressstation/kiosk/store/totp"
)

// Station is a running station's parts.
type Station struct {
	Config  *config.Config
	Replica *store.Replica
	Model   *kiosk.Model
	// Root is Model as a program runs it (the TUI, the tape runner): its
	// first View releases the start-up jobs (the whole-file replica check,
	// a standalone station's lifecycle run), so they never delay the first
	// frame. Run Root, not Model.
	Root   *FirstFrame
	Logger *slog.Logger
	// SyncOnce runs one sync round with the upstream; nil when standalone.
	SyncOnce func(ctx context.Context) error
	// Events are messages from the background loops for the running
	// program to Send to the model (tea.Program.Send).
	Events  <-chan tea.Msg
	logFile io.Closer
	stop    func()         // ends background work and waits for it
	bg      sync.WaitGroup // background loops
}

// LoadConfig reads path, or the embedded default when path is "" (relative
// paths then resolve against dir).
func LoadConfig(path, dir string) (*config.Config, error) {
	if path == "" {
		return config.Parse(config.Default, "(embedded kiosk.toml)", dir)
	}
	return config.Load(path)
}

// OpenLogger opens the configured log file; with no path it logs nowhere.
// Logs never go to the terminal: the TUI owns it.
func OpenLogger(cfg *config.Config) (*slog.Logger, io.Closer, error) {
	if cfg.Log.Path == "" {
		return slog.New(slog.NewJSONHandler(io.Discard, nil)), io.NopCloser(nil), nil
	}
	f, err := OpenRotating(cfg.Log.Path, cfg.Log.MaxBytes)
	if err != nil {
		return nil, nil, err
	}
	l := slog.New(slog.NewJSONHandler(f, nil)).With("station", cfg.Station.ID)
	return l, f, nil
}

// OpenReplica loads the keys and opens the replica; an empty standalone demo
// replica is seeded with the demo registry.
func OpenReplica(cfg *config.Config, clk clock.Clock, logger *slog.Logger, deferCheck bool) (*store.Replica, error) {
	r, err := OpenReplicaOnly(cfg, clk, logger, deferCheck)
	if err != nil {
		return nil, err
	}
	if cfg.Store.SeedDemo && cfg.Standalone() {
		if err := seedDemo(context.Background(), r, clk); err != nil {
			r.Close()
			return nil, fmt.Errorf("demo registry: %w", err)
		}
	}
	return r, nil
}

// OpenReplicaOnly loads the keys and opens the replica as it is. deferCheck
// leaves the whole-file integrity check to the caller (a station's start).
func OpenReplicaOnly(cfg *config.Config, clk clock.Clock, logger *slog.Logger, deferCheck bool) (*store.Replica, error) {
	keys, err := secret.LoadKeys(secret.KeySource{
		IdentityFile: cfg.Keys.IdentityFile, SealFile: cfg.Keys.SealFile,
		IdentityEnv: cfg.Keys.IdentityEnv, SealEnv: cfg.Keys.SealEnv,
		Create: cfg.Keys.Create,
	})
	if err != nil {
		return nil, err
	}
	r, err := store.Open(cfg.Store.Path, store.Options{
		Keys: keys, StationID: cfg.Station.ID, Now: clk.Now,
		EmailDomain: cfg.Station.EmailDomain, Issuer: cfg.Station.TOTPIssuer,
		Logger: logger, StudentIDLength: cfg.Station.StudentIDLength,
		ServiceDesk: cfg.Station.ServiceDesk, AliasDomain: cfg.Station.AliasDomain,
		NoticeLanguages:     cfg.Notices.Languages,
		DeferIntegrityCheck: deferCheck, DemoRegistry: demo.Registry, Rand: SecretRand,
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// seedDemo loads the demo registry into an empty replica and activates the
// two demo accounts README documents.
func seedDemo(ctx context.Context, r *store.Replica, clk clock.Clock) error {
	// Reset station rebuilds from the demo registry unless an import said otherwise.
	if err := r.DefaultRegistrySource(ctx, store.DemoRegistrySource); err != nil {
		return err
	}
	st, err := r.Status(ctx)
	if err != nil || st.Accounts > 0 {
		return err
	}
	rep, err := r.ImportRegistry(ctx, bytes.NewReader(demo.Registry))
	if err != nil {
		return err
	}
	if len(rep.Errors) > 0 {
		return fmt.Errorf("line %d: %s", rep.Errors[0].Line, rep.Errors[0].Reason)
	}
	if _, err := r.Activate(ctx, store.Unverified(demo.ActiveAccount), demo.ActivePassword); err != nil {
		return fmt.Errorf("activate %s: %w", demo.ActiveAccount, err)
	}
	if _, err := r.Activate(ctx, store.Unverified(demo.TOTPAccount), demo.TOTPPassword); err != nil {
		return fmt.Errorf("activate %s: %w", demo.TOTPAccount, err)
	}
	// Enrol with the previous step's code so the current code stays free for
	// the first person who tries the demo.
	code, err := totp.Code(demo.TOTPSecret, totp.Step(clk.Now())-1)
	if err != nil {
		return err
	}
	if _, err = r.ConfirmTOTP(ctx, store.Enrolment{Account: demo.TOTPAccount, Secret: demo.TOTPSecret}, code); err != nil {
		return err
	}
	return r.SeedPass(ctx, demo.TOTPAccount, demo.Pass, policy.MaxPassValid)
}

// Start opens everything a station needs on clock clk.
func Start(cfg *config.Config, clk clock.Clock, dev bool) (*Station, error) {
	// Checked first: a policy text the students cannot read stops the start.
	policies, err := kiosk.LoadPolicies(cfg.Station.PolicyDir)
	if err != nil {
		return nil, fmt.Errorf("station.policy_dir: %w", err)
	}
	// The station's language parses on the other core while the replica
	// opens; the first frame needs no other (the language button's name
	// comes from text.Name), so the rest parse after it (below).
	go text.For(cfg.Station.Language)
	logger, logFile, err := OpenLogger(cfg)
	if err != nil {
		return nil, err
	}
	r, err := OpenReplica(cfg, clk, logger, true)
	if err != nil {
		logFile.Close()
		return nil, err
	}
	st := &Station{Config: cfg, Replica: r, Logger: logger, logFile: logFile}
	ctx, cancel := context.WithCancel(context.Background())
	st.stop = func() { cancel(); st.bg.Wait() }
	st.Root = &FirstFrame{drawn: make(chan struct{})}
	// quick_check reads the whole file: run it after the first frame and
	// after a standalone station's lifecycle run at start, one at a time, so
	// their memory (page caches, a batch) does not add up.
	started := make(chan struct{})
	go func() {
		if st.Root.wait(ctx) {
			text.Warm() // a student's first language switch does not wait for a parse
		}
	}()
	st.bg.Go(func() {
		if !st.Root.wait(ctx) {
			return
		}
		select {
		case <-started:
		case <-ctx.Done():
			return
		}
		if err := r.CheckIntegrity(ctx); err != nil && ctx.Err() == nil {
			logger.Error("replica integrity check failed", "err", err)
		}
	})
	opt := ModelOptions(cfg, r, clk, dev)
	opt.Policies = policies
	events := make(chan tea.Msg, 1)
	st.Events = events
	if st.SyncOnce, err = startBackground(ctx, &st.bg, cfg, r, clk, logger, &opt, events, st.Root.drawn, started); err != nil {
		st.stop()
		r.Close()
		logFile.Close()
		return nil, err
	}
	st.Model = kiosk.New(opt)
	st.Root.Model = st.Model
	logger.Info("station started", "standalone", cfg.Standalone())
	return st, nil
}

// ModelOptions maps the configuration onto the root model's options. Staff
// mode is on when accounts also answers staff requests (the replica does).
// Link and Sync are set by the sync loop (startBackground) when there is one.
func ModelOptions(cfg *config.Config, accounts kiosk.Accounts, clk clock.Clock, dev bool) kiosk.Options {
	s := cfg.Station
	staff, _ := accounts.(kiosk.Staff)
	return kiosk.Options{
		Accounts: accounts, Clock: clk,
		Institution: s.Institution, ServiceName: s.ServiceName,
		StationID: s.ID, StationName: s.Name,
		IdleTimeout: s.IdleTimeout, ServiceDesk: s.ServiceDesk, ServiceDeskIn: s.ServiceDeskIn,
		StudentIDLength: s.StudentIDLength, AliasDomain: s.AliasDomain, Language: s.Language, Dev: dev,
		ResetNeedsSecondFactor: s.ResetNeedsSecondFactor,
		Staff:                  staff, StaffKey: cfg.Staff.Key, StaffPINHash: cfg.Staff.PINHash, Version: Version(),
	}
}

// Close releases the replica and the log.
func (s *Station) Close() error {
	s.stop()
	s.Logger.Info("station stopped")
	return errors.Join(s.Replica.Close(), s.logFile.Close())
}

// FirstFrame is the station's root model that tells when its first frame
// was drawn.
type FirstFrame struct {
	*kiosk.Model
	once  sync.Once
	drawn chan struct{}
}

// Update passes msg on; the root model always returns itself.
func (f *FirstFrame) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := f.Model.Update(msg)
	return f, cmd
}

// View draws the frame, and marks the first as drawn.
func (f *FirstFrame) View() string {
	v := f.Model.View()
	f.once.Do(func() { close(f.drawn) })
	return v
}

// wait waits for the first frame; false if ctx ended first.
func (f *FirstFrame) wait(ctx context.Context) bool {
	select {
	case <-f.drawn:
		return true
	case <-ctx.Done():
		return false
	}
}
