package app

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/secret"
)

func TestNewSyncer(t *testing.T) {
	dir := t.TempDir()
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	r, err := store.Open(filepath.Join(dir, "replica.db"), store.Options{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
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
	s, err := NewSyncer(cfg, r, clock.Real{}, nil, nil)
	if err != nil || s == nil {
		t.Fatalf("synced: %v, %v", s, err)
	}
	if l := LinkOf(s)(); l.Mode != kiosk.LinkOffline || l.Since.IsZero() {
		t.Fatalf("link before the first round = %+v", l)
	}
}
