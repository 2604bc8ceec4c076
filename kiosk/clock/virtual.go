package clock

import (
	"sort"
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
}

// timer is one armed Tick; fire is closed when Advance reaches its deadline.
type timer struct {
	deadline time.Time
	seq      uint64
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
	v.mu.Lock()
	defer v.mu.Unlock()
	if d <= 0 {
		now := v.now
		return func() tea.Msg { return fn(now) }
	}
	v.seq++
	t := &timer{
		deadline: v.now.Add(d),
		seq:      v.seq,
		fire:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	v.timers = append(v.timers, t)
	return func() tea.Msg { return v.wait(t, fn) }
}

// wait is the body of a Tick command: it blocks until t fires or the clock stops.
func (v *Virtual) wait(t *timer, fn func(time.Time) tea.Msg) tea.Msg {
	select {
	case <-t.fire:
	case <-v.stopped:
		return nil
	}
	msg := fn(t.deadline)
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
// deadline while it fires; Now ends at the old Now plus d. A negative d is
// treated as zero: the clock never goes backwards.
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
// its deadline. ack reports whether Advance must wait for it to be handled.
func (v *Virtual) popDue(target time.Time) (t *timer, ack bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.timers) == 0 {
		return nil, false
	}
	sort.SliceStable(v.timers, func(i, j int) bool {
		a, b := v.timers[i], v.timers[j]
		if !a.deadline.Equal(b.deadline) {
			return a.deadline.Before(b.deadline)
		}
		return a.seq < b.seq
	})
	t = v.timers[0]
	if t.deadline.After(target) {
		return nil, false
	}
	v.timers = v.timers[1:]
	if t.deadline.After(v.now) {
		v.now = t.deadline
	}
	return t, v.wrap != nil
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
