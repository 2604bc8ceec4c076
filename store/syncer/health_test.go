package syncer_test

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/syncer"
	"github.com/expressstation/kiosk/store/wire"
)

// Each round ends with a heartbeat: the central store keeps the outbox
// backlog, the oldest pending op's age, the cursor, the round's error and
// what the app adds (version, maintenance, free disk).
func TestRoundSendsHeartbeat(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a := d.station("A", func(o *syncer.Options) {
		o.Health = func(h *wire.Health) { h.Version, h.Maintenance, h.FreeDisk = "v9.9.9", true, 12345 }
	})
	a.sync()
	health := func() wire.Health {
		t.Helper()
		list, err := d.central.Stations(ctx)
		if err != nil || len(list) != 1 || list[0].Health == nil || list[0].LastSeen == nil {
			t.Fatalf("stations: %+v, %v", list, err)
		}
		return *list[0].Health
	}
	want := wire.Health{Version: "v9.9.9", Maintenance: true, FreeDisk: 12345, Cursor: 3}
	if h := health(); h != want {
		t.Fatalf("after a round: %+v, want %+v", h, want)
	}

	// The store is down: an activation waits in the outbox; the heartbeat
	// of the round that fails cannot arrive either.
	d.gate.down.Store(true)
	if _, err := a.r.Activate(ctx, store.Unverified("tmchan"), pw1); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	d.gate.hooks(func(r *http.Request) {
		if r.URL.Path == "/v1/health" {
			calls.Add(1)
		}
	}, nil)
	if err := a.s.SyncOnce(ctx); err == nil {
		t.Fatal("sync with the store down succeeded")
	}
	if n := calls.Load(); n != 0 {
		t.Fatalf("%d heartbeats tried with the link down", n)
	}
	d.clock.Advance(90 * time.Second)

	// Pushes fail with 503 but the heartbeat gets through: it says so.
	d.gate.down.Store(false)
	d.gate.hooks(nil, nil)
	real := d.gate.h
	d.gate.swap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/ops" {
			http.Error(w, `{"error":"busy","code":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		real.ServeHTTP(w, r)
	}))
	if err := a.s.SyncOnce(ctx); err == nil {
		t.Fatal("sync with pushes refused succeeded")
	}
	h := health()
	if h.OutboxPending != 1 || h.OldestPending != 90 || !strings.Contains(h.LastError, "503") {
		t.Fatalf("while pushes fail: %+v", h)
	}

	d.gate.swap(real)
	a.sync()
	if h := health(); h.OutboxPending != 0 || h.OldestPending != 0 || h.LastError != "" || h.Cursor != 4 {
		t.Fatalf("after the push went through: %+v", h)
	}
}

// A central store that does not know heartbeats (an older accountd answers
// 405 to POST /v1/health) still syncs the station.
func TestHeartbeatRefusedRoundStillSucceeds(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	real := d.gate.h
	d.gate.swap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/health" && r.Method == http.MethodPost {
			http.Error(w, `{"error":"GET only","code":"method_not_allowed"}`, http.StatusMethodNotAllowed)
			return
		}
		real.ServeHTTP(w, r)
	}))
	a := d.station("A")
	a.sync()
	if st := a.status(); st.Accounts != 3 || st.LastSyncError != "" {
		t.Fatalf("status: %+v", st)
	}
}
