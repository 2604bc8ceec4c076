package central

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

var ctx = context.Background()

func openTest(t *testing.T) (*SQLite, string) {
	t.Helper()
	keys, err := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "central.db")
	s, err := Open(path, Options{Keys: &keys, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

const header = "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n"

func feed(t *testing.T, s *SQLite) map[string]domain.Snapshot {
	t.Helper()
	f, err := s.Changes(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]domain.Snapshot{}
	for _, c := range f.Changes {
		var snap domain.Snapshot
		if err := json.Unmarshal(c.Snapshot, &snap); err != nil {
			t.Fatal(err)
		}
		snap.Seq = c.Seq
		out[snap.StudentID] = snap
	}
	return out
}

func TestImport(t *testing.T) {
	s, _ := openTest(t)
	csv := header +
		"20261001,CHAN,Tai Man,A123456(3),2006-03-14,Computer Science,UG,degree,2030-06-30\n" +
		"20261002,CHAN,Tai Ming,Y654321(7),2005-11-02,Physics,UG,degree,2030-06-30\n" +
		"20261003,WONG,Siu Ling,A123456(4),2007-07-21,Mathematics,UG,degree,\n" + // wrong check digit
		"20261004,WONG,Siu Ling,,2007-07-21,Mathematics,UG,degree,\n"
	rep, err := s.Import(ctx, strings.NewReader(csv))
	if err != nil || rep.Added != 3 || len(rep.Errors) != 1 || rep.Errors[0].Line != 4 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	got := feed(t, s)
	if got["20261001"].Name != "tmchan" || got["20261002"].Name != "tmchan2" || got["20261004"].Name != "slwong" {
		t.Fatalf("names: %v", got)
	}
	if len(got["20261001"].HKIDHash) != 32 || got["20261004"].HKIDHash != nil || got["20261004"].Status != "registered" {
		t.Fatalf("snapshot: %+v", got["20261004"])
	}
	// Again: nothing changes. Then one student's department changes: a new
	// change, the name kept.
	if rep, _ := s.Import(ctx, strings.NewReader(csv)); rep.Unchanged != 3 || rep.Added+rep.Updated != 0 {
		t.Fatalf("re-import: %+v", rep)
	}
	changed := strings.Replace(csv, "Tai Man,A123456(3),2006-03-14,Computer Science", "Tai Man,A123456(3),2006-03-14,Chemistry", 1)
	if rep, _ := s.Import(ctx, strings.NewReader(changed)); rep.Updated != 1 || rep.Unchanged != 2 {
		t.Fatalf("changed import: %+v", rep)
	}
	after := feed(t, s)["20261001"]
	if after.Name != "tmchan" || after.Department != "Chemistry" || after.Seq != 4 {
		t.Fatalf("updated: %+v", after)
	}
	if _, err := s.Import(ctx, strings.NewReader("name,id\nx,1\n")); err == nil {
		t.Fatal("a file without the registry header was imported")
	}
}

func TestStations(t *testing.T) {
	s, path := openTest(t)
	tok, err := s.AddStation(ctx, "hall-1")
	if err != nil || len(tok) < 43 {
		t.Fatalf("add: %q, %v", tok, err)
	}
	if id, err := s.Authenticate(ctx, tok); err != nil || id != "hall-1" {
		t.Fatalf("authenticate: %q, %v", id, err)
	}
	if _, err := s.AddStation(ctx, "hall-1"); err == nil || !strings.Contains(err.Error(), "revoke it first") {
		t.Fatalf("second add: %v", err)
	}
	for _, bad := range []string{"", "-x", "a b", strings.Repeat("x", 65)} {
		if _, err := s.AddStation(ctx, bad); err == nil {
			t.Errorf("station id %q accepted", bad)
		}
	}
	if err := s.RevokeStation(ctx, "hall-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("revoked token: %v", err)
	}
	if err := s.RevokeStation(ctx, "nowhere"); !errors.Is(err, ErrNoStation) {
		t.Fatalf("revoke unknown: %v", err)
	}
	tok2, err := s.AddStation(ctx, "hall-1") // a revoked station gets a new token
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Fatal("the old token came back")
	}
	list, err := s.Stations(ctx)
	if err != nil || len(list) != 1 || list[0].ID != "hall-1" || list[0].RevokedAt != nil {
		t.Fatalf("list: %+v, %v", list, err)
	}
	// Only the hash is on disk.
	s.Close()
	raw, _ := os.ReadFile(path)
	wal, _ := os.ReadFile(path + "-wal")
	for _, secretText := range []string{tok, tok2} {
		if bytes.Contains(append(raw, wal...), []byte(secretText)) {
			t.Fatal("a token is stored in the clear")
		}
	}
}

func randomID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func stepOp(account string, step int64) domain.Op {
	b, _ := json.Marshal(domain.TOTPStepPayload{Step: step})
	return domain.Op{ID: randomID(), CreatedAt: t0, Kind: domain.OpTOTPStep, Account: account, Payload: b}
}

// Many stations push at once: the group commits apply every op once, in
// arrival order per account (only increasing steps are accepted, so each
// step wins exactly once), and change numbers never repeat.
func TestApplyConcurrentGroups(t *testing.T) {
	s, path := openTest(t)
	s.Import(ctx, strings.NewReader(header+"20261001,CHAN,Tai Man,A123456(3),2006-03-14,CS,UG,degree,2030-06-30\n"))
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	snap := feed(t, s)["20261001"]
	snap.TOTPSealed, snap.ActivatedAt, snap.Status = []byte{1}, &t0, "active"
	enc, _ := encodeSnapshot(snap)
	if _, err := db.Exec(`UPDATE accounts SET snapshot = ?`, enc); err != nil {
		t.Fatal(err)
	}
	const stations, each = 20, 25
	var wg sync.WaitGroup
	results := make([][]wire.OpResult, stations)
	errs := make([]error, stations)
	for i := range stations {
		wg.Go(func() {
			var ops []domain.Op
			for j := range each {
				ops = append(ops, stepOp("tmchan", int64(1+i*each+j)))
			}
			results[i], errs[i] = s.Apply(ctx, fmt.Sprintf("S%d", i), ops)
		})
	}
	wg.Wait()
	applied := 0
	for i := range stations {
		if errs[i] != nil || len(results[i]) != each {
			t.Fatalf("station %d: %d results, %v", i, len(results[i]), errs[i])
		}
		for _, r := range results[i] {
			if r.Outcome == wire.OutcomeApplied {
				applied++
			}
		}
	}
	final := feed(t, s)["20261001"]
	if applied == 0 || final.TOTPLastStep != stations*each {
		t.Fatalf("%d applied, last step %d", applied, final.TOTPLastStep)
	}
	var ops, distinctSeqs int
	db.QueryRow(`SELECT count(*) FROM ops`).Scan(&ops)
	db.QueryRow(`SELECT count(DISTINCT seq) FROM accounts`).Scan(&distinctSeqs)
	if ops != stations*each || distinctSeqs != 1 {
		t.Fatalf("%d ops recorded, %d seqs", ops, distinctSeqs)
	}
	// The same batch again: every op a duplicate, nothing applied.
	again, err := s.Apply(ctx, "S0", []domain.Op{stepOp("tmchan", 9999)})
	if err != nil || again[0].Outcome != wire.OutcomeApplied {
		t.Fatal(again, err)
	}
	dup, err := s.Apply(ctx, "S0", []domain.Op{{ID: again[0].ID, CreatedAt: t0, Kind: domain.OpTOTPStep, Account: "tmchan", Payload: []byte(`{"step":10000}`)}})
	if err != nil || dup[0].Outcome != wire.OutcomeDuplicate || dup[0].Original != wire.OutcomeApplied ||
		dup[0].Snapshot == nil || dup[0].Snapshot.TOTPLastStep != 9999 {
		t.Fatalf("duplicate: %+v, %v", dup, err)
	}
}

func TestApplyUnknownAccountAndClose(t *testing.T) {
	s, _ := openTest(t)
	res, err := s.Apply(ctx, "S", []domain.Op{stepOp("nobody", 5)})
	if err != nil || res[0].Outcome != wire.OutcomeRejected || !strings.Contains(res[0].Reason, "unknown_account") || res[0].Snapshot != nil {
		t.Fatalf("%+v, %v", res, err)
	}
	s.Close()
	if _, err := s.Apply(ctx, "S", []domain.Op{stepOp("nobody", 6)}); !errors.Is(err, errClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("junk"), 1000), 0o600)
	if _, err := Open(junk, Options{}); err == nil || !strings.Contains(err.Error(), junk) {
		t.Fatalf("junk file: %v", err)
	}
	other := filepath.Join(dir, "other.db")
	db, _ := sql.Open("sqlite", other)
	db.Exec(`CREATE TABLE t (x)`)
	db.Close()
	os.Chmod(other, 0o600) // private, so the check of what it holds is the one met
	if _, err := Open(other, Options{}); err == nil || !strings.Contains(err.Error(), "another application") {
		t.Fatalf("foreign database: %v", err)
	}
}

// An alias is the store's to hand out once: a second account asking for it,
// or for another account's name, is refused.
func TestApplyAliasUnique(t *testing.T) {
	s, path := openTest(t)
	s.Import(ctx, strings.NewReader(header+
		"20261001,CHAN,Tai Man,A123456(3),2006-03-14,CS,UG,degree,2026-06-30\n"+
		"20261002,CHAN,Tai Ming,Y654321(7),2005-11-02,CS,UG,degree,2026-06-30\n"))
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	for _, snap := range feed(t, s) { // both activated graduates in grace
		snap.Status, snap.ActivatedAt, snap.PasswordHash = "active", &t0, "x"
		enc, _ := encodeSnapshot(snap)
		if _, err := db.Exec(`UPDATE accounts SET snapshot = ? WHERE name = ?`, enc, snap.Name); err != nil {
			t.Fatal(err)
		}
	}
	alias := func(account, a string) wire.OpResult {
		b, _ := json.Marshal(domain.AliasPayload{Alias: a})
		res, err := s.Apply(ctx, "S", []domain.Op{{ID: randomID(), CreatedAt: t0, Kind: domain.OpAlias, Account: account, Payload: b}})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	if r := alias("tmchan", "tai.man"); r.Outcome != wire.OutcomeApplied {
		t.Fatalf("first: %+v", r)
	}
	for _, a := range []string{"tai.man", "tmchan"} {
		if r := alias("tmchan2", a); r.Outcome != wire.OutcomeRejected || !strings.Contains(r.Reason, "alias_taken") {
			t.Fatalf("tmchan2 asking for %s: %+v", a, r)
		}
	}
	var n int
	db.QueryRow(`SELECT count(*) FROM accounts WHERE alias = 'tai.man'`).Scan(&n)
	if n != 1 || feed(t, s)["20261001"].Alias != "tai.man" {
		t.Fatalf("alias rows %d", n)
	}
}
