package main

import (
	"reflect"
	"sync"
	"time"
	"unsafe"

	tea "github.com/charmbracelet/bubbletea"
)

// Bubble Tea v1 draws on a ticker at a fixed rate and compares the whole
// View with the screen at every frame, even when nothing changed: at
// stationFPS an idle menu still cost 0.3% CPU, nearly all of it those
// wake-ups (issue 17). The screen changes only after a message (a key, a
// click, a timer, a sync round), so the pacer runs the ticker at stationFPS
// from the moment a message arrives and at idleFPS once none has come for
// idleAfter: a keystroke waits at most one frame at stationFPS.
//
// Bubble Tea writes a frame to the terminal only on a tick, the first one a
// whole period after the program starts: at stationFPS the first frame
// reached the screen 83 ms after the station was ready, twice the rest of
// its start (issue 17). So the program's first message (its window size,
// at once) sets startFPS, until the first idle.
const (
	idleFPS   = 1
	idleAfter = 2 * time.Second
	startFPS  = 120 // Bubble Tea's most: the first frame within 8 ms
)

// pacer switches the renderer's frame rate. Bubble Tea has no API for the
// rate at run time, so it reaches the renderer's ticker by reflection; when
// an upgrade moves it (TestPacerFindsTheTicker fails) the station simply
// stays at stationFPS.
type pacer struct {
	mu     sync.Mutex
	p      *tea.Program
	looked bool
	reset  func(period time.Duration) // the ticker's Reset; nil: not found
	now    func() time.Time           // time.Now; tests set it
	fast   bool
	done   bool
	last   time.Time
	idle   *time.Timer
}

// filter passes every message on to next and speeds the renderer up first.
func (pc *pacer) filter(next func(tea.Model, tea.Msg) tea.Msg) func(tea.Model, tea.Msg) tea.Msg {
	return func(m tea.Model, msg tea.Msg) tea.Msg {
		pc.wake()
		return next(m, msg)
	}
}

// wake runs in the program's event loop, after the renderer has started.
func (pc *pacer) wake() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	first := !pc.looked
	if first {
		pc.looked, pc.fast = true, true
		if t := rendererTicker(pc.p); t != nil {
			pc.reset = t.Reset
		}
	}
	if pc.reset == nil || pc.done {
		return
	}
	if first {
		pc.reset(time.Second / startFPS) // the next tick draws the first frame
	}
	pc.last = pc.clock()
	if !pc.fast {
		pc.reset(time.Second / stationFPS)
		pc.fast = true
	}
	if pc.idle == nil {
		pc.idle = time.AfterFunc(idleAfter, pc.slow)
	} else {
		pc.idle.Reset(idleAfter)
	}
}

func (pc *pacer) slow() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.done {
		return
	}
	if quiet := pc.clock().Sub(pc.last); quiet < idleAfter { // a message came as the timer fired
		if pc.idle != nil {
			pc.idle.Reset(idleAfter - quiet)
		}
		return
	}
	if pc.fast {
		pc.reset(time.Second / idleFPS)
		pc.fast = false
	}
}

// stop ends the pacing once the program has ended, so that no timer
// restarts the stopped renderer's ticker.
func (pc *pacer) stop() {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	pc.done = true
	if pc.idle != nil {
		pc.idle.Stop()
	}
}

func (pc *pacer) clock() time.Time {
	if pc.now != nil {
		return pc.now()
	}
	return time.Now()
}

// rendererTicker is the standard renderer's frame ticker, or nil.
func rendererTicker(p *tea.Program) *time.Ticker {
	if p == nil {
		return nil
	}
	r := reflect.ValueOf(p).Elem().FieldByName("renderer")
	if r.Kind() != reflect.Interface || r.IsNil() || r.Elem().Kind() != reflect.Pointer {
		return nil
	}
	t := r.Elem().Elem().FieldByName("ticker")
	if !t.IsValid() || t.Type() != reflect.TypeFor[*time.Ticker]() {
		return nil
	}
	return *(**time.Ticker)(unsafe.Pointer(t.UnsafeAddr()))
}
