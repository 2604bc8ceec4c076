package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The embedded default must be the repository's kiosk.toml, or `go run
// ./cmd/kiosk` and the documented file would disagree.
func TestDefaultIsKioskToml(t *testing.T) {
	repo, err := os.ReadFile("../../kiosk.toml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(repo, Default) {
		t.Fatal("kiosk/config/default.toml differs from kiosk.toml: cp kiosk.toml kiosk/config/default.toml")
	}
}

func TestLoadDefaultResolvesPaths(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(path, Default, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Station.ID != "demo-01" || c.Station.IdleTimeout != 90*time.Second || !c.Standalone() || !c.Store.SeedDemo {
		t.Fatalf("unexpected config: %+v", c)
	}
	if want := filepath.Join(dir, "data", "replica.db"); c.Store.Path != want {
		t.Fatalf("store.path = %q, want %q", c.Store.Path, want)
	}
	if want := filepath.Join(dir, "data", "identity.key"); c.Keys.IdentityFile != want {
		t.Fatalf("keys.identity_file = %q, want %q", c.Keys.IdentityFile, want)
	}
}

func TestRejectsWithKeyAndLine(t *testing.T) {
	base := string(Default)
	cases := []struct {
		name, src, key string
		line           int
		msg            string
	}{
		{"unknown key", strings.Replace(base, "[store]\n", "[store]\npaht = \"x\"\n", 1), "store.paht", lineAfter(base, "[store]"), "unknown key"},
		{"unknown section", base + "\n[bogus]\nx = 1\n", "bogus", lineOfText(base+"\n[bogus]\nx = 1\n", "[bogus]"), "unknown key"},
		{"bad duration", strings.Replace(base, `idle_timeout = "90s"`, `idle_timeout = "soon"`, 1), "", lineOfText(base, "idle_timeout ="), "duration"},
		{"duration out of range", strings.Replace(base, `idle_timeout = "90s"`, `idle_timeout = "1s"`, 1), "station.idle_timeout", lineOfText(base, "idle_timeout ="), "out of range"},
		{"wrong type", strings.Replace(base, "student_id_length = 8", `student_id_length = "eight"`, 1), "", lineOfText(base, "student_id_length ="), ""},
		{"bad upstream", strings.Replace(base, `upstream = ""`, `upstream = "ftp://x"`, 1), "sync.upstream", lineOfText(base, "upstream ="), "http"},
		{"upstream without token", strings.Replace(base, `upstream = ""`, `upstream = "http://127.0.0.1:8440"`, 1), "sync.token", lineOfText(base, "token = "), "token"},
		{"ca file for plain http", strings.NewReplacer(`upstream = ""`, `upstream = "http://127.0.0.1:8440"`, "token = \"\"\n", "token = \"t\"\n",
			`ca_file = ""`, `ca_file = "ca.pem"`).Replace(base), "sync.ca_file", lineOfText(base, "ca_file ="), "https"},
		{"bad staff key", strings.Replace(base, `key = "f12"`, `key = "ctrl+c"`, 1), "staff.key", lineOfText(base, `key = "f12"`), "f1..f12"},
		{"bad pin hash", strings.Replace(base, `pin_hash = "$argon2id`, `pin_hash = "$2b`, 1), "staff.pin_hash", lineOfText(base, "pin_hash ="), "hash-pin"},
		{"mail server without port", strings.Replace(base, `server = ""`, `server = "smtp.example.edu"`, 1), "mail.server", lineOfText(base, `server = ""`), "host:port"},
		{"mail server without sender", strings.Replace(base, `server = ""`, `server = "smtp.example.edu:587"`, 1), "mail.from", lineOfText(base, `from = ""`), "sender"},
		{"bad alias domain", strings.Replace(base, `alias_domain = "alumni.example.edu"`, `alias_domain = "alumni"`, 1), "station.alias_domain", lineOfText(base, "alias_domain ="), "domain"},
		{"syntax", strings.Replace(base, `id = "demo-01"`, `id = "demo-01`, 1), "", lineOfText(base, `id = "demo-01"`), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "k.toml", "/tmp")
			if err == nil {
				t.Fatal("accepted")
			}
			ce, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v is not *Error", err, err)
			}
			if tc.key != "" && ce.Key != tc.key {
				t.Errorf("key = %q, want %q (%v)", ce.Key, tc.key, err)
			}
			if tc.line != 0 && ce.Line != tc.line {
				t.Errorf("line = %d, want %d (%v)", ce.Line, tc.line, err)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.HasPrefix(err.Error(), "k.toml:") {
				t.Errorf("message %q lacks %q or the file name", err, tc.msg)
			}
		})
	}
}

func lineOfText(src, text string) int {
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, text) {
			return i + 1
		}
	}
	return -1
}

func lineAfter(src, text string) int { return lineOfText(src, text) + 1 }

// ca_file gives the roots for an https upstream; a file without a PEM
// certificate is refused by name.
func TestSyncRootCAs(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse(Default, "kiosk.toml", dir)
	if err != nil {
		t.Fatal(err)
	}
	if roots, err := c.SyncRootCAs(); roots != nil || err != nil {
		t.Fatalf("no ca_file: %v, %v", roots, err)
	}
	src := strings.NewReplacer(`upstream = ""`, `upstream = "https://accounts.example.edu:8440"`,
		"token = \"\"\n", "token = \"t\"\n", `ca_file = ""`, `ca_file = "ca.pem"`).Replace(string(Default))
	if c, err = Parse([]byte(src), "kiosk.toml", dir); err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "ca.pem"); c.Sync.CAFile != want {
		t.Fatalf("ca_file = %q, want %q beside the config", c.Sync.CAFile, want)
	}
	if _, err := c.SyncRootCAs(); err == nil || !strings.Contains(err.Error(), "sync.ca_file") {
		t.Fatalf("missing file: %v", err)
	}
	os.WriteFile(c.Sync.CAFile, []byte("not a certificate\n"), 0o600)
	if _, err := c.SyncRootCAs(); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("not PEM: %v", err)
	}
	os.WriteFile(c.Sync.CAFile, []byte(testCA), 0o600)
	if roots, err := c.SyncRootCAs(); roots == nil || err != nil {
		t.Fatalf("a CA certificate: %v, %v", roots, err)
	}
}

// testCA is a self-signed CA certificate (public part only), for ca_file.
const testCA = `-----BEGIN CERTIFICATE-----
MIIBfDCCASGgAwIBAgIBATAKBggqhkjOPQQDAjAlMSMwIQYDVQQDExpFeGFtcGxl
IFVuaXZlcnNpdHkgVGVzdCBDQTAeFw0yNjAxMDEwMDAwMDBaFw00NjAxMDEwMDAw
MDBaMCUxIzAhBgNVBAMTGkV4YW1wbGUgVW5pdmVyc2l0eSBUZXN0IENBMFkwEwYH
KoZIzj0CAQYIKoZIzj0DAQcDQgAEFpJzuyuaVjLYzNviiulFASPg5SE9lHnxQElc
9wP0pw/BvAqqfv38ute1okCWijvYmTQ/o8MtC//QsoBh5g5y/qNCMEAwDgYDVR0P
AQH/BAQDAgIEMA8GA1UdEwEB/wQFMAMBAf8wHQYDVR0OBBYEFKbocbhhPkFqu/0x
uABN+Y4uQgi2MAoGCCqGSM49BAMCA0kAMEYCIQDwscM/wKp2GQOf+5X5QKpRmCme
qzfDX4sFltqsEwoG5gIhAMz9rpaYcEPJ1wr8DZbGpvprjs0Dz2ynf/bhc2Z6C575
-----END CERTIFICATE-----
`

// [station] language is a language of the catalog, "en" unless set; the
// notices' languages are too, each once.
func TestLanguage(t *testing.T) {
	c, err := Parse(Default, "kiosk.toml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.Station.Language != "en" || strings.Join(c.Notices.Languages, ",") != "en,zh-HK" {
		t.Fatalf("language %q, notices %v", c.Station.Language, c.Notices.Languages)
	}
	without := strings.Replace(string(Default), "language = \"en\"\n", "", 1)
	without = strings.Replace(without, "languages = [\"en\", \"zh-HK\"]\n", "", 1)
	if c, err := Parse([]byte(without), "kiosk.toml", t.TempDir()); err != nil || c.Station.Language != "en" ||
		len(c.Notices.Languages) != 2 {
		t.Fatalf("a file without the keys (older stations): %v %+v", err, c)
	}
	if d := c.Station.ServiceDeskIn["zh-HK"]; !strings.Contains(d, "服務台") {
		t.Fatalf("service_desk_in zh-HK = %q", d)
	}
	zh := strings.Replace(string(Default), "language = \"en\"", "language = \"zh-HK\"", 1)
	if c, err := Parse([]byte(zh), "kiosk.toml", t.TempDir()); err != nil || c.Station.Language != "zh-HK" {
		t.Fatalf("zh-HK: %v", err)
	}
	for _, bad := range []struct{ from, to, key string }{
		{"language = \"en\"", "language = \"fr\"", "station.language"},
		{"language = \"en\"", "language = \"zh-TW\"", "station.language"},
		{"languages = [\"en\", \"zh-HK\"]", "languages = []", "notices.languages"},
		{"languages = [\"en\", \"zh-HK\"]", "languages = [\"en\", \"en\"]", "notices.languages"},
		{"languages = [\"en\", \"zh-HK\"]", "languages = [\"en\", \"jp\"]", "notices.languages"},
		{"service_desk_in = { \"zh-HK\"", "service_desk_in = { \"zh-TW\"", "station.service_desk_in"},
	} {
		_, err := Parse([]byte(strings.Replace(string(Default), bad.from, bad.to, 1)), "kiosk.toml", t.TempDir())
		var ce *Error
		if !errors.As(err, &ce) || ce.Key != bad.key || ce.Line == 0 {
			t.Errorf("%s: got %v", bad.to, err)
		}
	}
}

// [station] memory_limit is a size with a unit; the shipped file sets one
// (issue 17: the station's heap stayed high for a minute after each hash).
func TestMemoryLimit(t *testing.T) {
	c, err := Parse(Default, "kiosk.toml", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if c.Station.MemoryLimit != 48<<20 {
		t.Fatalf("memory_limit = %d, want 48MiB", c.Station.MemoryLimit)
	}
	for src, want := range map[string]ByteSize{`"64MB"`: 64e6, `"1GiB"`: 1 << 30, `"33554432"`: 32 << 20, `0`: 0, `"0"`: 0} {
		c, err := Parse([]byte(strings.Replace(string(Default), `memory_limit = "48MiB"`, "memory_limit = "+src, 1)), "kiosk.toml", t.TempDir())
		if err != nil || c.Station.MemoryLimit != want {
			t.Errorf("memory_limit = %s: %v, %v; want %d", src, c, err, want)
		}
	}
	for _, src := range []string{`"48 potatoes"`, `"MiB"`, `"1MiB"`, `"-5MiB"`} {
		_, err := Parse([]byte(strings.Replace(string(Default), `memory_limit = "48MiB"`, "memory_limit = "+src, 1)), "kiosk.toml", t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "memory_limit") {
			t.Errorf("memory_limit = %s: %v, want a refusal naming the key", src, err)
		}
	}
}

// [station] policy_dir is empty (the built-in policies) unless set, and a
// relative folder lies beside the configuration file.
func TestPolicyDir(t *testing.T) {
	dir := t.TempDir()
	c, err := Parse(Default, "kiosk.toml", dir)
	if err != nil {
		t.Fatal(err)
	}
	if c.Station.PolicyDir != "" {
		t.Fatalf("default policy_dir %q", c.Station.PolicyDir)
	}
	for set, want := range map[string]string{"policies": filepath.Join(dir, "policies"), "/etc/kiosk/policies": "/etc/kiosk/policies"} {
		src := strings.Replace(string(Default), `policy_dir = ""`, `policy_dir = "`+set+`"`, 1)
		if c, err = Parse([]byte(src), "kiosk.toml", dir); err != nil {
			t.Fatal(err)
		}
		if c.Station.PolicyDir != want {
			t.Errorf("policy_dir = %q: %q, want %q", set, c.Station.PolicyDir, want)
		}
	}
}
