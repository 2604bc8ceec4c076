package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// The registry's optional chinese_name column is kept in the replica,
// shown on the account, counted by the import's change detection, synced
// in snapshots, and refused inside a password.
func TestChineseName(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	withChinese := strings.Replace(registryCSV(taiMan, taiMing), "passport_no\n", "passport_no,chinese_name\n", 1)
	withChinese = strings.Replace(withChinese, "2030-06-30,\n", "2030-06-30,,陳大文\n", 1) // taiMan only
	withChinese = strings.Replace(withChinese, "2030-06-30,\n", "2030-06-30,,\n", 1)    // taiMing leaves it empty
	if rep := importCSV(t, r, withChinese); rep.Added != 2 || len(rep.Errors) != 0 {
		t.Fatalf("import %+v", rep)
	}
	a, err := r.Account(ctx, "tmchan")
	if err != nil || a.ChineseName != "陳大文" {
		t.Fatalf("tmchan: %q %v", a.ChineseName, err)
	}
	if b, _ := r.Account(ctx, "tmchan2"); b.ChineseName != "" {
		t.Errorf("tmchan2: %q", b.ChineseName)
	}
	if rep := importCSV(t, r, withChinese); rep.Unchanged != 2 {
		t.Errorf("the same file again changed something: %+v", rep)
	}
	// A file without the column, as before, still imports: the name is
	// then cleared like any particular the registry no longer gives.
	if rep := importCSV(t, r, registryCSV(taiMan, taiMing)); rep.Updated != 1 || rep.Unchanged != 1 {
		t.Errorf("without the column: %+v", rep)
	}
	importCSV(t, r, withChinese)

	_, err = r.Activate(ctx, store.Unverified("tmchan"), "river 大文 stone 58")
	var pol *store.PolicyError
	if !errors.As(err, &pol) || len(pol.Violations) != 1 || pol.Violations[0].Rule != policy.RuleName {
		t.Fatalf("a password with two characters of the Chinese name: %v", err)
	}
	if _, err := r.Activate(ctx, store.Unverified("tmchan2"), "river 大文 stone 58"); err != nil {
		t.Errorf("someone else's Chinese name is not a rule: %v", err)
	}

	// Snapshots carry it both ways.
	s, err := r.Snapshot(ctx, "tmchan")
	if err != nil || s.ChineseName != "陳大文" {
		t.Fatalf("snapshot %q %v", s.ChineseName, err)
	}
	r2, _ := openReplica(t, newClock())
	sn := snap(1, "kylee", "20251004")
	sn.ChineseName = "李嘉欣"
	mustApply(t, r2, page(0, 1, false, sn))
	if a, err := r2.Account(ctx, "kylee"); err != nil || a.ChineseName != "李嘉欣" {
		t.Errorf("synced account: %q %v", a.ChineseName, err)
	}
}

// Migration 0009 adds the column only when missing, so it runs again over
// a file that has it (user_version set back) and keeps the names.
func TestChineseNameMigrationRunsAgain(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	csv := strings.Replace(registryCSV(taiMan), "passport_no\n", "passport_no,chinese_name\n", 1)
	importCSV(t, r, strings.Replace(csv, "2030-06-30,\n", "2030-06-30,,陳大文\n", 1))
	r.Close()
	execOn(t, path, `PRAGMA user_version = 8`)
	r, err := store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if a, err := r.Account(ctx, "tmchan"); err != nil || a.ChineseName != "陳大文" {
		t.Errorf("after migrating again: %q %v", a.ChineseName, err)
	}
}
