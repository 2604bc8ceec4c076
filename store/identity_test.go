package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

func TestVerifyIdentity(t *testing.T) {
	r, _ := openReplica(t, newClock())
	importCSV(t, r, registryCSV(taiMan, siuLing, wingKei))
	tests := []struct {
		name     string
		id       store.Identity
		want     error
		account  string
		failures int // failures recorded against the account
	}{
		{"HKID", store.Identity{StudentID: taiMan.ID, HKID: "A1234563"}, nil, "tmchan", 0},
		// Issue 11.1: a record with an HKID is verified with it only; the
		// right date of birth is refused as a mismatch and counts as one.
		{"HKID on record: right date of birth refused", store.Identity{StudentID: taiMan.ID, DateOfBirth: "2006-03-14"}, store.ErrIdentityMismatch, "tmchan", 1},
		{"HKID on record: passport refused", store.Identity{StudentID: taiMan.ID, PassportNo: "K1234567"}, store.ErrIdentityMismatch, "tmchan", 2},
		{"no HKID in registry: date of birth", store.Identity{StudentID: siuLing.ID, DateOfBirth: "2007-07-21"}, nil, "slwong", 0},
		{"passport", store.Identity{StudentID: siuLing.ID, PassportNo: "K1234567"}, nil, "slwong", 0},
		{"ended studies still verify (screen shows status)", store.Identity{StudentID: wingKei.ID, HKID: "M1357900"}, nil, "wkho", 0},
		// Issue 11.2: an unknown Student ID gets the mismatch's answer.
		{"unknown student: same answer", store.Identity{StudentID: "29999999", HKID: "A1234563"}, store.ErrIdentityMismatch, "", 0},
		{"wrong HKID", store.Identity{StudentID: taiMan.ID, HKID: "Y6543217"}, store.ErrIdentityMismatch, "tmchan", 3},
		{"wrong date of birth", store.Identity{StudentID: taiMan.ID, DateOfBirth: "2006-03-15"}, store.ErrIdentityMismatch, "tmchan", 4},
		{"HKID given, registry has none", store.Identity{StudentID: siuLing.ID, HKID: "A1234563"}, store.ErrIdentityMismatch, "slwong", 1},
		{"nothing given", store.Identity{StudentID: taiMan.ID}, store.ErrNoIdentity, "tmchan", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := r.VerifyIdentity(context.Background(), tc.id)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if errors.Is(err, store.ErrNotFound) {
				t.Fatalf("err = %v: the answer tells an unknown Student ID from a wrong identity", err)
			}
			if tc.want == nil && a.Name != tc.account {
				t.Errorf("account = %q, want %q", a.Name, tc.account)
			}
			if tc.account != "" {
				if got := rowsFor(t, r, tc.account); got.failures != tc.failures || got.outbox != tc.failures {
					t.Errorf("rows = %+v, want %d failures each with an outbox row", got, tc.failures)
				}
			}
		})
	}
	a, _ := r.VerifyIdentity(context.Background(), store.Identity{StudentID: wingKei.ID, HKID: "M1357900"})
	if a.Status != policy.StatusTerminated {
		t.Errorf("non-degree student after grace: status %q, want terminated", a.Status)
	}
}

func TestLockout(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, _ := openReplica(t, clock)
	importCSV(t, r, registryCSV(taiMan))
	right := store.Identity{StudentID: taiMan.ID, HKID: "A1234563"}
	wrong := store.Identity{StudentID: taiMan.ID, DateOfBirth: "2001-01-01"}

	// Four failures, then the window passes: they no longer count.
	for range 4 {
		if _, err := r.VerifyIdentity(ctx, wrong); !errors.Is(err, store.ErrIdentityMismatch) {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
	}
	clock.Advance(15 * time.Minute)
	for i := 1; i <= 4; i++ {
		_, err := r.VerifyIdentity(ctx, wrong)
		var locked *store.LockedError
		if errors.As(err, &locked) {
			t.Fatalf("locked after %d failures in the window", i)
		}
		clock.Advance(time.Minute)
	}
	// The fifth failure in 15 minutes locks for 15 minutes from itself, and
	// says so at once.
	fifth := clock.Now()
	_, err := r.VerifyIdentity(ctx, wrong)
	var locked *store.LockedError
	if !errors.Is(err, store.ErrIdentityMismatch) || !errors.As(err, &locked) {
		t.Fatalf("fifth failure: err = %v, want mismatch and locked", err)
	}
	if want := fifth.Add(15 * time.Minute); !locked.Until.Equal(want) {
		t.Errorf("locked until %v, want %v", locked.Until, want)
	}
	// Locked: even the right details are refused, and so is every other
	// self-service call.
	clock.Advance(14*time.Minute + 59*time.Second)
	if _, err := r.VerifyIdentity(ctx, right); !errors.As(err, &locked) {
		t.Fatalf("right details while locked: err = %v", err)
	}
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), "a fine long passphrase"); !errors.As(err, &locked) {
		t.Fatalf("activate while locked: err = %v", err)
	}
	before := rowsFor(t, r, "tmchan")
	clock.Advance(time.Second)
	if _, err := r.VerifyIdentity(ctx, right); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// The lock spent the failures: one more is not a new lock.
	if _, err := r.VerifyIdentity(ctx, wrong); errors.As(err, &locked) {
		t.Fatal("locked again by a single failure")
	}
	if got := rowsFor(t, r, "tmchan"); got.audit != before.audit+1 || got.outbox != before.outbox+1 {
		t.Errorf("rows %+v -> %+v: a failure writes one audit and one outbox row", before, got)
	}
	kind, payload := lastOp(t, r, "tmchan")
	if kind != "failure" || payload == "" {
		t.Errorf("last op %s %s", kind, payload)
	}
}
