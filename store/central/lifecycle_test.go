package central

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/textproto"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/mail"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

// at is 09:00 UTC on a day.
func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// clock is the store's injected time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// The class of 2026 (as in the station's lifecycle tests): studies complete
// on 31 Aug 2026, so grace ends on 31 Dec 2026. ekwong never activates;
// sfmak completed in February; cwfung is still studying.
const classCSV = header +
	"20221001,LAM,Ka Yan,,2004-01-01,Physics,UG,degree,2026-08-31\n" +
	"20221002,YIP,Hoi Ying,,2004-01-02,Chemistry,PG,non-degree,2026-08-31\n" +
	"20221003,MÜLLER,Anna,,2004-01-03,Economics,UG,exchange,2026-08-31\n" +
	"20221004,SATO,Ken,,1980-01-04,Mathematics,PG,visiting,2026-08-31\n" +
	"20221005,KWONG,Emily,,2004-01-05,Physics,UG,degree,2026-08-31\n" +
	"20221006,TSANG,Wai Kit,,2000-01-06,Physics,PG,degree,2026-08-31\n" +
	"20221007,FUNG,Chi Wai,,2005-01-07,Physics,UG,degree,2028-06-30\n" +
	"20221008,MAK,Siu Fai,,2003-01-08,Physics,UG,degree,2026-02-27\n"

// classOf2026 imports the class on 5 Jan 2026 and activates everyone but
// ekwong, at a station; kylam gives a personal e-mail for notices.
func classOf2026(t *testing.T) (*SQLite, *clock, string) {
	t.Helper()
	clk := &clock{t: at(2026, 1, 5)}
	keys, err := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "central.db")
	s, err := Open(path, Options{Keys: &keys, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if rep, err := s.Import(ctx, strings.NewReader(classCSV)); err != nil || rep.Added != 8 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	var ops []domain.Op
	for _, name := range []string{"kylam", "hyyip", "amuller", "ksato", "wktsang", "cwfung", "sfmak"} {
		ops = append(ops, stationOp(name, domain.OpActivate, domain.ActivatePayload{PasswordHash: testHashes()[0], ActivatedAt: clk.Now()}, clk.Now()))
	}
	verified := clk.Now() // issue 19: only a verified personal e-mail gets notices
	codeSent(t, s, "kylam", "ky@example.org", clk.Now())
	ops = append(ops, stationOp("kylam", domain.OpPersonalEmail, domain.PersonalEmailPayload{Email: "ky@example.org", VerifiedAt: &verified}, clk.Now()))
	res, err := s.Apply(ctx, "hall-1", ops)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outcome != wire.OutcomeApplied {
			t.Fatalf("station op: %+v", r)
		}
	}
	return s, clk, path
}

func stationOp(account string, kind domain.OpKind, p any, at time.Time) domain.Op {
	b, _ := json.Marshal(p)
	return domain.Op{ID: randomID(), CreatedAt: at, Kind: kind, Account: account, Payload: b}
}

func runLifecycle(t *testing.T, s *SQLite, clk *clock, now time.Time) domain.LifecycleReport {
	t.Helper()
	clk.Set(now)
	rep, err := s.RunLifecycle(ctx, now)
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

// byName is the feed as it stands, by account name.
func byName(t *testing.T, s *SQLite) map[string]domain.Snapshot {
	t.Helper()
	out := map[string]domain.Snapshot{}
	for _, snap := range feed(t, s) {
		out[snap.Name] = snap
	}
	return out
}

// noticesOf are an account's notices, oldest first.
func noticesOf(t *testing.T, s *SQLite, name string) []notice.Notice {
	t.Helper()
	ns, err := s.notices().NoticesFor(ctx, name, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(ns)-1; i < j; i, j = i+1, j-1 {
		ns[i], ns[j] = ns[j], ns[i]
	}
	return ns
}

func lastNotice(t *testing.T, s *SQLite, name string) notice.Notice {
	t.Helper()
	ns := noticesOf(t, s, name)
	if len(ns) == 0 {
		t.Fatalf("no notice for %s", name)
	}
	return ns[len(ns)-1]
}

// audits counts an account's audit rows of an action.
func audits(t *testing.T, path, account, action string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM audit WHERE account = ? AND action = ?`, account, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRunLifecycle(t *testing.T) {
	s, clk, path := classOf2026(t)
	before := byName(t, s)

	// The day before completion only the February graduate moves: her
	// grace (27 Feb - 27 Jun) passed, straight to alumni.
	rep := runLifecycle(t, s, clk, at(2026, 8, 30))
	if got := moved(rep); len(got) != 1 || got["sfmak"] != "active->alumni" {
		t.Fatalf("30 Aug: moved %v", got)
	}
	if n := lastNotice(t, s, "sfmak"); n.Kind != notice.Expired || n.To != "sfmak@connect.example.edu" ||
		!strings.Contains(n.Subject, "is now your alumni account") {
		t.Errorf("sfmak's notice %+v", n)
	}

	// Completion: the class enters grace, activated or not; notices to the
	// activated only, to the personal e-mail when there is one.
	rep = runLifecycle(t, s, clk, at(2026, 8, 31))
	want := map[string]string{"kylam": "active->grace", "hyyip": "active->grace", "amuller": "active->grace",
		"ksato": "active->grace", "wktsang": "active->grace", "ekwong": "registered->grace"}
	if got := moved(rep); !equalMaps(got, want) {
		t.Fatalf("31 Aug: moved %v, want %v", got, want)
	}
	if rep.Notices != 5 || rep.Count(policy.StatusGrace) != 6 {
		t.Errorf("31 Aug report %+v: want 5 notices, 6 to grace", rep)
	}
	n := lastNotice(t, s, "kylam")
	if n.Kind != notice.GraceStarts || n.To != "ky@example.org" || n.State != notice.Pending ||
		!strings.HasPrefix(n.Subject, "Your student network services end on 31 Dec 2026 / ") ||
		!strings.Contains(n.Body, "continues for life as your alumni account") || !n.CreatedAt.Equal(at(2026, 8, 31)) {
		t.Errorf("kylam's grace notice %+v", n)
	}
	if n := lastNotice(t, s, "hyyip"); n.To != "hyyip@connect.example.edu" || !strings.Contains(n.Body, "Back up the files") {
		t.Errorf("hyyip's grace notice %+v", n)
	}
	if ns := noticesOf(t, s, "ekwong"); len(ns) != 0 {
		t.Errorf("never-activated account got %+v", ns)
	}
	after := byName(t, s)
	for name := range want {
		if after[name].Status != policy.StatusGrace || after[name].Seq <= before[name].Seq {
			t.Errorf("%s in the feed: %s seq %d (was %d)", name, after[name].Status, after[name].Seq, before[name].Seq)
		}
		if audits(t, path, name, "lifecycle") != 1 {
			t.Errorf("%s: want one lifecycle audit row", name)
		}
	}
	if after["cwfung"].Seq != before["cwfung"].Seq {
		t.Error("a current student's snapshot changed")
	}

	// Idempotent: the same run again finds nothing and writes nothing.
	if rep := runLifecycle(t, s, clk, at(2026, 8, 31)); len(rep.Transitions) != 0 || rep.Checked != 0 {
		t.Errorf("second run: %+v", rep)
	}
	if again := byName(t, s); again["kylam"].Seq != after["kylam"].Seq || len(noticesOf(t, s, "kylam")) != 1 {
		t.Error("second run wrote")
	}

	// A supervisor extends wktsang to 31 Mar 2027.
	clk.Set(at(2026, 11, 2))
	if err := s.Extend(ctx, "wktsang", day("2027-03-31"), "  thesis  corrections "); err != nil {
		t.Fatal(err)
	}
	if n := lastNotice(t, s, "wktsang"); n.Kind != notice.Extended || !strings.HasPrefix(n.Subject, "Your student network services are extended to 31 Mar 2027 / ") {
		t.Errorf("extension notice %+v", n)
	}
	if w := byName(t, s)["wktsang"]; w.ExtendedUntil != "2027-03-31" || w.Seq <= after["wktsang"].Seq || audits(t, path, "wktsang", "extend") != 1 {
		t.Errorf("extended snapshot %+v", w)
	}

	// Grace ends: the alumni split by category; the extension postpones.
	rep = runLifecycle(t, s, clk, at(2026, 12, 31))
	want = map[string]string{"kylam": "grace->alumni", "hyyip": "grace->terminated", "amuller": "grace->terminated",
		"ksato": "grace->terminated", "ekwong": "grace->alumni"}
	if got := moved(rep); !equalMaps(got, want) {
		t.Fatalf("31 Dec: moved %v, want %v", got, want)
	}
	if rep.Count(policy.StatusAlumni) != 2 || rep.Count(policy.StatusTerminated) != 3 || rep.Notices != 4 {
		t.Errorf("31 Dec report %+v", rep)
	}
	if n := lastNotice(t, s, "kylam"); n.Kind != notice.Expired || !strings.Contains(n.Subject, "alumni account") {
		t.Errorf("alumni expiry notice %+v", n)
	}
	for _, name := range []string{"hyyip", "amuller", "ksato"} {
		if n := lastNotice(t, s, name); n.Kind != notice.Expired || !strings.Contains(n.Body, "expired on 31 Dec 2026 and has been terminated") {
			t.Errorf("%s expiry notice %+v", name, n)
		}
	}
	if byName(t, s)["wktsang"].Status != policy.StatusGrace {
		t.Error("the extension did not postpone the end")
	}

	// The extension ends.
	if got := moved(runLifecycle(t, s, clk, at(2027, 3, 31))); len(got) != 1 || got["wktsang"] != "grace->alumni" {
		t.Errorf("31 Mar: moved %v", got)
	}
	if n := lastNotice(t, s, "wktsang"); n.Kind != notice.Expired || !strings.Contains(n.Body, "ended on 31 Mar 2027") {
		t.Errorf("wktsang's expiry notice %+v", n)
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
	s, clk, _ := classOf2026(t)
	runLifecycle(t, s, clk, at(2026, 10, 1)) // the class in grace
	if err := s.Extend(ctx, "wktsang", day("2027-02-28"), "thesis"); err != nil {
		t.Fatal(err)
	}
	runLifecycle(t, s, clk, at(2026, 12, 31)) // kylam alumni, hyyip terminated, cwfung studying
	for _, tc := range []struct {
		name, account, until, reason, says string
	}{
		{"no reason", "cwfung", "2029-01-31", " ", "give the reason"},
		{"unknown account", "nobody", "2029-01-31", "thesis", "no such account"},
		{"alumni is final", "kylam", "2027-06-30", "thesis", "already ended on 31 Dec 2026 (now alumni)"},
		{"terminated is final", "hyyip", "2027-06-30", "thesis", "cannot reopen"},
		{"within grace", "cwfung", "2028-10-30", "thesis", "after the grace period, which ends on 30 Oct 2028"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Extend(ctx, tc.account, day(tc.until), tc.reason)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want one saying %q", err, tc.says)
			}
		})
	}
	if err := s.Extend(ctx, "nobody", day("2029-01-31"), "x"); !errors.Is(err, ErrNoAccount) {
		t.Errorf("unknown account: %v", err)
	}
	// wktsang is extended to 28 Feb 2027; on 1 Feb a date already past is refused.
	clk.Set(at(2027, 2, 1))
	if err := s.Extend(ctx, "wktsang", day("2027-01-15"), "thesis"); err == nil || !strings.Contains(err.Error(), "has passed") {
		t.Errorf("a past date: %v", err)
	}
	// The same date again changes nothing: no new change, no second notice.
	seq := byName(t, s)["wktsang"].Seq
	if err := s.Extend(ctx, "wktsang", day("2027-02-28"), "thesis"); err != nil {
		t.Fatal(err)
	}
	if ns := noticesOf(t, s, "wktsang"); byName(t, s)["wktsang"].Seq != seq || len(ns) != 2 { // grace starts, extended
		t.Errorf("the same extension again wrote: %+v", ns)
	}
}

func TestPasswordReminders(t *testing.T) {
	s, clk, _ := classOf2026(t) // passwords set on 5 Jan 2026 09:00
	queue := func(now time.Time) int {
		t.Helper()
		clk.Set(now)
		n, err := s.QueuePasswordReminders(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	sixMonths := at(2026, 7, 5)
	if n := queue(sixMonths); n != 0 {
		t.Errorf("exactly six months: %d reminders", n)
	}
	// Seven accounts were activated; sfmak's studies ended (alumni keep
	// signing in), so all seven are reminded; ekwong never activated.
	if n := queue(sixMonths.Add(time.Minute)); n != 7 {
		t.Fatalf("over six months: %d reminders, want 7", n)
	}
	n := lastNotice(t, s, "kylam")
	if n.Kind != notice.PasswordAge || n.To != "ky@example.org" || !strings.Contains(n.Body, "last changed on 5 Jan 2026") ||
		!strings.Contains(n.Body, "Change Network Password") {
		t.Errorf("reminder %+v", n)
	}
	if n := queue(sixMonths.AddDate(0, 5, 0)); n != 0 {
		t.Errorf("within six months of the last reminder: %d", n)
	}
	// Grace ended on 31 Dec 2026 for the class: the three not eligible
	// for alumni are terminated and get no reminder.
	runLifecycle(t, s, clk, at(2026, 12, 31))
	if n := queue(sixMonths.AddDate(0, 6, 1)); n != 4 {
		t.Errorf("six months after the last reminder: %d, want 4 (kylam, wktsang, cwfung, sfmak)", n)
	}
	if ns := noticesOf(t, s, "hyyip"); ns[len(ns)-1].Kind != notice.Expired {
		t.Errorf("terminated account reminded: %+v", ns[len(ns)-1])
	}
	// A new password starts the six months again.
	clk.Set(at(2027, 2, 1))
	if res, _ := s.Apply(ctx, "hall-1", []domain.Op{stationOp("cwfung", domain.OpSetPassword,
		domain.SetPasswordPayload{PasswordHash: testHashes()[1], ChangedAt: clk.Now()}, clk.Now())}); res[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("set password: %+v", res)
	}
	if n := queue(at(2027, 7, 1)); n != 0 {
		t.Errorf("five months after a new password: %d", n)
	}
}

// A notice waits pending; with a mail server mail.Deliver sends it, without
// one it is kept, and either is listed by state.
func TestNoticeDelivery(t *testing.T) {
	s, clk, _ := classOf2026(t)
	runLifecycle(t, s, clk, at(2026, 8, 31)) // five in grace, sfmak an alumna
	var _ mail.Queue = s
	pending, err := s.Notices(ctx, notice.Pending, 0)
	if err != nil || len(pending) != 6 {
		t.Fatalf("pending: %d, %v", len(pending), err)
	}
	fake := &fakeSender{fail: map[string]bool{"hyyip@connect.example.edu": true}}
	rep, err := mail.Deliver(ctx, s, fake)
	if err != nil || rep.Sent != 5 || rep.Kept != 1 {
		t.Fatalf("deliver: %+v, %v", rep, err)
	}
	if len(fake.sent) != 5 || !strings.HasPrefix(fake.sent[0].Subject, "Your student network services end on 31 Dec 2026 / ") {
		t.Errorf("sent %+v", fake.sent)
	}
	sent, _ := s.Notices(ctx, notice.Sent, 0)
	kept, _ := s.Notices(ctx, notice.Kept, 0)
	if len(sent) != 5 || !sent[0].SentAt.Equal(at(2026, 8, 31)) || len(kept) != 1 || kept[0].Account != "hyyip" ||
		!strings.Contains(kept[0].Error, "no such mailbox") {
		t.Errorf("sent %+v kept %+v", sent, kept)
	}

	// Without a mail server: kept, saying why.
	runLifecycle(t, s, clk, at(2026, 12, 31)) // five more: ekwong never activated
	rep, err = mail.Deliver(ctx, s, nil)
	if err != nil || rep.Kept != 5 {
		t.Fatalf("deliver without a server: %+v, %v", rep, err)
	}
	if kept, _ := s.Notices(ctx, notice.Kept, 1); kept[0].Error != mail.NoMailReason {
		t.Errorf("kept %+v", kept[0])
	}
	if all, _ := s.Notices(ctx, "", 0); len(all) != 11 {
		t.Errorf("all notices: %d", len(all))
	}
}

type fakeSender struct {
	fail map[string]bool
	sent []mail.Message
}

func (f *fakeSender) Send(_ context.Context, m mail.Message) error {
	if f.fail[m.To] {
		return &mail.RefusalError{Err: &textproto.Error{Code: 550, Msg: "no such mailbox"}}
	}
	f.sent = append(f.sent, m)
	return nil
}

// A day at a time around month ends (31 Oct + 4 months is 3 Mar), the
// search still finds every account the rules move, on the very day.
func TestLifecycleDueOnTheDay(t *testing.T) {
	clk := &clock{t: at(2026, 8, 1)}
	keys, _ := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	s, err := Open(filepath.Join(t.TempDir(), "central.db"), Options{Keys: &keys, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var csv strings.Builder
	csv.WriteString(header)
	first := day("2026-08-25")
	const n = 73
	for i := range n {
		fmt.Fprintf(&csv, "2023%04d,LAM,Ka Yan,,2004-01-01,Physics,UG,degree,%s\n", i, first.AddDate(0, 0, i).Format(time.DateOnly))
	}
	if _, err := s.Import(ctx, strings.NewReader(csv.String())); err != nil {
		t.Fatal(err)
	}
	runLifecycle(t, s, clk, at(2026, 11, 10)) // all in grace
	for i := 0; i < n; i += 5 {               // every fifth extended by ten days
		if err := s.Extend(ctx, policy.AccountName("kylam", i+1), policy.GraceEnd(first.AddDate(0, 0, i)).AddDate(0, 0, 10), "thesis"); err != nil {
			t.Fatal(err)
		}
	}
	for d := at(2026, 12, 20); d.Before(at(2027, 3, 20)); d = d.AddDate(0, 0, 1) {
		runLifecycle(t, s, clk, d)
		for _, snap := range byName(t, s) {
			f := snap.Lifecycle()
			want := policy.StatusGrace
			if !d.Before(f.ServicesEnd()) {
				want = policy.StatusAlumni
			}
			if snap.Status != want {
				t.Fatalf("%s (completion %s, extended %q) on %s: %s, want %s", snap.Name, snap.CompletionDate,
					snap.ExtendedUntil, d.Format(time.DateOnly), snap.Status, want)
			}
		}
	}
}

// codeSent records, as POST /v1/codes does, that a code to verify address
// went to account (without the e-mail that carries it, which would change
// the notices a test counts): the store then believes a station's op that
// saves the address as verified.
func codeSent(t *testing.T, s *Central, account, address string, at time.Time) {
	t.Helper()
	if err := s.change(ctx, func(a *applier) error {
		return a.tx.RecordCode(ctx, account, notice.CodeVerify, SentCode{To: address, At: at, Station: "hall-1"})
	}); err != nil {
		t.Fatal(err)
	}
}
