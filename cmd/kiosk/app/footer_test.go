package app

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/kiosk/tape"
	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/demo"
	"github.com/expressstation/kiosk/store/secret"
)

// A synced station says "connecting…" until its first round ends (not
// "offline since" its start), and after a tape's Sync the footer shows the
// link as it is then, without waiting for a timer (issue 11 point 13). The
// central store holds every request until the tape's Sync, so the station's
// own sync loop cannot finish a round first.
func TestTapeFooterFollowsTheSyncLink(t *testing.T) {
	dir := t.TempDir()
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	cs, err := central.Open(filepath.Join(dir, "central.db"), central.Options{Keys: &keys})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	ctx := context.Background()
	if _, err := cs.Import(ctx, bytes.NewReader(demo.Registry)); err != nil {
		t.Fatal(err)
	}
	token, err := cs.AddStation(ctx, "demo-01")
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(cs, httpapi.Options{})
	release := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
			api.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer once.Do(func() { close(release) })

	src := strings.NewReplacer(`upstream = ""`, `upstream = "`+srv.URL+`"`,
		"token = \"\"\n", "token = \""+token+"\"\n").Replace(string(config.Default))
	cfg, err := config.Parse([]byte(src), "kiosk.toml", dir)
	if err != nil {
		t.Fatal(err)
	}
	start := func(clk clock.Clock) (tape.Station, error) {
		st, err := TapeStarter(cfg)(clk)
		if sync := st.Sync; sync != nil {
			st.Sync = func(ctx context.Context) error {
				once.Do(func() { close(release) })
				return sync(ctx)
			}
		}
		return st, err
	}
	tp, err := tape.Parse(strings.NewReader(`Set Clock 2026-09-01T09:00:00+08:00
Set Timeout 2s
Expect "demo-01 · 09:00 · connecting…"
ExpectNot "offline"
Sync
ExpectNot "connecting"
Expect "demo-01 · 09:00 · online"
`))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := tape.Run(ctx, tp, start, &out); code != tape.ExitPass {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}
