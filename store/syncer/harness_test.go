package syncer_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/registry"
	"github.com/expressstation/kiosk/store/registry/registrytest"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/syncer"
)

// A deployment in one process: accountd's store and API on a loopback
// httptest server behind a gate that can take the link down or lose
// replies, and stations that sync with it. One clock drives everything.

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testKeys(t testing.TB) secret.Keys {
	k, err := secret.NewKeys(bytes.Repeat([]byte{0x11}, 32), bytes.Repeat([]byte{0x22}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// gate sits between stations and the API.
type gate struct {
	mu        sync.Mutex
	h         http.Handler
	down      atomic.Bool  // every connection is cut: the store is unreachable
	dropPush  atomic.Int32 // the next n pushes are applied, then their reply is lost
	onRequest func(r *http.Request)
	// afterApply, when set, runs after a push was applied and before its
	// reply, which is then lost.
	afterApply func()
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	h, hook, after := g.h, g.onRequest, g.afterApply
	g.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	if g.down.Load() {
		cut(w)
		return
	}
	if r.URL.Path == "/v1/ops" && (after != nil || g.dropPush.Add(-1) >= 0) {
		h.ServeHTTP(httptest.NewRecorder(), r) // applied; the answer never leaves
		if after != nil {
			after()
		}
		cut(w)
		return
	}
	h.ServeHTTP(w, r)
}

func (g *gate) swap(h http.Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.h = h
}

func (g *gate) hooks(onRequest func(*http.Request), afterApply func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.onRequest, g.afterApply = onRequest, afterApply
}

// cut closes the connection without an answer.
func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

type deployment struct {
	t       testing.TB
	clock   *testClock
	keys    secret.Keys
	central *central.SQLite
	dbPath  string // the central store's file
	pgURL   string // or its PostgreSQL database (newPGDeployment)
	gate    *gate
	url     string
}

func newDeployment(t testing.TB) *deployment {
	t.Helper()
	d := &deployment{t: t, clock: newClock(), keys: testKeys(t)}
	d.dbPath = filepath.Join(t.TempDir(), "central.db")
	d.central = d.openCentral(d.dbPath)
	d.gate = &gate{h: httpapi.New(d.central, httpapi.Options{})}
	srv := httptest.NewServer(d.gate)
	t.Cleanup(srv.Close)
	d.url = srv.URL
	return d
}

func (d *deployment) openCentral(path string) *central.SQLite {
	c, err := central.Open(path, central.Options{Keys: &d.keys, Now: d.clock.Now})
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { c.Close() })
	return c
}

func (d *deployment) importCSV(csv string) registry.ImportReport {
	d.t.Helper()
	rep, err := d.central.Import(context.Background(), strings.NewReader(csv))
	if err != nil {
		d.t.Fatal(err)
	}
	return rep
}

// station is one station: its replica and its syncer.
type station struct {
	t    testing.TB
	id   string
	path string
	r    *store.Replica
	s    *syncer.Syncer
}

func (d *deployment) token(id string) string {
	tok, err := d.central.AddStation(context.Background(), id)
	if err != nil {
		d.t.Fatal(err)
	}
	return tok
}

func (d *deployment) station(id string, tune ...func(*syncer.Options)) *station {
	d.t.Helper()
	path := filepath.Join(d.t.TempDir(), id+".db")
	return d.openStation(id, path, d.token(id), tune...)
}

func (d *deployment) openStation(id, path, token string, tune ...func(*syncer.Options)) *station {
	d.t.Helper()
	r, err := store.Open(path, store.Options{Keys: d.keys, StationID: id, Now: d.clock.Now})
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { r.Close() })
	opt := syncer.Options{Upstream: d.url, Token: token, Now: d.clock.Now, Interval: 5 * time.Second,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond}
	for _, f := range tune {
		f(&opt)
	}
	s, err := syncer.New(r, opt)
	if err != nil {
		d.t.Fatal(err)
	}
	return &station{t: d.t, id: id, path: path, r: r, s: s}
}

func (st *station) sync() {
	st.t.Helper()
	if err := st.s.SyncOnce(context.Background()); err != nil {
		st.t.Fatalf("%s: sync: %v", st.id, err)
	}
}

// run starts the station's loop until the test ends.
func (st *station) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); st.s.Run(ctx) }()
	st.t.Cleanup(func() { cancel(); <-done })
}

func (st *station) status() store.StationStatus {
	st.t.Helper()
	s, err := st.r.Status(context.Background())
	if err != nil {
		st.t.Fatal(err)
	}
	return s
}

// eventually waits (bounded) for cond, for work done by sync loops over
// loopback HTTP.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

const csvHeader = registrytest.Header

// The cast (HKIDs with valid check digits).
const (
	rowTaiMan  = "20261001,CHAN,Tai Man,A123456(3),2006-03-14,Computer Science,UG,degree,2030-06-30\n"
	rowTaiMing = "20261002,CHAN,Tai Ming,Y654321(7),2005-11-02,Physics,UG,degree,2030-06-30\n"
	rowSiuLing = "20261003,WONG,Siu Ling,,2007-07-21,Mathematics,UG,non-degree,2030-06-30\n"
)

var cast = csvHeader + rowTaiMan + rowTaiMing + rowSiuLing

// centralOps counts the ops the store recorded, by outcome.
func (d *deployment) centralOps() map[string]int {
	d.t.Helper()
	if d.pgURL != "" {
		return d.pgCentralOps()
	}
	db, err := sql.Open("sqlite", d.dbPath+"?_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		d.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT outcome, count(*) FROM ops GROUP BY outcome`)
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

func (d *deployment) snapshot(name string) domain.Snapshot {
	d.t.Helper()
	f, err := d.central.Changes(context.Background(), 0, 1<<20)
	if err != nil {
		d.t.Fatal(err)
	}
	for _, c := range f.Changes {
		if strings.Contains(string(c.Snapshot), fmt.Sprintf(`"name":%q`, name)) {
			var s domain.Snapshot
			if err := json.Unmarshal(c.Snapshot, &s); err != nil {
				d.t.Fatal(err)
			}
			s.Seq = c.Seq
			return s
		}
	}
	d.t.Fatalf("central store has no %s", name)
	return domain.Snapshot{}
}

// generatedCSV is a registry of n valid students with many name clashes.
func generatedCSV(n int) string { return registrytest.CSV(n) }
