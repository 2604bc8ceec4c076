package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/syncer"
	"github.com/expressstation/kiosk/store/wire"
)

// fleet is a central store with its API on loopback and stations syncing
// with it, all on one fake clock.
type fleet struct {
	t   *testing.T
	clk *fakeClock
	db  string
	st  *central.Central
	url string
}

type fleetStation struct {
	id string
	r  *store.Replica
	sy *syncer.Syncer
}

func newFleet(t *testing.T, api func(central.Store) httpapi.Options) *fleet {
	t.Helper()
	clk := newFakeClock(at(2026, 6, 1))
	dir := t.TempDir()
	f := &fleet{t: t, clk: clk, db: filepath.Join(dir, "central.db")}
	csv := filepath.Join(dir, "registry.csv")
	if err := os.WriteFile(csv, []byte(classCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KIOSK_IDENTITY_KEY", strings.Repeat("11", 32))
	t.Setenv("KIOSK_SEAL_KEY", strings.Repeat("22", 32))
	if code, _, stderr := outAt(t, clk, "import", "--db", f.db, csv); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	st, err := central.Open(f.db, central.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	var opt httpapi.Options
	if api != nil {
		opt = api(st)
	}
	srv := httptest.NewServer(httpapi.New(st, opt))
	t.Cleanup(srv.Close)
	f.url = srv.URL
	return f
}

// station adds a station and opens its replica and syncer; its heartbeat
// says version v and the replica's maintenance switch, as the kiosk's does.
func (f *fleet) station(id, v string) *fleetStation {
	f.t.Helper()
	ctx := context.Background()
	token, err := f.st.AddStation(ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	r, err := store.Open(filepath.Join(f.t.TempDir(), id+".db"), store.Options{Keys: testKeys(), StationID: id, Now: f.clk.Now})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { r.Close() })
	sy, err := syncer.New(r, syncer.Options{Upstream: f.url, Token: token, Now: f.clk.Now,
		Health: func(h *wire.Health) {
			h.Version = v
			h.Maintenance, _ = r.Maintenance(ctx)
		}})
	if err != nil {
		f.t.Fatal(err)
	}
	return &fleetStation{id: id, r: r, sy: sy}
}

func (s *fleetStation) sync(t *testing.T) {
	t.Helper()
	if err := s.sy.SyncOnce(context.Background()); err != nil {
		t.Fatalf("%s: sync: %v", s.id, err)
	}
}

// Three stations: hall-1 stops, hall-2 activates a student and then goes
// into maintenance, hall-3 activates the same student offline and has its
// op rejected. station list tells each truthfully and marks hall-1 stale.
func TestStationListShowsFleet(t *testing.T) {
	ctx := context.Background()
	f := newFleet(t, nil)
	h1, h2, h3 := f.station("hall-1", "v1.3.0"), f.station("hall-2", "v1.4.0"), f.station("hall-3", "v1.4.0")
	for _, s := range []*fleetStation{h1, h2, h3} {
		s.sync(t)
	}
	// hall-1 stops here. Eleven minutes later:
	f.clk.Set(at(2026, 6, 1).Add(11 * time.Minute))
	if _, err := h2.r.Activate(ctx, store.Unverified("kylam"), "Harbour lights 42 tonight"); err != nil {
		t.Fatal(err)
	}
	h2.sync(t)
	// hall-3 has not heard of the activation: its own is refused centrally.
	if _, err := h3.r.Activate(ctx, store.Unverified("kylam"), "Lantau sunrise 73 morning"); err != nil {
		t.Fatal(err)
	}
	h3.sync(t)
	if st, _ := h3.r.Status(ctx); st.OutboxRejected != 1 {
		t.Fatalf("hall-3 status: %+v", st)
	}
	if err := h2.r.SetMaintenance(ctx, true); err != nil {
		t.Fatal(err)
	}
	h2.sync(t)

	code, stdout, stderr := outAt(t, f.clk, "station", "list", "--json", "--db", f.db)
	if code != 0 {
		t.Fatalf("station list --json: %d %s", code, stderr)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(stdout), &list); err != nil || len(list) != 3 {
		t.Fatalf("station list --json: %v\n%s", err, stdout)
	}
	head := float64(f.head(t))
	start, later := at(2026, 6, 1).Format(time.RFC3339), at(2026, 6, 1).Add(11*time.Minute).Format(time.RFC3339)
	want := []map[string]any{
		{"id": "hall-1", "last_seen": start, "version": "v1.3.0", "lag": head - 4, "outbox_pending": 0.0,
			"outbox_rejected": 0.0, "maintenance": false, "stale": true},
		{"id": "hall-2", "last_seen": later, "version": "v1.4.0", "lag": 0.0, "outbox_pending": 0.0,
			"outbox_rejected": 0.0, "maintenance": true, "stale": false},
		{"id": "hall-3", "last_seen": later, "version": "v1.4.0", "lag": 0.0, "outbox_pending": 0.0,
			"outbox_rejected": 1.0, "maintenance": false, "stale": false},
	}
	if head <= 4 {
		t.Fatalf("feed head %v: the activation did not move it", head)
	}
	for i, w := range want {
		for k, v := range w {
			if list[i][k] != v {
				t.Errorf("%s: %s = %v, want %v", w["id"], k, list[i][k], v)
			}
		}
	}

	// A longer --stale forgives hall-1's silence.
	_, stdout, _ = outAt(t, f.clk, "station", "list", "--json", "--stale", "1h", "--db", f.db)
	if strings.Contains(stdout, `"stale": true`) {
		t.Errorf("--stale 1h: %s", stdout)
	}

	code, stdout, stderr = outAt(t, f.clk, "station", "list", "--db", f.db)
	if code != 0 {
		t.Fatalf("station list: %d %s", code, stderr)
	}
	for _, re := range []string{
		`(?m)^STATION\s+ADDED\s+STATE\s+LAST SEEN\s+VERSION\s+LAG\s+BACKLOG\s+REJECTED\s+MAINTENANCE$`,
		`(?m)^hall-1\s+\S+ \S+\s+STALE\s+\S+ \S+\s+v1\.3\.0\s+[1-9]\d*\s+0\s+0\s+off$`,
		`(?m)^hall-2\s+\S+ \S+\s+active\s+\S+ \S+\s+v1\.4\.0\s+0\s+0\s+0\s+ON$`,
		`(?m)^hall-3\s+\S+ \S+\s+active\s+\S+ \S+\s+v1\.4\.0\s+0\s+0\s+1\s+off$`,
	} {
		if !regexp.MustCompile(re).MatchString(stdout) {
			t.Errorf("station list does not match %s:\n%s", re, stdout)
		}
	}
}

func (f *fleet) head(t *testing.T) int64 {
	t.Helper()
	feed, err := f.st.Changes(context.Background(), 1<<62, 0)
	if err != nil {
		t.Fatal(err)
	}
	return feed.Head
}
