package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/kiosk/config"
)

// standaloneConfig writes a standalone station's configuration without the
// demo seed into a fresh folder.
func standaloneConfig(t *testing.T) string {
	t.Helper()
	src := strings.Replace(string(config.Default), "seed_demo = true", "seed_demo = false", 1)
	path := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func runKiosk(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A registry with every kind of bad row: each is reported with its line and
// the good rows land; a second import of the same file changes nothing.
func TestImportReportsBadRowsAndKeepsGoodOnes(t *testing.T) {
	cfg := standaloneConfig(t)
	csv := "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n" +
		"20260001,CHAN,Tai Man,A123456(3),2006-03-14,Physics,UG,degree,\n" + // 2 good
		"20260002,WONG,Siu Ling,A123456(4),2006-03-14,Physics,UG,degree,\n" + // 3 bad check digit
		"20260003,LEE,Ka Yan,,2006-02-30,Physics,UG,degree,\n" + // 4 no 30 February
		"20260001,HO,Wing Kei,,2005-01-01,Physics,UG,degree,\n" + // 5 duplicate student id
		"20260004,NG,\xff\xfe,,2005-01-01,Physics,UG,degree,\n" + // 6 invalid UTF-8
		"20260005,LAU,Chi Keung,,2004-08-08,Physics,PG,exchange,2027-01-31\n" + // 7 good
		"20260006,YIP,Ho Yin,,2004-08-08,Physics,UG,deg" // 8 truncated last line
	reg := writeFile(t, "registry.csv", []byte(csv))

	code, out, errs := runKiosk(t, "--config", cfg, "import", reg)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some rows refused)\nstdout: %s\nstderr: %s", code, out, errs)
	}
	for _, line := range []string{":3: ", ":4: ", ":5: ", ":6: ", ":8: "} {
		if !strings.Contains(errs, "registry.csv"+line) {
			t.Errorf("no report for line %s in:\n%s", line, errs)
		}
	}
	for _, line := range []string{":2: ", ":7: "} {
		if strings.Contains(errs, "registry.csv"+line) {
			t.Errorf("good line %s reported:\n%s", line, errs)
		}
	}
	if !strings.Contains(out, "2 added") {
		t.Errorf("summary: %s", out)
	}
	// No identity number is echoed back in a report.
	if strings.Contains(errs, "A123456") || strings.Contains(errs, "2006-02-30") {
		t.Errorf("a report repeats an identity value:\n%s", errs)
	}

	_, out2, _ := runKiosk(t, "--config", cfg, "import", reg)
	if !strings.Contains(out2, "0 added, 0 updated, 2 unchanged") {
		t.Errorf("second import changed something: %s", out2)
	}
	if st := status(t, cfg); st["accounts"] != 2.0 {
		t.Errorf("accounts = %v, want 2", st["accounts"])
	}
}

func TestImportRefusesWrongHeader(t *testing.T) {
	cfg := standaloneConfig(t)
	reg := writeFile(t, "r.csv", []byte("id,name\n1,x\n"))
	code, _, errs := runKiosk(t, "--config", cfg, "import", reg)
	if code != 2 || !strings.Contains(errs, "student_id") {
		t.Fatalf("exit %d, stderr %q: want 2 and the expected columns", code, errs)
	}
}

// status --json is a contract: top-level numbers accounts, outbox_pending,
// outbox_rejected, cursor and last_sync (RFC 3339 or null).
func TestStatusJSONContract(t *testing.T) {
	cfg := standaloneConfig(t)
	st := status(t, cfg)
	for _, k := range []string{"accounts", "outbox_pending", "outbox_rejected", "cursor"} {
		if _, ok := st[k].(float64); !ok {
			t.Errorf("%s = %#v, want a number", k, st[k])
		}
	}
	if v, ok := st["last_sync"]; !ok || v != nil {
		t.Errorf("last_sync = %#v, want null before any sync", v)
	}

	code, out, _ := runKiosk(t, "--config", cfg, "status")
	if code != 0 || !regexp.MustCompile(`(?m)^accounts\s+0$`).MatchString(out) {
		t.Fatalf("status exit %d:\n%s", code, out)
	}
}

func status(t *testing.T, cfg string) map[string]any {
	t.Helper()
	code, out, errs := runKiosk(t, "--config", cfg, "status", "--json")
	if code != 0 {
		t.Fatalf("status --json exit %d: %s", code, errs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("status --json is not JSON: %v\n%s", err, out)
	}
	return m
}

func TestCorruptReplicaIsNamed(t *testing.T) {
	cfg := standaloneConfig(t)
	db := filepath.Join(filepath.Dir(cfg), "data", "replica.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, bytes.Repeat([]byte("not a database "), 500), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runKiosk(t, "--config", cfg, "status")
	if code != 2 || !strings.Contains(errs, db) {
		t.Fatalf("exit %d, stderr %q: want 2 naming %s", code, errs, db)
	}
}

func TestHashPinReadsStdin(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"hash-pin"}, strings.NewReader("246813\n"), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(out.String(), "246813") {
		t.Fatalf("hash-pin printed %q", out.String())
	}
	if code := run([]string{"hash-pin"}, strings.NewReader("12\n"), &out, &errb); code != 2 {
		t.Fatalf("a 2-digit PIN was accepted")
	}
}

func TestBadConfigNamesKeyAndLine(t *testing.T) {
	src := strings.Replace(string(config.Default), `idle_timeout = "90s"`, `idle_timeout = "often"`, 1)
	cfg := writeFile(t, "kiosk.toml", []byte(src))
	code, _, errs := runKiosk(t, "--config", cfg, "status")
	if code != 2 || !strings.Contains(errs, "kiosk.toml:") || !strings.Contains(errs, "idle_timeout") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}
