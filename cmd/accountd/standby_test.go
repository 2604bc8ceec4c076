package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

// The standby recipe (deploy/postgres/standby.sh), tested: a primary and a
// synchronous hot standby; a station pushes batches through accountd and
// retries a batch until it is answered; mid-push the primary is killed
// with SIGKILL and the standby promoted. accountd (one URL naming both
// servers) reaches the promoted one; every op the station saw acknowledged
// is there, and every op is recorded once and applied.
func TestStandbyFailoverLosesNoAcknowledgedOp(t *testing.T) {
	if os.Getenv("KIOSK_TEST_POSTGRES_FAILOVER") != "1" {
		t.Skip("standby failover test skipped: set KIOSK_TEST_POSTGRES_FAILOVER=1 (needs PostgreSQL's initdb and pg_basebackup; .ci/run sets it)")
	}
	script, _ := os.Getwd()
	script += "/deploy/postgres/standby.sh"
	var b [6]byte
	rand.Read(b[:])
	dir := "/tmp/kiosk-standby-" + hex.EncodeToString(b[:]) // a folder the servers' user can reach
	sh := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(script, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("standby.sh %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"primary.log", "standby.log"} {
				b, _ := os.ReadFile(dir + "/" + f)
				t.Logf("%s:\n%s", f, b[max(0, len(b)-3000):])
			}
		}
		exec.Command(script, "stop", dir).Run()
		os.RemoveAll(dir)
	})
	t.Log(sh("setup", dir, freePort(t), freePort(t)))
	dbURL := sh("url", dir)

	ctx := context.Background()
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	tl := &testLog{t: t}
	logger := slog.New(slog.NewTextHandler(tl, nil))
	st, err := central.Open(dbURL, central.Options{Keys: &keys, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var csv strings.Builder
	csv.WriteString("student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n")
	for i := range 50 {
		fmt.Fprintf(&csv, "%08d,CHAN,Student %c%c,,2000-01-%02d,Physics,UG,degree,2030-06-30\n", 50000000+i, 'A'+i/26, 'a'+i%26, 1+i%28)
	}
	if _, err := st.Import(ctx, strings.NewReader(csv.String())); err != nil {
		t.Fatal(err)
	}
	feed, _ := st.Changes(ctx, 0, 100)
	var names []string
	for _, c := range feed.Changes {
		var s domain.Snapshot
		json.Unmarshal(c.Snapshot, &s)
		names = append(names, s.Name)
	}
	token, err := st.AddStation(ctx, "hall-1")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(st, httpapi.Options{}))
	defer srv.Close()

	const batches, batch, killAfter = 40, 25, 10
	acked := map[string]bool{}
	failed := 0
	client := &http.Client{Timeout: 20 * time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for k := range batches {
		ops := make([]domain.Op, batch)
		for i := range ops {
			ops[i] = domain.Op{ID: fmt.Sprintf("%016x%016x", k, i), CreatedAt: time.Now().UTC(), Kind: domain.OpDirectory,
				Account: names[(k*batch+i)%len(names)], Payload: json.RawMessage(fmt.Sprintf(`{"public":%t}`, (k+i)%2 == 0))}
		}
		if k == killAfter {
			// The primary dies while this batch is on its way; the
			// standby is promoted a moment later.
			go func() {
				exec.Command(script, "kill-primary", dir).Run()
				time.Sleep(300 * time.Millisecond)
				exec.Command(script, "promote", dir).Run()
			}()
		}
		for { // the station retries the same ops until they are answered
			res, err := push(client, srv.URL, token, ops)
			if err == nil {
				for _, r := range res {
					if r.Outcome == wire.OutcomeRejected {
						t.Fatalf("op %s rejected: %s", r.ID, r.Reason)
					}
					acked[r.ID] = true
				}
				break
			}
			failed++
			if strings.Contains(err.Error(), "push: 4") || time.Now().After(deadline) {
				t.Fatalf("batch %d never answered: %v", k, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	if failed == 0 && tl.retried.Load() == 0 {
		t.Fatal("no push failed and no group commit was retried: the primary was not killed mid-push")
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var inRecovery bool
	conn.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&inRecovery)
	rows, err := conn.Query(ctx, `SELECT op_id, outcome FROM ops`)
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]string{}
	for rows.Next() {
		var id, outcome string
		rows.Scan(&id, &outcome)
		recorded[id] = outcome
	}
	rows.Close()
	for id := range acked {
		if recorded[id] != "applied" {
			t.Errorf("acknowledged op %s: %q on the promoted standby", id, recorded[id])
		}
	}
	if len(acked) != batches*batch || len(recorded) != batches*batch || inRecovery {
		t.Fatalf("%d acknowledged, %d recorded, promoted server still in recovery: %t", len(acked), len(recorded), inRecovery)
	}
	t.Logf("%d ops acknowledged, all on the promoted standby; during the failover accountd retried %d group commits and the station %d pushes",
		len(acked), tl.retried.Load(), failed)
}

// testLog writes accountd's log to the test's, counting retried groups.
type testLog struct {
	t       *testing.T
	retried atomic.Int32
}

func (l *testLog) Write(b []byte) (int, error) {
	if bytes.Contains(b, []byte("group commit failed")) {
		l.retried.Add(1)
	}
	if !bytes.Contains(b, []byte("op rejected")) {
		l.t.Log(strings.TrimSpace(string(b)))
	}
	return len(b), nil
}

func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

func push(c *http.Client, url, token string, ops []domain.Op) ([]wire.OpResult, error) {
	body, _ := json.Marshal(wire.PushRequest{Ops: ops})
	req, _ := http.NewRequest(http.MethodPost, url+"/v1/ops", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out wire.PushResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return nil, fmt.Errorf("push: %d %v", resp.StatusCode, err)
	}
	return out.Results, nil
}
