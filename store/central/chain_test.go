package central

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
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
	activate := chainOp(domain.OpActivate, domain.ActivatePayload{PasswordHash: h, ActivatedAt: t0}, "", domain.ProofHKID)
	orphan := chainOp(domain.OpDirectory, domain.DirectoryPayload{Public: false}, "never-sent", domain.ProofHKID)
	first, err := s.Apply(ctx, "A", []domain.Op{activate, orphan})
	if err != nil || first[0].Outcome != wire.OutcomeApplied || first[1].Outcome != wire.OutcomeRejected ||
		!strings.Contains(first[1].Reason, "chain: refused because the change it depends on (op never-sent) never reached") {
		t.Fatalf("first push: %+v, %v", first, err)
	}
	again, err := s.Apply(ctx, "A", []domain.Op{activate, orphan})
	if err != nil || again[0].Original != wire.OutcomeApplied || again[1].Original != wire.OutcomeRejected || again[1].Reason != first[1].Reason {
		t.Fatalf("the same push again: %+v, %v", again, err)
	}
	next := chainOp(domain.OpDirectory, domain.DirectoryPayload{Public: false}, activate.ID, domain.ProofHKID)
	if res, err := s.Apply(ctx, "A", []domain.Op{next}); err != nil || res[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("following the applied activation: %+v, %v", res, err)
	}
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	var after, proof string
	if err := db.QueryRow(`SELECT after_op, proof FROM ops WHERE op_id = ?`, next.ID).Scan(&after, &proof); err != nil ||
		after != activate.ID || proof != domain.ProofHKID {
		t.Fatalf("recorded %q %q, %v", after, proof, err)
	}
}

func chainOp(kind domain.OpKind, p any, after, proof string) domain.Op {
	b, _ := json.Marshal(p)
	return domain.Op{ID: randomID(), CreatedAt: t0, Kind: kind, Account: "tmchan", Payload: b, After: after, Proof: proof}
}
