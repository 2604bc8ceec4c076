package clock

import (
	"sync"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// handoffWait bounds how long Advance waits for a fired timer to be handled
// when an acknowledger is set (see OnFire). A model that drops the command
// Tick returned would otherwise stall the tape forever.
const handoffWait = 2 * time.Second

// Virtual is a clock that moves only when Advance is called. Tapes and tests
// use it so idle timeouts, done-screen timers and TOTP steps can be driven
// without sleeping. It is safe for concurrent use: the model reads it inside
// Update, the store reads it from commands, the tape runner advances it.
type Virtual struct {
	mu      sync.Mutex
	now     time.Time
	seq     uint64
	timers  []*timer
	wrap    func(msg tea.Msg, handled func()) tea.Msg
	stopped chan struct{}
	stop    sync.Once
	fired   int
}

// timer is one armed Tick, Refresh or AfterFunc; fire is closed when Advance
// reaches its deadline (call is run instead for AfterFunc).
type timer struct {
	deadline time.Time
	seq      uint64
	refresh  bool            // Refresh: fires once, at the end of an Advance
	call     func(time.Time) // AfterFunc: run by Advance itself
	at       time.Time       // the time it fired at, set before fire closes
	fire     chan struct{}
	done     chan struct{} // closed once the model has handled the message (OnFire mode)
}

var _ Clock = (*Virtual)(nil)

// NewVirtual returns a virtual clock reading start.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start, stopped: make(chan struct{})}
}

// Now returns the clock's current time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Tick registers a timer due at Now()+d the moment it is called (inside
// Update). The returned command blocks until Advance passes the deadline, then
// delivers fn(deadline). A non-positive d is due at once. After Stop the
// command returns nil.
func (v *Virtual) Tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return v.tick(d, false, fn)
}

// Refresh is Tick for a timer that only redraws the screen (the footer's
// clock): however many of its deadlines an Advance passes, it fires once,
// after every other timer due, at the end of the Advance (fn gets that time,
// and so does Now). The screen after an Advance shows the time it ended at,
// and Advance 4800h costs one redraw instead of one a minute.
func (v *Virtual) Refresh(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return v.tick(d, true, fn)
}

func (v *Virtual) tick(d time.Duration, refresh bool, fn func(time.Time) tea.Msg) tea.Cmd {
	v.mu.Lock()
	defer v.mu.Unlock()
	if d <= 0 {
		now := v.now
		return func() tea.Msg { return fn(now) }
	}
	t := v.arm(d)
	t.refresh = refresh
	t.fire, t.done = make(chan struct{}), make(chan struct{})
	return func() tea.Msg { return v.wait(t, fn) }
}

// arm adds a timer due d from now; v.mu is held.
func (v *Virtual) arm(d time.Duration) *timer {
	v.seq++
	t := &timer{deadline: v.now.Add(max(d, 0)), seq: v.seq}
	v.timers = append(v.timers, t)
	return t
}

// AfterFunc calls f in Advance's goroutine when Advance reaches now+d (a
// non-positive d at the next Advance), with Now at the deadline; Advance
// moves on when f returns. It is the station's background jobs' timer (the
// daily lifecycle run), so a tape's Advance runs each job at its own time
// and has its result in place before the next line. stop cancels it and
// reports whether it had not fired yet. After Stop it never fires.
func (v *Virtual) AfterFunc(d time.Duration, f func(time.Time)) (stop func() bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.arm(d)
	t.call = f
	return func() bool {
		v.mu.Lock()
		defer v.mu.Unlock()
		for i, o := range v.timers {
			if o == t {
				v.timers = append(v.timers[:i], v.timers[i+1:]...)
				return true
			}
		}
		return false
	}
}

// wait is the body of a Tick command: it blocks until t fires or the clock stops.
func (v *Virtual) wait(t *timer, fn func(time.Time) tea.Msg) tea.Msg {
	select {
	case <-t.fire:
	case <-v.stopped:
		return nil
	}
	msg := fn(t.at)
	v.mu.Lock()
	wrap := v.wrap
	v.mu.Unlock()
	if wrap == nil {
		return msg
	}
	var once sync.Once
	return wrap(msg, func() { once.Do(func() { close(t.done) }) })
}

// OnFire makes Advance wait, after firing each timer, until the model has
// handled its message. wrap receives the message a Tick command would deliver
// and a handled func; it returns the message actually delivered (the tape
// runner wraps it, unwraps it in its own Update and calls handled afterwards).
// So a timer re-armed by that Update is seen before Advance looks for the next
// due one. Without OnFire, Advance only releases the commands and returns.
func (v *Virtual) OnFire(wrap func(msg tea.Msg, handled func()) tea.Msg) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.wrap = wrap
}

// Advance moves the clock forward by d. Due timers fire one at a time in
// deadline order (ties in the order they were armed), with Now set to each
// deadline while it fires; Refresh timers fire last, at the end. Now ends at
// the old Now plus d. A negative d is treated as zero: the clock never goes
// backwards. The cost is one step per timer due, whatever d is.
func (v *Virtual) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	v.mu.Lock()
	target := v.now.Add(d)
	v.mu.Unlock()
	for {
		t, ack := v.popDue(target)
		if t == nil {
			break
		}
		if t.call != nil {
			t.call(t.at)
			continue
		}
		close(t.fire)
		if ack {
			v.awaitHandled(t)
		}
	}
	v.mu.Lock()
	if target.After(v.now) {
		v.now = target
	}
	v.mu.Unlock()
}

// popDue removes and returns the earliest timer due by target, moving Now to
// its deadline, or else a Refresh timer due by target, moving Now to
// target. ack reports whether Advance must wait for it to be handled.
func (v *Virtual) popDue(target time.Time) (t *timer, ack bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	next, redraw := -1, -1
	for i, o := range v.timers {
		if o.deadline.After(target) || (o.call != nil && v.isStopped()) {
			continue
		}
		switch {
		case o.refresh:
			if redraw < 0 {
				redraw = i // timers are kept in the order they were armed
			}
		case next < 0 || before(o, v.timers[next]):
			next = i
		}
	}
	if next < 0 {
		next = redraw
	}
	if next < 0 {
		return nil, false
	}
	t = v.timers[next]
	v.timers = append(v.timers[:next], v.timers[next+1:]...)
	at := t.deadline
	if t.refresh {
		at = target
	}
	if at.After(v.now) {
		v.now = at
	}
	t.at = v.now
	v.fired++
	return t, v.wrap != nil && t.call == nil
}

// before orders timers by deadline, ties in the order they were armed.
func before(a, b *timer) bool {
	if !a.deadline.Equal(b.deadline) {
		return a.deadline.Before(b.deadline)
	}
	return a.seq < b.seq
}

func (v *Virtual) isStopped() bool {
	select {
	case <-v.stopped:
		return true
	default:
		return false
	}
}

// awaitHandled waits for the model to handle t's message, for the clock to
// stop, or (for a command nobody ran) for handoffWait to pass.
func (v *Virtual) awaitHandled(t *timer) {
	limit := time.NewTimer(handoffWait)
	defer limit.Stop()
	select {
	case <-t.done:
	case <-v.stopped:
	case <-limit.C:
	}
}

// Fired reports how many timers have fired so far: what an Advance cost.
func (v *Virtual) Fired() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.fired
}

// Pending reports how many timers are armed and not yet due.
func (v *Virtual) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.timers)
}

// Stop releases every blocked Tick command (they return nil) and makes later
// ones return nil at once, so no goroutine outlives the program using the clock.
func (v *Virtual) Stop() {
	v.stop.Do(func() { close(v.stopped) })
}
