package store_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/notice"
)

var codeIn = regexp.MustCompile(`\b([0-9]{6})\b`)

// heldCode is the code in the newest notice the station holds (what the
// tape command CaptureMail reads).
func heldCode(t *testing.T, r *store.Replica) string {
	t.Helper()
	n, err := r.HeldNotice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := codeIn.FindStringSubmatch(n.Body)
	if n.Kind != notice.EmailCode || m == nil {
		t.Fatalf("newest notice %s holds no code:\n%s", n.Kind, n.Body)
	}
	return m[1]
}

// otherCode is a well-formed code that is not c.
func otherCode(c string) string {
	if c == "000000" {
		return "000001"
	}
	return "000000"
}

// Verifying a personal e-mail: the code goes to the new address (a
// standalone station queues the notice), a wrong code is refused and
// counted, a new code replaces the old (after 60 s), the right one saves the
// address as verified, blanks the notice's code, and notices go there.
func TestVerifyPersonalEmail(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	p := store.Unverified("tmchan")
	sent, err := r.SendEmailCode(ctx, p, store.CodeVerifyEmail, "TaiMan@Example.org")
	if err != nil {
		t.Fatal(err)
	}
	if sent.To != "T•••@example.org" || !sent.ResendAt.Equal(clock.Now().Add(time.Minute)) ||
		!sent.Expires.Equal(clock.Now().Add(10*time.Minute)) {
		t.Errorf("sent %+v", sent)
	}
	n, _ := r.HeldNotice(ctx)
	if n.To != "TaiMan@example.org" || !strings.Contains(n.Subject, "verify") {
		t.Errorf("code notice %+v", n)
	}
	first := heldCode(t, r)
	if staff := lastNotice(t, r, "tmchan"); strings.Contains(staff.Body, first) || !strings.Contains(staff.Body, "••••••") {
		t.Errorf("the staff listing shows the code:\n%s", staff.Body)
	}
	var detail string
	store.ReadDB(r).QueryRow(`SELECT detail FROM audit WHERE account = 'tmchan' ORDER BY id DESC`).Scan(&detail)
	if detail != "verify_email code sent to …@example.org" {
		t.Errorf("audit %q (the domain only)", detail)
	}

	if _, err := r.VerifyPersonalEmail(ctx, p, otherCode(first)); !errors.Is(err, store.ErrCodeWrong) {
		t.Fatalf("wrong code: %v", err)
	}
	var attempts int
	store.ReadDB(r).QueryRow(`SELECT attempts FROM email_codes WHERE account = 'tmchan'`).Scan(&attempts)
	if attempts != 1 {
		t.Errorf("attempts %d", attempts)
	}

	// A new code: not before 60 s, then it replaces the first.
	clock.Advance(59 * time.Second)
	var soon *store.CodeTooSoonError
	if _, err := r.SendEmailCode(ctx, p, store.CodeVerifyEmail, "taiman@example.org"); !errors.As(err, &soon) || soon.Wait != time.Second {
		t.Fatalf("resend at 59 s: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := r.SendEmailCode(ctx, p, store.CodeVerifyEmail, "taiman@example.org"); err != nil {
		t.Fatalf("resend at 60 s: %v", err)
	}
	second := heldCode(t, r)
	if first != second {
		if _, err := r.VerifyPersonalEmail(ctx, p, first); !errors.Is(err, store.ErrCodeWrong) {
			t.Errorf("the replaced code: %v", err)
		}
	}
	a, err := r.VerifyPersonalEmail(ctx, p, second)
	if err != nil {
		t.Fatal(err)
	}
	if a.PersonalEmail != "taiman@example.org" || !a.EmailVerifiedAt.Equal(clock.Now()) {
		t.Errorf("account %+v", a)
	}
	// The first verified address is told to the account's own mailbox: a
	// stolen password must not add a reset address unseen.
	if n := lastNotice(t, r, "tmchan"); n.Kind != notice.EmailAdded || n.To != "tmchan@connect.example.edu" ||
		!strings.Contains(n.Body, "t•••@example.org") || strings.Contains(n.Body, "taiman@example.org") {
		t.Errorf("added notice %+v", n)
	}
	if kind, payload := lastOp(t, r, "tmchan"); kind != "personal_email" || !strings.Contains(payload, `"verified_at":"`) {
		t.Errorf("op %s %s (the central store needs the verified time)", kind, payload)
	}
	raw, _ := r.Notices(ctx, "", 0)
	for _, n := range raw {
		if n.Kind == notice.EmailCode && codeIn.MatchString(n.Body) {
			t.Errorf("notice %d still holds a code after it was used:\n%s", n.ID, n.Body)
		}
	}
	if _, err := r.VerifyPersonalEmail(ctx, p, second); !errors.Is(err, store.ErrCodeExpired) {
		t.Errorf("the code used twice: %v", err)
	}

	if _, err := r.SetPassword(ctx, p, newerPassword); err != nil {
		t.Fatal(err)
	}
	if n := lastNotice(t, r, "tmchan"); n.To != "taiman@example.org" {
		t.Errorf("a verified address gets the notices; this one went to %s", n.To)
	}

	// Another address: the old (verified) one is told.
	clock.Advance(time.Hour)
	if _, err := r.SendEmailCode(ctx, p, store.CodeVerifyEmail, "tm.chan@example.net"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.VerifyPersonalEmail(ctx, p, heldCode(t, r)); err != nil {
		t.Fatal(err)
	}
	n = lastNotice(t, r, "tmchan")
	if n.Kind != notice.EmailReplaced || n.To != "taiman@example.org" || !strings.Contains(n.Body, "t•••@example.net") ||
		strings.Contains(n.Body, "tm.chan@example.net") {
		t.Errorf("replaced notice %+v", n)
	}
}

// A code works for 10 minutes and once; an expired one is not a failure.
func TestResetCodeExpiryAndOneUse(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	p := store.Unverified("tmchan")
	if _, err := r.SendEmailCode(ctx, p, store.CodeReset, ""); !errors.Is(err, store.ErrNoVerifiedMail) {
		t.Fatalf("reset without a verified address: %v", err)
	}
	r.SetPersonalEmail(ctx, p, "taiman@example.org") // not verified: still no reset code
	if _, err := r.SendEmailCode(ctx, p, store.CodeReset, ""); !errors.Is(err, store.ErrNoVerifiedMail) {
		t.Fatalf("reset to an unverified address: %v", err)
	}
	verifyEmail(t, r, "tmchan", "taiman@example.org")
	clock.Advance(time.Hour)

	if _, err := r.SendEmailCode(ctx, p, store.CodeReset, "someone@else.org"); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.HeldNotice(ctx); n.To != "taiman@example.org" || !strings.Contains(n.Subject, "reset") {
		t.Errorf("the reset code goes to the verified address only: %+v", n)
	}
	code := heldCode(t, r)
	clock.Advance(policy.EmailCodeValid)
	if _, err := r.VerifyResetCode(ctx, p, code); !errors.Is(err, store.ErrCodeExpired) {
		t.Fatalf("after 10 minutes: %v", err)
	}
	if rows := rowsFor(t, r, "tmchan"); rows.failures != 0 {
		t.Errorf("an expired code counted as a failure (%d)", rows.failures)
	}

	if _, err := r.SendEmailCode(ctx, p, store.CodeReset, ""); err != nil {
		t.Fatal(err)
	}
	code = heldCode(t, r)
	clock.Advance(policy.EmailCodeValid - time.Second)
	proof, err := r.VerifyResetCode(ctx, p, code)
	if err != nil || proof.Kind != "email_code" {
		t.Fatalf("within 10 minutes: %+v, %v", proof, err)
	}
	if _, err := r.VerifyResetCode(ctx, p, code); !errors.Is(err, store.ErrCodeExpired) {
		t.Errorf("used twice: %v", err)
	}
}

// Wrong codes count toward the account's lockout, with identity and
// password failures: the fifth locks it.
func TestWrongCodesLock(t *testing.T) {
	ctx := context.Background()
	r, _, _ := activeAccount(t)
	p := store.Unverified("tmchan")
	verifyEmail(t, r, "tmchan", "taiman@example.org")
	if _, err := r.SendEmailCode(ctx, p, store.CodeReset, ""); err != nil {
		t.Fatal(err)
	}
	wrong := otherCode(heldCode(t, r))
	if _, err := r.VerifyPassword(ctx, "tmchan", "not the password 1"); !errors.Is(err, store.ErrWrongPassword) {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := r.VerifyResetCode(ctx, p, wrong); !errors.Is(err, store.ErrCodeWrong) {
			t.Fatalf("wrong code %d: %v", i, err)
		}
	}
	_, err := r.VerifyResetCode(ctx, p, wrong)
	var locked *store.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("the fifth failure: %v, want locked", err)
	}
	if _, err := r.SendEmailCode(ctx, p, store.CodeReset, ""); !errors.As(err, &locked) {
		t.Errorf("a locked account gets a code: %v", err)
	}
}

// A synced station sends the code through the central store (the
// courier): the replica holds no notice and only the code's keyed hash; a
// courier that fails leaves nothing and says so.
func TestCodeThroughCourierHashedAtRest(t *testing.T) {
	ctx := context.Background()
	r, clock, path := activeAccount(t)
	var got store.CodeRequest
	r.SetCodeCourier(func(ctx context.Context, req store.CodeRequest) error { got = req; return nil })
	before, _ := r.Notices(ctx, "", 0)
	if _, err := r.SendEmailCode(ctx, store.Unverified("tmchan"), store.CodeVerifyEmail, "taiman@example.org"); err != nil {
		t.Fatal(err)
	}
	if got.Account != "tmchan" || got.To != "taiman@example.org" || got.Purpose != store.CodeVerifyEmail || len(got.Code) != 6 {
		t.Fatalf("courier got %+v", got)
	}
	if after, _ := r.Notices(ctx, "", 0); len(after) != len(before) {
		t.Error("the station queued a notice of its own")
	}
	if _, err := store.WriteDB(r).Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(got.Code)) {
			t.Errorf("%s holds the code in clear", f)
		}
	}

	r.SetCodeCourier(func(ctx context.Context, req store.CodeRequest) error { return errors.New("connection refused") })
	clock.Advance(time.Minute)
	_, err := r.SendEmailCode(ctx, store.Unverified("tmchan"), store.CodeVerifyEmail, "x@example.net")
	if !errors.Is(err, store.ErrCodeNotSent) {
		t.Errorf("courier down: %v", err)
	}
	if _, err := r.VerifyPersonalEmail(ctx, store.Unverified("tmchan"), got.Code); err != nil {
		t.Errorf("the code that went is still good after a failed resend: %v", err)
	}
}

// verifyEmail gives an account a verified personal e-mail, as My Account does.
func verifyEmail(t *testing.T, r *store.Replica, account, addr string) {
	t.Helper()
	ctx := context.Background()
	if _, err := r.SendEmailCode(ctx, store.Unverified(account), store.CodeVerifyEmail, addr); err != nil {
		t.Fatal(err)
	}
	if _, err := r.VerifyPersonalEmail(ctx, store.Unverified(account), heldCode(t, r)); err != nil {
		t.Fatal(err)
	}
}

// A standalone station's code e-mail holds the code until it is used; once
// the body is masked no copy of it stays in the replica file: the space a
// row leaves behind is zeroed (secure_delete), so a stolen or discarded
// station disk gives no live or recent code.
func TestUsedCodeLeavesNoCopyInTheFile(t *testing.T) {
	ctx := context.Background()
	r, clock, path := activeAccount(t)
	p := store.Unverified("tmchan")
	var codes []string
	for range 3 { // two codes replaced by a resend, the last one used
		if _, err := r.SendEmailCode(ctx, p, store.CodeVerifyEmail, "taiman@example.org"); err != nil {
			t.Fatal(err)
		}
		codes = append(codes, heldCode(t, r))
		clock.Advance(time.Minute)
	}
	if _, err := r.VerifyPersonalEmail(ctx, p, codes[2]); err != nil {
		t.Fatal(err)
	}
	if _, err := store.WriteDB(r).Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal"} {
		b, _ := os.ReadFile(f)
		for _, code := range codes {
			if bytes.Contains(b, []byte(code)) {
				t.Errorf("%s still holds the code %s", f, code)
			}
		}
	}
}
