package syncer_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	csvpkg "encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// Benchmarks (go test -run X -bench . ./store/syncer); none runs in a plain
// `go test`.

const benchAccounts = 100_000

// BenchmarkBootstrap100k bootstraps an empty replica from a central store
// holding 100,000 accounts over loopback HTTP (store and station in this
// process), and compares it with the sqlite3 CLI: `.import --csv` of the
// same registry rows into a plain table (cli); `.import` of the account
// rows the replica ends up with (hashes as hex) into a plain table
// (cli-rows); the same account rows imported and then inserted into the
// replica's own schema, indexes and checks included (cli-schema). go-import
// is the CLI's own job (registry CSV into a plain table, one transaction)
// done with modernc.org/sqlite, the pure-Go SQLite the station must use: the
// floor for any Go program writing these rows, before indexes, HTTP or JSON.
// Metrics: wall seconds and ratios, and CPU seconds (less disturbed by
// other load on the machine) and their ratio.
func BenchmarkBootstrap100k(b *testing.B) {
	d := newDeployment(b)
	csv := generatedCSV(benchAccounts)
	if rep := d.importCSV(csv); rep.Added != benchAccounts {
		b.Fatalf("central import: %+v", rep)
	}
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "registry.csv")
	rowsPath := filepath.Join(dir, "accounts.csv")
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(rowsPath, d.accountRowsCSV(), 0o600); err != nil {
		b.Fatal(err)
	}
	token := d.token("bench")
	cli, cliErr := exec.LookPath("sqlite3")
	var wall, cpu, cliWall, cliCPU, rowsWall, schemaWall, goWall time.Duration
	b.ResetTimer()
	for i := range b.N {
		st := d.openStation("bench", filepath.Join(dir, fmt.Sprintf("replica%d.db", i)), token)
		cpu0, start := processCPU(), time.Now()
		st.sync()
		wall += time.Since(start)
		cpu += processCPU() - cpu0
		b.StopTimer()
		if n := st.status().Accounts; n != benchAccounts {
			b.Fatalf("replica has %d accounts", n)
		}
		st.r.Close()
		if cliErr == nil {
			w, c := runCLI(b, cli, filepath.Join(dir, fmt.Sprintf("cli%d.db", i)), ".import --csv "+csvPath+" registry")
			cliWall, cliCPU = cliWall+w, cliCPU+c
			w, _ = runCLI(b, cli, filepath.Join(dir, fmt.Sprintf("rows%d.db", i)), ".import --csv "+rowsPath+" accounts")
			rowsWall += w
			schema := filepath.Join(dir, fmt.Sprintf("schema%d.db", i))
			emptyReplica(b, schema)
			w, _ = runCLI(b, cli, schema, ".import --csv "+rowsPath+" staging", insertFromStaging)
			schemaWall += w
		}
		goWall += goImport(b, csvPath, filepath.Join(dir, fmt.Sprintf("go%d.db", i)))
		b.StartTimer()
	}
	n := float64(b.N)
	b.ReportMetric(wall.Seconds()/n, "s/bootstrap")
	b.ReportMetric(cpu.Seconds()/n, "cpu-s/bootstrap")
	b.ReportMetric(goWall.Seconds()/n, "s/go-import")
	if cliErr != nil {
		b.Logf("no sqlite3 CLI (%v): comparison skipped", cliErr)
		return
	}
	b.ReportMetric(cliWall.Seconds()/n, "s/cli")
	b.ReportMetric(wall.Seconds()/cliWall.Seconds(), "x-cli")
	b.ReportMetric(cpu.Seconds()/cliCPU.Seconds(), "cpu-x-cli")
	b.ReportMetric(goWall.Seconds()/cliWall.Seconds(), "go-import-x-cli")
	b.ReportMetric(rowsWall.Seconds()/n, "s/cli-rows")
	b.ReportMetric(wall.Seconds()/rowsWall.Seconds(), "x-cli-rows")
	b.ReportMetric(schemaWall.Seconds()/n, "s/cli-schema")
	b.ReportMetric(wall.Seconds()/schemaWall.Seconds(), "x-cli-schema")
}

// processCPU is the CPU time this process has used (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runCLI runs sqlite3 on db and returns its wall and CPU time.
func runCLI(b *testing.B, cli, db string, commands ...string) (time.Duration, time.Duration) {
	cmd := exec.Command(cli, append([]string{db}, commands...)...)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		b.Fatalf("sqlite3: %v: %s", err, out)
	}
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// goImport does what `sqlite3 db ".import --csv csvPath registry"` does,
// with modernc.org/sqlite: a new file, a table of TEXT columns named by the
// header, every row inserted in one transaction (64 rows a statement,
// prepared once). It returns the wall time.
func goImport(b *testing.B, csvPath, db string) time.Duration {
	start := time.Now()
	f, err := os.Open(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	r := csvpkg.NewReader(f)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		b.Fatal(err)
	}
	cols := len(head)
	tx, err := conn.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`CREATE TABLE registry ("` + strings.Join(head, `" TEXT, "`) + `" TEXT)`); err != nil {
		b.Fatal(err)
	}
	const perStatement = 64
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	insert := func(n int) string {
		return "INSERT INTO registry VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
	}
	full, err := tx.Prepare(insert(perStatement))
	if err != nil {
		b.Fatal(err)
	}
	args := make([]any, 0, perStatement*cols)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		for _, v := range rec {
			args = append(args, v)
		}
		if len(args) == cap(args) {
			if _, err := full.Exec(args...); err != nil {
				b.Fatal(err)
			}
			args = args[:0]
		}
	}
	if len(args) > 0 {
		if _, err := tx.Exec(insert(len(args)/cols), args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// emptyReplica makes a replica file with the current schema and no accounts.
func emptyReplica(b *testing.B, path string) {
	r, err := store.Open(path, store.Options{Keys: testKeys(b)})
	if err != nil {
		b.Fatal(err)
	}
	r.Close()
}

// accountRowsCSV is every central account as a row for the CLI (hashes as
// hex text: this CLI has no unhex).
func (d *deployment) accountRowsCSV() []byte {
	f, err := d.central.Changes(context.Background(), 0, benchAccounts)
	if err != nil {
		d.t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csvpkg.NewWriter(&buf)
	w.Write([]string{"name", "student_id", "surname", "given_names", "department", "level", "category",
		"completion_date", "status", "hkid_hash", "dob_hash", "passport_hash", "central_seq"})
	for _, c := range f.Changes {
		var s domain.Snapshot
		json.Unmarshal(c.Snapshot, &s)
		w.Write([]string{s.Name, s.StudentID, s.Surname, s.GivenNames, s.Department, string(s.Level),
			string(s.Category), s.CompletionDate, string(s.Status), hex.EncodeToString(s.HKIDHash),
			hex.EncodeToString(s.DOBHash), hex.EncodeToString(s.PassportHash), fmt.Sprint(c.Seq)})
	}
	w.Flush()
	return buf.Bytes()
}

const insertFromStaging = `INSERT INTO accounts (name, student_id, surname, given_names, department, level, category,
	completion_date, status, hkid_hash, dob_hash, passport_hash, central_seq, sync_gen, created_at, updated_at)
	SELECT name, student_id, surname, given_names, department, level, category, nullif(completion_date, ''), status,
	CAST(hkid_hash AS BLOB), CAST(dob_hash AS BLOB), CAST(nullif(passport_hash, '') AS BLOB), CAST(central_seq AS INTEGER), 1,
	'2026-09-01T09:00:00.000Z', '2026-09-01T09:00:00.000Z' FROM staging`

// BenchmarkPropagation makes 1,000 changes at station A, one at a time, and
// times each until station B's replica shows it, both stations running
// their sync loops. Metrics: p50 and p99 in milliseconds.
func BenchmarkPropagation(b *testing.B) {
	const changes = 1000
	d := newDeployment(b)
	d.importCSV(generatedCSV(2000))
	a, bb := d.station("A"), d.station("B")
	a.sync()
	bb.sync()
	a.run()
	bb.run()
	names := d.accountNames(200)
	var lat []time.Duration
	b.ResetTimer()
	for range b.N {
		for i := range changes {
			name, public := names[i%len(names)], (i/len(names))%2 == 1
			start := time.Now()
			if _, err := a.r.SetDirectoryPublic(context.Background(), store.Unverified(name), public); err != nil {
				b.Fatal(err)
			}
			for {
				acct, err := bb.r.Account(context.Background(), name)
				if err != nil {
					b.Fatal(err)
				}
				if acct.DirectoryPublic == public {
					break
				}
				if time.Since(start) > 10*time.Second {
					b.Fatalf("change %d did not reach B", i)
				}
				time.Sleep(100 * time.Microsecond)
			}
			lat = append(lat, time.Since(start))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/1e6, "max-ms")
}

// accountNames are the first n accounts of the central feed.
func (d *deployment) accountNames(n int) []string {
	f, err := d.central.Changes(context.Background(), 0, n)
	if err != nil {
		d.t.Fatal(err)
	}
	var names []string
	for _, c := range f.Changes {
		var s domain.Snapshot
		if err := json.Unmarshal(c.Snapshot, &s); err != nil {
			d.t.Fatal(err)
		}
		names = append(names, s.Name)
	}
	return names
}

// BenchmarkPushThroughput has 100 simulated stations push batches of ops
// at once over loopback HTTP; every op is re-checked and applied, each
// group commit durable. Metric: ops applied per second.
func BenchmarkPushThroughput(b *testing.B) { benchPush(b, newDeployment(b)) }

// BenchmarkPushThroughputPostgres is the same on PostgreSQL (needs
// KIOSK_TEST_POSTGRES; commits are durable: synchronous_commit stays on).
func BenchmarkPushThroughputPostgres(b *testing.B) { benchPush(b, newPGDeployment(b)) }

func benchPush(b *testing.B, d *deployment) {
	const (
		stations = 100
		batches  = 10 // per station
		batch    = 50 // ops per push
	)
	d.importCSV(generatedCSV(stations * 10))
	names := d.accountNames(stations * 10)
	tokens := make([]string, stations)
	for i := range tokens {
		tokens[i] = d.token(fmt.Sprintf("sim-%d", i))
	}
	var elapsed time.Duration
	total := 0
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, stations)
		for s := range stations {
			wg.Go(func() {
				mine := names[s*10 : s*10+10]
				for k := range batches {
					if err := pushSimulated(d.url, tokens[s], mine, k, batch); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		total += stations * batches * batch
	}
	b.StopTimer()
	if ops := d.centralOps(); ops["applied"] != total {
		b.Fatalf("central ops = %v, want %d applied", ops, total)
	}
	b.ReportMetric(float64(total)/elapsed.Seconds(), "ops/s")
}

// pushSimulated pushes one batch of directory choices for a station's
// accounts and checks every op was applied.
func pushSimulated(url, token string, accounts []string, k, n int) error {
	ops := make([]domain.Op, n)
	for i := range ops {
		var id [16]byte
		rand.Read(id[:])
		ops[i] = domain.Op{ID: hex.EncodeToString(id[:]), CreatedAt: time.Now().UTC(), Kind: domain.OpDirectory,
			Account: accounts[i%len(accounts)], Payload: json.RawMessage(fmt.Sprintf(`{"public":%t}`, (k*n+i)%2 == 0))}
	}
	body, _ := json.Marshal(wire.PushRequest{Ops: ops})
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/ops", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out wire.PushResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return fmt.Errorf("push: %d %v", resp.StatusCode, err)
	}
	for _, r := range out.Results {
		if r.Outcome != wire.OutcomeApplied {
			return fmt.Errorf("op %s: %s %s", r.ID, r.Outcome, r.Reason)
		}
	}
	return nil
}
