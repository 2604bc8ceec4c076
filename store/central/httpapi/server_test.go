package httpapi_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

const registry = `student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date
20261001,CHAN,Tai Man,A123456(3),2006-03-14,Computer Science,UG,degree,2030-06-30
20261002,CHAN,Tai Ming,Y654321(7),2005-11-02,Physics,UG,degree,2030-06-30
`

type api struct {
	t       *testing.T
	st      *central.SQLite
	url     string
	token   string // station A's
	revoked string // station R's, revoked
}

func newAPI(t *testing.T) *api {
	keys, err := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	st, err := central.Open(filepath.Join(t.TempDir(), "central.db"), central.Options{Keys: &keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	if _, err := st.Import(ctx, strings.NewReader(registry)); err != nil {
		t.Fatal(err)
	}
	a := &api{t: t, st: st}
	if a.token, err = st.AddStation(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if a.revoked, err = st.AddStation(ctx, "R"); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeStation(ctx, "R"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(st, httpapi.Options{MaxBody: 64 << 10, MaxOps: 10, MaxWait: 10 * time.Second}))
	t.Cleanup(srv.Close)
	a.url = srv.URL
	return a
}

// call sends a request with an Authorization header (none when auth is "").
func (a *api) call(method, path, auth, contentType string, body []byte) (int, http.Header, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.url+path, bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func (a *api) push(body []byte) (int, []byte) {
	code, _, b := a.call(http.MethodPost, "/v1/ops", "Bearer "+a.token, "application/json", body)
	return code, b
}

func (a *api) head() int64 {
	f, err := a.st.Changes(context.Background(), 0, 100)
	if err != nil {
		a.t.Fatal(err)
	}
	return f.Head
}

func opID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func directoryOp(id string) domain.Op {
	return domain.Op{ID: id, CreatedAt: time.Now().UTC(), Station: "A", Kind: domain.OpDirectory,
		Account: "tmchan", Payload: json.RawMessage(`{"public":false}`)}
}

func pushBody(ops ...domain.Op) []byte {
	b, _ := json.Marshal(wire.PushRequest{Ops: ops})
	return b
}

func TestEveryEndpointNeedsALiveToken(t *testing.T) {
	a := newAPI(t)
	before := a.head()
	body := pushBody(directoryOp(opID()))
	for _, auth := range []string{"", "Bearer ", "Bearer wrong-token", "Bearer " + a.revoked, "Basic " + a.token, a.token} {
		for _, ep := range []struct{ method, path string }{
			{"GET", "/v1/health"}, {"GET", "/v1/changes?after=0"}, {"POST", "/v1/ops"},
			{"GET", "/v1/ops"}, {"GET", "/v2/changes"}, {"GET", "/"},
		} {
			code, hdr, b := a.call(ep.method, ep.path, auth, "application/json", body)
			if code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") ||
				!strings.Contains(string(b), `"code":"unauthorized"`) {
				t.Errorf("%s %s with %q: %d %s", ep.method, ep.path, auth, code, b)
			}
		}
	}
	if a.head() != before {
		t.Fatal("an unauthorised push changed the store")
	}
	code, _, b := a.call("GET", "/v1/health", "Bearer "+a.token, "", nil)
	if code != http.StatusOK || !strings.Contains(string(b), `"station":"A"`) {
		t.Fatalf("health with A's token: %d %s", code, b)
	}
}

// Every bad push is refused as a whole with a 4xx and a message, and
// changes nothing: not even the good ops beside the bad one.
func TestBadPushesChangeNothing(t *testing.T) {
	a := newAPI(t)
	good := directoryOp(opID())
	withPayload := func(kind domain.OpKind, payload string) domain.Op {
		op := directoryOp(opID())
		op.Kind, op.Payload = kind, json.RawMessage(payload)
		return op
	}
	op := func(f func(*domain.Op)) domain.Op { o := directoryOp(opID()); f(&o); return o }
	var many []domain.Op
	for range 11 {
		many = append(many, directoryOp(opID()))
	}
	for _, tc := range []struct {
		name        string
		contentType string
		body        []byte
		want        int
	}{
		{"over the size limit", "application/json", pushBody(withPayload(domain.OpDirectory, `{"public":false,"pad":"`+strings.Repeat("x", 70<<10)+`"}`)), 413},
		{"not JSON", "text/plain", pushBody(good), 415},
		{"broken JSON", "application/json", []byte(`{"ops":[{"op_id":`), 400},
		{"two JSON values", "application/json", append(pushBody(good), pushBody(good)...), 400},
		{"unknown field", "application/json", []byte(`{"ops":[],"extra":1}`), 400},
		{"no ops", "application/json", pushBody(), 400},
		{"too many ops", "application/json", pushBody(many...), 400},
		{"bad op id", "application/json", pushBody(good, op(func(o *domain.Op) { o.ID = "x" })), 400},
		{"no account", "application/json", pushBody(good, op(func(o *domain.Op) { o.Account = "" })), 400},
		{"control character in account", "application/json", pushBody(good, op(func(o *domain.Op) { o.Account = "a\x00b" })), 400},
		{"no time", "application/json", pushBody(good, op(func(o *domain.Op) { o.CreatedAt = time.Time{} })), 400},
		{"unknown kind", "application/json", pushBody(good, withPayload("rename", `{}`)), 400},
		{"bad payload", "application/json", pushBody(good, withPayload(domain.OpTOTPStep, `{"step":"soon"}`)), 400},
		{"payload with extra field", "application/json", pushBody(good, withPayload(domain.OpDirectory, `{"public":true,"x":1}`)), 400},
		{"same op twice", "application/json", pushBody(good, good), 400},
	} {
		before := a.head()
		code, b := 0, []byte(nil)
		if tc.contentType == "application/json" {
			code, b = a.push(tc.body)
		} else {
			code, _, b = a.call("POST", "/v1/ops", "Bearer "+a.token, tc.contentType, tc.body)
		}
		var e struct{ Error, Code string }
		json.Unmarshal(b, &e)
		if code != tc.want || e.Error == "" {
			t.Errorf("%s: %d %s, want %d with a message", tc.name, code, b, tc.want)
		}
		if a.head() != before {
			t.Errorf("%s: the store changed", tc.name)
		}
	}
	// The good op of the refused batches was never applied.
	code, b := a.push(pushBody(good))
	var resp wire.PushResponse
	json.Unmarshal(b, &resp)
	if code != 200 || len(resp.Results) != 1 || resp.Results[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("good op afterwards: %d %s", code, b)
	}
}

func TestChanges(t *testing.T) {
	a := newAPI(t)
	get := func(query string) (int, wire.Page, string) {
		code, _, b := a.call("GET", "/v1/changes?"+query, "Bearer "+a.token, "", nil)
		var p wire.Page
		json.Unmarshal(b, &p)
		return code, p, string(b)
	}
	code, p, body := get("after=0&limit=1")
	if code != 200 || len(p.Changes) != 1 || p.Changes[0].Seq != 1 || p.Changes[0].Name != "tmchan" ||
		!p.More || p.Next != 1 || p.Head != 2 || p.Epoch != a.st.Epoch() || len(p.Changes[0].HKIDHash) != 32 {
		t.Fatalf("first page: %d %s", code, body)
	}
	code, p, body = get(fmt.Sprintf("after=1&epoch=%s", p.Epoch))
	if code != 200 || len(p.Changes) != 1 || p.More || p.Next != 2 {
		t.Fatalf("second page: %d %s", code, body)
	}
	for q, want := range map[string]int{
		"after=-1": 400, "after=x": 400, "limit=0": 400, "limit=99999": 400, "wait=forever": 400, "wait=1h": 400,
		"after=3":                 410, // beyond the head
		"after=1&epoch=somewhere": 410, // another history
		"after=0&epoch=somewhere": 200, // a walk from the start needs no epoch
	} {
		if code, _, body := get(q); code != want {
			t.Errorf("%s: %d %s, want %d", q, code, body, want)
		}
	}
	if code, _, b := a.call("DELETE", "/v1/changes", "Bearer "+a.token, "", nil); code != 405 || !strings.Contains(string(b), "GET only") {
		t.Errorf("DELETE: %d %s", code, b)
	}
}

// waiting tells when a long-poll has reached Wait.
type waiting struct {
	central.Store
	entered chan struct{}
}

func (w waiting) Wait(ctx context.Context, after int64) error {
	w.entered <- struct{}{}
	return w.Store.Wait(ctx, after)
}

// A long-poll returns as soon as a change is made.
func TestChangesLongPoll(t *testing.T) {
	a := newAPI(t)
	w := waiting{Store: a.st, entered: make(chan struct{}, 1)}
	srv := httptest.NewServer(httpapi.New(w, httpapi.Options{}))
	defer srv.Close()
	a.url = srv.URL
	type result struct {
		p       wire.Page
		elapsed time.Duration
	}
	done := make(chan result)
	start := time.Now()
	go func() {
		_, _, b := a.call("GET", "/v1/changes?after=2&wait=10s", "Bearer "+a.token, "", nil)
		var p wire.Page
		json.Unmarshal(b, &p)
		done <- result{p, time.Since(start)}
	}()
	<-w.entered
	if code, b := a.push(pushBody(directoryOp(opID()))); code != 200 {
		t.Fatalf("push: %d %s", code, b)
	}
	select {
	case r := <-done:
		if len(r.p.Changes) != 1 || r.p.Changes[0].Name != "tmchan" || r.p.Changes[0].DirectoryPublic || r.elapsed > 5*time.Second {
			t.Fatalf("long-poll answered %+v after %s", r.p, r.elapsed)
		}
	case <-time.After(9 * time.Second):
		t.Fatal("the long-poll did not return on a change")
	}
}

// POST /v1/health keeps the station's latest heartbeat, under its token's
// station; GET /v1/health still answers as before.
func TestHeartbeat(t *testing.T) {
	a := newAPI(t)
	body := []byte(`{"version":"v1.2.3","outbox_pending":4,"outbox_rejected":1,"maintenance":true,"cursor":2,"later_field":1}`)
	if code, _, b := a.call("POST", "/v1/health", "Bearer "+a.token, "application/json", body); code != http.StatusNoContent {
		t.Fatalf("heartbeat: %d %s", code, b)
	}
	if code, _, b := a.call("POST", "/v1/health", "Bearer "+a.token, "application/json", []byte(`[`)); code != 400 {
		t.Fatalf("malformed heartbeat: %d %s", code, b)
	}
	if code, _, _ := a.call("POST", "/v1/health", "Bearer "+a.revoked, "application/json", body); code != 401 {
		t.Fatalf("heartbeat with a revoked token: %d", code)
	}
	if code, _, b := a.call("GET", "/v1/health", "Bearer "+a.token, "", nil); code != 200 || !strings.Contains(string(b), `"station":"A"`) {
		t.Fatalf("GET health: %d %s", code, b)
	}
	list, err := a.st.Stations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := wire.Health{Version: "v1.2.3", OutboxPending: 4, OutboxRejected: 1, Maintenance: true, Cursor: 2}
	if list[0].ID != "A" || list[0].Health == nil || *list[0].Health != want || list[0].LastSeen == nil {
		t.Fatalf("station A: %+v", list[0])
	}
	if list[1].Health != nil {
		t.Fatalf("station R sent nothing: %+v", list[1])
	}
}
