package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// An unknown Student ID is answered as a wrong identity for a known one,
// attempt after attempt: the same error, the same text, and after five
// failures in 15 minutes the same lock for 15 minutes (issue 11.2). Only
// then could the station not be used to list who studies here.
func TestUnknownStudentIDIsAnsweredAsAMismatch(t *testing.T) {
	ctx := context.Background()
	answers := func(id store.Identity) []string {
		clock := newClock()
		r, _ := openReplica(t, clock)
		importCSV(t, r, registryCSV(taiMan))
		var out []string
		for i := range 7 {
			_, err := r.VerifyIdentity(ctx, id)
			var locked *store.LockedError
			lock := ""
			if errors.As(err, &locked) {
				lock = fmt.Sprintf(" locked for %v", locked.Until.Sub(clock.Now()))
			}
			out = append(out, fmt.Sprintf("%d: mismatch=%v notfound=%v%s %q", i,
				errors.Is(err, store.ErrIdentityMismatch), errors.Is(err, store.ErrNotFound), lock, err))
			clock.Advance(time.Minute)
		}
		return out
	}
	known := answers(store.Identity{StudentID: taiMan.ID, HKID: "Y6543217"})
	unknown := answers(store.Identity{StudentID: "29999999", HKID: "Y6543217"})
	for i := range known {
		if known[i] != unknown[i] {
			t.Errorf("attempt %s\nunknown ID: %s", known[i], unknown[i])
		}
	}
	if want := "4: mismatch=true notfound=false locked for 15m0s"; known[4][:len(want)] != want {
		t.Errorf("fifth attempt: %s", known[4])
	}
}

// Every failed identity proof at a station counts towards the station's
// limit: the tenth within 15 minutes pauses the identity step there for 15
// minutes, says so at once, survives a restart, and then ends.
func TestStationPausesIdentityStepAfterTenFailures(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	importCSV(t, r, registryCSV(taiMan, siuLing))
	right := store.Identity{StudentID: taiMan.ID, HKID: "A1234563"}

	// An old failure drops out of the window.
	if _, err := r.VerifyIdentity(ctx, store.Identity{StudentID: "29000000", HKID: "A1234563"}); !errors.Is(err, store.ErrIdentityMismatch) {
		t.Fatal(err)
	}
	clock.Advance(16 * time.Minute)
	// Nine failures: unknown IDs (each once), a known account's wrong HKID,
	// the date of birth for a record with an HKID, a wrong alumni name.
	for i := range 6 {
		if _, err := r.VerifyIdentity(ctx, store.Identity{StudentID: fmt.Sprintf("2900000%d", i+1), HKID: "A1234563"}); !errors.Is(err, store.ErrIdentityMismatch) {
			t.Fatalf("unknown ID %d: %v", i, err)
		}
		clock.Advance(time.Minute)
	}
	for _, id := range []store.Identity{{StudentID: taiMan.ID, HKID: "Y6543217"}, {StudentID: taiMan.ID, DateOfBirth: taiMan.DOB}} {
		if _, err := r.VerifyIdentity(ctx, id); !errors.Is(err, store.ErrIdentityMismatch) {
			t.Fatal(err)
		}
	}
	if _, err := r.VerifyAlumni(ctx, store.AlumniIdentity{FullName: "Wong Siu Ling", HKID: "A1234563"}); !errors.Is(err, store.ErrIdentityMismatch) {
		t.Fatal(err)
	}
	var paused *store.IdentityPausedError
	if _, err := r.VerifyIdentity(ctx, right); err != nil {
		t.Fatalf("after nine failures: %v", err)
	}
	// The tenth pauses, and says until when.
	tenth := clock.Now()
	_, err := r.VerifyIdentity(ctx, store.Identity{StudentID: "29999999", HKID: "A1234563"})
	if !errors.Is(err, store.ErrIdentityMismatch) || !errors.As(err, &paused) || !paused.Until.Equal(tenth.Add(15*time.Minute)) {
		t.Fatalf("tenth failure: err = %v, want a mismatch and a pause until %v", err, tenth.Add(15*time.Minute))
	}
	// Paused: right details too, in every identity flow, and across a restart.
	clock.Advance(time.Minute)
	if _, err := r.VerifyIdentity(ctx, right); !errors.As(err, &paused) {
		t.Fatalf("right details while paused: %v", err)
	}
	if _, err := r.VerifyAlumni(ctx, store.AlumniIdentity{FullName: "Chan Tai Man", HKID: "A1234563"}); !errors.As(err, &paused) {
		t.Fatalf("alumni while paused: %v", err)
	}
	r.Close()
	r, err = store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.VerifyIdentity(ctx, right); !errors.As(err, &paused) {
		t.Fatalf("after a restart: %v", err)
	}
	if n := countRows(t, r, `SELECT count(*) FROM audit WHERE account IS NULL AND action = 'identity_failure' AND detail LIKE '%paused until%'`); n != 1 {
		t.Errorf("audit rows for the pause = %d, want 1", n)
	}
	clock.Advance(14 * time.Minute)
	if _, err := r.VerifyIdentity(ctx, right); err != nil {
		t.Fatalf("after the pause: %v", err)
	}
	// The pause spent the failures: one more does not pause again.
	if _, err := r.VerifyIdentity(ctx, store.Identity{StudentID: "29999999", HKID: "A1234563"}); errors.As(err, &paused) {
		t.Fatal("paused again by a single failure")
	}
}

// Alumni Account Activation proves identity the same way (issue 11.1, 11.2,
// 11.11): a record with an HKID is verified with it, not with a passport
// also on file; an unknown number is answered as a wrong name and counted;
// a name in Chinese characters cannot match a name in English letters, so
// it is refused with its own message and counts nowhere.
func TestVerifyAlumniIdentityProofing(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, _ := openReplica(t, clock)
	both := meiLing
	both.Passport = "K7654321" // an HKID and a passport on file
	importCSV(t, r, registryCSV(both, abroad))
	stationFailures := func() int {
		return countRows(t, r, `SELECT count(*) FROM identity_failures`)
	}

	_, wrongName := r.VerifyAlumni(ctx, store.AlumniIdentity{FullName: "Chan Tai Man", HKID: "R1122338"})
	_, viaPassport := r.VerifyAlumni(ctx, store.AlumniIdentity{FullName: "Cheung Mei Ling", PassportNo: "K7654321"})
	_, unknown := r.VerifyAlumni(ctx, store.AlumniIdentity{FullName: "Cheung Mei Ling", PassportNo: "Z9999999"})
	for name, err := range map[string]error{"passport with an HKID on file": viaPassport, "unknown number": unknown} {
		if !errors.Is(err, store.ErrIdentityMismatch) || err.Error() != wrongName.Error() {
			t.Errorf("%s: err = %v, want the wrong name's %v", name, err, wrongName)
		}
	}
	if got := rowsFor(t, r, "mlcheung").failures; got != 2 {
		t.Errorf("mlcheung failures = %d, want 2 (wrong name, passport refused)", got)
	}
	if got := stationFailures(); got != 3 {
		t.Errorf("station failures = %d, want 3", got)
	}
	// Her HKID still verifies her; a graduate with only a passport uses it.
	if a, err := r.VerifyAlumni(ctx, store.AlumniIdentity{FullName: "Cheung Mei Ling", HKID: "R1122338"}); err != nil || a.Name != "mlcheung" {
		t.Fatalf("with her HKID: %+v, %v", a, err)
	}
	if a, err := r.VerifyAlumni(ctx, store.AlumniIdentity{FullName: "Nguyen Van An", PassportNo: "ｂ１２３４５６７"}); err != nil || a.Name != "vanguyen" {
		t.Fatalf("passport only, typed in full width: %+v, %v", a, err)
	}
	// Chinese characters: its own message, nothing counted anywhere.
	for _, name := range []string{"張美玲", "Cheung 美玲"} {
		_, err := r.VerifyAlumni(ctx, store.AlumniIdentity{FullName: name, HKID: "R1122338"})
		if !errors.Is(err, policy.ErrFullNameLetters) || errors.Is(err, store.ErrIdentityMismatch) {
			t.Errorf("%s: err = %v, want ErrFullNameLetters", name, err)
		}
	}
	if got := rowsFor(t, r, "mlcheung").failures; got != 2 {
		t.Errorf("mlcheung failures = %d after names in Chinese characters, want still 2", got)
	}
	if got := stationFailures(); got != 3 {
		t.Errorf("station failures = %d after names in Chinese characters, want still 3", got)
	}
}

// BenchmarkVerifyIdentityRefusal compares the two refusals a station could
// otherwise be timed on: a wrong HKID for a known Student ID and any HKID
// for an unknown one. Both hash, read and write one transaction.
func BenchmarkVerifyIdentityRefusal(b *testing.B) {
	for _, tc := range []struct {
		name string
		id   store.Identity
	}{
		{"known", store.Identity{StudentID: taiMan.ID, HKID: "Y6543217"}},
		{"unknown", store.Identity{StudentID: "29999999", HKID: "Y6543217"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			clock := newClock()
			r, _ := openReplica(b, clock)
			importCSV(b, r, registryCSV(taiMan, taiMing, siuLing, wingKei))
			for b.Loop() {
				if _, err := r.VerifyIdentity(context.Background(), tc.id); !errors.Is(err, store.ErrIdentityMismatch) {
					b.Fatal(err)
				}
				clock.Advance(4 * time.Minute) // never 5 in 15 minutes: no lock, no pause
			}
		})
	}
}
