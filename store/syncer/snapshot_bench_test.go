package syncer_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store/syncer"
)

// BenchmarkBootstrapSnapshot100k bootstraps an empty replica from the
// central store's replica snapshot (download over loopback HTTP, checksum,
// schema and integrity_check, install, pull after its cursor), side by side
// in one run with its anchors: the sqlite3 CLI `.import --csv` of the
// registry (cli), copying the finished replica file over loopback HTTP
// (copy), and the row-by-row feed walk (feed). Goal: x-cli <= 1, x-copy <= 5.
// The snapshot's build (once, shared by every station) is reported apart.
func BenchmarkBootstrapSnapshot100k(b *testing.B) {
	d := newDeployment(b)
	csv := generatedCSV(benchAccounts)
	if rep := d.importCSV(csv); rep.Added != benchAccounts {
		b.Fatalf("central import: %+v", rep)
	}
	start := time.Now()
	sn := d.withSnapshots()
	build := time.Since(start)
	info, _ := sn.Current()
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "registry.csv")
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		b.Fatal(err)
	}
	token := d.token("bench")
	cli, cliErr := exec.LookPath("sqlite3")
	var wall, cpu, cliWall, copyWall, feedWall time.Duration
	b.ResetTimer()
	for i := range b.N {
		path := filepath.Join(dir, fmt.Sprintf("replica%d.db", i))
		st := d.openStation("bench", path, token)
		cpu0, start := processCPU(), time.Now()
		st.sync()
		wall += time.Since(start)
		cpu += processCPU() - cpu0
		b.StopTimer()
		if n := st.status().Accounts; n != benchAccounts {
			b.Fatalf("replica has %d accounts", n)
		}
		st.r.Close()
		copyWall += copyOverLoopback(b, path, filepath.Join(dir, fmt.Sprintf("copy%d.db", i)))
		if cliErr == nil {
			w, _ := runCLI(b, cli, filepath.Join(dir, fmt.Sprintf("cli%d.db", i)), ".import --csv "+csvPath+" registry")
			cliWall += w
		}
		feed := d.openStation("bench", filepath.Join(dir, fmt.Sprintf("feed%d.db", i)), token,
			func(o *syncer.Options) { o.NoSnapshot = true })
		start = time.Now()
		feed.sync()
		feedWall += time.Since(start)
		feed.r.Close()
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(wall.Seconds()/n, "s/bootstrap")
	b.ReportMetric(cpu.Seconds()/n, "cpu-s/bootstrap")
	b.ReportMetric(build.Seconds(), "s/snapshot-build")
	b.ReportMetric(float64(info.Size)/1e6, "MB-snapshot")
	b.ReportMetric(copyWall.Seconds()/n, "s/copy")
	b.ReportMetric(wall.Seconds()/copyWall.Seconds(), "x-copy")
	b.ReportMetric(feedWall.Seconds()/n, "s/feed")
	b.ReportMetric(wall.Seconds()/feedWall.Seconds(), "x-feed")
	if cliErr != nil {
		b.Logf("no sqlite3 CLI (%v): comparison skipped", cliErr)
		return
	}
	b.ReportMetric(cliWall.Seconds()/n, "s/cli")
	b.ReportMetric(wall.Seconds()/cliWall.Seconds(), "x-cli")
}

// copyOverLoopback serves the file at src over loopback HTTP and writes
// what it gets to dst: the floor for moving a finished replica.
func copyOverLoopback(b *testing.B, src, dst string) time.Duration {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, src) }))
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get(srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	f, err := os.Create(dst)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return time.Since(start)
}
