package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// alumni is the graduates' replica with vanguyen and mlcheung2 activated as
// alumni.
func alumni(t *testing.T) (*store.Replica, *testClock, string) {
	t.Helper()
	r, clock, path := graduates(t)
	for _, name := range []string{"vanguyen", "mlcheung2"} {
		if _, err := r.ActivateAlumni(context.Background(), store.Unverified(name), goodPassword); err != nil {
			t.Fatal(err)
		}
	}
	return r, clock, path
}

func TestSetAlias(t *testing.T) {
	ctx := context.Background()
	r, _, _ := alumni(t)
	a, err := r.SetAlias(ctx, store.Unverified("vanguyen"), "Van.Nguyen")
	if err != nil {
		t.Fatal(err)
	}
	if a.Alias != "van.nguyen" || a.AliasEmail != "van.nguyen@alumni.example.edu" {
		t.Errorf("account %+v", a)
	}
	if got := rowsFor(t, r, "vanguyen"); got.audit != 2 || got.outbox != 2 {
		t.Errorf("rows %+v, want activation and alias", got)
	}
	if kind, payload := lastOp(t, r, "vanguyen"); kind != "alias" || payload != `{"alias":"van.nguyen"}` {
		t.Errorf("op %s %s", kind, payload)
	}
	if s, _ := r.Snapshot(ctx, "vanguyen"); s.Alias != "van.nguyen" {
		t.Errorf("snapshot alias %q", s.Alias)
	}

	// The same alias again changes nothing; another one is refused: it is for life.
	if _, err := r.SetAlias(ctx, store.Unverified("vanguyen"), "van.nguyen"); err != nil {
		t.Errorf("same alias again: %v", err)
	}
	if got := rowsFor(t, r, "vanguyen"); got.outbox != 2 {
		t.Errorf("same alias again wrote an op")
	}
	if _, err := r.SetAlias(ctx, store.Unverified("vanguyen"), "vn.2026"); !errors.Is(err, store.ErrAliasAlreadySet) ||
		!strings.Contains(err.Error(), "yours is van.nguyen") {
		t.Errorf("second alias: %v", err)
	}

	// A clash suggests free aliases.
	_, err = r.SetAlias(ctx, store.Unverified("mlcheung2"), "van.nguyen")
	var taken *store.AliasTakenError
	if !errors.As(err, &taken) || !errors.Is(err, store.ErrAliasTaken) {
		t.Fatalf("clash: %v", err)
	}
	if want := []string{"van.nguyen2", "v.nguyen", "vannguyen"}; !slices.Equal(taken.Suggestions, want) {
		t.Errorf("suggestions %q, want %q", taken.Suggestions, want)
	}
	if err.Error() != "van.nguyen is already taken: try van.nguyen2, v.nguyen, vannguyen" {
		t.Errorf("message %q", err)
	}
	// An account name is taken too (but not one's own).
	if _, err := r.SetAlias(ctx, store.Unverified("mlcheung2"), "cchoi"); !errors.Is(err, store.ErrAliasTaken) {
		t.Errorf("alias = another account's name: %v", err)
	}
	if a, err := r.SetAlias(ctx, store.Unverified("mlcheung2"), "mlcheung2"); err != nil || a.Alias != "mlcheung2" {
		t.Errorf("alias = own account name: %+v, %v", a, err)
	}
	for alias, want := range map[string]bool{"van.nguyen": true, "cchoi": true, "mlcheung2": true, "free.one": false} {
		if got, err := r.AliasTaken(ctx, alias); err != nil || got != want {
			t.Errorf("AliasTaken(%q) = %v, %v", alias, got, err)
		}
	}

	refusals := []struct {
		name, account, alias string
		want                 error
	}{
		{"invalid", "mlcheung", "mei ling", policy.ErrAlias},
		{"reserved", "mlcheung", "postmaster", policy.ErrAliasReserved},
		{"never activated graduate", "mlcheung", "mei.ling", store.ErrAlumniNotActivated},
		{"activated before graduating", "cchoi", "chun.choi", nil}, // now alumni: allowed
		{"non-degree", "khlee", "ka.ho.lee", store.ErrTerminated},
		{"unknown", "nobody", "some.one", store.ErrNotFound},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.SetAlias(ctx, store.Unverified(tc.account), tc.alias); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// Only degree graduates get an alias, even when activated.
func TestSetAliasNotEligible(t *testing.T) {
	ctx := context.Background()
	r, _, path := graduates(t)
	if _, err := r.Activate(ctx, store.Unverified("thyeung"), goodPassword); err != nil { // a current student
		t.Fatal(err)
	}
	if _, err := r.SetAlias(ctx, store.Unverified("thyeung"), "tsz.ho"); !errors.Is(err, store.ErrAliasNotEligible) {
		t.Errorf("current student: %v", err)
	}
	execOn(t, path, `UPDATE accounts SET status = 'active', password_hash = 'x' WHERE name = 'jsmith'`)
	execOn(t, path, `UPDATE accounts SET completion_date = '2026-08-01' WHERE name = 'jsmith'`) // exchange, in grace
	if _, err := r.SetAlias(ctx, store.Unverified("jsmith"), "jane.smith"); !errors.Is(err, store.ErrAliasNotEligible) {
		t.Errorf("exchange student: %v", err)
	}
}

func TestSetPersonalEmail(t *testing.T) {
	ctx := context.Background()
	r, _, _ := activeAccount(t)
	a, err := r.SetPersonalEmail(ctx, store.Unverified("tmchan"), " TaiMan@Example.ORG ")
	if err != nil {
		t.Fatal(err)
	}
	if a.PersonalEmail != "TaiMan@example.org" {
		t.Errorf("personal e-mail %q", a.PersonalEmail)
	}
	if kind, payload := lastOp(t, r, "tmchan"); kind != "personal_email" || payload != `{"email":"TaiMan@example.org"}` {
		t.Errorf("op %s %s", kind, payload)
	}
	var detail string
	store.ReadDB(r).QueryRow(`SELECT detail FROM audit WHERE account = 'tmchan' ORDER BY id DESC`).Scan(&detail)
	if detail != "set (…@example.org)" {
		t.Errorf("audit detail %q (the address stays out of the audit)", detail)
	}
	before := rowsFor(t, r, "tmchan")
	if _, err := r.SetPersonalEmail(ctx, store.Unverified("tmchan"), "TaiMan@example.org"); err != nil || rowsFor(t, r, "tmchan") != before {
		t.Errorf("the same address again: %v, wrote rows", err)
	}

	refusals := []struct {
		name, account, email string
		want                 error
	}{
		{"not an address", "tmchan", "taiman", policy.ErrEmail},
		{"the university's own", "tmchan", "tmchan@connect.example.edu", policy.ErrEmail},
		{"the alumni domain", "tmchan", "tai.man@alumni.example.edu", policy.ErrEmail},
		{"not activated", "tmchan2", "tm2@example.org", store.ErrNotActivated},
		{"unknown", "nobody", "x@example.org", store.ErrNotFound},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := r.SetPersonalEmail(ctx, store.Unverified(tc.account), tc.email); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}

	a, err = r.SetPersonalEmail(ctx, store.Unverified("tmchan"), "")
	if err != nil || a.PersonalEmail != "" {
		t.Fatalf("clearing: %+v, %v", a, err)
	}
	if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), newerPassword); err != nil {
		t.Fatal(err)
	}
	if n := lastNotice(t, r, "tmchan"); n.To != "tmchan@connect.example.edu" {
		t.Errorf("after clearing, notice to %q", n.To)
	}
}

// Migration 0004 runs again on a file that has it (a version set back),
// and keeps the outbox, its order and the profiles.
func TestLifecycleMigrationRunsAgain(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	importCSV(t, r, registryCSV(taiMan))
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), goodPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetPersonalEmail(ctx, store.Unverified("tmchan"), "tm@example.org"); err != nil {
		t.Fatal(err)
	}
	ops := outboxRows(t, r)
	r.Close()
	execOn(t, path, `PRAGMA user_version = 3`)

	r, err := store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := outboxRows(t, r); got != ops {
		t.Errorf("outbox after migrating again:\n%s\nwant\n%s", got, ops)
	}
	if a, _ := r.Account(ctx, "tmchan"); a.PersonalEmail != "tm@example.org" {
		t.Errorf("profile lost: %+v", a)
	}
	if _, err := r.SetAlias(ctx, store.Unverified("tmchan"), "tai.man"); !errors.Is(err, store.ErrAliasNotEligible) {
		t.Errorf("new op kinds after migrating: %v", err)
	}
	if _, err := r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false); err != nil {
		t.Errorf("old op kinds after migrating: %v", err)
	}
}

// Reset station rebuilds accounts from the registry; the alias and the
// personal e-mail a graduate chose survive it.
func TestProfileSurvivesReset(t *testing.T) {
	ctx := context.Background()
	grad := meiLing
	r, _, _, _ := standalone(t, grad)
	if _, err := r.ActivateAlumni(ctx, store.Unverified("mlcheung"), goodPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetAlias(ctx, store.Unverified("mlcheung"), "mei.ling.cheung"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetPersonalEmail(ctx, store.Unverified("mlcheung"), "ml@example.org"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RebuildFromRegistry(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := r.Account(ctx, "mlcheung")
	if err != nil {
		t.Fatal(err)
	}
	if a.Alias != "mei.ling.cheung" || a.PersonalEmail != "ml@example.org" || a.Status != policy.StatusAlumni ||
		a.ActivatedAt.IsZero() {
		t.Errorf("after reset: %+v", a)
	}
}

// Two graduates choosing the same alias at the same moment: one gets it,
// the other a clash with suggestions; never both.
func TestSetAliasRace(t *testing.T) {
	ctx := context.Background()
	r, _, _ := alumni(t)
	errs := make(chan error, 2)
	for _, name := range []string{"vanguyen", "mlcheung2"} {
		go func() {
			_, err := r.SetAlias(ctx, store.Unverified(name), "best.alias")
			errs <- err
		}()
	}
	var won, clashed int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			won++
		case errors.Is(err, store.ErrAliasTaken):
			clashed++
		default:
			t.Errorf("err = %v", err)
		}
	}
	var holders int
	store.ReadDB(r).QueryRow(`SELECT count(*) FROM account_profiles WHERE alias = 'best.alias'`).Scan(&holders)
	if won != 1 || clashed != 1 || holders != 1 {
		t.Errorf("won %d, clashed %d, holders %d", won, clashed, holders)
	}
}

// AliasAvailable is the alias screen's live check: free, or taken with free
// ones like it; one's own name and alias are free to one; nothing is written.
func TestAliasAvailable(t *testing.T) {
	ctx := context.Background()
	r, _, _ := alumni(t)
	if _, err := r.SetAlias(ctx, store.Unverified("vanguyen"), "van.nguyen"); err != nil {
		t.Fatal(err)
	}
	before := rowsFor(t, r, "mlcheung2")
	tests := []struct {
		account, alias string
		free           bool
		offers         []string
	}{
		{"mlcheung2", "free.one", true, nil},
		{"mlcheung2", "Van.Nguyen", false, []string{"van.nguyen2", "v.nguyen", "vannguyen"}},
		{"mlcheung2", "cchoi", false, []string{"cchoi2", "cchoi3", "cchoi4"}}, // another account's name
		{"mlcheung2", "mlcheung2", true, nil},                                 // its own name
		{"vanguyen", "van.nguyen", true, nil},                                 // its own alias
	}
	for _, tc := range tests {
		free, offers, err := r.AliasAvailable(ctx, tc.account, tc.alias)
		if err != nil || free != tc.free || !slices.Equal(offers, tc.offers) {
			t.Errorf("AliasAvailable(%s, %s) = %v, %q, %v; want %v, %q", tc.account, tc.alias, free, offers, err, tc.free, tc.offers)
		}
	}
	if _, _, err := r.AliasAvailable(ctx, "mlcheung2", "mei ling"); !errors.Is(err, policy.ErrAlias) {
		t.Errorf("invalid alias: %v", err)
	}
	if _, _, err := r.AliasAvailable(ctx, "nobody", "some.one"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown account: %v", err)
	}
	if got := rowsFor(t, r, "mlcheung2"); got != before {
		t.Errorf("rows %+v, want %+v: a check writes nothing", got, before)
	}
}
