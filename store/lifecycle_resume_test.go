package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// A lifecycle run cut short after committed batches (the station stopped)
// resumes on the same day after the last of them: it neither reads those
// candidates again nor moves anyone twice, and a further run that day moves
// nobody (issue 17: every start of a 100k station redid the same moves).
func TestLifecycleResumesAfterInterruption(t *testing.T) {
	defer store.SetLifecycleBatch(4)()
	clock := newClock()
	clock.t = at(2026, 8, 1)
	r, _ := openReplica(t, clock)
	// kyau..: in grace since September, ending on 31 Dec: candidates on 29
	// Dec that do not move yet. kylam..: completion on 1 Dec, due for grace.
	var class []student
	for i := range 12 {
		s := student{ID: fmt.Sprintf("2023%04d", i), Surname: "LAM", Given: "Ka Yan",
			HKID: hkid('E', 300000+i), DOB: "2004-01-01", Dept: "Physics", Level: "UG", Category: "degree",
			Completion: "2026-12-01"}
		if i < 4 {
			s.Surname, s.Completion = "AU", "2026-08-31"
		}
		class = append(class, s)
	}
	importCSV(t, r, registryCSV(class...))
	if rep := runLifecycle(t, r, clock, at(2026, 9, 1)); len(rep.Transitions) != 4 {
		t.Fatalf("1 Sep moved %d, want the four kyau", len(rep.Transitions))
	}
	now := at(2026, 12, 29)
	clock.t = now

	// Stop the run while its third batch (kylam5..8) is about to commit.
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	store.SetBeforeCommit(func(action string) {
		if action == "lifecycle" {
			if batches++; batches == 3 {
				cancel()
			}
		}
	})
	_, err := r.RunLifecycle(ctx, now)
	store.SetBeforeCommit(nil)
	if err == nil {
		t.Fatal("the interrupted run reported no error")
	}
	if n := lifecycleOps(t, r); n != 8 {
		t.Fatalf("%d lifecycle ops after the interrupted run, want 8 (kyau in September, kylam1..4)", n)
	}

	// The next start the same day (a little later) goes on after the second batch.
	rep, err := r.RunLifecycle(context.Background(), now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checked != 4 || len(rep.Transitions) != 4 {
		t.Fatalf("resumed run checked %d and moved %d, want 4 and 4 (the first two batches were done)", rep.Checked, len(rep.Transitions))
	}
	if n := lifecycleOps(t, r); n != 12 {
		t.Fatalf("%d lifecycle ops, want one per account (12)", n)
	}
	rep, err = r.RunLifecycle(context.Background(), now.Add(2*time.Minute))
	if err != nil || len(rep.Transitions) != 0 {
		t.Fatalf("a second start moved %d accounts (%v), want none", len(rep.Transitions), err)
	}
	for i := range 8 {
		if name := policy.AccountName("kylam", i+1); stored(t, r, name) != policy.StatusGrace {
			t.Fatalf("%s is %s, want grace", name, stored(t, r, name))
		}
	}
}

// lifecycleOps counts the outbox's lifecycle ops.
func lifecycleOps(t *testing.T, r *store.Replica) int {
	t.Helper()
	var n int
	if err := store.ReadDB(r).QueryRow(`SELECT count(*) FROM outbox WHERE kind = 'lifecycle'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
