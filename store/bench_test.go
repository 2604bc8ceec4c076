package store_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
)

const benchRows = 100_000

// BenchmarkImport100k imports 100,000 registry rows into a fresh replica and,
// for comparison, times the sqlite3 CLI's `.import --csv` of the same file
// into a plain table (no checks, hashes or indexes). Metrics: rows/s for
// both and the ratio store/CLI time.
func BenchmarkImport100k(b *testing.B) {
	csv := generatedCSV(benchRows)
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "registry.csv")
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		b.Fatal(err)
	}
	clock := newClock()
	var storeTime, cliTime time.Duration
	cli, cliErr := exec.LookPath("/usr/bin/sqlite3")
	b.ResetTimer()
	for i := range b.N {
		path := filepath.Join(dir, "replica"+strconv.Itoa(i)+".db")
		r, err := store.Open(path, testOptions(b, clock))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		rep, err := r.ImportRegistry(context.Background(), strings.NewReader(csv))
		storeTime += time.Since(start)
		if err != nil || rep.Added != benchRows {
			b.Fatalf("import: %+v %v", rep, err)
		}
		r.Close()

		if cliErr == nil {
			b.StopTimer()
			start = time.Now()
			cmd := exec.Command(cli, filepath.Join(dir, "cli"+strconv.Itoa(i)+".db"), ".import --csv "+csvPath+" registry")
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("sqlite3: %v: %s", err, out)
			}
			cliTime += time.Since(start)
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(benchRows*b.N)/storeTime.Seconds(), "rows/s")
	if cliErr != nil {
		b.Logf("no sqlite3 CLI (%v): comparison skipped", cliErr)
		return
	}
	b.ReportMetric(float64(benchRows*b.N)/cliTime.Seconds(), "cli-rows/s")
	b.ReportMetric(storeTime.Seconds()/cliTime.Seconds(), "x-cli-time")
}

// BenchmarkOpen100k is the cost of opening a replica holding 100,000
// accounts with quick_check (commands), and with it deferred (station start).
func BenchmarkOpen100k(b *testing.B) {
	b.Run("quick_check", func(b *testing.B) { benchOpen(b, false) })
	b.Run("deferred", func(b *testing.B) { benchOpen(b, true) })
}

func benchOpen(b *testing.B, deferCheck bool) {
	path := filepath.Join(b.TempDir(), "replica.db")
	clock := newClock()
	r, err := store.Open(path, testOptions(b, clock))
	if err != nil {
		b.Fatal(err)
	}
	importCSV(b, r, generatedCSV(benchRows))
	r.Close()
	opt := testOptions(b, clock)
	opt.DeferIntegrityCheck = deferCheck
	b.ResetTimer()
	for range b.N {
		r, err := store.Open(path, opt)
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
