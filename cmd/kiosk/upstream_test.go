package main

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/expressstation/kiosk/kiosk/config"
)

// status --json says which of [sync] upstream's URLs the station uses: the
// first until a sync has succeeded, then the one the sync loop recorded.
func TestStatusShowsUpstreamInUse(t *testing.T) {
	src := strings.NewReplacer("seed_demo = true", "seed_demo = false",
		`upstream = ""`, `upstream = ["http://acct-a.invalid:8440", "http://acct-b.invalid:8440"]`,
		`token = ""`, `token = "t"`).Replace(string(config.Default))
	cfg := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	st := status(t, cfg)
	if st["upstream"] != "http://acct-a.invalid:8440" || len(st["upstreams"].([]any)) != 2 {
		t.Fatalf("before any sync: upstream %v, upstreams %v", st["upstream"], st["upstreams"])
	}
	db, err := sql.Open("sqlite", filepath.Join(filepath.Dir(cfg), "data", "replica.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO sync_upstream (id, url) VALUES (1, 'http://acct-b.invalid:8440')`); err != nil {
		t.Fatal(err)
	}
	if st := status(t, cfg); st["upstream"] != "http://acct-b.invalid:8440" {
		t.Fatalf("after failing over: upstream %v", st["upstream"])
	}
}
