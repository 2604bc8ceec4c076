package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

const goodPassword = "twinS /w9 *s" // the seed's own example

func TestActivate(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	alumnus := student{ID: "20201008", Surname: "CHEUNG", Given: "Mei Ling", HKID: "R112233(8)", DOB: "2001-04-04",
		Dept: "Economics", Level: "UG", Category: "degree", Completion: "2024-06-30"}
	importCSV(t, r, registryCSV(taiMan, taiMing, wingKei, alumnus, siuLing))
	execOn(t, path, `UPDATE accounts SET status = 'terminated' WHERE name = 'slwong'`)

	a, err := r.Activate(ctx, store.Unverified("tmchan"), goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != policy.StatusActive || !a.ActivatedAt.Equal(clock.Now()) || !a.PasswordChangedAt.Equal(clock.Now()) {
		t.Errorf("activated account = %+v", a)
	}
	if got := rowsFor(t, r, "tmchan"); got.audit != 1 || got.outbox != 1 {
		t.Errorf("rows = %+v, want one audit and one outbox row", got)
	}
	kind, payload := lastOp(t, r, "tmchan")
	if kind != "activate" || !strings.Contains(payload, `"password_hash":"$argon2id$`) || strings.Contains(payload, goodPassword) {
		t.Errorf("op %s %s", kind, payload)
	}
	if _, err := r.VerifyPassword(ctx, "tmchan", goodPassword); err != nil {
		t.Errorf("the new password does not verify: %v", err)
	}

	refusals := []struct {
		name, account, password string
		want                    error
	}{
		{"already active", "tmchan", goodPassword, store.ErrAlreadyActive},
		{"alumni", "mlcheung", goodPassword, store.ErrNotEligible}, // registered, studies ended: never activated
		{"terminated", "slwong", goodPassword, store.ErrTerminated},
		{"studies ended before activation", "wkho", goodPassword, store.ErrNotEligible},
		{"unknown", "nobody", goodPassword, store.ErrNotFound},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.Activate(ctx, store.Unverified(tc.account), tc.password); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("alumni stored", func(t *testing.T) {
		execOn(t, path, `UPDATE accounts SET status = 'alumni', password_hash = 'x' WHERE name = 'mlcheung'`)
		if _, err := r.Activate(ctx, store.Unverified("mlcheung"), goodPassword); !errors.Is(err, store.ErrAlreadyActive) {
			t.Fatalf("err = %v, want ErrAlreadyActive", err)
		}
	})
	t.Run("policy", func(t *testing.T) {
		_, err := r.Activate(ctx, store.Unverified("tmchan2"), "chan123")
		var pe *store.PolicyError
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want PolicyError", err)
		}
		rules := map[policy.RuleID]bool{}
		for _, v := range pe.Violations {
			rules[v.Rule] = true
		}
		if !rules[policy.RuleMinLength] || !rules[policy.RuleName] || !rules[policy.RuleSequentialDigits] {
			t.Errorf("violations = %+v", pe.Violations)
		}
		if got := rowsFor(t, r, "tmchan2"); got.audit != 0 || got.outbox != 0 {
			t.Errorf("a refused activation wrote %+v", got)
		}
	})
}

func TestVerifyPassword(t *testing.T) {
	ctx := context.Background()
	r, path := openReplica(t, newClock())
	importCSV(t, r, registryCSV(taiMan, taiMing))
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), goodPassword); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, account, password string
		want                    error
		failures                int
	}{
		{"right", "tmchan", goodPassword, nil, 0},
		{"wrong", "tmchan", "twinS /w9 *S", store.ErrWrongPassword, 1},
		{"unknown account: same error, nothing recorded", "nobody", goodPassword, store.ErrWrongPassword, 0},
		{"never activated", "tmchan2", goodPassword, store.ErrWrongPassword, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.VerifyPassword(ctx, tc.account, tc.password)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if got := rowsFor(t, r, tc.account).failures; got != tc.failures {
				t.Errorf("failures = %d, want %d", got, tc.failures)
			}
		})
	}
	t.Run("terminated, right password", func(t *testing.T) {
		execOn(t, path, `UPDATE accounts SET status = 'terminated' WHERE name = 'tmchan'`)
		if _, err := r.VerifyPassword(ctx, "tmchan", goodPassword); !errors.Is(err, store.ErrTerminated) {
			t.Fatalf("err = %v, want ErrTerminated", err)
		}
		if _, err := r.VerifyPassword(ctx, "tmchan", "wrong password here"); !errors.Is(err, store.ErrWrongPassword) {
			t.Fatalf("err = %v, want ErrWrongPassword (status only after the right password)", err)
		}
	})
}

func TestPasswordLockout(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, _ := openReplica(t, clock)
	importCSV(t, r, registryCSV(taiMan))
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), goodPassword); err != nil {
		t.Fatal(err)
	}
	var locked *store.LockedError
	for i := 1; i <= 5; i++ {
		_, err := r.VerifyPassword(ctx, "tmchan", fmt.Sprintf("wrong guess %d", i))
		if !errors.Is(err, store.ErrWrongPassword) {
			t.Fatal(err)
		}
		if got := errors.As(err, &locked); got != (i == 5) {
			t.Fatalf("attempt %d: locked = %v", i, got)
		}
	}
	if _, err := r.VerifyPassword(ctx, "tmchan", goodPassword); !errors.As(err, &locked) {
		t.Fatalf("right password while locked: %v", err)
	}
	clock.Advance(15 * time.Minute)
	if _, err := r.VerifyPassword(ctx, "tmchan", goodPassword); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

func TestSetPassword(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	importCSV(t, r, registryCSV(taiMan, taiMing, siuLing))
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), goodPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Activate(ctx, store.Unverified("slwong"), goodPassword); err != nil {
		t.Fatal(err)
	}
	execOn(t, path, `UPDATE accounts SET status = 'terminated' WHERE name = 'slwong'`)

	refusals := []struct {
		name, account, password string
		want                    error
		rule                    policy.RuleID
	}{
		{"not activated", "tmchan2", "Harbour lights 42", store.ErrNotActivated, ""},
		{"terminated", "slwong", "Harbour lights 42", store.ErrTerminated, ""},
		{"unknown", "nobody", "Harbour lights 42", store.ErrNotFound, ""},
		{"current password", "tmchan", goodPassword, nil, policy.RuleReuse},
		{"too short", "tmchan", "short one", nil, policy.RuleMinLength},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.SetPassword(ctx, store.Unverified(tc.account), tc.password)
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				return
			}
			var pe *store.PolicyError
			if !errors.As(err, &pe) || !hasRule(pe, tc.rule) {
				t.Fatalf("err = %v, want a PolicyError with %s", err, tc.rule)
			}
		})
	}
	before := rowsFor(t, r, "tmchan")
	clock.Advance(time.Hour)
	a, err := r.SetPassword(ctx, store.Unverified("tmchan"), "Harbour lights 42")
	if err != nil {
		t.Fatal(err)
	}
	if !a.PasswordChangedAt.Equal(clock.Now()) || a.ActivatedAt.Equal(clock.Now()) {
		t.Errorf("account = %+v", a)
	}
	if got := rowsFor(t, r, "tmchan"); got.audit != before.audit+1 || got.outbox != before.outbox+1 {
		t.Errorf("rows %+v -> %+v", before, got)
	}
	if kind, payload := lastOp(t, r, "tmchan"); kind != "set_password" || strings.Contains(payload, "Harbour") {
		t.Errorf("op %s %s", kind, payload)
	}
	if _, err := r.VerifyPassword(ctx, "tmchan", goodPassword); !errors.Is(err, store.ErrWrongPassword) {
		t.Errorf("old password: %v", err)
	}
	if _, err := r.VerifyPassword(ctx, "tmchan", "Harbour lights 42"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

// TestPasswordHistory sets eleven passwords: the first is refused while it is
// one of the last ten, and allowed again once it is the eleventh-oldest.
func TestPasswordHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("about 60 argon2 hashes")
	}
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	importCSV(t, r, registryCSV(taiMan))
	pw := func(i int) string { return fmt.Sprintf("Lantern festival night %c", 'a'+i) }
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), pw(1)); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 10; i++ {
		if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), pw(i)); err != nil {
			t.Fatalf("password %d: %v", i, err)
		}
	}
	// Ten passwords so far: the first is still one of the last ten.
	_, err := r.SetPassword(ctx, store.Unverified("tmchan"), pw(1))
	var pe *store.PolicyError
	if !errors.As(err, &pe) || !hasRule(pe, policy.RuleReuse) {
		t.Fatalf("reusing password 1 of the last ten: err = %v", err)
	}
	if pe.Violations[len(pe.Violations)-1].Message != "You used this password recently: choose one you have not used before" {
		t.Errorf("reuse message = %q", pe.Violations[0].Message)
	}
	if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), pw(11)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, r, "SELECT count(*) FROM password_history"); n != 10 {
		t.Errorf("history rows = %d, want 10", n)
	}
	// Now password 1 is the eleventh-oldest: allowed again.
	if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), pw(1)); err != nil {
		t.Fatalf("password 1 after ten others: %v", err)
	}
}

func hasRule(pe *store.PolicyError, rule policy.RuleID) bool {
	for _, v := range pe.Violations {
		if v.Rule == rule {
			return true
		}
	}
	return false
}
