package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// Activate refuses with the rule a station's summary shows before a
// password is typed (policy.CanActivate, read from the Account the screen
// has), whether or not the lifecycle job has stored the status yet.
func TestActivateRefusesAsTheSummarySays(t *testing.T) {
	ctx := context.Background()
	clock := newClock() // 1 Sep 2026
	r, _ := openReplica(t, clock)
	graduate := student{ID: "20221001", Surname: "LAU", Given: "Wai Man", HKID: "A123456(3)", DOB: "2003-01-02",
		Dept: "History", Level: "UG", Category: "degree", Completion: "2026-06-30"} // in grace now
	leaver := student{ID: "20261009", Surname: "YIP", Given: "Ho Yin", HKID: "Y654321(7)", DOB: "2006-02-03",
		Dept: "Physics", Level: "PG", Category: "non-degree", Completion: "2026-12-31"}
	importCSV(t, r, registryCSV(graduate, wingKei, leaver))
	if _, err := r.Activate(ctx, store.Unverified("hyyip"), goodPassword); err != nil {
		t.Fatal(err)
	}

	summary := func(name string) error {
		t.Helper()
		a, err := r.Account(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return store.ActivationError(policy.CanActivate(a.Status, a.Category, a.CompletionDate,
			!a.ActivatedAt.IsZero(), clock.Now()))
	}
	check := func(name string, want error) {
		t.Helper()
		_, err := r.Activate(ctx, store.Unverified(name), goodPassword)
		if !errors.Is(err, want) {
			t.Errorf("Activate(%s) = %v, want %v", name, err, want)
		}
		if s := summary(name); !errors.Is(err, s) || !errors.Is(s, want) {
			t.Errorf("Activate(%s) = %v, but the summary says %v", name, err, s)
		}
	}
	check("wmlau", store.ErrAlumniNotActivated) // a degree graduate in grace: Alumni Account Activation
	check("wkho", store.ErrNotEligible)         // studies ended long before activation
	if _, err := r.RunLifecycle(ctx, clock.Now()); err != nil {
		t.Fatal(err)
	}
	check("wkho", store.ErrNotEligible) // the same once the job stored "terminated"

	clock.Advance(365 * 24 * time.Hour) // hyyip's grace has ended; the job has not run
	check("hyyip", store.ErrTerminated)
}
