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

// postgraduates are two PG students named CHAN Tai Man (tmchan, tmchan2),
// an undergraduate (smlee) and a degree graduate in grace (wspoon), all
// activated, on 1 Sep 2026.
func postgraduates(t *testing.T) (*store.Replica, string) {
	t.Helper()
	r, path := openReplica(t, newClock())
	pg := func(id, dob string) student {
		return student{ID: id, Surname: "CHAN", Given: "Tai Man", DOB: dob, Dept: "Physics", Level: "PG", Category: "degree", Completion: "2030-06-30"}
	}
	importCSV(t, r, registryCSV(pg("20261101", "1990-03-14"), pg("20261102", "1991-11-02"),
		student{ID: "20261103", Surname: "LEE", Given: "Siu Ming", DOB: "2007-05-06", Dept: "Physics", Level: "UG", Category: "degree", Completion: "2030-06-30"},
		inGrace))
	for _, name := range []string{"tmchan", "tmchan2", "smlee"} {
		if _, err := r.Activate(context.Background(), store.Unverified(name), goodPassword); err != nil {
			t.Fatalf("activating %s: %v", name, err)
		}
	}
	if _, err := r.ActivateAlumni(context.Background(), store.Unverified("wspoon"), goodPassword); err != nil {
		t.Fatal(err)
	}
	return r, path
}

// A postgraduate student's alias is a full-name alias at the e-mail
// domain, in the one namespace of aliases and account names: a clash
// offers the student's own other names, it is set once (the desk changes
// it), and an alumni alias cannot take it.
func TestSetFullNameAlias(t *testing.T) {
	ctx := context.Background()
	r, _ := postgraduates(t)
	a, err := r.SetAlias(ctx, store.Unverified("tmchan"), "Tai.Man.Chan")
	if err != nil {
		t.Fatal(err)
	}
	if a.Alias != "tai.man.chan" || a.AliasEmail != "tai.man.chan@connect.example.edu" || !a.AliasFullName {
		t.Errorf("account %+v", a)
	}
	if kind, payload := lastOp(t, r, "tmchan"); kind != "alias" || payload != `{"alias":"tai.man.chan","full_name":true}` {
		t.Errorf("op %s %s", kind, payload)
	}
	if s, _ := r.Snapshot(ctx, "tmchan"); s.Alias != "tai.man.chan" || !s.AliasFullName {
		t.Errorf("snapshot %q %v", s.Alias, s.AliasFullName)
	}
	// Again: nothing; another: the desk's.
	before := rowsFor(t, r, "tmchan")
	if _, err := r.SetAlias(ctx, store.Unverified("tmchan"), "tai.man.chan"); err != nil || rowsFor(t, r, "tmchan") != before {
		t.Errorf("same alias again: %v, rows %+v then %+v", err, before, rowsFor(t, r, "tmchan"))
	}
	if _, err := r.SetAlias(ctx, store.Unverified("tmchan"), "t.m.chan"); !errors.Is(err, store.ErrFullNameAliasSet) ||
		!strings.Contains(err.Error(), "yours is tai.man.chan") || !strings.Contains(err.Error(), "service desk") {
		t.Errorf("second alias: %v", err)
	}

	// The other Tai Man CHAN meets the clash, with his own names offered.
	_, err = r.SetAlias(ctx, store.Unverified("tmchan2"), "tai.man.chan")
	var taken *store.AliasTakenError
	if !errors.As(err, &taken) {
		t.Fatalf("clash: %v", err)
	}
	if want := []string{"tai.man.chan2", "t.man.chan", "taimanchan"}; !slices.Equal(taken.Suggestions, want) {
		t.Errorf("suggestions %q, want %q", taken.Suggestions, want)
	}
	free, offers, err := r.AliasAvailable(ctx, "tmchan2", "tai.man.chan")
	if err != nil || free || !slices.Equal(offers, taken.Suggestions) {
		t.Errorf("live check: %v %q %v", free, offers, err)
	}
	// Another account's name is taken (tmchan is made of his names too);
	// a name not his is refused as typed.
	if _, err := r.SetAlias(ctx, store.Unverified("tmchan2"), "tmchan"); !errors.Is(err, store.ErrAliasTaken) {
		t.Errorf("another account's name: %v", err)
	}
	if _, _, err := r.AliasAvailable(ctx, "tmchan2", "peter.chan"); !errors.Is(err, policy.ErrAliasNotName) {
		t.Errorf("live check of another's name: %v", err)
	}
	if a, err := r.SetAlias(ctx, store.Unverified("tmchan2"), taken.Suggestions[0]); err != nil || a.Alias != "tai.man.chan2" {
		t.Errorf("the suggestion: %+v, %v", a, err)
	}

	// One namespace: the graduate's alumni alias cannot take it either.
	if _, err := r.SetAlias(ctx, store.Unverified("wspoon"), "tai.man.chan"); !errors.Is(err, store.ErrAliasTaken) {
		t.Errorf("the PG's alias as an alumni alias: %v", err)
	}
	if a, err := r.SetAlias(ctx, store.Unverified("wspoon"), "wing.sze"); err != nil || a.AliasFullName || a.AliasEmail != "wing.sze@alumni.example.edu" {
		t.Errorf("an alumni alias: %+v, %v", a, err)
	}
	if _, err := r.SetAlias(ctx, store.Unverified("tmchan2"), "tmchan2"); err == nil {
		t.Error("a second alias was taken")
	}
}

// An undergraduate gets no full-name alias (the screen says so before
// anything is typed).
func TestSetFullNameAliasUndergraduate(t *testing.T) {
	r, _ := postgraduates(t)
	if _, err := r.SetAlias(context.Background(), store.Unverified("smlee"), "siu.ming.lee"); !errors.Is(err, store.ErrAliasNotEligible) {
		t.Errorf("undergraduate: %v", err)
	}
	if got := rowsFor(t, r, "smlee"); got.outbox != 1 {
		t.Errorf("rows %+v: only the activation", got)
	}
}

// The e-mail display name: any activated student; the registry's name
// until set; Chinese allowed; the registry's own name or "" goes back to
// the default; checked as typed.
func TestSetDisplayName(t *testing.T) {
	ctx := context.Background()
	r, path := postgraduates(t)
	if a, _ := r.Account(ctx, "smlee"); a.DisplayName != "Siu Ming LEE" {
		t.Errorf("default %q", a.DisplayName)
	}
	a, err := r.SetDisplayName(ctx, store.Unverified("smlee"), "  LEE Siu Ming   李小明 ")
	if err != nil || a.DisplayName != "LEE Siu Ming 李小明" {
		t.Fatalf("set: %+v, %v", a, err)
	}
	if kind, payload := lastOp(t, r, "smlee"); kind != "display_name" || payload != `{"name":"LEE Siu Ming 李小明"}` {
		t.Errorf("op %s %s", kind, payload)
	}
	before := rowsFor(t, r, "smlee")
	if _, err := r.SetDisplayName(ctx, store.Unverified("smlee"), "LEE Siu Ming 李小明"); err != nil || rowsFor(t, r, "smlee") != before {
		t.Errorf("the same again: %v, rows %+v", err, rowsFor(t, r, "smlee"))
	}
	if a, err := r.SetDisplayName(ctx, store.Unverified("smlee"), "Siu Ming LEE"); err != nil || a.DisplayName != "Siu Ming LEE" {
		t.Errorf("back to the default: %+v, %v", a, err)
	}
	if s, _ := r.Snapshot(ctx, "smlee"); s.DisplayName != "" {
		t.Errorf("the default is stored as %q, want empty", s.DisplayName)
	}
	if _, err := r.SetDisplayName(ctx, store.Unverified("smlee"), "boss@example.edu"); !errors.Is(err, policy.ErrDisplayName) {
		t.Errorf("an address: %v", err)
	}
	execOn(t, path, `UPDATE accounts SET password_hash = NULL, activated_at = NULL, status = 'registered' WHERE name = 'tmchan'`)
	if _, err := r.SetDisplayName(ctx, store.Unverified("tmchan"), "Tai Man"); !errors.Is(err, store.ErrNotActivated) {
		t.Errorf("not activated: %v", err)
	}
}

// Migration 0014 runs again over a file that has its columns and keeps
// what they hold.
func TestPGAliasMigrationRunsAgain(t *testing.T) {
	ctx := context.Background()
	r, path := postgraduates(t)
	if _, err := r.SetAlias(ctx, store.Unverified("tmchan"), "tai.man.chan"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetDisplayName(ctx, store.Unverified("tmchan"), "陳大文"); err != nil {
		t.Fatal(err)
	}
	r.Close()
	execOn(t, path, `PRAGMA user_version = 12`)
	r2, err := store.Open(path, testOptions(t, newClock()))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if a, err := r2.Account(ctx, "tmchan"); err != nil || !a.AliasFullName || a.DisplayName != "陳大文" {
		t.Errorf("after the migration ran again: %+v, %v", a, err)
	}
}
