package main

import (
	"context"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/wire"
)

// metrics is what `serve --metrics-listen` exposes at /metrics, in the
// Prometheus text format, on a listener of its own (never the stations'
// API port). Counters count what this process did since it started; the
// feed head and each station's lag and last heartbeat are read from the
// store at each scrape, so every accountd process of a PostgreSQL store
// reports the same.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec // endpoint, code
	ops      *prometheus.CounterVec // outcome, reason
	moves    *prometheus.CounterVec // to
	notices  *prometheus.CounterVec // state
	pushTime prometheus.Histogram   // POST /v1/ops, whole request
	pageTime prometheus.Histogram   // reading a page of the feed (not the long-poll wait)
	stations *central.Central
	now      func() time.Time
}

func newMetrics(st *central.Central, now func() time.Time) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accountd_requests_total",
			Help: "Requests to the sync API by endpoint and HTTP status."}, []string{"endpoint", "code"}),
		ops: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accountd_ops_total",
			Help: "Ops stations pushed, by outcome (applied, duplicate, rejected) and, for rejections, reason code."},
			[]string{"outcome", "reason"}),
		moves: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accountd_lifecycle_moves_total",
			Help: "Accounts moved along the lifecycle, by the state they entered."}, []string{"to"}),
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "accountd_notices_total",
			Help: "Notices by what happened to them: queued, sent, failed (to retry) or kept."}, []string{"state"}),
		pushTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "accountd_push_duration_seconds",
			Help: "Time to answer a push (POST /v1/ops).", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		pageTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "accountd_page_duration_seconds",
			Help: "Time to read a page of the change feed (without any long-poll wait).", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		stations: st,
		now:      now,
	}
	m.reg.MustRegister(m.requests, m.ops, m.moves, m.notices, m.pushTime, m.pageTime, fleetCollector{m},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves /metrics.
func (m *metrics) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	return mux
}

// endpoints are the API's; anything else is counted as "other", so a
// scanner cannot grow the label set.
var endpoints = map[string]bool{"GET /v1/health": true, "POST /v1/health": true, "GET /v1/changes": true, "POST /v1/ops": true}

// middleware counts requests by endpoint and status and times pushes.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		endpoint := r.Method + " " + r.URL.Path
		if !endpoints[endpoint] {
			endpoint = "other"
		}
		m.requests.WithLabelValues(endpoint, strconv.Itoa(sw.code)).Inc()
		if endpoint == "POST /v1/ops" {
			m.pushTime.Observe(time.Since(start).Seconds())
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap counts what the store does for the API and the jobs.
func (m *metrics) wrap(st central.Store) central.Store { return metered{st, m} }

type metered struct {
	central.Store
	m *metrics
}

func (s metered) Changes(ctx context.Context, after int64, limit int) (central.Feed, error) {
	start := time.Now()
	f, err := s.Store.Changes(ctx, after, limit)
	if err == nil && limit > 0 { // limit 0 only asks for the head
		s.m.pageTime.Observe(time.Since(start).Seconds())
	}
	return f, err
}

func (s metered) Apply(ctx context.Context, station string, ops []domain.Op) ([]wire.OpResult, error) {
	res, err := s.Store.Apply(ctx, station, ops)
	if err == nil {
		for _, r := range res {
			reason := ""
			if r.Outcome == wire.OutcomeRejected {
				reason = reasonCode(r.Reason)
			}
			s.m.ops.WithLabelValues(string(r.Outcome), reason).Inc()
		}
	}
	return res, err
}

// codePattern is a rejection's stable code (domain.Rejection: "code: message").
var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

func reasonCode(reason string) string {
	code, _, _ := strings.Cut(reason, ":")
	if !codePattern.MatchString(code) {
		return "other"
	}
	return code
}

func (s metered) RunLifecycle(ctx context.Context, now time.Time) (domain.LifecycleReport, error) {
	rep, err := s.Store.RunLifecycle(ctx, now)
	for _, t := range rep.Transitions {
		s.m.moves.WithLabelValues(string(t.To)).Inc()
	}
	s.m.notices.WithLabelValues("queued").Add(float64(rep.Notices))
	return rep, err
}

func (s metered) QueuePasswordReminders(ctx context.Context, now time.Time) (int, error) {
	n, err := s.Store.QueuePasswordReminders(ctx, now)
	s.m.notices.WithLabelValues("queued").Add(float64(n))
	return n, err
}

func (s metered) MarkNoticeSent(ctx context.Context, id int64) error {
	return s.m.count(s.Store.MarkNoticeSent(ctx, id), string(notice.Sent))
}

func (s metered) MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error {
	state := "failed"
	if keep {
		state = string(notice.Kept)
	}
	return s.m.count(s.Store.MarkNoticeFailed(ctx, id, reason, keep), state)
}

func (s metered) KeepNotice(ctx context.Context, id int64, reason string) error {
	return s.m.count(s.Store.KeepNotice(ctx, id, reason), string(notice.Kept))
}

func (m *metrics) count(err error, state string) error {
	if err == nil {
		m.notices.WithLabelValues(state).Inc()
	}
	return err
}

// fleetCollector reads the feed head and each live station's heartbeat at
// scrape time.
type fleetCollector struct{ m *metrics }

var (
	headDesc = prometheus.NewDesc("accountd_feed_head", "The newest change number of the feed.", nil, nil)
	lagDesc  = prometheus.NewDesc("accountd_station_lag",
		"Changes the station has yet to pull at its last heartbeat (feed head minus its cursor).", []string{"station"}, nil)
	seenDesc = prometheus.NewDesc("accountd_station_last_seen_timestamp_seconds",
		"When the station's last heartbeat came (Unix time).", []string{"station"}, nil)
	silentDesc = prometheus.NewDesc("accountd_station_silent_seconds",
		"Seconds since the station's last heartbeat.", []string{"station"}, nil)
)

func (c fleetCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- headDesc
	ch <- lagDesc
	ch <- seenDesc
	ch <- silentDesc
}

func (c fleetCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	feed, err := c.m.stations.Changes(ctx, math.MaxInt64, 0)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(headDesc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(headDesc, prometheus.GaugeValue, float64(feed.Head))
	list, err := c.m.stations.Stations(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(lagDesc, err)
		return
	}
	now := c.m.now()
	for _, s := range list {
		if s.RevokedAt != nil || s.LastSeen == nil || s.Health == nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(max(feed.Head-s.Health.Cursor, 0)), s.ID)
		ch <- prometheus.MustNewConstMetric(seenDesc, prometheus.GaugeValue, float64(s.LastSeen.UnixMilli())/1000, s.ID)
		ch <- prometheus.MustNewConstMetric(silentDesc, prometheus.GaugeValue, now.Sub(*s.LastSeen).Seconds(), s.ID)
	}
}
