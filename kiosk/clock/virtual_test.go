package clock

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

var start = time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)

type tickMsg struct {
	at   time.Time
	name string
}

func tick(t time.Time) tea.Msg { return tickMsg{at: t} }

// run executes cmd in the background, like Bubble Tea does, and returns a
// channel with its message.
func run(cmd tea.Cmd) <-chan tea.Msg {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	return ch
}

func receive(t *testing.T, ch <-chan tea.Msg) tea.Msg {
	t.Helper()
	select {
	case msg := <-ch:
		return msg
	case <-time.After(5 * time.Second):
		t.Fatal("timer command did not return")
		return nil
	}
}

func TestVirtualNowMovesOnlyWithAdvance(t *testing.T) {
	v := NewVirtual(start)
	if !v.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", v.Now(), start)
	}
	v.Advance(90 * time.Second)
	if want := start.Add(90 * time.Second); !v.Now().Equal(want) {
		t.Fatalf("Now = %v, want %v", v.Now(), want)
	}
	v.Advance(-time.Hour)
	if want := start.Add(90 * time.Second); !v.Now().Equal(want) {
		t.Fatalf("negative Advance moved the clock: %v", v.Now())
	}
}

func TestVirtualTickFiresAtDeadline(t *testing.T) {
	tests := []struct {
		name    string
		d       time.Duration
		advance []time.Duration
		fired   bool
	}{
		{"before deadline", 10 * time.Second, []time.Duration{9 * time.Second}, false},
		{"exactly at deadline", 10 * time.Second, []time.Duration{10 * time.Second}, true},
		{"in two steps", 10 * time.Second, []time.Duration{6 * time.Second, 6 * time.Second}, true},
		{"zero is due at once", 0, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := NewVirtual(start)
			defer v.Stop()
			ch := run(v.Tick(tt.d, tick))
			for _, d := range tt.advance {
				v.Advance(d)
			}
			if !tt.fired {
				select {
				case msg := <-ch:
					t.Fatalf("fired early: %v", msg)
				default:
				}
				if v.Pending() != 1 {
					t.Fatalf("Pending = %d, want 1", v.Pending())
				}
				return
			}
			msg := receive(t, ch).(tickMsg)
			if want := start.Add(tt.d); !msg.at.Equal(want) {
				t.Fatalf("fired at %v, want the deadline %v", msg.at, want)
			}
		})
	}
}

// The deadline is fixed when Tick is called, not when its command runs.
func TestVirtualDeadlineFixedAtTick(t *testing.T) {
	v := NewVirtual(start)
	defer v.Stop()
	cmd := v.Tick(5*time.Second, tick)
	v.Advance(5 * time.Second) // the command has not even started yet
	msg := receive(t, run(cmd)).(tickMsg)
	if want := start.Add(5 * time.Second); !msg.at.Equal(want) {
		t.Fatalf("fired at %v, want %v", msg.at, want)
	}
}

// loop stands in for a Bubble Tea program: it runs commands, hands their
// messages to update one at a time and acknowledges fired timers afterwards.
type loop struct {
	v    *Virtual
	msgs chan tea.Msg
	mu   sync.Mutex
	seen []time.Time
	now  []time.Time
}

type fired struct {
	msg     tea.Msg
	handled func()
}

func newLoop(v *Virtual) *loop {
	l := &loop{v: v, msgs: make(chan tea.Msg)}
	v.OnFire(func(msg tea.Msg, handled func()) tea.Msg { return fired{msg, handled} })
	go func() {
		for msg := range l.msgs {
			f, ok := msg.(fired)
			if !ok {
				continue
			}
			l.update(f.msg)
			f.handled()
		}
	}()
	return l
}

func (l *loop) exec(cmd tea.Cmd) {
	go func() {
		if msg := cmd(); msg != nil {
			l.msgs <- msg
		}
	}()
}

// update records the tick and re-arms a one-second timer, as a clock in a
// footer would.
func (l *loop) update(msg tea.Msg) {
	m := msg.(tickMsg)
	l.mu.Lock()
	l.seen = append(l.seen, m.at)
	l.now = append(l.now, l.v.Now())
	l.mu.Unlock()
	l.exec(l.v.Tick(time.Second, tick))
}

func TestVirtualAdvanceSeesTimersRearmedByUpdate(t *testing.T) {
	v := NewVirtual(start)
	defer v.Stop()
	l := newLoop(v)
	l.exec(v.Tick(time.Second, tick))
	v.Advance(5 * time.Second)

	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) != 5 {
		t.Fatalf("got %d ticks in 5s of one-second timers, want 5", len(l.seen))
	}
	for i, at := range l.seen {
		want := start.Add(time.Duration(i+1) * time.Second)
		if !at.Equal(want) || !l.now[i].Equal(want) {
			t.Errorf("tick %d at %v (Now %v), want %v", i, at, l.now[i], want)
		}
	}
}

func TestVirtualFiresInDeadlineOrder(t *testing.T) {
	v := NewVirtual(start)
	defer v.Stop()
	var mu sync.Mutex
	var order []string
	v.OnFire(func(msg tea.Msg, handled func()) tea.Msg {
		mu.Lock()
		order = append(order, msg.(string))
		mu.Unlock()
		handled()
		return msg
	})
	name := func(s string) func(time.Time) tea.Msg { return func(time.Time) tea.Msg { return s } }
	cmds := []tea.Cmd{
		v.Tick(3*time.Second, name("c")),
		v.Tick(1*time.Second, name("a")),
		v.Tick(2*time.Second, name("b1")),
		v.Tick(2*time.Second, name("b2")),
		v.Tick(9*time.Second, name("late")),
	}
	for _, c := range cmds {
		run(c)
	}
	v.Advance(3 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"a", "b1", "b2", "c"}
	if len(order) != len(want) {
		t.Fatalf("fired %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("fired %v, want %v", order, want)
		}
	}
	if v.Pending() != 1 {
		t.Fatalf("Pending = %d, want the late timer only", v.Pending())
	}
}

func TestVirtualStopReleasesCommands(t *testing.T) {
	v := NewVirtual(start)
	ch := run(v.Tick(time.Hour, tick))
	v.Stop()
	if msg := receive(t, ch); msg != nil {
		t.Fatalf("stopped timer delivered %v, want nil", msg)
	}
	if msg := v.Tick(time.Second, tick)(); msg != nil {
		t.Fatalf("timer armed after Stop delivered %v, want nil", msg)
	}
	v.Stop() // twice is fine
}

// Clock values are read from commands while a tape advances the clock.
func TestVirtualConcurrentUse(t *testing.T) {
	v := NewVirtual(start)
	defer v.Stop()
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_ = v.Now()
				run(v.Tick(time.Millisecond, tick))
			}
		}()
	}
	for range 100 {
		v.Advance(time.Millisecond)
	}
	wg.Wait()
	v.Advance(time.Second)
}

// A redraw timer re-armed every minute fires once per Advance, after the
// other timers due, at the Advance's end: Advance 4800h costs one redraw.
func TestVirtualRefreshFiresOncePerAdvance(t *testing.T) {
	v := NewVirtual(start)
	defer v.Stop()
	var mu sync.Mutex
	var order []string
	var at []time.Time
	var rearm func(time.Time) tea.Msg
	v.OnFire(func(msg tea.Msg, handled func()) tea.Msg {
		mu.Lock()
		order = append(order, msg.(tickMsg).name)
		at = append(at, v.Now())
		mu.Unlock()
		if msg.(tickMsg).name == "redraw" {
			run(v.Refresh(time.Minute, rearm)) // re-armed by the "Update"
		}
		handled()
		return msg
	})
	rearm = func(t time.Time) tea.Msg { return tickMsg{at: t, name: "redraw"} }
	run(v.Refresh(time.Minute, rearm))
	run(v.Tick(90*time.Minute, func(t time.Time) tea.Msg { return tickMsg{at: t, name: "job"} }))
	before := v.Fired()
	v.Advance(4800 * time.Hour)
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(order, ","); got != "job,redraw" {
		t.Fatalf("fired %s, want job,redraw", got)
	}
	if want := start.Add(90 * time.Minute); !at[0].Equal(want) {
		t.Errorf("job saw Now %v, want its deadline %v", at[0], want)
	}
	if want := start.Add(4800 * time.Hour); !at[1].Equal(want) || !v.Now().Equal(want) {
		t.Errorf("redraw saw Now %v, clock ends at %v, want %v", at[1], v.Now(), want)
	}
	if n := v.Fired() - before; n != 2 {
		t.Errorf("Fired = %d, want 2", n)
	}
	if v.Pending() != 1 {
		t.Errorf("Pending = %d, want the re-armed redraw", v.Pending())
	}
}

// AfterFunc runs in Advance, at its deadline, in order with the other
// timers; one re-armed inside the callback is seen by the same Advance; a
// stopped one never runs.
func TestVirtualAfterFunc(t *testing.T) {
	v := NewVirtual(start)
	defer v.Stop()
	var runs []time.Time
	var daily func(time.Time)
	daily = func(at time.Time) {
		if !v.Now().Equal(at) {
			t.Errorf("Now %v in a run at %v", v.Now(), at)
		}
		runs = append(runs, at)
		v.AfterFunc(24*time.Hour, daily)
	}
	v.AfterFunc(24*time.Hour, daily)
	stop := v.AfterFunc(time.Hour, func(time.Time) { t.Error("a stopped AfterFunc ran") })
	if !stop() || stop() {
		t.Fatal("stop: want true once, then false")
	}
	v.Advance(200 * 24 * time.Hour)
	if len(runs) != 200 {
		t.Fatalf("%d daily runs in 200 days, want 200", len(runs))
	}
	for i, at := range runs {
		if want := start.Add(time.Duration(i+1) * 24 * time.Hour); !at.Equal(want) {
			t.Fatalf("run %d at %v, want %v", i, at, want)
		}
	}
	v.Stop()
	v.Advance(48 * time.Hour)
	if len(runs) != 200 {
		t.Fatalf("AfterFunc ran after Stop")
	}
}
