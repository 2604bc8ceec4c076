package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

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
	m   *metrics // as serve --metrics-listen wires it
	url string
}

type fleetStation struct {
	id    string
	token string
	r     *store.Replica
	sy    *syncer.Syncer
}

func newFleet(t *testing.T) *fleet {
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
	f.st, f.m = st, newMetrics(st, clk.Now)
	srv := httptest.NewServer(f.m.middleware(httpapi.New(f.m.wrap(st), httpapi.Options{})))
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
	return &fleetStation{id: id, token: token, r: r, sy: sy}
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
	f := newFleet(t)
	threeStations(t, f)

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

// threeStations: hall-1 syncs once and stops; eleven minutes later hall-2
// activates kylam and goes into maintenance, and hall-3, not having heard,
// activates kylam too and has its op rejected.
func threeStations(t *testing.T, f *fleet) (h1, h2, h3 *fleetStation) {
	t.Helper()
	ctx := context.Background()
	h1, h2, h3 = f.station("hall-1", "v1.3.0"), f.station("hall-2", "v1.4.0"), f.station("hall-3", "v1.4.0")
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
	return h1, h2, h3
}

// /metrics after the three stations (and one op pushed again) parses with
// the Prometheus text parser, and its counters match the ops the store
// recorded, the pushes made and the fleet's state.
func TestMetricsMatchFleet(t *testing.T) {
	ctx := context.Background()
	f := newFleet(t)
	h1, _, _ := threeStations(t, f)
	// hall-1 comes back, activates hyyip, and pushes that op again (a
	// retry after a lost reply): a duplicate.
	if _, err := h1.r.Activate(ctx, store.Unverified("hyyip"), "Harbour lights 42 tonight"); err != nil {
		t.Fatal(err)
	}
	ops, err := h1.r.PendingOps(ctx, 10)
	if err != nil || len(ops) != 1 {
		t.Fatalf("hall-1 pending: %v, %v", ops, err)
	}
	h1.sync(t)
	body, _ := json.Marshal(wire.PushRequest{Ops: ops})
	req, _ := http.NewRequest("POST", f.url+"/v1/ops", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+h1.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("second push: %v %v", resp, err)
	}
	resp.Body.Close()

	hall3Cursor := f.cursorOf(t, "hall-3")
	srv := httptest.NewServer(f.m.handler())
	defer srv.Close()
	resp, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		fam := families[name]
		if fam == nil {
			t.Fatalf("/metrics has no %s", name)
		}
		var sum float64
	metrics:
		for _, m := range fam.Metric {
			got := map[string]string{}
			for _, l := range m.Label {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue metrics
				}
			}
			sum += metricValue(m)
		}
		return sum
	}

	recorded := f.recordedOps(t)
	if recorded["applied"] != 2 || recorded["rejected"] != 1 {
		t.Fatalf("the store recorded %v", recorded)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"accountd_ops_total", map[string]string{"outcome": "applied"}, float64(recorded["applied"])},
		{"accountd_ops_total", map[string]string{"outcome": "rejected"}, float64(recorded["rejected"])},
		{"accountd_ops_total", map[string]string{"outcome": "rejected", "reason": f.rejectionCode(t)}, 1},
		{"accountd_ops_total", map[string]string{"outcome": "duplicate"}, 1},
		{"accountd_requests_total", map[string]string{"endpoint": "POST /v1/ops", "code": "200"}, 4}, // hall-2, hall-3, hall-1 and the retry
		{"accountd_push_duration_seconds", nil, 4},
		{"accountd_requests_total", map[string]string{"endpoint": "POST /v1/health", "code": "204"}, 7}, // a heartbeat per round
		{"accountd_feed_head", nil, float64(f.head(t))},
		{"accountd_station_lag", map[string]string{"station": "hall-1"}, 0},
		{"accountd_station_lag", map[string]string{"station": "hall-3"}, float64(f.head(t) - hall3Cursor)},
		{"accountd_station_last_seen_timestamp_seconds", map[string]string{"station": "hall-2"},
			float64(at(2026, 6, 1).Add(11 * time.Minute).Unix())},
	} {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if value("accountd_page_duration_seconds", nil) < 6 {
		t.Errorf("page latency observed %v pages", value("accountd_page_duration_seconds", nil))
	}
}

// metricValue is a sample's value; a histogram's count.
func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// recordedOps counts the ops the store recorded, by outcome.
func (f *fleet) recordedOps(t *testing.T) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", f.db+"?_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT outcome, count(*) FROM ops GROUP BY outcome`)
	if err != nil {
		t.Fatal(err)
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

// rejectionCode is the code of the one rejection the store recorded.
func (f *fleet) rejectionCode(t *testing.T) string {
	t.Helper()
	db, err := sql.Open("sqlite", f.db+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var reason string
	if err := db.QueryRow(`SELECT reason FROM ops WHERE outcome = 'rejected'`).Scan(&reason); err != nil {
		t.Fatal(err)
	}
	code, _, _ := strings.Cut(reason, ":")
	return code
}

// cursorOf is the cursor a station's last heartbeat reported.
func (f *fleet) cursorOf(t *testing.T, id string) int64 {
	t.Helper()
	list, err := f.st.Stations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if s.ID == id && s.Health != nil {
			return s.Health.Cursor
		}
	}
	t.Fatalf("no heartbeat from %s", id)
	return 0
}

// serve --metrics-listen serves /metrics on its own listener (the API port
// does not answer it): the lifecycle job's moves at start are counted.
func TestServeMetricsListen(t *testing.T) {
	clk := newFakeClock(at(2026, 6, 1))
	db := classOf2026(t, clk)
	clk.Set(at(2026, 8, 31))
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- runWith(ctx, clk, []string{"serve", "--db", db, "--listen", "127.0.0.1:0",
			"--metrics-listen", "127.0.0.1:0"}, &bytes.Buffer{}, &stderr)
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exit %d: %s", code, stderr.String())
		}
	}()
	next(t, clk.daily) // the job at start is done: the class entered grace
	logged := stderr.String()
	metricsURL := regexp.MustCompile(`msg="accountd metrics" url=(\S+)`).FindStringSubmatch(logged)
	apiURL := regexp.MustCompile(`msg="accountd serving" .*url=(\S+)`).FindStringSubmatch(logged)
	if metricsURL == nil || apiURL == nil {
		t.Fatalf("no URLs logged:\n%s", logged)
	}
	resp, err := http.Get(metricsURL[1])
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d, %v", resp.StatusCode, err)
	}
	var moved float64
	for _, m := range families["accountd_lifecycle_moves_total"].GetMetric() {
		moved += m.Counter.GetValue()
	}
	if moved != 4 || families["accountd_feed_head"] == nil {
		t.Errorf("lifecycle moves %v, head %v", moved, families["accountd_feed_head"])
	}
	if resp, err := http.Get(strings.TrimSuffix(apiURL[1], "/") + "/metrics"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics on the API port: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}
