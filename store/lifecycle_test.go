package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
)

// at is 09:00 UTC on a day.
func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

// The class of 2026: studies complete on 31 Aug 2026, so grace ends on
// 31 Dec 2026. All but ekwong activate in January.
var (
	degreeGrad = student{ID: "20221001", Surname: "LAM", Given: "Ka Yan", HKID: hkid('B', 100001), DOB: "2004-01-01",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2026-08-31"}
	nonDegree = student{ID: "20221002", Surname: "YIP", Given: "Hoi Ying", HKID: hkid('B', 100002), DOB: "2004-01-02",
		Dept: "Chemistry", Level: "PG", Category: "non-degree", Completion: "2026-08-31"}
	exchangeIn = student{ID: "20221003", Surname: "MÜLLER", Given: "Anna", Passport: "C01X00T47", DOB: "2004-01-03",
		Dept: "Economics", Level: "UG", Category: "exchange", Completion: "2026-08-31"}
	visitor = student{ID: "20221004", Surname: "SATO", Given: "Ken", Passport: "TK1234567", DOB: "1980-01-04",
		Dept: "Mathematics", Level: "PG", Category: "visiting", Completion: "2026-08-31"}
	neverActivated = student{ID: "20221005", Surname: "KWONG", Given: "Emily", HKID: hkid('B', 100005), DOB: "2004-01-05",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2026-08-31"}
	extended = student{ID: "20221006", Surname: "TSANG", Given: "Wai Kit", HKID: hkid('B', 100006), DOB: "2000-01-06",
		Dept: "Physics", Level: "PG", Category: "degree", Completion: "2026-08-31"}
	stillStudying = student{ID: "20221007", Surname: "FUNG", Given: "Chi Wai", HKID: hkid('B', 100007), DOB: "2005-01-07",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2028-06-30"}
	earlyGrad = student{ID: "20221008", Surname: "MAK", Given: "Siu Fai", HKID: hkid('B', 100008), DOB: "2003-01-08",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2026-02-27"}
)

// classOf2026 imports the class on 5 Jan 2026 and activates everyone but
// ekwong (the never-activated graduate).
func classOf2026(t *testing.T) (*store.Replica, *testClock, string) {
	t.Helper()
	clock := newClock()
	clock.t = at(2026, 1, 5)
	r, path := openReplica(t, clock)
	importCSV(t, r, registryCSV(degreeGrad, nonDegree, exchangeIn, visitor, neverActivated, extended,
		stillStudying, earlyGrad))
	for _, name := range []string{"kylam", "hyyip", "amuller", "ksato", "wktsang", "cwfung", "sfmak"} {
		if _, err := r.Activate(context.Background(), store.Unverified(name), goodPassword); err != nil {
			t.Fatalf("activate %s: %v", name, err)
		}
	}
	return r, clock, path
}

// stored is the status as stored (Account.Status is the effective one).
func stored(t *testing.T, r *store.Replica, name string) policy.Status {
	t.Helper()
	s, err := r.Snapshot(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return s.Status
}

// noticeKinds are an account's notices, oldest first, as "kind to" lines.
func noticeKinds(t *testing.T, r *store.Replica, name string) []string {
	t.Helper()
	ns, err := r.NoticesFor(context.Background(), name, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(ns) - 1; i >= 0; i-- {
		out = append(out, string(ns[i].Kind))
	}
	return out
}

func lastNotice(t *testing.T, r *store.Replica, name string) notice.Notice {
	t.Helper()
	ns, err := r.NoticesFor(context.Background(), name, 1)
	if err != nil || len(ns) == 0 {
		t.Fatalf("no notice for %s: %v", name, err)
	}
	return ns[0]
}

func runLifecycle(t *testing.T, r *store.Replica, clock *testClock, now time.Time) domain.LifecycleReport {
	t.Helper()
	clock.t = now
	rep, err := r.RunLifecycle(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func moved(rep domain.LifecycleReport) map[string]string {
	out := map[string]string{}
	for _, tr := range rep.Transitions {
		out[tr.Account] = string(tr.From) + "->" + string(tr.To)
	}
	return out
}

func TestRunLifecycle(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := classOf2026(t)

	// The day before completion nothing moves but the early graduate, whose
	// grace (27 Feb - 27 Jun) passed while the station was off: straight to alumni.
	rep := runLifecycle(t, r, clock, at(2026, 8, 30))
	if got := moved(rep); len(got) != 1 || got["sfmak"] != "active->alumni" {
		t.Fatalf("30 Aug: moved %v", got)
	}
	if kinds := noticeKinds(t, r, "sfmak"); strings.Join(kinds, " ") != "activated expired" {
		t.Errorf("sfmak notices %v, want the expiry notice only", kinds)
	}

	// Completion: everyone of the class enters grace, activated or not.
	rep = runLifecycle(t, r, clock, at(2026, 8, 31))
	want := map[string]string{"kylam": "active->grace", "hyyip": "active->grace", "amuller": "active->grace",
		"ksato": "active->grace", "wktsang": "active->grace", "ekwong": "registered->grace"}
	if got := moved(rep); !equalMaps(got, want) {
		t.Fatalf("31 Aug: moved %v, want %v", got, want)
	}
	if rep.Notices != 5 || rep.Count(policy.StatusGrace) != 6 {
		t.Errorf("report %+v: want 5 notices (not the never-activated account), 6 to grace", rep)
	}
	n := lastNotice(t, r, "kylam")
	if n.Kind != notice.GraceStarts || n.To != "kylam@connect.example.edu" ||
		!strings.HasPrefix(n.Subject, "Your student network services end on 31 Dec 2026 / ") ||
		!strings.Contains(n.Body, "continues for life as your alumni account") {
		t.Errorf("degree graduate's grace notice: %+v", n)
	}
	if n := lastNotice(t, r, "hyyip"); !strings.Contains(n.Body, "Back up the files you want to keep") ||
		!strings.Contains(n.Body, "before 31 Dec 2026") {
		t.Errorf("non-degree grace notice: %q", n.Body)
	}
	if kinds := noticeKinds(t, r, "ekwong"); len(kinds) != 0 {
		t.Errorf("never-activated account got notices %v", kinds)
	}
	if stored(t, r, "cwfung") != policy.StatusActive {
		t.Error("a current student moved")
	}
	for name, c := range map[string]int{"kylam": 2, "ekwong": 1} { // activation + transition; transition
		if got := rowsFor(t, r, name); got.audit != c || got.outbox != c {
			t.Errorf("%s rows = %+v, want %d audit and outbox rows", name, got, c)
		}
	}
	kind, payload := lastOp(t, r, "kylam")
	var p domain.LifecyclePayload
	if err := json.Unmarshal([]byte(payload), &p); kind != "lifecycle" || err != nil ||
		p.From != policy.StatusActive || p.To != policy.StatusGrace || !p.At.Equal(at(2026, 8, 31)) {
		t.Errorf("op %s %s", kind, payload)
	}

	// Idempotent: the same run again changes nothing, writes nothing.
	before := rowsFor(t, r, "kylam")
	if rep := runLifecycle(t, r, clock, at(2026, 8, 31)); len(rep.Transitions) != 0 || rep.Checked != 0 {
		t.Errorf("second run: %+v", rep)
	}
	if after := rowsFor(t, r, "kylam"); after != before || len(noticeKinds(t, r, "kylam")) != 2 {
		t.Errorf("second run wrote rows: %+v -> %+v", before, after)
	}

	// A supervisor extends wktsang to 31 Mar 2027.
	if err := r.Extend(ctx, "wktsang", time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), "  thesis  corrections "); err != nil {
		t.Fatal(err)
	}
	if n := lastNotice(t, r, "wktsang"); n.Kind != notice.Extended || !strings.Contains(n.Subject, "31 Mar 2027") {
		t.Errorf("extension notice %+v", n)
	}
	a, _ := r.Account(ctx, "wktsang")
	if !a.ExtendedUntil.Equal(time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)) || policy.FormatDate(a.ServicesEnd) != "31 Mar 2027" {
		t.Errorf("extended account %+v", a)
	}

	// Grace ends: the alumni split by category; the extension postpones.
	rep = runLifecycle(t, r, clock, at(2026, 12, 31))
	want = map[string]string{"kylam": "grace->alumni", "hyyip": "grace->terminated", "amuller": "grace->terminated",
		"ksato": "grace->terminated", "ekwong": "grace->alumni"}
	if got := moved(rep); !equalMaps(got, want) {
		t.Fatalf("31 Dec: moved %v, want %v", got, want)
	}
	if rep.Count(policy.StatusAlumni) != 2 || rep.Count(policy.StatusTerminated) != 3 || rep.Notices != 4 {
		t.Errorf("31 Dec report: %+v", rep)
	}
	if n := lastNotice(t, r, "kylam"); n.Kind != notice.Expired || !strings.Contains(n.Subject, "alumni account") {
		t.Errorf("alumni expiry notice %+v", n)
	}
	for _, name := range []string{"hyyip", "amuller", "ksato"} {
		n := lastNotice(t, r, name)
		if n.Kind != notice.Expired || !strings.Contains(n.Subject, "has expired") ||
			!strings.Contains(n.Body, "expired on 31 Dec 2026 and has been terminated") {
			t.Errorf("%s expiry notice %+v", name, n)
		}
		if _, err := r.VerifyPassword(ctx, name, goodPassword); !errors.Is(err, store.ErrTerminated) {
			t.Errorf("%s can still sign in: %v", name, err)
		}
	}
	if _, err := r.VerifyPassword(ctx, "kylam", goodPassword); err != nil {
		t.Errorf("alumni cannot sign in: %v", err)
	}
	if stored(t, r, "wktsang") != policy.StatusGrace {
		t.Error("the extension did not postpone the end")
	}

	// The extension ends.
	rep = runLifecycle(t, r, clock, at(2027, 3, 31))
	if got := moved(rep); len(got) != 1 || got["wktsang"] != "grace->alumni" {
		t.Errorf("31 Mar: moved %v", got)
	}
	if rep := runLifecycle(t, r, clock, at(2030, 1, 1)); len(rep.Transitions) != 1 || rep.Checked != 1 {
		t.Errorf("2030: %+v (only cwfung is left to move)", rep)
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestExtendRefusals(t *testing.T) {
	ctx := context.Background()
	r, clock, _ := classOf2026(t)
	noCompletion := student{ID: "20221009", Surname: "HO", Given: "Man", HKID: hkid('B', 100009), DOB: "2004-01-09",
		Dept: "Physics", Level: "UG", Category: "degree"}
	importCSV(t, r, registryCSV(noCompletion))
	runLifecycle(t, r, clock, at(2026, 12, 31)) // kylam alumni, hyyip terminated

	until := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, account string
		until         time.Time
		reason, says  string
	}{
		{"no reason", "cwfung", until, " ", "give the reason"},
		{"reason with a control character", "cwfung", until, "a\x00b", "plain text"},
		{"long reason", "cwfung", until, strings.Repeat("x", 501), "too long"},
		{"not after grace", "cwfung", time.Date(2028, 10, 30, 0, 0, 0, 0, time.UTC), reasonText, "after the grace period, which ends on 30 Oct 2028"},
		{"no completion date", "mho", until, reasonText, "no completion date"},
		{"alumni is final", "kylam", until, reasonText, "already ended on 31 Dec 2026 (now alumni)"},
		{"terminated is final", "hyyip", until, reasonText, "cannot reopen"},
		{"unknown", "nobody", until, reasonText, store.ErrNotFound.Error()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := r.Extend(ctx, tc.account, tc.until, tc.reason)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want one saying %q", err, tc.says)
			}
		})
	}
	// A date in a time zone counts as that calendar date.
	hk := time.FixedZone("HKT", 8*3600)
	if err := r.Extend(ctx, "cwfung", time.Date(2028, 12, 1, 0, 0, 0, 0, hk), reasonText); err != nil {
		t.Fatal(err)
	}
	if a, _ := r.Account(ctx, "cwfung"); dateOf(a.ExtendedUntil) != "2028-12-01" {
		t.Errorf("extended until %s", a.ExtendedUntil)
	}
	kind, payload := lastOp(t, r, "cwfung")
	if kind != "extend" || payload != `{"until":"2028-12-01","reason":"`+reasonText+`"}` {
		t.Errorf("op %s %s", kind, payload)
	}
}

const reasonText = "research assistant until the project ends"

func dateOf(t time.Time) string { return t.Format(time.DateOnly) }

// A lifecycle change made centrally reaches the station with the next pull:
// the snapshot carries status and extension, and the screens see them.
func TestCentralLifecycleReachesStation(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	clock.t = at(2026, 9, 1)
	r, _ := openReplica(t, clock)
	s := snap(1, "kylam", degreeGrad.ID)
	s.CompletionDate, s.Status, s.PasswordHash = "2026-08-31", policy.StatusActive, "$argon2id$x"
	mustApply(t, r, page(0, 1, false, s))

	s.Seq, s.Status, s.ExtendedUntil = 2, policy.StatusGrace, "2027-02-28"
	s.Alias, s.PersonalEmail = "ka.yan.lam", "ky@example.org"
	mustApply(t, r, page(1, 2, false, s))
	a, err := r.Account(ctx, "kylam")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != policy.StatusGrace || dateOf(a.ExtendedUntil) != "2027-02-28" || dateOf(a.ServicesEnd) != "2027-02-28" {
		t.Errorf("after the pull: %+v", a)
	}
	clock.t = at(2027, 3, 1) // the station sees the end even before the central move arrives
	if a, _ := r.Account(ctx, "kylam"); a.Status != policy.StatusAlumni {
		t.Errorf("after the extension: %s", a.Status)
	}
	s.Seq, s.Status = 3, policy.StatusAlumni
	mustApply(t, r, page(2, 3, false, s))
	if got := stored(t, r, "kylam"); got != policy.StatusAlumni {
		t.Errorf("stored %s", got)
	}
	if rep, _ := r.RunLifecycle(ctx, clock.t); len(rep.Transitions) != 0 {
		t.Errorf("the station moved a centrally moved account again: %+v", rep)
	}
}

// The new op kinds replay over a snapshot, once.
func TestProfileOpsApply(t *testing.T) {
	at := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	op := func(kind domain.OpKind, payload string) domain.Op {
		return domain.Op{ID: string(kind), Kind: kind, Payload: json.RawMessage(payload)}
	}
	s := snap(1, "kylam", degreeGrad.ID)
	s.Category = policy.CategoryDegree
	for _, o := range []domain.Op{
		op(domain.OpLifecycle, `{"from":"registered","to":"grace","at":"2026-09-01T00:00:00Z"}`),
		op(domain.OpLifecycle, `{"from":"active","to":"terminated","at":"2026-09-01T00:00:00Z"}`), // not from here: ignored
		op(domain.OpExtend, `{"until":"2027-01-31","reason":"thesis"}`),
		op(domain.OpActivateAlumni, `{"password_hash":"h1","activated_at":"2026-09-01T00:00:00Z","status":"grace"}`),
		op(domain.OpActivateAlumni, `{"password_hash":"h2","activated_at":"2026-09-02T00:00:00Z","status":"alumni"}`),
		op(domain.OpAlias, `{"alias":"ka.yan.lam"}`),
		op(domain.OpAlias, `{"alias":"other"}`), // an alias is for life
		op(domain.OpPersonalEmail, `{"email":"ky@example.org"}`),
	} {
		if err := s.ApplyOp(o); err != nil {
			t.Fatalf("%s: %v", o.Kind, err)
		}
	}
	if s.Status != policy.StatusGrace || s.ExtendedUntil != "2027-01-31" || !s.ActivatedAt.Equal(at) ||
		s.Alias != "ka.yan.lam" || s.PersonalEmail != "ky@example.org" || s.PasswordHash != "h2" {
		t.Errorf("snapshot %+v", s)
	}
	if _, err := domain.DecodePayload(op(domain.OpAlias, `{"alias":"x","extra":1}`)); err == nil {
		t.Error("unknown field accepted")
	}
}

// The search for due accounts narrows with SQLite's date arithmetic; around
// month ends (31 Oct + 4 months is 3 Mar) it must still find every account
// policy.LifecycleStatus moves, on the very day.
func TestLifecycleDueOnTheDay(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	clock.t = at(2026, 8, 1)
	r, _ := openReplica(t, clock)
	var class []student
	first := time.Date(2026, 8, 25, 0, 0, 0, 0, time.UTC)
	for i := range 73 {
		c := first.AddDate(0, 0, i)
		class = append(class, student{ID: fmt.Sprintf("2023%04d", i), Surname: "LAM", Given: "Ka Yan",
			HKID: hkid('E', 300000+i), DOB: "2004-01-01", Dept: "Physics", Level: "UG", Category: "degree",
			Completion: c.Format(time.DateOnly)})
	}
	importCSV(t, r, registryCSV(class...))
	runLifecycle(t, r, clock, at(2026, 11, 10)) // all in grace
	for i := 0; i < len(class); i += 5 {        // every fifth extended by ten days
		name := policy.AccountName("kylam", i+1)
		c, _ := time.Parse(time.DateOnly, class[i].Completion)
		if err := r.Extend(ctx, name, policy.GraceEnd(c).AddDate(0, 0, 10), reasonText); err != nil {
			t.Fatal(err)
		}
	}
	for day := at(2026, 12, 20); day.Before(at(2027, 3, 20)); day = day.AddDate(0, 0, 1) {
		runLifecycle(t, r, clock, day)
		for i, s := range class {
			name := policy.AccountName("kylam", i+1)
			snap, _ := r.Snapshot(ctx, name)
			c, _ := time.Parse(time.DateOnly, s.Completion)
			ext, _ := time.Parse(time.DateOnly, snap.ExtendedUntil)
			want := policy.StatusGrace
			if !day.Before(policy.StudentServicesEnd(c, ext)) {
				want = policy.StatusAlumni
			}
			if snap.Status != want {
				t.Fatalf("%s (completion %s, extended %q) on %s: %s, want %s", name, s.Completion,
					snap.ExtendedUntil, day.Format(time.DateOnly), snap.Status, want)
			}
		}
	}
}
