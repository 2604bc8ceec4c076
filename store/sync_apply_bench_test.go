package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
)

// BenchmarkApplyPages100k applies the 20 pages of 5,000 registered
// accounts a bootstrap pulls into an empty replica: the station's side of
// BenchmarkBootstrap100k (store/syncer) without the central store and HTTP.
func BenchmarkApplyPages100k(b *testing.B) {
	const n, size = 100_000, 5000
	snaps := make([]domain.Snapshot, n)
	for i := range snaps {
		s := snap(int64(i+1), fmt.Sprintf("%s%d", []string{"chantm", "wongsl", "leeky"}[i%3], i), fmt.Sprintf("%08d", 30000000+i))
		h := sha256.Sum256([]byte(s.Name))
		s.HKIDHash, s.DOBHash, s.CompletionDate = h[:], h[:], "2028-06-30"
		snaps[i] = s
	}
	clock := newClock()
	var wall, cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		r, err := store.Open(filepath.Join(b.TempDir(), fmt.Sprintf("r%d.db", i)), testOptions(b, clock))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		cpu0, start := processCPU(), time.Now()
		for at := 0; at < n; at += size {
			p := page(int64(at), int64(at+size), at+size < n, snaps[at:at+size]...)
			if err := r.ApplyPage(context.Background(), p); err != nil {
				b.Fatal(err)
			}
		}
		wall += time.Since(start)
		cpu += processCPU() - cpu0
		b.StopTimer()
		r.Close()
		b.StartTimer()
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/bootstrap")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/bootstrap")
}

// processCPU is the CPU time this process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkApplyPagesHistory20k applies 4 pages of 5,000 active accounts
// with three history hashes each: the password-history step, whose
// 100-way statements are prepared once per page, not once per chunk.
func BenchmarkApplyPagesHistory20k(b *testing.B) {
	const n, size = 20_000, 5000
	snaps := make([]domain.Snapshot, n)
	for i := range snaps {
		s := snap(int64(i+1), fmt.Sprintf("acct%d", i), fmt.Sprintf("%08d", 30000000+i))
		s.Status = policy.StatusActive
		s.PasswordHash = fmt.Sprintf("$argon2id$current%d", i)
		s.PasswordHistory = []string{s.PasswordHash, fmt.Sprintf("$argon2id$old%d", i), fmt.Sprintf("$argon2id$older%d", i)}
		snaps[i] = s
	}
	clock := newClock()
	var wall time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		r, err := store.Open(filepath.Join(b.TempDir(), fmt.Sprintf("r%d.db", i)), testOptions(b, clock))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		for at := 0; at < n; at += size {
			p := page(int64(at), int64(at+size), at+size < n, snaps[at:at+size]...)
			if err := r.ApplyPage(context.Background(), p); err != nil {
				b.Fatal(err)
			}
		}
		wall += time.Since(start)
		b.StopTimer()
		r.Close()
		b.StartTimer()
	}
	b.ReportMetric(wall.Seconds()/float64(b.N), "s/apply")
}
