package central

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/central/pgtest"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

// The conformance suite: what every backend must do, run against each (as
// litestream's RunWithReplicaClient runs against every replica client). A
// database opens a fresh, empty store each time its open is called; calls
// after the first open the same store again (another accountd process).
type database func(t *testing.T) (open func(opt Options) *Central)

func sqliteDatabase(t *testing.T) func(Options) *Central {
	path := filepath.Join(t.TempDir(), "central.db")
	return opener(t, path)
}

func postgresDatabase(t *testing.T) func(Options) *Central {
	return opener(t, pgtest.URL(t))
}

func opener(t *testing.T, db string) func(Options) *Central {
	return func(opt Options) *Central {
		t.Helper()
		s, err := Open(db, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
}

func TestConformanceSQLite(t *testing.T) {
	t.Parallel()
	runConformance(t, sqliteDatabase)
}

func TestConformancePostgres(t *testing.T) {
	t.Parallel()
	pgtest.URL(t) // skips, saying how to run it, without a server
	runConformance(t, postgresDatabase)
}

func confKeys(t *testing.T) *secret.Keys {
	keys, err := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &keys
}

func runConformance(t *testing.T, db database) {
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, db database)
	}{
		{"Import", confImport},
		{"FeedPaging", confFeedPaging},
		{"LongPoll", confLongPoll},
		{"ApplyDuplicateRejectChain", confApply},
		{"ConcurrentPushes", confConcurrent},
		{"Lifecycle", confLifecycle},
		{"Notices", confNotices},
		{"StationsAndTokens", confStations},
		{"StationHealth", confStationHealth},
		{"TwoInstances", confTwoInstances},
		{"AccessPass", confPass},
		{"Aliases", confAliases},
		{"EmailCodes", confEmailCodes},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, db)
		})
	}
}

func feedOf(t *testing.T, s Store) map[string]domain.Snapshot {
	t.Helper()
	out := map[string]domain.Snapshot{}
	for after := int64(0); ; {
		f, err := s.Changes(ctx, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Changes) == 0 {
			return out
		}
		for _, c := range f.Changes {
			var snap domain.Snapshot
			if err := json.Unmarshal(c.Snapshot, &snap); err != nil {
				t.Fatal(err)
			}
			snap.Seq = c.Seq
			out[snap.Name] = snap
			after = c.Seq
		}
	}
}

func confImport(t *testing.T, db database) {
	open := db(t)
	s := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	csv := header +
		"20261001,CHAN,Tai Man,A123456(3),2006-03-14,Computer Science,UG,degree,2030-06-30\n" +
		"20261002,CHAN,Tai Ming,Y654321(7),2005-11-02,Physics,UG,degree,2030-06-30\n" +
		"20261003,WONG,Siu Ling,A123456(4),2007-07-21,Mathematics,UG,degree,\n" + // wrong check digit
		"20261004,WONG,Siu Ling,,2007-07-21,Mathematics,UG,degree,\n"
	rep, err := s.Import(ctx, strings.NewReader(csv))
	if err != nil || rep.Added != 3 || len(rep.Errors) != 1 || rep.Errors[0].Line != 4 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	got := feedOf(t, s)
	if got["tmchan"].StudentID != "20261001" || got["tmchan2"].StudentID != "20261002" || got["slwong"].StudentID != "20261004" {
		t.Fatalf("names: %v", got)
	}
	if rep, _ := s.Import(ctx, strings.NewReader(csv)); rep.Unchanged != 3 || rep.Added+rep.Updated != 0 {
		t.Fatalf("re-import: %+v", rep)
	}
	changed := strings.Replace(csv, "2006-03-14,Computer Science", "2006-03-14,Chemistry", 1)
	if rep, _ := s.Import(ctx, strings.NewReader(changed)); rep.Updated != 1 || rep.Unchanged != 2 {
		t.Fatalf("changed import: %+v", rep)
	}
	if after := feedOf(t, s)["tmchan"]; after.Department != "Chemistry" || after.Seq != 4 {
		t.Fatalf("updated: %+v", after)
	}
	if _, err := s.Import(ctx, strings.NewReader("name,id\nx,1\n")); err == nil {
		t.Fatal("a file without the registry header was imported")
	}
	// Two imports racing (two processes) still name every student once:
	// two new CHANs, Tai Mans both, become tmchan3 and tmchan4.
	other := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	var wg sync.WaitGroup
	for i, st := range []*Central{s, other} {
		wg.Go(func() {
			row := fmt.Sprintf("2026200%d,CHAN,Tai Man,,2006-03-1%d,CS,UG,degree,\n", i, i)
			if _, err := st.Import(ctx, strings.NewReader(header+row)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	names := map[string]string{}
	for name, snap := range feedOf(t, s) {
		names[snap.StudentID] = name
	}
	if a, b := names["20262000"], names["20262001"]; a == b || !strings.HasPrefix(a, "tmchan") || !strings.HasPrefix(b, "tmchan") ||
		a == "tmchan" || b == "tmchan" || len(names) != 5 {
		t.Fatalf("racing imports named %q and %q (%v)", a, b, names)
	}
	if s.Epoch() == "" || other.Epoch() != s.Epoch() {
		t.Fatalf("epochs %q and %q", s.Epoch(), other.Epoch())
	}
}

// students is a registry of n students, one name each.
func students(n int) string {
	var b strings.Builder
	b.WriteString(header)
	for i := range n {
		fmt.Fprintf(&b, "2026%04d,CHAN,Student %s,,2006-03-14,CS,UG,degree,2030-06-30\n", i, letters(i))
	}
	return b.String()
}

// letters is i as letters (a distinct given name, so a distinct account name).
func letters(i int) string {
	s := ""
	for {
		s = string(rune('a'+i%26)) + s
		i /= 26
		if i == 0 {
			return "X" + s
		}
	}
}

func confFeedPaging(t *testing.T, db database) {
	s := db(t)(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	if _, err := s.Import(ctx, strings.NewReader(students(25))); err != nil {
		t.Fatal(err)
	}
	f, err := s.Changes(ctx, 0, 10)
	if err != nil || len(f.Changes) != 10 || f.Head != 25 || f.Changes[0].Seq != 1 || f.Changes[9].Seq != 10 {
		t.Fatalf("first page: head %d, %d changes, %v", f.Head, len(f.Changes), err)
	}
	f, _ = s.Changes(ctx, 20, 10)
	if len(f.Changes) != 5 || f.Changes[4].Seq != 25 {
		t.Fatalf("last page: %d changes", len(f.Changes))
	}
	// An account that changes again leaves its old place: the feed holds
	// each account once, as it is now.
	name := ""
	for n, snap := range feedOf(t, s) {
		if snap.Seq == 3 {
			name = n
		}
	}
	res, err := s.Apply(ctx, "S", []domain.Op{stationOp(name, domain.OpActivate,
		domain.ActivatePayload{PasswordHash: testHashes()[0], ActivatedAt: t0}, t0)})
	if err != nil || res[0].Outcome != wire.OutcomeApplied || res[0].Snapshot != nil && res[0].Snapshot.Seq != 26 {
		t.Fatalf("activate: %+v, %v", res, err)
	}
	f, _ = s.Changes(ctx, 0, 100)
	if len(f.Changes) != 25 || f.Head != 26 || f.Changes[24].Seq != 26 || f.Changes[2].Seq != 4 {
		t.Fatalf("after a change: head %d, %d changes", f.Head, len(f.Changes))
	}
	var snap domain.Snapshot
	json.Unmarshal(f.Changes[24].Snapshot, &snap)
	if snap.Name != name || snap.Status != policy.StatusActive {
		t.Fatalf("changed account: %+v", snap)
	}
}

func confLongPoll(t *testing.T, db database) {
	open := db(t)
	s := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	other := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := s.Wait(short, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("wait on an empty store: %v", err)
	}
	// A waiter on each instance wakes when the other instance imports.
	woke := make(chan error, 2)
	for _, st := range []*Central{s, other} {
		go func() {
			wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			woke <- st.Wait(wctx, 0)
		}()
	}
	time.Sleep(20 * time.Millisecond) // let the waiters wait (the result holds either way)
	if _, err := other.Import(ctx, strings.NewReader(students(1))); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-woke; err != nil {
			t.Fatalf("wait: %v", err)
		}
	}
	if err := s.Wait(ctx, 0); err != nil { // already after: at once
		t.Fatal(err)
	}
}

func confApply(t *testing.T, db database) {
	s := db(t)(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	s.Import(ctx, strings.NewReader(header+"20261001,CHAN,Tai Man,A123456(3),2006-03-14,CS,UG,degree,2030-06-30\n"))
	activate := chainOp(domain.OpActivate, domain.ActivatePayload{PasswordHash: testHashes()[0], ActivatedAt: t0}, "", domain.ProofHKID)
	orphan := chainOp(domain.OpDirectory, domain.DirectoryPayload{Public: false}, "never-sent", domain.ProofHKID)
	first, err := s.Apply(ctx, "A", []domain.Op{activate, orphan})
	if err != nil || first[0].Outcome != wire.OutcomeApplied || first[1].Outcome != wire.OutcomeRejected ||
		!strings.Contains(first[1].Reason, "never reached") || first[1].Snapshot == nil {
		t.Fatalf("first push: %+v, %v", first, err)
	}
	again, err := s.Apply(ctx, "A", []domain.Op{activate, orphan})
	if err != nil || again[0].Outcome != wire.OutcomeDuplicate || again[0].Original != wire.OutcomeApplied ||
		again[1].Original != wire.OutcomeRejected || again[1].Reason != first[1].Reason || again[0].Snapshot == nil {
		t.Fatalf("the same push again: %+v, %v", again, err)
	}
	next := chainOp(domain.OpDirectory, domain.DirectoryPayload{Public: false}, activate.ID, domain.ProofHKID)
	if res, err := s.Apply(ctx, "A", []domain.Op{next}); err != nil || res[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("following the applied activation: %+v, %v", res, err)
	}
	// A second activation elsewhere is refused, naming the first station.
	second := stationOp("tmchan", domain.OpActivate, domain.ActivatePayload{PasswordHash: testHashes()[1], ActivatedAt: t0}, t0)
	if res, err := s.Apply(ctx, "B", []domain.Op{second}); err != nil || res[0].Outcome != wire.OutcomeRejected {
		t.Fatalf("second activation: %+v, %v", res, err)
	}
	res, err := s.Apply(ctx, "A", []domain.Op{stepOp("nobody", 5)})
	if err != nil || res[0].Outcome != wire.OutcomeRejected || !strings.Contains(res[0].Reason, "unknown_account") {
		t.Fatalf("unknown account: %+v, %v", res, err)
	}
	if snap := feedOf(t, s)["tmchan"]; snap.DirectoryPublic || snap.Status != policy.StatusActive || snap.PasswordHash != testHashes()[0] {
		t.Fatalf("final: %+v", snap)
	}
	// Aliases are unique across the store.
	s.Close()
	if _, err := s.Apply(ctx, "A", []domain.Op{stepOp("tmchan", 6)}); !errors.Is(err, errClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// Twenty stations push into two instances at once: each op applied once,
// change numbers never repeat, the newest step wins.
func confConcurrent(t *testing.T, db database) {
	open := db(t)
	a := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	b := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	if _, err := a.Import(ctx, strings.NewReader(students(20))); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for n := range feedOf(t, a) {
		names = append(names, n)
	}
	const stations, each = 20, 10
	// A station follows the feed while the pushes go on: a change that
	// committed after it passed its number (a smaller number committing
	// later) would never reach it.
	seen := map[string]bool{}
	var cursor int64
	follow := func() {
		for {
			f, err := b.Changes(ctx, cursor, 50)
			if err != nil {
				t.Error(err)
				return
			}
			for _, c := range f.Changes {
				var snap domain.Snapshot
				json.Unmarshal(c.Snapshot, &snap)
				seen[fmt.Sprint(snap.Name, c.Seq)] = true
				cursor = c.Seq
			}
			if len(f.Changes) == 0 {
				return
			}
		}
	}
	stop := make(chan struct{})
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		for {
			select {
			case <-stop:
				return
			default:
				follow()
			}
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied := map[string]int{}
	for i := range stations {
		wg.Go(func() {
			st := []*Central{a, b}[i%2]
			for j := range each {
				op := stationOp(names[(i+j)%len(names)], domain.OpDirectory, domain.DirectoryPayload{Public: j%2 == 0}, t0)
				for range 2 { // the second push is a retry after a lost answer
					res, err := st.Apply(ctx, fmt.Sprintf("S%d", i), []domain.Op{op})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					applied[res[0].ID+string(res[0].Outcome)]++
					mu.Unlock()
					st = []*Central{a, b}[(i+j+1)%2]
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-followed
	follow()
	nApplied, nDup := 0, 0
	for k, n := range applied {
		switch {
		case strings.HasSuffix(k, string(wire.OutcomeApplied)):
			nApplied += n
		case strings.HasSuffix(k, string(wire.OutcomeDuplicate)):
			nDup += n
		}
		if n != 1 {
			t.Errorf("%s answered %d times", k, n)
		}
	}
	if nApplied != stations*each || nDup != stations*each {
		t.Fatalf("%d applied, %d duplicates", nApplied, nDup)
	}
	f, _ := b.Changes(ctx, 0, 10000)
	numbers := map[int64]bool{}
	for _, c := range f.Changes {
		if numbers[c.Seq] {
			t.Fatalf("change number %d twice", c.Seq)
		}
		numbers[c.Seq] = true
		var snap domain.Snapshot
		json.Unmarshal(c.Snapshot, &snap)
		if !seen[fmt.Sprint(snap.Name, c.Seq)] {
			t.Errorf("the following station never saw %s's change %d (its cursor passed it before it committed)", snap.Name, c.Seq)
		}
	}
	if last := f.Changes[len(f.Changes)-1].Seq; f.Head != last || f.Head <= 20 || len(f.Changes) != 20 {
		t.Fatalf("head %d, last change %d, %d accounts", f.Head, last, len(f.Changes))
	}
}

func confLifecycle(t *testing.T, db database) {
	clk := &clock{t: at(2026, 1, 5)}
	s := db(t)(Options{Keys: confKeys(t), Now: clk.Now})
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
	if _, err := s.Apply(ctx, "hall-1", ops); err != nil {
		t.Fatal(err)
	}
	if got := moved(runLifecycle(t, s, clk, at(2026, 8, 30))); len(got) != 1 || got["sfmak"] != "active->alumni" {
		t.Fatalf("30 Aug: moved %v", got)
	}
	rep := runLifecycle(t, s, clk, at(2026, 8, 31))
	if rep.Notices != 5 || rep.Count(policy.StatusGrace) != 6 {
		t.Fatalf("31 Aug: %+v", rep)
	}
	if again := runLifecycle(t, s, clk, at(2026, 8, 31)); len(again.Transitions) != 0 {
		t.Fatalf("twice: %+v", again)
	}
	clk.Set(at(2026, 9, 1))
	if err := s.Extend(ctx, "kylam", day("2027-03-31"), "medical leave"); err != nil {
		t.Fatal(err)
	}
	if err := s.Extend(ctx, "nobody", day("2027-03-31"), "x"); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("extend unknown: %v", err)
	}
	got := moved(runLifecycle(t, s, clk, at(2026, 12, 31)))
	if got["kylam"] != "" || got["wktsang"] != "grace->alumni" || got["hyyip"] != "grace->terminated" {
		t.Fatalf("31 Dec: %v", got)
	}
	snaps := feedOf(t, s)
	if snaps["kylam"].ExtendedUntil != "2027-03-31" || snaps["hyyip"].Status != policy.StatusTerminated {
		t.Fatalf("feed: %+v %+v", snaps["kylam"], snaps["hyyip"])
	}
	// Password reminders: once, then not within six months.
	clk.Set(at(2027, 1, 6))
	if n, err := s.QueuePasswordReminders(ctx, clk.Now()); err != nil || n != 4 {
		t.Fatalf("reminders: %d, %v", n, err)
	}
	if n, _ := s.QueuePasswordReminders(ctx, clk.Now()); n != 0 {
		t.Fatalf("reminders again: %d", n)
	}
}

func confNotices(t *testing.T, db database) {
	clk := &clock{t: at(2026, 1, 5)}
	s := db(t)(Options{Keys: confKeys(t), Now: clk.Now})
	s.Import(ctx, strings.NewReader(classCSV))
	var ops []domain.Op
	for _, name := range []string{"kylam", "hyyip", "wktsang"} {
		ops = append(ops, stationOp(name, domain.OpActivate, domain.ActivatePayload{PasswordHash: testHashes()[0], ActivatedAt: clk.Now()}, clk.Now()))
	}
	verified := clk.Now() // issue 19: only a verified personal e-mail gets notices
	codeSent(t, s, "kylam", "ky@example.org", clk.Now())
	ops = append(ops, stationOp("kylam", domain.OpPersonalEmail, domain.PersonalEmailPayload{Email: "ky@example.org", VerifiedAt: &verified}, clk.Now()))
	s.Apply(ctx, "hall-1", ops)
	runLifecycle(t, s, clk, at(2026, 8, 31))
	pending, err := s.Notices(ctx, notice.Pending, 0)
	if err != nil || len(pending) != 3 || pending[0].ID >= pending[1].ID {
		t.Fatalf("pending: %+v, %v", pending, err)
	}
	var ky notice.Notice
	for _, n := range pending {
		if n.Account == "kylam" {
			ky = n
		}
	}
	if ky.To != "ky@example.org" || ky.Kind != notice.GraceStarts || !strings.HasPrefix(ky.Subject, "Your student network services end on 31 Dec 2026 / ") ||
		!ky.CreatedAt.Equal(at(2026, 8, 31)) || ky.State != notice.Pending {
		t.Fatalf("kylam's notice: %+v", ky)
	}
	clk.Set(at(2026, 8, 31).Add(time.Hour))
	if err := s.MarkNoticeSent(ctx, pending[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkNoticeSent(ctx, pending[0].ID); err == nil {
		t.Fatal("a sent notice was sent again")
	}
	if err := s.MarkNoticeFailed(ctx, pending[1].ID, "421 try later", false); err != nil {
		t.Fatal(err)
	}
	if err := s.KeepNotice(ctx, pending[2].ID, "no mail server"); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Notices(ctx, "", 0)
	sent, _ := s.Notices(ctx, notice.Sent, 0)
	kept, _ := s.Notices(ctx, notice.Kept, 0)
	left, _ := s.Notices(ctx, notice.Pending, 0)
	if len(all) != 3 || len(sent) != 1 || !sent[0].SentAt.Equal(clk.Now()) || len(kept) != 1 || kept[0].Error != "no mail server" ||
		len(left) != 1 || left[0].Attempts != 1 || left[0].Error != "421 try later" {
		t.Fatalf("after delivery: all %d, sent %+v, kept %+v, left %+v", len(all), sent, kept, left)
	}
}

func confStations(t *testing.T, db database) {
	open := db(t)
	s := open(Options{Now: func() time.Time { return t0 }})
	tok, err := s.AddStation(ctx, "hall-1")
	if err != nil || len(tok) < 43 {
		t.Fatalf("add: %q, %v", tok, err)
	}
	other := open(Options{})
	if id, err := other.Authenticate(ctx, tok); err != nil || id != "hall-1" {
		t.Fatalf("authenticate at another instance: %q, %v", id, err)
	}
	if _, err := s.AddStation(ctx, "hall-1"); err == nil || !strings.Contains(err.Error(), "revoke it first") {
		t.Fatalf("second add: %v", err)
	}
	if _, err := s.AddStation(ctx, "a b"); err == nil {
		t.Fatal("bad id accepted")
	}
	if _, err := s.Authenticate(ctx, "nonsense"); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("unknown token: %v", err)
	}
	if err := s.RevokeStation(ctx, "hall-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Authenticate(ctx, tok); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("revoked token at another instance: %v", err)
	}
	if err := s.RevokeStation(ctx, "nowhere"); !errors.Is(err, ErrNoStation) {
		t.Fatalf("revoke unknown: %v", err)
	}
	tok2, err := s.AddStation(ctx, "hall-1")
	if err != nil || tok2 == tok {
		t.Fatalf("re-add: %v", err)
	}
	list, err := other.Stations(ctx)
	if err != nil || len(list) != 1 || list[0].ID != "hall-1" || list[0].RevokedAt != nil || !list[0].CreatedAt.Equal(t0) {
		t.Fatalf("stations: %+v, %v", list, err)
	}
}

// A station's latest heartbeat is kept, replacing the one before, and
// seen through another instance; a station that never sent one has none.
func confStationHealth(t *testing.T, db database) {
	open := db(t)
	now := t0
	s := open(Options{Now: func() time.Time { return now }})
	for _, id := range []string{"hall-1", "hall-2"} {
		if _, err := s.AddStation(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	first := wire.Health{Version: "v1.0.0", OutboxPending: 3, Cursor: 7}
	if err := s.RecordHealth(ctx, "hall-1", first); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(time.Minute)
	latest := wire.Health{Version: "v1.0.1", OutboxPending: 1, OutboxRejected: 2, OldestPending: 90,
		LastError: "central store unreachable", Maintenance: true, Cursor: 12, FreeDisk: 1 << 30}
	if err := s.RecordHealth(ctx, "hall-1", latest); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordHealth(ctx, "nowhere", latest); !errors.Is(err, ErrNoStation) {
		t.Fatalf("heartbeat of an unknown station: %v", err)
	}
	list, err := open(Options{}).Stations(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("stations: %+v, %v", list, err)
	}
	if h := list[0].Health; list[0].LastSeen == nil || !list[0].LastSeen.Equal(now) || h == nil || *h != latest {
		t.Fatalf("hall-1: seen %v, health %+v; want %v, %+v", list[0].LastSeen, h, now, latest)
	}
	if list[1].LastSeen != nil || list[1].Health != nil {
		t.Fatalf("hall-2 never sent a heartbeat: %+v", list[1])
	}
}

// Two instances on one store: one epoch, and a change through either is
// in both feeds.
func confTwoInstances(t *testing.T, db database) {
	open := db(t)
	a := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	b := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	if a.Epoch() != b.Epoch() {
		t.Fatal("two epochs")
	}
	a.Import(ctx, strings.NewReader(students(3)))
	name := ""
	for n := range feedOf(t, b) {
		name = n
	}
	if res, err := b.Apply(ctx, "S", []domain.Op{stationOp(name, domain.OpDirectory, domain.DirectoryPayload{}, t0)}); err != nil ||
		res[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("%+v, %v", res, err)
	}
	if fa, fb := feedOf(t, a), feedOf(t, b); fa[name].Seq != 4 || fb[name].DirectoryPublic || len(fa) != 3 {
		t.Fatalf("feeds: %+v", fa)
	}
}

// A postgraduate's full-name alias and an alumni alias are one namespace
// with the account names, across the university: two stations (each
// talking to its own accountd instance) that chose the same alias while
// offline are decided once, the second refused (its station tells the
// student: store TestAliasClashAtTheCentre). An
// undergraduate is refused a full-name alias; a display name is applied.
func confAliases(t *testing.T, db database) {
	open := db(t)
	a := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	b := open(Options{Keys: confKeys(t), Now: func() time.Time { return t0 }})
	if _, err := a.Import(ctx, strings.NewReader(header+
		"20261101,CHAN,Tai Man,A123456(3),1990-03-14,CS,PG,degree,2030-06-30\n"+
		"20261102,CHAN,Tai Man,Y654321(7),1991-11-02,EE,PG,degree,2030-06-30\n"+
		"20221103,CHAN,Tai Man,,1999-01-02,ME,UG,degree,2026-06-30\n"+
		"20261104,LEE,Siu Ming,,2007-05-06,CS,UG,degree,2030-06-30\n")); err != nil {
		t.Fatal(err)
	}
	name := map[string]string{}
	for n, snap := range feedOf(t, a) {
		name[snap.StudentID] = n
	}
	pg1, pg2, grad, ug := name["20261101"], name["20261102"], name["20221103"], name["20261104"]
	apply := func(s *Central, station, account string, kind domain.OpKind, p any) wire.OpResult {
		t.Helper()
		res, err := s.Apply(ctx, station, []domain.Op{stationOp(account, kind, p, t0)})
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	for _, n := range []string{pg1, pg2, ug} {
		if r := apply(a, "A", n, domain.OpActivate, domain.ActivatePayload{PasswordHash: testHashes()[0], ActivatedAt: t0}); r.Outcome != wire.OutcomeApplied {
			t.Fatalf("activating %s: %+v", n, r)
		}
	}
	if r := apply(a, "A", grad, domain.OpActivateAlumni, domain.ActivateAlumniPayload{PasswordHash: testHashes()[0], ActivatedAt: t0, Status: policy.StatusGrace}); r.Outcome != wire.OutcomeApplied {
		t.Fatalf("activating the graduate: %+v", r)
	}
	full := func(alias string) domain.AliasPayload { return domain.AliasPayload{Alias: alias, FullName: true} }
	// Station A (instance a) and station B (instance b) both chose
	// tai.man.chan offline; A's push arrives first.
	if r := apply(a, "A", pg1, domain.OpAlias, full("tai.man.chan")); r.Outcome != wire.OutcomeApplied {
		t.Fatalf("the first full-name alias: %+v", r)
	}
	if r := apply(b, "B", pg2, domain.OpAlias, full("tai.man.chan")); r.Outcome != wire.OutcomeRejected || !strings.Contains(r.Reason, "alias_taken") {
		t.Fatalf("the same alias from the other station: %+v", r)
	}
	// The same alias as an alumni alias, an account name as an alias, and a
	// full-name alias for an undergraduate are refused too.
	if r := apply(b, "C", grad, domain.OpAlias, domain.AliasPayload{Alias: "tai.man.chan"}); r.Outcome != wire.OutcomeRejected || !strings.Contains(r.Reason, "alias_taken") {
		t.Fatalf("the PG's alias as an alumni alias: %+v", r)
	}
	if r := apply(b, "B", pg2, domain.OpAlias, full(pg1)); r.Outcome != wire.OutcomeRejected {
		t.Fatalf("an account name as a full-name alias: %+v", r)
	}
	if r := apply(a, "A", ug, domain.OpAlias, full("siu.ming.lee")); r.Outcome != wire.OutcomeRejected || !strings.Contains(r.Reason, "not_eligible") {
		t.Fatalf("an undergraduate's full-name alias: %+v", r)
	}
	if r := apply(b, "B", pg2, domain.OpAlias, full("tai.man.chan2")); r.Outcome != wire.OutcomeApplied {
		t.Fatalf("the suggestion: %+v", r)
	}
	// Set once: another alias later is the desk's to change.
	if r := apply(a, "A", pg1, domain.OpAlias, full("t.m.chan")); r.Outcome != wire.OutcomeRejected || !strings.Contains(r.Reason, "alias_set") {
		t.Fatalf("a second alias: %+v", r)
	}
	if r := apply(b, "B", pg1, domain.OpDisplayName, domain.DisplayNamePayload{Name: "CHAN Tai Man 陳大文"}); r.Outcome != wire.OutcomeApplied {
		t.Fatalf("display name: %+v", r)
	}
	feed := feedOf(t, b)
	if s := feed[pg1]; s.Alias != "tai.man.chan" || !s.AliasFullName || s.DisplayName != "CHAN Tai Man 陳大文" {
		t.Fatalf("%s in the feed: alias %q (full name %v), display name %q", pg1, s.Alias, s.AliasFullName, s.DisplayName)
	}
	if s := feed[pg2]; s.Alias != "tai.man.chan2" || feed[grad].Alias != "" || feed[ug].Alias != "" {
		t.Fatalf("aliases in the feed: %q %q %q", s.Alias, feed[grad].Alias, feed[ug].Alias)
	}
}

// Issue 19: a verified personal e-mail is stored with its time and gets the
// notices (an unverified one does not); a station's code is queued as a
// notice that holds it until it is sent, then masked; a reset code goes only
// to the verified address; an e-mail code never stands in for 2FA.
func confEmailCodes(t *testing.T, db database) {
	clk := &clock{t: t0}
	s := db(t)(Options{Keys: confKeys(t), Now: clk.Now})
	s.Import(ctx, strings.NewReader(header+"20261001,CHAN,Tai Man,A123456(3),2006-03-14,CS,UG,degree,2030-06-30\n"))
	activate := chainOp(domain.OpActivate, domain.ActivatePayload{PasswordHash: testHashes()[0], ActivatedAt: t0}, "", domain.ProofHKID)
	unverified := chainOp(domain.OpPersonalEmail, domain.PersonalEmailPayload{Email: "old@example.org"}, activate.ID, domain.ProofHKID)
	if res, err := s.Apply(ctx, "A", []domain.Op{activate, unverified}); err != nil || res[1].Outcome != wire.OutcomeApplied {
		t.Fatalf("push: %+v, %v", res, err)
	}
	req := wire.CodeRequest{Account: "tmchan", Purpose: notice.CodeReset, To: "old@example.org", Code: "314159", Expires: t0.Add(10 * time.Minute)}
	var rej *domain.Rejection
	if err := s.SendCode(ctx, "A", req); !errors.As(err, &rej) || rej.Code != "no_verified_email" {
		t.Fatalf("a reset code to an unverified address: %v", err)
	}

	// Verifying: the code goes to the new address, held until sent.
	req = wire.CodeRequest{Account: "tmchan", Purpose: notice.CodeVerify, To: "tm@example.org", Code: "271828", Expires: t0.Add(10 * time.Minute)}
	if err := s.SendCode(ctx, "A", req); err != nil {
		t.Fatal(err)
	}
	pending, _ := s.Notices(ctx, notice.Pending, 0)
	n := pending[len(pending)-1]
	if n.Kind != notice.EmailCode || n.To != "tm@example.org" || !strings.Contains(n.Body, "271828") ||
		!strings.Contains(n.Body, "Express Station A") || !strings.Contains(n.Body, "驗證碼") {
		t.Fatalf("code notice %+v", n)
	}
	if err := s.MarkNoticeSent(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	sent, _ := s.Notices(ctx, notice.Sent, 0)
	if len(sent) != 1 || strings.Contains(sent[0].Body, "271828") || !strings.Contains(sent[0].Body, "••••••") {
		t.Fatalf("after sending, the body still holds the code: %+v", sent)
	}

	// An address saved as verified that the store sent no code to (or
	// sent one long before) is not believed.
	at := t0.Add(2 * time.Minute)
	for _, bad := range []struct {
		email string
		at    time.Time
	}{{"other@example.org", at}, {"tm@example.org", t0.Add(ResetCodeWindow + time.Minute)}} {
		op := chainOp(domain.OpPersonalEmail, domain.PersonalEmailPayload{Email: bad.email, VerifiedAt: &bad.at}, unverified.ID, domain.ProofHKID)
		op.CreatedAt = bad.at
		clk.Set(bad.at)
		if res, err := s.Apply(ctx, "A", []domain.Op{op}); err != nil || res[0].Outcome != wire.OutcomeRejected ||
			!strings.HasPrefix(res[0].Reason, "email_unverified") {
			t.Fatalf("%s verified at %s with no code behind it: %+v, %v", bad.email, bad.at, res, err)
		}
	}
	clk.Set(at)

	// The station saves the address as verified.
	verify := chainOp(domain.OpPersonalEmail, domain.PersonalEmailPayload{Email: "tm@example.org", VerifiedAt: &at}, unverified.ID, domain.ProofHKID)
	if res, err := s.Apply(ctx, "A", []domain.Op{verify}); err != nil || res[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("verified e-mail: %+v, %v", res, err)
	}
	snap := feedOf(t, s)["tmchan"]
	if snap.PersonalEmail != "tm@example.org" || snap.PersonalEmailVerifiedAt == nil || !snap.PersonalEmailVerifiedAt.Equal(at) {
		t.Fatalf("snapshot %+v", snap)
	}

	// A reset code to it; a newer code masks the older one at once.
	clk.Set(t0.Add(5 * time.Minute))
	req = wire.CodeRequest{Account: "tmchan", Purpose: notice.CodeReset, To: "tm@example.org", Code: "161803", Expires: clk.Now().Add(10 * time.Minute)}
	if err := s.SendCode(ctx, "B", req); err != nil {
		t.Fatal(err)
	}
	req.Code = "141421"
	if err := s.SendCode(ctx, "B", req); err != nil {
		t.Fatal(err)
	}
	all, _ := s.Notices(ctx, "", 0)
	var bodies []string
	for _, n := range all {
		bodies = append(bodies, n.Body)
	}
	joined := strings.Join(bodies, "\n")
	if strings.Contains(joined, "161803") || !strings.Contains(joined, "141421") {
		t.Fatalf("the replaced code is still in clear, or the new one is not held")
	}
	for _, bad := range []wire.CodeRequest{
		{Account: "tmchan", Purpose: notice.CodeReset, To: "someone@else.org", Code: "123456", Expires: req.Expires},
		{Account: "tmchan", Purpose: notice.CodeVerify, To: "tm@example.org", Code: "12345", Expires: req.Expires},
		{Account: "tmchan", Purpose: notice.CodeVerify, To: "tmchan@connect.example.edu", Code: "123456", Expires: req.Expires},
	} {
		if err := s.SendCode(ctx, "B", bad); !errors.As(err, &rej) {
			t.Errorf("%+v: %v, want a refusal", bad, err)
		}
	}
	if err := s.SendCode(ctx, "B", wire.CodeRequest{Account: "nobody", Purpose: notice.CodeVerify, To: "x@example.org",
		Code: "123456", Expires: req.Expires}); !errors.Is(err, ErrNoAccount) {
		t.Errorf("unknown account: %v", err)
	}

	// A password reset with the e-mail code: refused long after the code
	// went (the store sent none recently) ...
	late := chainOp(domain.OpSetPassword, domain.SetPasswordPayload{PasswordHash: testHashes()[1], ChangedAt: clk.Now()}, "", domain.ProofEmailCode)
	late.CreatedAt = clk.Now().Add(ResetCodeWindow + time.Minute)
	clk.Set(late.CreatedAt)
	if res, err := s.Apply(ctx, "B", []domain.Op{late}); err != nil || res[0].Outcome != wire.OutcomeRejected ||
		!strings.HasPrefix(res[0].Reason, "email_code") {
		t.Fatalf("reset with a stale e-mail code: %+v, %v", res, err)
	}
	// ... applied without 2FA shortly after the code went ...
	clk.Set(late.CreatedAt.Add(time.Minute))
	req.Code, req.Expires = "173205", clk.Now().Add(10*time.Minute)
	if err := s.SendCode(ctx, "B", req); err != nil {
		t.Fatal(err)
	}
	reset := chainOp(domain.OpSetPassword, domain.SetPasswordPayload{PasswordHash: testHashes()[1], ChangedAt: clk.Now()}, "", domain.ProofEmailCode)
	reset.CreatedAt = clk.Now().Add(3 * time.Minute)
	clk.Set(reset.CreatedAt)
	if res, err := s.Apply(ctx, "B", []domain.Op{reset}); err != nil || res[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("reset with an e-mail code: %+v, %v", res, err)
	}
	// ... but never in place of 2FA.
	enrol := chainOp(domain.OpEnrolTOTP, domain.EnrolTOTPPayload{Sealed: []byte("sealed"), Step: 100}, "", domain.ProofPassword)
	if res, err := s.Apply(ctx, "B", []domain.Op{enrol}); err != nil || res[0].Outcome != wire.OutcomeApplied {
		t.Fatalf("enrol: %+v, %v", res, err)
	}
	again := chainOp(domain.OpSetPassword, domain.SetPasswordPayload{PasswordHash: testHashes()[0], ChangedAt: clk.Now()}, "", domain.ProofEmailCode)
	again.CreatedAt = clk.Now()
	res, err := s.Apply(ctx, "B", []domain.Op{again})
	if err != nil || res[0].Outcome != wire.OutcomeRejected || !strings.HasPrefix(res[0].Reason, "2fa_required") {
		t.Fatalf("an e-mail code for an account with 2FA: %+v, %v", res, err)
	}
}
