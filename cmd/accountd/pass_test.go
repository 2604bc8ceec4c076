package main

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/central"
	_ "modernc.org/sqlite"
)

// The desk's pass commands: issue prints the pass once (stdout, nothing
// else there), list shows who issued it and until when (never the pass),
// revoke withdraws it; each is audited with who, why and when.
func TestPassCommands(t *testing.T) {
	clk := newFakeClock(at(2026, 6, 1))
	db := classOf2026(t, clk)
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"kylam", "--by", "amy"}, 2, "give the reason for the pass"},
		{[]string{"kylam", "--reason", "HKID card seen"}, 2, "--by"},
		{[]string{"kylam", "--reason", "HKID card seen", "--by", "amy", "--valid", "200h"}, 2, "at most"},
		{[]string{"--reason", "HKID card seen", "--by", "amy"}, 2, "expected 1 argument"},
		{[]string{"nobody", "--reason", "HKID card seen", "--by", "amy"}, 1, "no such account"},
		{[]string{"ekwong", "--reason", "HKID card seen", "--by", "amy"}, 1, "not been activated"},
	} {
		code, _, stderr := outAt(t, clk, append([]string{"pass", "issue", "--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.says) {
			t.Errorf("%q: %d %q, want %d saying %q", tc.args, code, stderr, tc.code, tc.says)
		}
	}
	code, stdout, stderr := outAt(t, clk, "pass", "issue", "--db", db, "kylam", "--reason", "HKID card seen, phone lost", "--by", "amy", "--valid", "30m")
	pass := strings.TrimSpace(stdout)
	if _, err := policy.NormalizeAccessPass(pass); code != 0 || err != nil || !strings.Contains(stderr, "shown this once") {
		t.Fatalf("issue: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = outAt(t, clk, "pass", "list", "--db", db, "--json")
	var list []central.PassInfo
	if err := json.Unmarshal([]byte(stdout), &list); code != 0 || err != nil || len(list) != 1 || list[0].Account != "kylam" ||
		list[0].IssuedBy != "amy" || !list[0].Expires.Equal(at(2026, 6, 1).Add(30*time.Minute)) || strings.Contains(stdout, pass[:5]) {
		t.Fatalf("list: %d %q %v", code, stdout, err)
	}
	if _, stdout, _ = outAt(t, clk, "pass", "list", "--db", db); !strings.Contains(stdout, "kylam") || !strings.Contains(stdout, "valid") {
		t.Errorf("list: %q", stdout)
	}
	if code, stdout, _ = outAt(t, clk, "pass", "revoke", "--db", db, "kylam", "--by", "bo"); code != 0 || !strings.Contains(stdout, "revoked") {
		t.Fatalf("revoke: %d %q", code, stdout)
	}
	if code, _, stderr = outAt(t, clk, "pass", "revoke", "--db", db, "kylam"); code != 1 || !strings.Contains(stderr, "no access pass") {
		t.Errorf("revoke again: %d %q", code, stderr)
	}
	if _, stdout, _ = outAt(t, clk, "pass", "list", "--db", db, "--json"); strings.TrimSpace(stdout) != "[]" {
		t.Errorf("list after revoke: %q", stdout)
	}
	sdb, err := sql.Open("sqlite", db+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var issued, revoked string
	if err := sdb.QueryRow(`SELECT detail FROM audit WHERE account = 'kylam' AND action = 'pass_issue'`).Scan(&issued); err != nil ||
		!strings.Contains(issued, "by amy") || !strings.Contains(issued, "phone lost") || strings.Contains(issued, pass) {
		t.Errorf("issue audit %q, %v", issued, err)
	}
	if err := sdb.QueryRow(`SELECT detail FROM audit WHERE account = 'kylam' AND action = 'pass_revoke'`).Scan(&revoked); err != nil ||
		!strings.Contains(revoked, "by bo") {
		t.Errorf("revoke audit %q, %v", revoked, err)
	}
}
