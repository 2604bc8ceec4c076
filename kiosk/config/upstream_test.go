package config

import (
	"slices"
	"strings"
	"testing"
)

// [sync] upstream takes one URL (as before) or a list, tried in order.
func TestUpstreamList(t *testing.T) {
	base := strings.Replace(string(Default), `token = ""`, `token = "t"`, 1)
	for _, c := range []struct {
		value string
		want  []string
		err   string
	}{
		{`""`, nil, ""},
		{`"http://a:8440"`, []string{"http://a:8440"}, ""},
		{`["https://a:8440", "https://b:8440"]`, []string{"https://a:8440", "https://b:8440"}, ""},
		{`["https://a:8440", "ftp://b"]`, nil, "sync.upstream"},
		{`["https://a:8440", 3]`, nil, "strings"},
		{`7`, nil, "URL"},
	} {
		src := strings.Replace(base, `upstream = ""`, "upstream = "+c.value, 1)
		cfg, err := Parse([]byte(src), "kiosk.toml", t.TempDir())
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("upstream = %s: %v, want an error about %s", c.value, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("upstream = %s: %v", c.value, err)
			continue
		}
		first := ""
		if len(c.want) > 0 {
			first = c.want[0]
		}
		if !slices.Equal(cfg.Sync.Upstreams, c.want) || cfg.Sync.Upstream != first || cfg.Standalone() != (first == "") {
			t.Errorf("upstream = %s: %q, first %q", c.value, cfg.Sync.Upstreams, cfg.Sync.Upstream)
		}
	}
}
