package syncer_test

import (
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/central/pgtest"
)

// newPGDeployment is newDeployment with the central store in a PostgreSQL
// schema of its own (skipped without KIOSK_TEST_POSTGRES).
func newPGDeployment(t testing.TB) *deployment {
	t.Helper()
	d := &deployment{t: t, clock: newClock(), keys: testKeys(t), pgURL: pgtest.URL(t)}
	d.central = d.openCentral(d.pgURL)
	d.gate = &gate{h: httpapi.New(d.central, httpapi.Options{})}
	srv := httptest.NewServer(d.gate)
	t.Cleanup(srv.Close)
	d.url = srv.URL
	return d
}

func (d *deployment) pgCentralOps() map[string]int {
	conn, err := pgx.Connect(ctx, d.pgURL)
	if err != nil {
		d.t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT outcome, count(*) FROM ops GROUP BY outcome`)
	if err != nil {
		d.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var o string
		var n int
		rows.Scan(&o, &n)
		out[o] = n
	}
	return out
}

// BenchmarkBootstrap100kBackends bootstraps an empty replica from a central
// store of 100,000 accounts on each backend, over loopback HTTP. Metric:
// wall seconds per bootstrap (and the central import's, once).
func BenchmarkBootstrap100kBackends(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(testing.TB) *deployment
	}{{"sqlite", newDeployment}, {"postgres", newPGDeployment}} {
		b.Run(c.name, func(b *testing.B) {
			d := c.open(b)
			start := time.Now()
			if rep := d.importCSV(generatedCSV(benchAccounts)); rep.Added != benchAccounts {
				b.Fatalf("central import: %+v", rep)
			}
			imported := time.Since(start)
			token := d.token("bench")
			dir := b.TempDir()
			var wall time.Duration
			b.ResetTimer()
			for i := range b.N {
				st := d.openStation("bench", filepath.Join(dir, fmt.Sprintf("replica%d.db", i)), token)
				start := time.Now()
				st.sync()
				wall += time.Since(start)
				b.StopTimer()
				if n := st.status().Accounts; n != benchAccounts {
					b.Fatalf("replica has %d accounts", n)
				}
				st.r.Close()
				b.StartTimer()
			}
			b.ReportMetric(wall.Seconds()/float64(b.N), "s/bootstrap")
			b.ReportMetric(imported.Seconds(), "s/central-import") // after ResetTimer, which clears metrics
		})
	}
}
