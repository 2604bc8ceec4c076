package store_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/expressstation/kiosk/store"
)

// The crash tests re-run this test binary as a child that works on a
// replica and is killed with SIGKILL part-way; the parent then reopens the
// replica and checks that every change is there whole or not at all.

const (
	crashModeEnv  = "STORE_CRASH_CHILD"
	crashDBEnv    = "STORE_CRASH_DB"
	crashPassword = "Crash test passphrase 4 you"
	inTx          = "IN-TX" // the child has a transaction open and waits to be killed
)

// TestCrashChild is the child's side; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashModeEnv)
	if mode == "" {
		t.Skip("runs only as the child of a crash test")
	}
	ctx := context.Background()
	r, err := store.Open(os.Getenv(crashDBEnv), testOptions(t, newClock()))
	if err != nil {
		fmt.Println("ERROR", err)
		os.Exit(3)
	}
	switch mode {
	case "import":
		stopAt("import", 3)
		_, err = r.ImportRegistry(ctx, strings.NewReader(generatedCSV(5*store.ImportBatch)))
	case "activate":
		stopAt("activate", 4)
		err = activateAll(ctx, r)
	case "activate-free":
		err = activateAll(ctx, r)
	case "reset":
		stopAt("reset", 1)
		_, err = r.RebuildFromRegistry(ctx)
	case "move", "move-merged", "move-closed", "move-moved", "move-done":
		err = moveChild(ctx, r, mode)
	case "bootstrap", "bootstrap-done":
		if mode == "bootstrap" {
			stopAt("bootstrap", 1)
		}
		info := store.SnapshotInfo{Cursor: 300, Epoch: "e1", SHA256: os.Getenv("STORE_CRASH_SUM")}
		if _, err = r.InstallSnapshot(ctx, os.Getenv("STORE_CRASH_SNAPSHOT"), info); err == nil {
			fmt.Println("DONE")
			select {}
		}
	}
	fmt.Println("ERROR the child was not killed:", err)
	os.Exit(3)
}

// stopAt makes the n-th commit of action announce itself and block forever
// with its transaction open.
func stopAt(action string, n int) {
	seen := 0
	store.SetBeforeCommit(func(a string) {
		if a != action {
			return
		}
		if seen++; seen == n {
			fmt.Println(inTx)
			select {}
		}
	})
}

func activateAll(ctx context.Context, r *store.Replica) error {
	rows, err := store.ReadDB(r).Query(`SELECT name FROM accounts WHERE status = 'registered' ORDER BY id`)
	if err != nil {
		return err
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	for _, n := range names {
		if _, err := r.Activate(ctx, store.Unverified(n), crashPassword); err != nil {
			return fmt.Errorf("%s: %w", n, err)
		}
		fmt.Println("activated", n)
	}
	return nil
}

// runAndKill starts the child and SIGKILLs it once kill says so about a line
// of its output.
func runAndKill(t *testing.T, mode, path string, kill func(line string) bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashModeEnv+"="+mode, crashDBEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	killed := false
	for !killed && sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "ERROR") {
			break
		}
		if kill(line) {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the child ended before it was killed (%v): %s", err, stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die of SIGKILL: %v", cmd.ProcessState)
	}
}

// reopen opens the replica after the crash and checks the whole file.
func reopen(t *testing.T, path string) *store.Replica {
	t.Helper()
	r, err := store.Open(path, testOptions(t, newClock()))
	if err != nil {
		t.Fatalf("reopening after the crash: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	var res string
	if err := store.ReadDB(r).QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		t.Fatalf("integrity_check = %q, %v", res, err)
	}
	return r
}

func TestCrashDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "replica.db")
	runAndKill(t, "import", path, func(line string) bool { return line == inTx })

	r := reopen(t, path)
	// Batches 1 and 2 committed; batch 3 was open: none of it is there.
	if n := countRows(t, r, "SELECT count(*) FROM accounts"); n != 2*store.ImportBatch {
		t.Errorf("accounts = %d, want %d (two whole batches)", n, 2*store.ImportBatch)
	}
	if n := countRows(t, r, "SELECT count(*) FROM audit WHERE action = 'import'"); n != 2 {
		t.Errorf("import audit rows = %d, want 2", n)
	}
	// Importing again finishes the job without touching what is there.
	rep := importCSV(t, r, generatedCSV(5*store.ImportBatch))
	if rep.Unchanged != 2*store.ImportBatch || rep.Added != 3*store.ImportBatch || rep.Updated != 0 {
		t.Errorf("re-import after the crash: %+v", rep)
	}
}

func TestCrashDuringActivation(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	for _, tc := range []struct {
		mode   string
		kill   func() func(string) bool
		active func(n int) bool
	}{
		// Killed with the fourth activation's transaction open.
		{"activate", func() func(string) bool { return func(l string) bool { return l == inTx } },
			func(n int) bool { return n == 3 }},
		// Killed wherever the fourth activation happens to be.
		{"activate-free", func() func(string) bool {
			seen := 0
			return func(l string) bool {
				if strings.HasPrefix(l, "activated") {
					seen++
				}
				return seen == 3
			}
		}, func(n int) bool { return n >= 3 && n <= 5 }},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "replica.db")
			r, err := store.Open(path, testOptions(t, newClock()))
			if err != nil {
				t.Fatal(err)
			}
			importCSV(t, r, generatedCSV(12))
			r.Close()

			runAndKill(t, tc.mode, path, tc.kill())

			r = reopen(t, path)
			active := checkWholeActivations(t, store.ReadDB(r))
			if !tc.active(active) {
				t.Errorf("%d accounts active after the crash", active)
			}
		})
	}
}

// checkWholeActivations checks, for every account: active <=> password hash
// <=> history row <=> audit row <=> outbox row. It returns how many are active.
func checkWholeActivations(t *testing.T, db *sql.DB) int {
	t.Helper()
	rows, err := db.Query(`SELECT a.name, a.status = 'active', a.password_hash IS NOT NULL,
		(SELECT count(*) FROM password_history h WHERE h.account_id = a.id),
		(SELECT count(*) FROM audit u WHERE u.account = a.name AND u.action = 'activate'),
		(SELECT count(*) FROM outbox o WHERE o.account = a.name AND o.kind = 'activate')
		FROM accounts a`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	active := 0
	for rows.Next() {
		var (
			name           string
			isActive, hash bool
			hist, aud, out int
		)
		if err := rows.Scan(&name, &isActive, &hash, &hist, &aud, &out); err != nil {
			t.Fatal(err)
		}
		whole := isActive && hash && hist == 1 && aud == 1 && out == 1
		none := !isActive && !hash && hist == 0 && aud == 0 && out == 0
		if !whole && !none {
			t.Errorf("%s is half activated: active %v, hash %v, history %d, audit %d, outbox %d",
				name, isActive, hash, hist, aud, out)
		}
		if whole {
			active++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return active
}
