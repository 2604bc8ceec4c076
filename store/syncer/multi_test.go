package syncer_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/central/pgtest"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/syncer"
)

// flaky cuts some requests before they reach accountd and loses the
// answer of some pushes after they were applied, while on.
type flaky struct {
	h   http.Handler
	on  atomic.Bool
	mu  sync.Mutex
	rnd *rand.Rand
}

func (f *flaky) roll() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rnd.Float64()
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.on.Load() {
		switch x := f.roll(); {
		case x < 0.10:
			cut(w)
			return
		case x < 0.20 && r.URL.Path == "/v1/ops":
			f.h.ServeHTTP(httptest.NewRecorder(), r) // applied; the answer is lost
			cut(w)
			return
		}
	}
	f.h.ServeHTTP(w, r)
}

// Two accountd processes (two Stores, two HTTP servers) on one PostgreSQL
// database, twenty stations that list both as upstreams (in random order)
// and push and pull through either, with requests cut and answers lost at
// random: every station ends with exactly the database's snapshots, at its
// head (no change skipped), and every op a station made is recorded once,
// applied (none lost, none applied twice).
func TestTwoAccountdsTwentyStations(t *testing.T) {
	dbURL := pgtest.URL(t)
	d := &deployment{t: t, clock: newClock(), keys: testKeys(t)}
	var urls []string
	var flakies []*flaky
	for i := range 2 {
		c := d.openCentral(dbURL)
		if i == 0 {
			d.central = c
		}
		f := &flaky{h: httpapi.New(c, httpapi.Options{}), rnd: rand.New(rand.NewPCG(uint64(i), 7))}
		flakies = append(flakies, f)
		srv := httptest.NewServer(f)
		t.Cleanup(srv.Close)
		urls = append(urls, srv.URL)
	}
	d.url = urls[0]
	const stations, perStation = 20, 2
	var csv strings.Builder
	csv.WriteString(csvHeader)
	for i := range stations * perStation {
		fmt.Fprintf(&csv, "%08d,CHAN,Student %c%c,,2000-01-%02d,Physics,UG,degree,2030-06-30\n", 40000000+i, 'A'+i/26, 'a'+i%26, 1+i%28)
	}
	d.importCSV(csv.String())

	sts := make([]*station, stations)
	for i := range sts {
		order := []string{urls[0], urls[1]}
		if i%2 == 1 {
			order[0], order[1] = order[1], order[0]
		}
		sts[i] = d.openStation(fmt.Sprintf("S%02d", i), filepath.Join(t.TempDir(), fmt.Sprintf("S%02d.db", i)),
			d.token(fmt.Sprintf("S%02d", i)), func(o *syncer.Options) { o.Upstream, o.Upstreams = "", order })
	}
	for _, f := range flakies {
		f.on.Store(true)
	}
	made := make([]int, stations) // ops each station made
	var wg sync.WaitGroup
	for i, st := range sts {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(i), 1))
			// Bootstrap: a round may be cut anywhere (10% of requests), so
			// retry until one goes through whole, as the sync loop would.
			for try := 0; st.s.SyncOnce(ctx) != nil; try++ {
				if try == 100 {
					t.Errorf("%s: no sync round went through in 100 tries", st.id)
					return
				}
			}
			for k := range perStation {
				n := i*perStation + k
				acct, err := st.r.VerifyIdentity(ctx, store.Identity{StudentID: fmt.Sprintf("%08d", 40000000+n),
					DateOfBirth: fmt.Sprintf("2000-01-%02d", 1+n%28)})
				if err != nil {
					t.Errorf("%s: identity: %v", st.id, err)
					return
				}
				if acct, err = st.r.Activate(ctx, acct.Proof, "Harbour lights 42 tonight"); err != nil {
					t.Errorf("%s: activate: %v", st.id, err)
					return
				}
				made[i]++
				for range 3 {
					if rnd.IntN(2) == 0 {
						st.s.SyncOnce(ctx)
					}
					if acct, err = st.r.SetDirectoryPublic(ctx, acct.Proof, !acct.DirectoryPublic); err != nil {
						t.Errorf("%s: directory: %v", st.id, err)
						return
					}
					made[i]++
				}
				st.s.SyncOnce(ctx)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	// The links heal: every station drains its outbox, then pulls what
	// the others pushed.
	for _, f := range flakies {
		f.on.Store(false)
	}
	for range 2 {
		for _, st := range sts {
			st.sync()
		}
	}

	feed, err := d.central.Changes(ctx, 0, 1<<20)
	if err != nil || len(feed.Changes) != stations*perStation {
		t.Fatalf("feed: %d changes, %v", len(feed.Changes), err)
	}
	for _, st := range sts {
		status := st.status()
		if status.Cursor != feed.Head || status.OutboxPending != 0 || status.OutboxRejected != 0 || status.Accounts != stations*perStation {
			t.Errorf("%s: %+v, head %d", st.id, status, feed.Head)
		}
		if l := st.s.Link(); l.Upstream != urls[0] && l.Upstream != urls[1] || status.Upstream == "" {
			t.Errorf("%s: upstream in use %q, recorded %q", st.id, l.Upstream, status.Upstream)
		}
		for _, c := range feed.Changes {
			var want domain.Snapshot
			if err := json.Unmarshal(c.Snapshot, &want); err != nil {
				t.Fatal(err)
			}
			got, err := st.r.Snapshot(ctx, want.Name)
			if err != nil || !reflect.DeepEqual(normal(got), normal(want)) {
				t.Fatalf("%s: %s differs from the database:\n got  %+v\n want %+v (%v)", st.id, want.Name, normal(got), normal(want), err)
			}
		}
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for i, st := range sts {
		var recorded, applied int
		if err := conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE outcome = 'applied') FROM ops WHERE station = $1`,
			st.id).Scan(&recorded, &applied); err != nil {
			t.Fatal(err)
		}
		if recorded != made[i] || applied != made[i] {
			t.Errorf("%s made %d ops: the database recorded %d, applied %d", st.id, made[i], recorded, applied)
		}
	}
}

// normal is a snapshot as both sides compare it (a replica's has no seq:
// its cursor says how far it is).
func normal(s domain.Snapshot) string {
	s.Seq = 0
	b, _ := json.Marshal(s)
	var m map[string]any
	json.Unmarshal(b, &m)
	b, _ = json.Marshal(m)
	return string(b)
}
