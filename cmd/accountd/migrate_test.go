package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/central/pgtest"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

// accountd migrate copies a SQLite store to PostgreSQL with everything a
// station relies on: the same epoch and feed (cursors stay valid), seen ops
// with their chain fields (a retry stays a duplicate, a follower of a
// copied op applies), station tokens, notices and audit.
func TestMigrateSQLiteToPostgres(t *testing.T) {
	url := pgtest.URL(t)
	ctx := context.Background()
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	now := time.Date(2026, 8, 31, 9, 0, 0, 0, time.UTC)
	opt := central.Options{Keys: &keys, Now: func() time.Time { return now }}
	db := filepath.Join(t.TempDir(), "central.db")
	src, err := central.Open(db, opt)
	if err != nil {
		t.Fatal(err)
	}
	csv := "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n" +
		"20221001,LAM,Ka Yan,,2004-01-01,Physics,UG,degree,2026-08-31\n" +
		"20221002,YIP,Hoi Ying,,2004-01-02,Chemistry,PG,non-degree,2030-08-31\n"
	if _, err := src.Import(ctx, strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	token, err := src.AddStation(ctx, "hall-1")
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := secret.HashPassword("Harbour lights 42 tonight")
	day := now.AddDate(0, 0, -1) // the day before completion
	activate := op("kylam", domain.OpActivate, domain.ActivatePayload{PasswordHash: hash, ActivatedAt: day}, "", domain.ProofDOB, day)
	if res, err := src.Apply(ctx, "hall-1", []domain.Op{activate}); err != nil || res[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("%+v, %v", res, err)
	}
	if _, err := src.RunLifecycle(ctx, now); err != nil { // kylam into grace: a notice and audit rows
		t.Fatal(err)
	}
	heartbeat := wire.Health{Version: "v1.4.0", OutboxRejected: 1, Cursor: 2, Maintenance: true}
	if err := src.RecordHealth(ctx, "hall-1", heartbeat); err != nil {
		t.Fatal(err)
	}
	before, _ := src.Changes(ctx, 0, 100)
	notices, _ := src.Notices(ctx, "", 0)
	epoch := src.Epoch()
	src.Close()

	code, stdout, stderr := out(t, "migrate", "--from", db, "--to", url)
	if code != 0 || !strings.Contains(stdout, "2 accounts, 1 ops, 1 stations, 1 notices") {
		t.Fatalf("migrate: %d %q %q", code, stdout, stderr)
	}
	dst, err := central.Open(url, opt)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	after, _ := dst.Changes(ctx, 0, 100)
	if dst.Epoch() != epoch || after.Head != before.Head || len(after.Changes) != len(before.Changes) {
		t.Fatalf("epoch %s/%s, head %d/%d", dst.Epoch(), epoch, after.Head, before.Head)
	}
	for i := range after.Changes {
		var a, b any
		json.Unmarshal(after.Changes[i].Snapshot, &a)
		json.Unmarshal(before.Changes[i].Snapshot, &b)
		if after.Changes[i].Seq != before.Changes[i].Seq || !reflect.DeepEqual(a, b) {
			t.Fatalf("change %d differs", i)
		}
	}
	if got, _ := dst.Notices(ctx, "", 0); len(got) != 1 || got[0].Subject != notices[0].Subject || got[0].ID != notices[0].ID {
		t.Fatalf("notices %+v", got)
	}
	if id, err := dst.Authenticate(ctx, token); err != nil || id != "hall-1" {
		t.Fatalf("token: %q %v", id, err)
	}
	// The station's last heartbeat comes along.
	if list, err := dst.Stations(ctx); err != nil || len(list) != 1 || list[0].LastSeen == nil ||
		!list[0].LastSeen.Equal(now) || list[0].Health == nil || *list[0].Health != heartbeat {
		t.Fatalf("stations after migrate: %+v, %v", list, err)
	}
	// The activation again is a duplicate; an op that follows it applies;
	// new changes number on from the copied head.
	dir := op("kylam", domain.OpDirectory, domain.DirectoryPayload{Public: false}, activate.ID, domain.ProofDOB, now)
	res, err := dst.Apply(ctx, "hall-1", []domain.Op{activate, dir})
	if err != nil || res[0].Outcome != wire.OutcomeDuplicate || res[1].Outcome != wire.OutcomeApplied {
		t.Fatalf("after migrate: %+v, %v", res, err)
	}
	if f, _ := dst.Changes(ctx, before.Head, 10); f.Head != before.Head+1 || len(f.Changes) != 1 {
		t.Fatalf("new change after the copied head: %+v", f)
	}
	// A second migrate into the same database is refused.
	if code, _, stderr := out(t, "migrate", "--from", db, "--to", url); code != 1 || !strings.Contains(stderr, "not empty") {
		t.Fatalf("second migrate: %d %q", code, stderr)
	}
}

func op(account string, kind domain.OpKind, p any, after, proof string, at time.Time) domain.Op {
	b, _ := json.Marshal(p)
	return domain.Op{ID: string(kind) + "-" + account + "-" + after, CreatedAt: at, Kind: kind, Account: account, Payload: b,
		After: after, Proof: proof}
}
