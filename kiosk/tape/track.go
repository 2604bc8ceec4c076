package tape

import (
	"reflect"
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/clock"
)

// tracker counts the station's commands in flight, so the runner can wait
// after each input until the station is idle: every message handled and no
// command running except timers waiting for the virtual clock. That makes a
// store call started by Enter finish before the next line runs, so
// ExpectNot, Screen and failure reports see the same screen on every run.
type tracker struct {
	prog *tea.Program // set once the program exists, before it runs

	mu       sync.Mutex
	inflight int           // wrapped commands not finished
	blocked  int           // of those, timers waiting for the virtual clock
	gen      uint64        // bumped on every change
	changed  chan struct{} // closed and replaced on every change
}

func newTracker() *tracker {
	return &tracker{changed: make(chan struct{})}
}

func (t *tracker) add(inflight, blocked int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inflight += inflight
	t.blocked += blocked
	t.gen++
	close(t.changed)
	t.changed = make(chan struct{})
}

// idle reports whether only clock timers are running, the generation it saw
// and a channel closed at the next change.
func (t *tracker) idle() (bool, uint64, <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inflight == t.blocked, t.gen, t.changed
}

// wrap counts cmd while it runs. The wrapped command delivers its message
// itself (Bubble Tea would Send it too, just after), so the count drops only
// once the message is in the program's queue. Batches and sequences are
// unpacked so that each command inside is counted on its own.
func (t *tracker) wrap(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	t.add(1, 0)
	return func() tea.Msg {
		defer t.add(-1, 0)
		msg := cmd()
		if nested, ok := t.nested(msg); ok {
			return nested // Bubble Tea runs the (now counted) commands inside
		}
		if msg != nil {
			t.prog.Send(msg)
		}
		return nil
	}
}

var cmdType = reflect.TypeFor[tea.Cmd]()

// nested wraps the commands of a tea.BatchMsg or of Bubble Tea's unexported
// sequence message (both are slices of tea.Cmd), keeping the message's type.
func (t *tracker) nested(msg tea.Msg) (tea.Msg, bool) {
	v := reflect.ValueOf(msg)
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem() != cmdType {
		return nil, false
	}
	out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	for i := range v.Len() {
		c, _ := v.Index(i).Interface().(tea.Cmd)
		if w := t.wrap(c); w != nil {
			out.Index(i).Set(reflect.ValueOf(w))
		}
	}
	return out.Interface(), true
}

// trackedClock is the virtual clock as the station sees it: its timers are
// marked as blocked while they wait, so they do not keep the station busy.
type trackedClock struct {
	*clock.Virtual
	t *tracker
}

func (c trackedClock) Tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return c.blocked(c.Virtual.Tick(d, fn))
}

// Refresh is the footer clock's redraw timer (clock.Refresh), counted as Tick.
func (c trackedClock) Refresh(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return c.blocked(c.Virtual.Refresh(d, fn))
}

// blocked marks a timer's command as waiting for the clock while it waits.
// AfterFunc (background jobs) needs no mark: it runs inside Advance.
func (c trackedClock) blocked(cmd tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		c.t.add(0, 1)
		defer c.t.add(0, -1)
		return cmd()
	}
}
