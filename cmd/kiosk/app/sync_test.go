package app

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/syncer"
	"github.com/expressstation/kiosk/store/wire"
)

// openReplica opens an empty replica in dir, closed when the test ends.
func openReplica(t *testing.T, dir string) *store.Replica {
	t.Helper()
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	r, err := store.Open(filepath.Join(dir, "replica.db"), store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestNewSyncer(t *testing.T) {
	dir := t.TempDir()
	r := openReplica(t, dir)
	standalone, err := config.Parse(config.Default, "kiosk.toml", dir)
	if err != nil {
		t.Fatal(err)
	}
	if s, err := NewSyncer(standalone, r, clock.Real{}, nil, nil); s != nil || err != nil {
		t.Fatalf("standalone: %v, %v", s, err)
	}
	synced := strings.Replace(string(config.Default), `upstream = ""`, `upstream = "https://accounts.example.edu:8440"`, 1)
	synced = strings.Replace(synced, `token_file = ""`, `token_file = "missing.token"`, 1)
	cfg, err := config.Parse([]byte(synced), "kiosk.toml", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSyncer(cfg, r, clock.Real{}, nil, nil); err == nil || !strings.Contains(err.Error(), "token_file") {
		t.Fatalf("missing token file: %v", err)
	}
	cfg.Sync.TokenFile, cfg.Sync.Token = "", "a-token"
	cfg.Sync.CAFile = filepath.Join(dir, "missing-ca.pem")
	if _, err := NewSyncer(cfg, r, clock.Real{}, nil, nil); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("missing CA file: %v", err)
	}
	cfg.Sync.CAFile = ""
	s, err := NewSyncer(cfg, r, clock.Real{}, nil, nil)
	if err != nil || s == nil {
		t.Fatalf("synced: %v, %v", s, err)
	}
	if l := LinkOf(s)(); l.Mode != kiosk.LinkConnecting || l.Since.IsZero() {
		t.Fatalf("link before the first round = %+v", l)
	}
}

// [sync] ca_file reaches the sync loop: with the store's CA the station gets
// through TLS to the store (here one that refuses its token); without it the
// handshake fails.
func TestNewSyncerCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error":"unauthorized","message":"unknown token"}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	dir := t.TempDir()
	r := openReplica(t, dir)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600); err != nil {
		t.Fatal(err)
	}
	src := strings.NewReplacer(`upstream = ""`, `upstream = "`+srv.URL+`"`, "token = \"\"\n", "token = \"t\"\n").Replace(string(config.Default))
	for _, caFile := range []string{"ca.pem", ""} {
		cfg, err := config.Parse([]byte(strings.Replace(src, `ca_file = ""`, `ca_file = "`+caFile+`"`, 1)), "kiosk.toml", dir)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSyncer(cfg, r, clock.Real{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = s.SyncOnce(context.Background())
		if trusted := errors.Is(err, syncer.ErrUnauthorized); trusted != (caFile != "") {
			t.Fatalf("ca_file %q: %v", caFile, err)
		}
	}
}

// The heartbeat carries the version, the maintenance switch and free disk.
func TestStationHealthExtras(t *testing.T) {
	r := openReplica(t, t.TempDir())
	if err := r.SetMaintenance(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	var h wire.Health
	stationHealth(r)(&h)
	if h.Version != Version() || h.Version == "" || !h.Maintenance || h.FreeDisk <= 0 {
		t.Fatalf("health = %+v", h)
	}
}
