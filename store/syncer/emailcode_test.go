package syncer_test

import (
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/notice"
)

var sixDigits = regexp.MustCompile(`\b([0-9]{6})\b`)

// centralCode is the code of the newest e-mail code notice accountd holds
// for delivery.
func centralCode(t *testing.T, d *deployment) string {
	t.Helper()
	ns, err := d.central.Notices(ctx, notice.Pending, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(ns) - 1; i >= 0; i-- {
		if m := sixDigits.FindStringSubmatch(ns[i].Body); ns[i].Kind == notice.EmailCode && m != nil {
			return m[1]
		}
	}
	t.Fatalf("accountd holds no e-mail code: %+v", ns)
	return ""
}

// Issue 19 across a deployment: a synced station sends its codes through
// accountd (POST /v1/codes), which queues the notice; station A verifies a
// personal e-mail with it, station B receives the verified address and
// resets the password with a code sent there; offline, the station says
// the code was not sent.
func TestEmailCodesThroughAccountd(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a, b := d.station("A"), d.station("B")
	for _, st := range []*station{a, b} {
		st.r.SetCodeCourier(st.s.SendCode)
	}
	a.sync()
	acct, err := a.r.VerifyIdentity(ctx, tmchanHKID)
	if err != nil {
		t.Fatal(err)
	}
	if acct, err = a.r.Activate(ctx, acct.Proof, pw1); err != nil { // no 2FA
		t.Fatal(err)
	}
	if _, err := a.r.SendEmailCode(ctx, acct.Proof, store.CodeVerifyEmail, "tm@example.org"); err != nil {
		t.Fatal(err)
	}
	if held, err := a.r.HeldNotice(ctx); err == nil && held.Kind == notice.EmailCode {
		t.Fatal("the synced station queued the code itself")
	}
	if acct, err = a.r.VerifyPersonalEmail(ctx, acct.Proof, centralCode(t, d)); err != nil {
		t.Fatal(err)
	}
	a.sync()
	b.sync()
	if snap := d.snapshot("tmchan"); snap.PersonalEmail != "tm@example.org" || snap.PersonalEmailVerifiedAt == nil {
		t.Fatalf("central: %+v", snap)
	}

	d.clock.Advance(time.Hour)
	at, err := b.r.VerifyIdentity(ctx, tmchanHKID)
	if err != nil || at.PersonalEmail != "tm@example.org" || at.EmailVerifiedAt.IsZero() {
		t.Fatalf("B: %+v, %v", at, err)
	}
	sent, err := b.r.SendEmailCode(ctx, at.Proof, store.CodeReset, "")
	if err != nil || sent.To != "t•••@example.org" {
		t.Fatalf("B: reset code %+v, %v", sent, err)
	}
	proof, err := b.r.VerifyResetCode(ctx, at.Proof, centralCode(t, d))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.r.SetPassword(ctx, proof, pw2); err != nil {
		t.Fatal(err)
	}
	b.sync()
	if st := b.status(); st.OutboxRejected != 0 || st.OutboxPending != 0 {
		t.Fatalf("B's reset was not applied: %+v", st)
	}
	a.sync()
	if _, err := a.r.VerifyPassword(ctx, "tmchan", pw2); err != nil {
		t.Fatalf("the reset password at A: %v", err)
	}

	d.gate.down.Store(true)
	d.clock.Advance(time.Minute)
	if _, err := b.r.SendEmailCode(ctx, at.Proof, store.CodeReset, ""); !errors.Is(err, store.ErrCodeNotSent) {
		t.Fatalf("offline: %v", err)
	}
}
