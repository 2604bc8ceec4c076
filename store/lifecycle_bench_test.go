package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// BenchmarkRunLifecycle100k runs the daily lifecycle job on a replica of
// 100,000 accounts on the completion date of a quarter of them (about
// 25,000 transitions to grace, each with its audit and outbox rows, and for
// activated accounts its notice), then again (nothing to do). Metrics:
// transitions/s of the first run and the milliseconds of the idle run.
func BenchmarkRunLifecycle100k(b *testing.B) {
	b.Run("registered", func(b *testing.B) { benchLifecycle(b, false) })
	b.Run("activated", func(b *testing.B) { benchLifecycle(b, true) })
}

func benchLifecycle(b *testing.B, activated bool) {
	csv := generatedCSV(benchRows)
	completion := time.Date(2027, 6, 30, 9, 0, 0, 0, time.UTC)
	var moved int
	var first, idle time.Duration
	for range b.N {
		b.StopTimer()
		r, path := openReplica(b, newClock())
		if _, err := r.ImportRegistry(context.Background(), strings.NewReader(csv)); err != nil {
			b.Fatal(err)
		}
		if activated { // as if every student had activated (no argon2 work for the benchmark)
			execOn(b, path, `UPDATE accounts SET status = 'active', password_hash = '$argon2id$bench',
				activated_at = '2026-09-01T09:00:00.000Z', password_changed_at = '2026-09-01T09:00:00.000Z'`)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := r.RunLifecycle(context.Background(), completion)
		first += time.Since(start)
		if err != nil || rep.Count(policy.StatusGrace) == 0 {
			b.Fatalf("%+v %v", rep.Count(policy.StatusGrace), err)
		}
		moved += len(rep.Transitions)
		start = time.Now()
		if rep, err := r.RunLifecycle(context.Background(), completion); err != nil || len(rep.Transitions) != 0 {
			b.Fatalf("second run: %d transitions, %v", len(rep.Transitions), err)
		}
		idle += time.Since(start)
		r.Close()
	}
	b.ReportMetric(float64(moved)/first.Seconds(), "transitions/s")
	b.ReportMetric(float64(moved)/float64(b.N), "transitions")
	b.ReportMetric(idle.Seconds()*1000/float64(b.N), "idle-ms")
}
