package app

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
)

// A standalone station's lifecycle run at start waits for the first frame
// (issue 17: on a large replica it competed with it): it begins only after
// Root's first View, and a station closed before any frame never runs it.
func TestLifecycleRunsAfterFirstFrame(t *testing.T) {
	cfg, err := config.Parse(config.Default, "kiosk.toml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var viewed atomic.Bool
	ran := make(chan bool, 2)
	onLifecycleRun = func() { ran <- viewed.Load() }
	defer func() { onLifecycleRun = nil }()
	clk := clock.NewVirtual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))

	// Closed before its first frame: no run.
	st, err := Start(cfg, clk, false)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 { // give a run that does not wait every chance to begin
		runtime.Gosched()
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ran:
		t.Fatal("the lifecycle job ran although no frame was drawn")
	default:
	}

	st, err = Start(cfg, clk, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for range 100 {
		runtime.Gosched()
	}
	viewed.Store(true)
	st.Root.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	st.Root.View()
	select {
	case afterFrame := <-ran:
		if !afterFrame {
			t.Fatal("the lifecycle job began before the first frame")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the lifecycle job did not run after the first frame")
	}
}
