package syncer_test

import (
	"net/http/httptest"
	"testing"

	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/syncer"
)

// A station with two upstreams moves to the next after a failed round and
// says which one it uses (the link, and the replica for `kiosk status`).
func TestFailoverBetweenUpstreams(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	second := &gate{h: httpapi.New(d.central, httpapi.Options{})}
	srv := httptest.NewServer(second)
	t.Cleanup(srv.Close)
	d.gate.down.Store(true)
	st := d.openStation("S1", t.TempDir()+"/S1.db", d.token("S1"), func(o *syncer.Options) {
		o.Upstream, o.Upstreams = "", []string{d.url, srv.URL}
	})
	if l := st.s.Link(); l.Upstream != d.url {
		t.Fatalf("first upstream: %q", l.Upstream)
	}
	if err := st.s.SyncOnce(ctx); err == nil {
		t.Fatal("a round through a cut link succeeded")
	}
	if l := st.s.Link(); l.Upstream != srv.URL || l.Mode != syncer.Offline {
		t.Fatalf("after a failure: %+v", l)
	}
	st.sync()
	if s := st.status(); s.Accounts != 3 || s.Upstream != srv.URL {
		t.Fatalf("through the second: %+v", s)
	}
	// The second fails, the first is back: the station returns to it.
	d.gate.down.Store(false)
	second.down.Store(true)
	if err := st.s.SyncOnce(ctx); err == nil {
		t.Fatal("a round through a cut link succeeded")
	}
	st.sync()
	if s, l := st.status(), st.s.Link(); s.Upstream != d.url || l.Upstream != d.url || l.Mode != syncer.Online {
		t.Fatalf("back on the first: %+v %+v", s, l)
	}
}
