// Package tape runs headless scripts ("tapes") against the station's root
// model, so testers can drive every flow without a terminal and get a clear
// pass or fail. The language is DESIGN.md "Tapes"; README.md in this
// directory shows how to run one.
//
// The runner drives the same model the TUI runs, inside a real tea.Program
// without input, output or renderer. It sends key, mouse and size messages
// (never bytes), renders View() onto a virtual screen after every Update,
// and owns a virtual clock that only Advance moves.
package tape

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/touch"
)

// Exit codes of Run, as `kiosk --script` returns them.
const (
	ExitPass     = 0 // every command passed
	ExitFail     = 1 // an expectation failed (the output says which and shows the screen)
	ExitBadInput = 2 // the tape does not parse, or the station cannot start
)

// Defaults a tape may change with Set.
const (
	DefaultWidth   = 100
	DefaultHeight  = 30
	DefaultTimeout = 5 * time.Second
)

// Model is the station's root model (*kiosk.Model): a tea.Model that reports
// the buttons of the frame it rendered last.
type Model interface {
	tea.Model
	Buttons() []touch.Button
}

// Station is a running station as the tape needs it.
type Station struct {
	Model Model
	// Sync runs one sync round with the upstream; nil on a standalone
	// station, where the Sync command is a no-op that passes.
	Sync func(ctx context.Context) error
	// AfterSync, when set, is sent to the model after each successful Sync
	// so screens drawn from the replica (a station waiting for its first
	// accounts) refresh without waiting for a timer of the virtual clock.
	AfterSync tea.Msg
	// Events, when set, carries messages from the station's background
	// work (its sync loop) that the runner passes on to the model.
	Events <-chan tea.Msg
	// Mail, when set, is the body of the newest notice the station holds
	// for delivery (a standalone station's e-mail code): CaptureMail reads it.
	Mail func(ctx context.Context) (string, error)
	// Close releases the station (the replica); may be nil.
	Close func() error
	// Filter is the kiosk's message filter (kiosk.Filter), passed to
	// tea.WithFilter as the TUI does; may be nil.
	Filter func(tea.Model, tea.Msg) tea.Msg
}

// RunScript runs the tape at path ("-" reads stdin) and returns the exit
// code. Parse errors are printed as "path: line L, column C: reason".
func RunScript(ctx context.Context, path string, stdin io.Reader, start func(clk clock.Clock) (Station, error), out io.Writer) int {
	r, name := stdin, "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(out, "cannot open the tape: %v\n", err)
			return ExitBadInput
		}
		defer f.Close()
		r, name = f, path
	}
	t, err := Parse(r)
	if err != nil {
		fmt.Fprintf(out, "%s: %v\n", name, err)
		return ExitBadInput
	}
	if path != "-" {
		t.Dir = filepath.Dir(path)
	}
	return Run(ctx, t, start, out)
}

// Run executes the tape and returns ExitPass, ExitFail or ExitBadInput.
// start builds the station on the runner's virtual clock; it must hand the
// clock to both the model and the store, so lockouts and TOTP follow Advance.
// The output has one line per command and nothing that changes between runs
// (no timestamps, no durations measured).
func Run(ctx context.Context, t *Tape, start func(clk clock.Clock) (Station, error), out io.Writer) int {
	r := &runner{out: out, width: DefaultWidth, height: DefaultHeight,
		timeout: DefaultTimeout, vars: map[string]string{}, lineWidth: lineWidth(t), dir: t.Dir}
	if slices.ContainsFunc(t.Commands, func(c Command) bool { return c.Name == "Screenshot" }) {
		inColour()
	}
	cmds, begin := r.settings(t.Commands)
	if err := r.start(ctx, start, begin); err != nil {
		fmt.Fprintf(out, "FAIL the station cannot start: %v\n", err)
		return ExitBadInput
	}
	code := ExitFail
	err := r.send(tea.WindowSizeMsg{Width: r.width, Height: r.height})
	if err == nil && r.lang != "" { // a Set Language before the first command
		err = r.send(languageMsg(r.lang))
	}
	if err != nil {
		fmt.Fprintf(out, "FAIL the station stopped at once: %v\n", err)
	} else {
		code = r.runAll(ctx, cmds)
	}
	if err := r.stop(); err != nil && code == ExitPass {
		fmt.Fprintf(out, "FAIL closing the station: %v\n", err)
		code = ExitFail
	}
	return code
}

// settings applies the Set commands at the top of the tape, which shape the
// station before it starts (its screen size, its clock), and returns the
// rest of the tape and the time the clock starts at.
func (r *runner) settings(cmds []Command) (rest []Command, begin time.Time) {
	begin = time.Now()
	for len(cmds) > 0 && strings.HasPrefix(cmds[0].Name, "Set ") {
		if cmds[0].Name == "Set Clock" {
			begin = cmds[0].at
		}
		r.configure(cmds[0])
		r.report(cmds[0], nil)
		r.ran++
		cmds = cmds[1:]
	}
	return cmds, begin
}

func (r *runner) runAll(ctx context.Context, cmds []Command) int {
	for _, c := range cmds {
		f := r.exec(ctx, c)
		r.report(c, f)
		if f != nil {
			fmt.Fprintf(r.out, "FAIL: line %d: %s\n", c.Line, c.Source)
			return ExitFail
		}
	}
	fmt.Fprintf(r.out, "PASS: %d commands\n", r.ran)
	return ExitPass
}

// lineWidth is the width of the largest line number, to align the output.
func lineWidth(t *Tape) int {
	if len(t.Commands) == 0 {
		return 1
	}
	return len(fmt.Sprint(t.Commands[len(t.Commands)-1].Line))
}

// runner holds one run's state: the program, its host model, the clock and
// what the tape has set and captured.
type runner struct {
	out       io.Writer
	lineWidth int
	ran       int

	width, height int
	lang          string // Set Language among the leading settings
	timeout       time.Duration
	vars          map[string]string
	dir           string // where relative Screenshot files go

	clk     *clock.Virtual
	track   *tracker
	station Station
	host    *host
	prog    *tea.Program
	done    chan struct{} // closed when the program has stopped
	runErr  error
}

func (r *runner) start(ctx context.Context, start func(clock.Clock) (Station, error), begin time.Time) error {
	r.clk = clock.NewVirtual(begin)
	r.clk.OnFire(func(msg tea.Msg, handled func()) tea.Msg { return fired{msg, handled} })
	r.track = newTracker()
	st, err := start(trackedClock{r.clk, r.track})
	if err != nil {
		r.clk.Stop()
		return err
	}
	if st.Model == nil {
		r.clk.Stop()
		closeStation(st)
		return errors.New("the station has no model")
	}
	r.station = st
	r.host = newHost(st.Model, r.width, r.height, r.track)
	opts := []tea.ProgramOption{tea.WithContext(ctx), tea.WithInput(nil), tea.WithOutput(io.Discard),
		tea.WithoutRenderer(), tea.WithoutSignalHandler()}
	if st.Filter != nil {
		opts = append(opts, tea.WithFilter(quietFilter(st.Filter)))
	}
	r.prog = tea.NewProgram(r.host, opts...)
	r.track.prog = r.prog
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		_, r.runErr = r.prog.Run()
	}()
	if st.Events != nil {
		go r.forward(st.Events)
	}
	return nil
}

// forward passes the station's background messages to the model until the
// program ends.
func (r *runner) forward(events <-chan tea.Msg) {
	for {
		select {
		case m := <-events:
			r.prog.Send(m)
		case <-r.done:
			return
		}
	}
}

// stop ends the program (Kill: the kiosk filter refuses Quit), releases the
// clock's timers and closes the station.
func (r *runner) stop() error {
	r.prog.Kill()
	<-r.done
	r.clk.Stop()
	return closeStation(r.station)
}

func closeStation(st Station) error {
	if st.Close == nil {
		return nil
	}
	return st.Close()
}

// errStopped says the program is no longer running, so nothing can be sent.
var errStopped = errors.New("the station has stopped")

// send delivers msgs in order and waits until the model has handled them all.
// Only the last one draws a frame (see quiet): a 10 KB Type costs 10,240
// Updates, not 10,240 Views.
func (r *runner) send(msgs ...tea.Msg) error {
	for i, m := range msgs {
		if err := r.alive(); err != nil {
			return err
		}
		if i < len(msgs)-1 {
			m = quiet{m}
		}
		r.prog.Send(m)
	}
	return r.settle()
}

// quietFilter applies the station's filter to the message inside a quiet
// one, so the kiosk refuses a key the same whether or not more keys follow.
func quietFilter(filter func(tea.Model, tea.Msg) tea.Msg) func(tea.Model, tea.Msg) tea.Msg {
	return func(m tea.Model, msg tea.Msg) tea.Msg {
		q, ok := msg.(quiet)
		if !ok {
			return filter(m, msg)
		}
		inner := filter(m, q.msg)
		if inner == nil {
			return nil
		}
		return quiet{inner}
	}
}

// settle waits until the station is idle: every message sent so far handled
// and no command running but timers waiting for the virtual clock (see
// tracker). A station that stays busy longer than the tape's timeout is left
// running: Expect will wait for what it needs.
func (r *runner) settle() error {
	limit := time.NewTimer(r.timeout)
	defer limit.Stop()
	for {
		idle, gen, changed := r.track.idle()
		if idle {
			// Messages queued before this point are handled before the barrier.
			if err := r.barrier(); err != nil {
				return err
			}
			if again, gen2, _ := r.track.idle(); again && gen2 == gen {
				return nil
			}
			continue
		}
		select {
		case <-changed:
		case <-limit.C:
			return r.barrier()
		case <-r.done:
			return r.alive()
		case <-r.host.crashed:
			return r.alive()
		}
	}
}

// barrier waits until every message sent before it has been handled.
func (r *runner) barrier() error {
	b := make(barrier)
	r.prog.Send(b)
	select {
	case <-b:
	case <-r.done:
	case <-r.host.crashed:
	}
	return r.alive()
}

// alive reports why the station can no longer take input, if it cannot.
func (r *runner) alive() error {
	select {
	case <-r.host.crashed:
		return fmt.Errorf("the station crashed: %s", r.host.crashMessage())
	case <-r.done:
		if r.runErr != nil && !errors.Is(r.runErr, tea.ErrProgramKilled) {
			return fmt.Errorf("%w: %v", errStopped, r.runErr)
		}
		return errStopped
	default:
		return nil
	}
}
