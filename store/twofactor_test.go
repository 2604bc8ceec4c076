package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/totp"
)

// activeAccount is tmchan, activated, in a fresh replica.
func activeAccount(t *testing.T) (*store.Replica, *testClock, string) {
	t.Helper()
	clock := newClock()
	r, path := openReplica(t, clock)
	importCSV(t, r, registryCSV(taiMan, taiMing))
	if _, err := r.Activate(context.Background(), store.Unverified("tmchan"), goodPassword); err != nil {
		t.Fatal(err)
	}
	return r, clock, path
}

func code(t testing.TB, secret string, at time.Time, steps int64) string {
	t.Helper()
	c, err := totp.Code(secret, totp.Step(at)+steps)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestBeginTOTP(t *testing.T) {
	ctx := context.Background()
	r, _, _ := activeAccount(t)
	e, err := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if err != nil {
		t.Fatal(err)
	}
	if e.Account != "tmchan" || len(e.Secret) != 32 || e.URI != totp.URI("Test", "tmchan", e.Secret) {
		t.Errorf("enrolment = %+v", e)
	}
	if got := rowsFor(t, r, "tmchan"); got.audit != 1 || got.outbox != 1 {
		t.Errorf("BeginTOTP wrote something: %+v", got)
	}
	if _, err := r.BeginTOTP(ctx, store.Unverified("tmchan2")); !errors.Is(err, store.ErrNotActivated) {
		t.Errorf("registered account: err = %v", err)
	}
	if _, err := r.BeginTOTP(ctx, store.Unverified("nobody")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown account: err = %v", err)
	}
	if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), "123456"); !errors.Is(err, store.ErrTOTPNotEnrolled) {
		t.Errorf("not enrolled: err = %v", err)
	}
}

func TestConfirmTOTP(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	e, err := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Now()
	tests := []struct {
		name     string
		code     string
		want     error
		failures int
	}{
		{"wrong", wrongCode(code(t, e.Secret, now, 0)), store.ErrTOTPWrong, 1},
		{"not digits", "12a456", store.ErrTOTPWrong, 2},
		{"phone clock 3 minutes fast", code(t, e.Secret, now, 6), store.ErrTOTPClock, 2},
		{"phone clock 2 minutes slow", code(t, e.Secret, now, -4), store.ErrTOTPClock, 2},
		{"right", code(t, e.Secret, now, 0), nil, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := r.ConfirmTOTP(ctx, e, tc.code)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if a.TOTPEnrolled != (tc.want == nil) {
				t.Errorf("enrolled = %v", a.TOTPEnrolled)
			}
			if got := rowsFor(t, r, "tmchan").failures; got != tc.failures {
				t.Errorf("failures = %d, want %d", got, tc.failures)
			}
		})
	}
	kind, payload := lastOp(t, r, "tmchan")
	if kind != "enrol_totp" || !strings.Contains(payload, `"totp_sealed":`) || strings.Contains(payload, e.Secret) {
		t.Errorf("op %s %s", kind, payload)
	}
	// The confirming code is spent: it cannot log in.
	if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), code(t, e.Secret, now, 0)); !errors.Is(err, store.ErrTOTPReplay) {
		t.Errorf("confirming code reused: err = %v", err)
	}
}

func TestVerifyTOTP(t *testing.T) {
	ctx := context.Background()
	r, clock, path := activeAccount(t)
	e, _ := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if _, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)
	c := code(t, e.Secret, clock.Now(), 0)
	before := rowsFor(t, r, "tmchan")
	if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), c); err != nil {
		t.Fatal(err)
	}
	if got := rowsFor(t, r, "tmchan"); got.audit != before.audit+1 || got.outbox != before.outbox+1 {
		t.Errorf("rows %+v -> %+v: an accepted step is saved with audit and outbox rows", before, got)
	}
	if kind, payload := lastOp(t, r, "tmchan"); kind != "totp_step" || !strings.Contains(payload, `"step":`) {
		t.Errorf("op %s %s", kind, payload)
	}
	tests := []struct {
		name    string
		advance time.Duration
		code    func() string
		want    error
	}{
		{"same code again", 0, func() string { return c }, store.ErrTOTPReplay},
		{"same code, next step (skew)", 30 * time.Second, func() string { return c }, store.ErrTOTPReplay},
		{"wrong", 0, func() string { return wrongCode(code(t, e.Secret, clock.Now(), 0)) }, store.ErrTOTPWrong},
		{"next code", 0, func() string { return code(t, e.Secret, clock.Now(), 0) }, nil},
		{"an older step after a newer one", 0, func() string { return code(t, e.Secret, clock.Now(), -1) }, store.ErrTOTPReplay},
		{"clock off", 0, func() string { return code(t, e.Secret, clock.Now(), 3) }, store.ErrTOTPClock},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock.Advance(tc.advance)
			if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), tc.code()); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("terminated", func(t *testing.T) {
		execOn(t, path, `UPDATE accounts SET status = 'terminated' WHERE name = 'tmchan'`)
		defer execOn(t, path, `UPDATE accounts SET status = 'active' WHERE name = 'tmchan'`)
		if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), code(t, e.Secret, clock.Now(), 1)); !errors.Is(err, store.ErrTerminated) {
			t.Fatalf("err = %v, want ErrTerminated", err)
		}
	})
	t.Run("sealed to its account", func(t *testing.T) {
		// tmchan2 given tmchan's sealed key cannot open it.
		execOn(t, path, `UPDATE accounts SET status = 'active', password_hash = 'x',
			totp_sealed = (SELECT totp_sealed FROM accounts WHERE name = 'tmchan') WHERE name = 'tmchan2'`)
		_, err := r.VerifyTOTP(ctx, store.Unverified("tmchan2"), code(t, e.Secret, clock.Now(), 1))
		if err == nil || errors.Is(err, store.ErrTOTPWrong) || strings.Contains(err.Error(), e.Secret) {
			t.Fatalf("err = %v, want an error opening the sealed key", err)
		}
	})
}

func TestTOTPLockout(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	e, _ := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if _, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Second)
	for range 5 {
		r.VerifyTOTP(ctx, store.Unverified("tmchan"), wrongCode(code(t, e.Secret, clock.Now(), 0)))
	}
	var locked *store.LockedError
	if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), code(t, e.Secret, clock.Now(), 0)); !errors.As(err, &locked) {
		t.Fatalf("right code after five wrong ones: err = %v, want locked", err)
	}
}

func TestSetDirectoryPublic(t *testing.T) {
	ctx := context.Background()
	r, _, _ := activeAccount(t)
	for _, public := range []bool{false, true} {
		before := rowsFor(t, r, "tmchan")
		a, err := r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), public)
		if err != nil {
			t.Fatal(err)
		}
		if a.DirectoryPublic != public {
			t.Errorf("public = %v, want %v", a.DirectoryPublic, public)
		}
		if got := rowsFor(t, r, "tmchan"); got.audit != before.audit+1 || got.outbox != before.outbox+1 {
			t.Errorf("rows %+v -> %+v", before, got)
		}
	}
	if _, err := r.SetDirectoryPublic(ctx, store.Unverified("nobody"), true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
}

// wrongCode is a six-digit code other than c.
func wrongCode(c string) string {
	b := []byte(c)
	b[0] = '0' + (b[0]-'0'+5)%10
	return string(b)
}
