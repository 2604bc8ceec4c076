package syncer_test

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/syncer"
)

// The crash test re-runs this test binary as a station that syncs and is
// SIGKILLed part-way by the test's own server: once while pulling pages and
// once after the store applied its push but before the reply. The replica is
// then reopened and synced to the end.

const (
	crashDB    = "SYNC_CRASH_DB"
	crashURL   = "SYNC_CRASH_URL"
	crashToken = "SYNC_CRASH_TOKEN"
)

// TestCrashChild is the child's side; it does nothing in a normal run.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashDB)
	if path == "" {
		t.Skip("runs only as the child of TestSyncSurvivesSIGKILL")
	}
	r, err := store.Open(path, store.Options{Keys: testKeys(t), StationID: "C"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := syncer.New(r, syncer.Options{Upstream: os.Getenv(crashURL), Token: os.Getenv(crashToken), PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Fatalf("the child was not killed: sync ended with %v", s.SyncOnce(context.Background()))
}

func TestSyncSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	const accounts = 2000
	d := newDeployment(t)
	d.importCSV(generatedCSV(accounts))
	token := d.token("C")
	path := t.TempDir() + "/c.db"

	// 1. Killed while pulling: on the 8th page request the previous page
	// is being applied (or has just been).
	var pages atomic.Int32
	d.runChild(t, path, token, func(r *http.Request, kill func()) {
		if r.URL.Path == "/v1/changes" && pages.Add(1) == 8 {
			kill()
		}
	}, nil)
	cursor, n := replicaCounts(t, path)
	t.Logf("killed while pulling at cursor %d of %d", cursor, accounts)
	if cursor == 0 || cursor >= accounts || n != cursor {
		t.Fatalf("after the kill: cursor %d with %d accounts: want exactly the changes up to the cursor", cursor, n)
	}

	// 2. Killed after the store applied a push, before the reply.
	c := d.openStation("C", path, token)
	c.sync()
	for _, name := range []string{"tmchan", "slwong", "kychan"} {
		if _, err := c.r.SetDirectoryPublic(ctx, store.Unverified(name), false); err != nil {
			t.Fatal(err)
		}
	}
	c.r.Close()
	d.runChild(t, path, token, nil, func(kill func()) { kill() })
	if ops := d.centralOps(); ops["applied"] != 3 {
		t.Fatalf("the store applied %v before the kill", ops)
	}

	// Resume: the pull goes on from its cursor and the retried push is
	// answered as duplicates.
	c = d.openStation("C", path, token)
	if st := c.status(); st.OutboxPending != 3 {
		t.Fatalf("pending after the kill = %d", st.OutboxPending)
	}
	c.sync()
	c.r.Close()
	cursor, n = replicaCounts(t, path)
	head := d.snapshot("kychan").Seq
	if n != accounts || cursor < head {
		t.Fatalf("after resuming: %d accounts, cursor %d, head %d", n, cursor, head)
	}
	if ops := d.centralOps(); ops["applied"] != 3 || len(ops) != 1 {
		t.Fatalf("central ops = %v: the retry applied something twice", ops)
	}
	c = d.openStation("C", path, token)
	if st := c.status(); st.OutboxPending != 0 || st.OutboxRejected != 0 {
		t.Fatalf("outbox after resuming = %+v", st)
	}
	if a, err := c.r.Account(ctx, "kychan"); err != nil || a.DirectoryPublic {
		t.Fatalf("kychan: %+v, %v", a, err)
	}
}

// runChild runs the crash child against the deployment until the hooks
// kill it, and checks that it died of SIGKILL.
func (d *deployment) runChild(t *testing.T, path, token string, onRequest func(*http.Request, func()), afterApply func(func())) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDB+"="+path, crashURL+"="+d.url, crashToken+"="+token)
	out := &bytes.Buffer{} // written until Wait returns
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() { syscall.Kill(cmd.Process.Pid, syscall.SIGKILL) }
	var req func(*http.Request)
	if onRequest != nil {
		req = func(r *http.Request) { onRequest(r, kill) }
	}
	var after func()
	if afterApply != nil {
		after = func() { afterApply(kill) }
	}
	d.gate.hooks(req, after)
	defer d.gate.hooks(nil, nil)
	err := cmd.Wait()
	ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed (%v):\n%s", err, out.String())
	}
}

// replicaCounts reads the cursor and the number of accounts, after an
// integrity check, straight from the file.
func replicaCounts(t *testing.T, path string) (cursor int64, accounts int64) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %s %v", check, err)
	}
	var maxSeq int64
	if err := db.QueryRow(`SELECT cursor, (SELECT count(*) FROM accounts), (SELECT coalesce(max(central_seq), 0) FROM accounts)
		FROM sync_state`).Scan(&cursor, &accounts, &maxSeq); err != nil {
		t.Fatal(err)
	}
	if maxSeq > cursor {
		t.Fatalf("an account from change %d is in the replica but the cursor is %d", maxSeq, cursor)
	}
	return cursor, accounts
}
