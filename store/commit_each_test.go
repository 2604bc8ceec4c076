package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

// A change left out of a batch leaves nothing behind, even what its apply
// wrote before giving up; the others are recorded whole.
func TestCommitEachLeavesOutAChange(t *testing.T) {
	ctx := context.Background()
	keys, err := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	r, err := Open(filepath.Join(t.TempDir(), "replica.db"), Options{Keys: keys, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	csv := "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n" +
		"20261001,CHAN,Tai Man,,2006-03-14,Physics,UG,degree,2026-06-30\n" +
		"20261002,CHAN,Tai Ming,,2006-03-15,Physics,UG,degree,2026-06-30\n" +
		"20261003,WONG,Siu Ling,,2006-03-16,Physics,UG,degree,2026-06-30\n"
	if _, err := r.ImportRegistry(ctx, strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	var cs []*change
	for _, name := range []string{"tmchan", "tmchan2", "slwong"} {
		cs = append(cs, &change{Account: name, Action: "lifecycle", Kind: domain.OpLifecycle, At: now,
			Payload: domain.LifecyclePayload{From: policy.StatusRegistered, To: policy.StatusGrace, At: now}})
	}
	done, err := r.commitEach(ctx, "lifecycle", cs, func(tx *sql.Tx, c *change) error {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET status = 'grace' WHERE name = ?`, c.Account); err != nil {
			return err
		}
		if c.Account == "tmchan2" {
			return errNoChange{errors.New("changed meanwhile")}
		}
		return nil
	})
	if err != nil || len(done) != 2 || done[0].Account != "tmchan" || done[1].Account != "slwong" {
		t.Fatalf("done %v, %v", done, err)
	}
	for name, want := range map[string]string{"tmchan": "grace 1 1", "tmchan2": "registered 0 0", "slwong": "grace 1 1"} {
		var status string
		var audits, ops int
		r.r.QueryRow(`SELECT status, (SELECT count(*) FROM audit WHERE account = ?1),
			(SELECT count(*) FROM outbox WHERE account = ?1) FROM accounts WHERE name = ?1`, name).Scan(&status, &audits, &ops)
		if got := fmt.Sprintf("%s %d %d", status, audits, ops); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	// Any other error rolls the whole batch back.
	boom := errors.New("boom")
	_, err = r.commitEach(ctx, "lifecycle", cs, func(tx *sql.Tx, c *change) error {
		if c.Account == "slwong" {
			return boom
		}
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET status = 'alumni' WHERE name = ?`, c.Account)
		return err
	})
	var n int
	r.r.QueryRow(`SELECT count(*) FROM accounts WHERE status = 'alumni'`).Scan(&n)
	if !errors.Is(err, boom) || n != 0 {
		t.Errorf("err %v, %d accounts changed", err, n)
	}
}
