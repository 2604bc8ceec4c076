package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/notice"
)

// Every password, activation and 2FA change sends its notice, in the same
// transaction, to the personal e-mail when set.
func TestSecurityNotices(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t) // tmchan activated
	n := lastNotice(t, r, "tmchan")
	if n.Kind != notice.Activated || n.To != "tmchan@connect.example.edu" || n.State != notice.Pending ||
		!strings.HasPrefix(n.Subject, "Your network account tmchan was activated / ") || !n.CreatedAt.Equal(clock.Now()) {
		t.Errorf("activation notice %+v", n)
	}
	for _, says := range []string{"Dear Tai Man CHAN,", "at Express Station test-station on 1 Sep 2026 at",
		"If this wasn't you, contact the IT Service Desk at once"} {
		if !strings.Contains(n.Body, says) {
			t.Errorf("activation notice does not say %q:\n%s", says, n.Body)
		}
	}
	if strings.Contains(n.Body, goodPassword) {
		t.Error("the notice holds the password")
	}

	if _, err := r.SetPersonalEmail(ctx, store.Unverified("tmchan"), "taiman@example.org"); err != nil {
		t.Fatal(err)
	}
	if got := noticeKinds(t, r, "tmchan"); len(got) != 1 {
		t.Errorf("setting the personal e-mail sent %v", got)
	}
	clock.Advance(time.Hour)
	if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), newerPassword); err != nil {
		t.Fatal(err)
	}
	n = lastNotice(t, r, "tmchan")
	// Issue 19: an address set without its code is not verified, and gets
	// no notices (emailcode_test.go has the verified one).
	if n.Kind != notice.PasswordChanged || n.To != "tmchan@connect.example.edu" ||
		!strings.Contains(n.Body, "If this wasn't you") {
		t.Errorf("password notice %+v", n)
	}
	e, err := r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	n = lastNotice(t, r, "tmchan")
	if n.Kind != notice.TOTPChanged || !strings.Contains(n.Subject, "Two-factor authentication") ||
		strings.Contains(n.Body, e.Secret) {
		t.Errorf("2FA notice %+v", n)
	}
	// Verifying a code, the directory and failures send nothing.
	clock.Advance(time.Minute)
	if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), code(t, e.Secret, clock.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false); err != nil {
		t.Fatal(err)
	}
	r.VerifyPassword(ctx, "tmchan", "not the password at all")
	want := []string{"activated", "password_changed", "totp_changed"}
	if got := noticeKinds(t, r, "tmchan"); !slices.Equal(got, want) {
		t.Errorf("notices %v, want %v", got, want)
	}
}

// A refused or failed change sends no notice: it is in the change's
// transaction.
func TestNoNoticeWithoutChange(t *testing.T) {
	ctx := context.Background()
	r, _, _ := activeAccount(t)
	if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), goodPassword); err == nil {
		t.Fatal("reuse accepted")
	}
	store.SetBeforeCommit(func(action string) {
		if action == "set_password" {
			panic("crash before commit")
		}
	})
	func() {
		defer func() { recover() }()
		r.SetPassword(ctx, store.Unverified("tmchan"), newerPassword)
	}()
	store.SetBeforeCommit(nil)
	if got := noticeKinds(t, r, "tmchan"); !slices.Equal(got, []string{"activated"}) {
		t.Errorf("notices %v", got)
	}
}

func TestPasswordReminders(t *testing.T) {
	ctx := context.Background()
	r, clock, path := activeAccount(t) // tmchan's password set on 1 Sep 2026 09:00
	changed := clock.Now()
	queue := func(now time.Time) int {
		t.Helper()
		n, err := r.QueuePasswordReminders(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	sixMonths := changed.AddDate(0, 6, 0)
	if n := queue(sixMonths); n != 0 {
		t.Errorf("exactly six months: %d reminders", n)
	}
	if n := queue(sixMonths.Add(time.Minute)); n != 1 {
		t.Fatalf("over six months: %d reminders, want 1", n)
	}
	n := lastNotice(t, r, "tmchan")
	if n.Kind != notice.PasswordAge || !strings.Contains(n.Body, "last changed on 1 Sep 2026") ||
		!strings.Contains(n.Body, "Change Network Password") {
		t.Errorf("reminder %+v", n)
	}
	if n := queue(sixMonths.AddDate(0, 5, 0)); n != 0 {
		t.Errorf("again within six months of the last reminder: %d", n)
	}
	if n := queue(sixMonths.AddDate(0, 6, 1)); n != 1 {
		t.Errorf("six months after the last reminder: %d, want 1", n)
	}
	// A terminated account and a registered one get none.
	execOn(t, path, `UPDATE accounts SET status = 'terminated' WHERE name = 'tmchan'`)
	if n := queue(changed.AddDate(3, 0, 0)); n != 0 {
		t.Errorf("terminated: %d reminders", n)
	}
	if kinds := noticeKinds(t, r, "tmchan2"); len(kinds) != 0 {
		t.Errorf("registered account got %v", kinds)
	}
}

// A changed password starts the six months again.
func TestPasswordReminderAfterChange(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	clock.Advance(150 * 24 * time.Hour)
	if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), newerPassword); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.QueuePasswordReminders(ctx, clock.Now().AddDate(0, 5, 0)); n != 0 {
		t.Errorf("five months after the change: %d reminders", n)
	}
	if n, _ := r.QueuePasswordReminders(ctx, clock.Now().AddDate(0, 6, 1)); n != 1 {
		t.Errorf("six months after the change: %d reminders", n)
	}
}

func TestNoticeStates(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := activeAccount(t)
	if _, err := r.Activate(ctx, store.Unverified("tmchan2"), "Harbour lights 42"); err != nil {
		t.Fatal(err)
	}
	pending, err := r.Notices(ctx, notice.Pending, 0)
	if err != nil || len(pending) != 2 || pending[0].Account != "tmchan" || pending[1].Account != "tmchan2" {
		t.Fatalf("pending %+v, %v (want oldest first)", pending, err)
	}
	clock.Advance(time.Minute)
	if err := r.MarkNoticeSent(ctx, pending[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkNoticeFailed(ctx, pending[1].ID, "451 try later", false); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkNoticeSent(ctx, pending[0].ID); err == nil {
		t.Error("a sent notice was marked again")
	}
	sent, _ := r.Notices(ctx, notice.Sent, 0)
	if len(sent) != 1 || !sent[0].SentAt.Equal(clock.Now()) || sent[0].Attempts != 1 {
		t.Errorf("sent %+v", sent)
	}
	still, _ := r.Notices(ctx, notice.Pending, 0)
	if len(still) != 1 || still[0].Error != "451 try later" || still[0].Attempts != 1 {
		t.Errorf("failed once %+v", still)
	}
	if err := r.KeepNotice(ctx, still[0].ID, "no [mail] server configured"); err != nil {
		t.Fatal(err)
	}
	kept, _ := r.Notices(ctx, notice.Kept, 0)
	if len(kept) != 1 || kept[0].Error != "no [mail] server configured" {
		t.Errorf("kept %+v", kept)
	}
	all, _ := r.Notices(ctx, "", 0)
	if len(all) != 2 || all[0].ID < all[1].ID {
		t.Errorf("all %+v (want newest first)", all)
	}
	if err := r.MarkNoticeFailed(ctx, 999, "x", true); err == nil {
		t.Error("unknown notice marked")
	}
}
