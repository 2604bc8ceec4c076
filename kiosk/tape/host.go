package tape

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk/touch"
)

// screen is what a person would see after one Update: the frame cut to the
// virtual terminal as Bubble Tea's renderer cuts it, and its visible buttons.
type screen struct {
	width, height int
	lines         []string // ANSI-stripped, at most height lines, trailing spaces trimmed
	text          string   // lines joined with "\n", what Expect matches
	buttons       []touch.Button
	offset        int // frame lines scrolled off the top (a frame taller than the screen)
}

// barrier is sent after input: when the host sees it, every message sent
// before it has been handled.
type barrier chan struct{}

// quiet wraps an input message that more input follows at once (the keys
// of one Type but the last): the host updates the model without drawing a
// frame, as Bubble Tea's renderer, which draws at most 60 frames a second,
// would not draw one between keys that arrive together. The next message
// that is not quiet, or the barrier after the input, draws the frame.
type quiet struct{ msg tea.Msg }

// fired wraps a virtual-clock timer's message so the host can tell the clock
// once the model has handled it (clock.Virtual.OnFire).
type fired struct {
	msg     tea.Msg
	handled func()
}

// host is the tea.Model the runner's program runs: it forwards messages to
// the station's root model and, after each Update, renders the frame itself
// and publishes a snapshot. Bubble Tea runs without a renderer, so View is a
// no-op here and the root's View runs once per Update.
type host struct {
	root          Model
	width, height int
	track         *tracker

	mu      sync.Mutex
	frame   frame         // the last rendered frame
	cut     *screen       // frame cut to the screen, made when first asked for
	changed chan struct{} // closed and replaced when frame changes
	crash   string        // panic from the root model, if any
	crashed chan struct{}
	// dirty: a quiet message changed the model since the last frame (read
	// and written on the program's event loop only).
	dirty bool
}

func newHost(root Model, width, height int, track *tracker) *host {
	return &host{root: root, width: width, height: height, track: track,
		changed: make(chan struct{}), crashed: make(chan struct{})}
}

func (h *host) Init() (cmd tea.Cmd) {
	defer h.recover()
	return h.track.wrap(h.root.Init())
}

func (h *host) View() string { return "" }

// Quitting forwards the root model's answer (kiosk.Quitter), so the kiosk
// filter, which sees this host as the program's model, can still tell a quit
// the station decided on from one it must refuse. Filters run on the event
// loop, like Update, so reading root here is safe.
func (h *host) Quitting() bool {
	q, ok := h.root.(interface{ Quitting() bool })
	return ok && q.Quitting()
}

func (h *host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch m := msg.(type) {
	case barrier:
		if h.dirty && !h.isCrashed() {
			h.draw()
		}
		close(m)
		return h, nil
	case quiet:
		if h.isCrashed() {
			return h, nil
		}
		return h, h.step(m.msg, false)
	case fired:
		defer m.handled()
		if msg = m.msg; msg == nil {
			return h, nil
		}
	case tea.WindowSizeMsg:
		h.width, h.height = m.Width, m.Height
	}
	if h.isCrashed() {
		return h, nil
	}
	return h, h.step(msg, true)
}

// step updates the root model and, when draw is set, renders the frame.
func (h *host) step(msg tea.Msg, draw bool) (cmd tea.Cmd) {
	defer h.recover()
	next, cmd := h.root.Update(msg)
	root, ok := next.(Model)
	if !ok {
		panic(fmt.Sprintf("Update returned %T, which has no Buttons method", next))
	}
	h.root = root
	h.dirty = true
	if draw {
		h.render()
	}
	return h.track.wrap(cmd)
}

// draw renders the frame, recovering a panic in View as Update does.
func (h *host) draw() {
	defer h.recover()
	h.render()
}

// frame is one rendered View with its buttons, before it is cut to the screen.
type frame struct {
	view          string
	buttons       []touch.Button
	width, height int
}

// render calls View after every Update, as Bubble Tea's renderer does (the
// root records its buttons there), and publishes the frame. Cutting it to
// the screen waits until the runner looks (see current).
func (h *host) render() {
	h.dirty = false
	f := frame{view: h.root.View(), buttons: h.root.Buttons(), width: h.width, height: h.height}
	h.mu.Lock()
	h.frame, h.cut = f, nil
	close(h.changed)
	h.changed = make(chan struct{})
	h.mu.Unlock()
}

// screen cuts the frame as the standard renderer does: the last height
// lines, each truncated to width; buttons move up with the lines.
func (f frame) screen() *screen {
	lines := strings.Split(f.view, "\n")
	offset := 0
	if len(lines) > f.height {
		offset = len(lines) - f.height
		lines = lines[offset:]
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(ansi.Truncate(ansi.Strip(l), f.width, ""), " ")
	}
	s := &screen{width: f.width, height: f.height, lines: lines,
		text: strings.Join(lines, "\n"), offset: offset}
	for _, b := range f.buttons {
		b.Y -= offset
		if b.W > 0 && b.H > 0 && b.X < f.width && b.Y < f.height && b.X+b.W > 0 && b.Y+b.H > 0 {
			s.buttons = append(s.buttons, b)
		}
	}
	return s
}

// recover turns a panic in the root model into a failure the tape reports,
// instead of Bubble Tea printing a stack trace over the output.
func (h *host) recover() {
	r := recover()
	if r == nil {
		return
	}
	msg := fmt.Sprintf("panic: %v\n%s", r, stack())
	if h.dirty {
		// The report shows the last state the model reached before the
		// panic (keys of a Type that drew no frame yet), if it still draws.
		h.dirty = false
		func() {
			defer func() { recover() }()
			h.render()
		}()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.crash == "" {
		h.crash = msg
		close(h.crashed)
	}
}

// stack lists the panicking goroutine's frames without addresses or
// goroutine numbers, so the report is the same on every run.
func stack() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	var b strings.Builder
	for n := 0; n < 12; {
		f, more := frames.Next()
		if !strings.HasPrefix(f.Function, "runtime.") {
			fmt.Fprintf(&b, "%s\n\t%s:%d\n", f.Function, f.File, f.Line)
			n++
		}
		if !more {
			break
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (h *host) isCrashed() bool {
	select {
	case <-h.crashed:
		return true
	default:
		return false
	}
}

// current returns the latest screen and a channel closed when it changes.
func (h *host) current() (screen, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cut == nil {
		h.cut = h.frame.screen()
	}
	return *h.cut, h.changed
}

// rendered returns the latest frame as rendered, styles and all.
func (h *host) rendered() frame {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.frame
}

func (h *host) crashMessage() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.crash
}
