package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
)

// The outbox names no op kinds: they are declared once, in store/domain,
// so a new kind needs no migration. The migration that dropped the list
// keeps every op with its order, chain and proof, and runs again on a file
// that has it.
func TestOutboxTakesTheDeclaredKinds(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	importCSV(t, r, registryCSV(taiMan))
	acct, err := r.Activate(ctx, store.Proof{Account: "tmchan", Kind: domain.ProofHKID}, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetDirectoryPublic(ctx, acct.Proof, false); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := store.ReadDB(r).QueryRow(`SELECT sql FROM sqlite_schema WHERE name = 'outbox'`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	for _, k := range domain.Kinds() {
		if strings.Contains(schema, "'"+string(k)+"'") {
			t.Errorf("the outbox schema names the kind %q:\n%s", k, schema)
		}
	}

	before, err := r.PendingOps(ctx, 10)
	if err != nil || len(before) != 2 || before[1].After != before[0].ID || before[1].Proof != domain.ProofHKID {
		t.Fatalf("ops before: %+v, %v", before, err)
	}
	r.Close()
	execOn(t, path, `PRAGMA user_version = 7`) // 0008 runs again (and every later one)
	r, err = store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	after, err := r.PendingOps(ctx, 10)
	if err != nil || len(after) != len(before) {
		t.Fatalf("ops after migrating again: %+v, %v", after, err)
	}
	for i := range after {
		if after[i].ID != before[i].ID || after[i].Seq != before[i].Seq || after[i].Kind != before[i].Kind ||
			after[i].After != before[i].After || after[i].Proof != before[i].Proof {
			t.Errorf("op %d after migrating again: %+v, want %+v", i, after[i], before[i])
		}
	}
}
