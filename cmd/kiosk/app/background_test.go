package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/kiosk/tape"
)

// Advance 4800h (200 days: the 4-month grace, the 6-month password age) on
// the demo station costs what is due in it, not one step per footer tick:
// the daily lifecycle job fires once a day, each run at its own time, and
// the footer redraws once. Counted in timer firings, not wall time, so a
// slow machine cannot make it flaky. (Before, every 5 s of virtual time cost
// a frame: 3.5 million for 4800h.)
func TestAdvance4800hRunsTheDailyJobOncePerDay(t *testing.T) {
	cfg, err := config.Parse(config.Default, "kiosk.toml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var clk interface{ Fired() int }
	start := func(c clock.Clock) (tape.Station, error) {
		clk = c.(interface{ Fired() int })
		return TapeStarter(cfg)(c)
	}
	tp, err := tape.Parse(strings.NewReader(`Set Clock 2026-12-01T09:00:00Z
Expect "Student A/C Activation"
Advance 4800h
Expect "09:00"
`))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := tape.Run(context.Background(), tp, start, &out); code != tape.ExitPass {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	const days = 200
	if n := clk.Fired(); n > days+20 {
		t.Errorf("Advance 4800h fired %d timers, want about %d (one lifecycle run a day)", n, days)
	}

	// The station's log has one line per run: at start, then 00:05 UTC daily.
	runs := lifecycleRuns(t, cfg.Log.Path)
	if len(runs) != days+1 {
		t.Fatalf("%d lifecycle runs, want %d (at start, then daily): %v", len(runs), days+1, runs)
	}
	first := time.Date(2026, 12, 2, 0, 5, 0, 0, time.UTC)
	for i, r := range runs[1:] {
		if want := first.AddDate(0, 0, i); !r.at.Equal(want) {
			t.Fatalf("run %d at %v, want %v", i+1, r.at, want)
		}
	}
	// Each saw its own day: MÜLLER Anna (exchange, completion 2027-01-31)
	// entered grace that day and was terminated four months later.
	for _, r := range runs[1:] {
		day := r.at.Format(time.DateOnly)
		moved := day == "2027-01-31" || day == "2027-05-31"
		if moved != (r.transitions == 1) {
			t.Errorf("run on %s moved %d accounts", day, r.transitions)
		}
	}
}

type lifecycleRun struct {
	at          time.Time
	transitions int
}

// lifecycleRuns reads the "lifecycle job" lines of a station's JSON log.
func lifecycleRuns(t *testing.T, path string) []lifecycleRun {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var runs []lifecycleRun
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var line struct {
			Msg         string    `json:"msg"`
			At          time.Time `json:"at"`
			Transitions int       `json:"transitions"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if line.Msg == "lifecycle job" {
			runs = append(runs, lifecycleRun{line.At, line.Transitions})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return runs
}
