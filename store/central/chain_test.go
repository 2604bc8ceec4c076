package central

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/secret"
)

// The store decides an op that follows another from its own record of
// that one: an op following one it never received is refused, the same
// push again is answered as duplicates of the same decisions, and an op
// following an applied one in a later push is applied.
func TestApplyDecidesChainsFromItsRecord(t *testing.T) {
	s, path := openTest(t)
	s.Import(ctx, strings.NewReader(header+"20261001,CHAN,Tai Man,A123456(3),2006-03-14,CS,UG,degree,2030-06-30\n"))
	h, err := secret.HashPassword("Harbour lights 42 tonight")
	if err != nil {
		t.Fatal(err)
	}
	activate := chainOp(store.OpActivate, store.ActivatePayload{PasswordHash: h, ActivatedAt: t0}, "", store.ProofHKID)
	orphan := chainOp(store.OpDirectory, store.DirectoryPayload{Public: false}, "never-sent", store.ProofHKID)
	first, err := s.Apply(ctx, "A", []store.Op{activate, orphan})
	if err != nil || first[0].Outcome != store.OutcomeApplied || first[1].Outcome != store.OutcomeRejected ||
		!strings.Contains(first[1].Reason, "chain: refused because the change it depends on (op never-sent) never reached") {
		t.Fatalf("first push: %+v, %v", first, err)
	}
	again, err := s.Apply(ctx, "A", []store.Op{activate, orphan})
	if err != nil || again[0].Original != store.OutcomeApplied || again[1].Original != store.OutcomeRejected || again[1].Reason != first[1].Reason {
		t.Fatalf("the same push again: %+v, %v", again, err)
	}
	next := chainOp(store.OpDirectory, store.DirectoryPayload{Public: false}, activate.ID, store.ProofHKID)
	if res, err := s.Apply(ctx, "A", []store.Op{next}); err != nil || res[0].Outcome != store.OutcomeApplied {
		t.Fatalf("following the applied activation: %+v, %v", res, err)
	}
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	var after, proof string
	if err := db.QueryRow(`SELECT after_op, proof FROM ops WHERE op_id = ?`, next.ID).Scan(&after, &proof); err != nil ||
		after != activate.ID || proof != store.ProofHKID {
		t.Fatalf("recorded %q %q, %v", after, proof, err)
	}
}

func chainOp(kind store.OpKind, p any, after, proof string) store.Op {
	b, _ := json.Marshal(p)
	return store.Op{ID: randomID(), CreatedAt: t0, Kind: kind, Account: "tmchan", Payload: b, After: after, Proof: proof}
}
