package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/mail"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/syncer"
	"github.com/expressstation/kiosk/store/wire"
)

// at is 09:00 UTC on a day.
func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

// fakeClock is accountd's injected time: the test sets it, and fires the
// waits serve's jobs ask for, told apart by length (deliverEvery or the
// daily wait).
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	daily   chan wait
	deliver chan wait
}

type wait struct {
	d    time.Duration
	fire chan time.Time
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, daily: make(chan wait, 4), deliver: make(chan wait, 4)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	w := wait{d: d, fire: make(chan time.Time, 1)}
	if d == deliverEvery {
		c.deliver <- w
	} else {
		c.daily <- w
	}
	return w.fire
}

// next is the next wait a job asks for: the job before it has finished.
func next(t *testing.T, ch chan wait) wait {
	t.Helper()
	select {
	case w := <-ch:
		return w
	case <-time.After(10 * time.Second): // bounded wait for the job's goroutine
		t.Fatal("a job did not finish")
		return wait{}
	}
}

// outAt runs accountd on the fake clock.
func outAt(t *testing.T, clk clock, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runWith(context.Background(), clk, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var testKeys = sync.OnceValue(func() secret.Keys {
	k, err := secret.NewKeys(bytes.Repeat([]byte{0x11}, 32), bytes.Repeat([]byte{0x22}, 32))
	if err != nil {
		panic(err)
	}
	return k
})

const classCSV = "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n" +
	"20221001,LAM,Ka Yan,,2004-01-01,Physics,UG,degree,2026-08-31\n" +
	"20221002,YIP,Hoi Ying,,2004-01-02,Chemistry,PG,non-degree,2026-08-31\n" +
	"20221005,KWONG,Emily,,2004-01-05,Physics,UG,degree,2026-08-31\n" +
	"20221006,TSANG,Wai Kit,,2000-01-06,Physics,PG,degree,2026-08-31\n"

var passwordHash = sync.OnceValue(func() string {
	h, err := secret.HashPassword("Harbour lights 42 tonight")
	if err != nil {
		panic(err)
	}
	return h
})

// classOf2026 is a central store with the class imported at the clock's
// time (1 Jun 2026) and everyone but ekwong activated then, as a station
// would push it: their passwords are due a reminder from 1 Dec 2026.
func classOf2026(t *testing.T, clk clock) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "central.db")
	keys := testKeys()
	st, err := central.Open(db, central.Options{Keys: &keys, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Import(context.Background(), strings.NewReader(classCSV)); err != nil {
		t.Fatal(err)
	}
	var ops []domain.Op
	for _, name := range []string{"kylam", "hyyip", "wktsang"} {
		b, _ := json.Marshal(domain.ActivatePayload{PasswordHash: passwordHash(), ActivatedAt: clk.Now()})
		var id [16]byte
		rand.Read(id[:])
		ops = append(ops, domain.Op{ID: hex.EncodeToString(id[:]), CreatedAt: clk.Now(), Kind: domain.OpActivate, Account: name, Payload: b})
	}
	if res, err := st.Apply(context.Background(), "hall-1", ops); err != nil || res[2].Outcome != wire.OutcomeApplied {
		t.Fatalf("activate: %+v, %v", res, err)
	}
	return db
}

// listNotices is `accountd notices --json` with extra flags.
func listNotices(t *testing.T, db string, flags ...string) []notice.Notice {
	t.Helper()
	code, stdout, stderr := out(t, append([]string{"notices", "--db", db, "--json"}, flags...)...)
	if code != 0 {
		t.Fatalf("notices: %d %s", code, stderr)
	}
	var list []notice.Notice
	if err := json.Unmarshal([]byte(stdout), &list); err != nil {
		t.Fatalf("notices --json: %v: %s", err, stdout)
	}
	return list
}

func TestLifecycleRunCommand(t *testing.T) {
	clk := newFakeClock(at(2026, 6, 1))
	db := classOf2026(t, clk)
	code, stdout, stderr := outAt(t, clk, "lifecycle", "run", "--db", db, "--now", "2026-08-31",
		"--email-domain", "connect.ust.example", "--service-desk", "the Service Desk in Room 1001")
	if code != 0 {
		t.Fatalf("run: %d %s", code, stderr)
	}
	want := "lifecycle at 2026-08-31T00:00:00Z: 4 accounts moved, 3 notices queued, 0 password reminders\n" +
		"  active -> grace      3\n" +
		"  registered -> grace  1\n"
	if stdout != want {
		t.Errorf("summary:\n%s\nwant:\n%s", stdout, want)
	}
	ns := listNotices(t, db, "--state", "pending")
	if len(ns) != 3 || ns[0].To != "hyyip@connect.ust.example" || !strings.Contains(ns[0].Body, "Room 1001") ||
		!ns[0].CreatedAt.Equal(time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("pending notices %+v", ns)
	}
	// Again at the same time: nothing to do.
	if code, stdout, _ := outAt(t, clk, "lifecycle", "run", "--db", db, "--now", "2026-08-31T00:00:00Z"); code != 0 ||
		!strings.Contains(stdout, ": 0 accounts moved, 0 notices queued") {
		t.Errorf("again: %d %q", code, stdout)
	}
	// Without --now it runs at the clock's time: grace has ended.
	clk.Set(at(2027, 1, 2))
	if code, stdout, _ := outAt(t, clk, "lifecycle", "run", "--db", db); code != 0 ||
		!strings.Contains(stdout, "4 accounts moved, 3 notices queued, 2 password reminders\n"+
			"  grace -> alumni      3\n  grace -> terminated  1\n") {
		t.Errorf("at the clock's time: %d %q", code, stdout)
	}
	for _, args := range [][]string{{"lifecycle"}, {"lifecycle", "walk"}, {"lifecycle", "run", "--db", db, "--now", "tomorrow"},
		{"lifecycle", "run", "--db", db, "extra"}} {
		if code, _, stderr := outAt(t, clk, args...); code != 2 || stderr == "" {
			t.Errorf("%q: %d %q", args, code, stderr)
		}
	}
}

func TestExtendCommand(t *testing.T) {
	clk := newFakeClock(at(2026, 6, 1))
	db := classOf2026(t, clk)
	outAt(t, clk, "lifecycle", "run", "--db", db, "--now", "2026-09-01")
	clk.Set(at(2026, 11, 2))
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"wktsang", "--reason", "thesis"}, 2, "--until as a date"},
		{[]string{"wktsang", "--until", "31/03/2027", "--reason", "thesis"}, 2, "--until as a date"},
		{[]string{"wktsang", "--until", "2027-03-31"}, 2, "give the reason"},
		{[]string{"--until", "2027-03-31", "--reason", "thesis"}, 2, "expected 1 argument"},
		{[]string{"nobody", "--until", "2027-03-31", "--reason", "thesis"}, 1, "no such account"},
		{[]string{"wktsang", "--until", "2026-12-15", "--reason", "thesis"}, 1, "after the grace period, which ends on 31 Dec 2026"},
	} {
		code, _, stderr := outAt(t, clk, append([]string{"extend", "--db", db}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.says) {
			t.Errorf("%q: %d %q, want %d saying %q", tc.args, code, stderr, tc.code, tc.says)
		}
	}
	code, stdout, stderr := outAt(t, clk, "extend", "--db", db, "wktsang", "--until", "2027-03-31", "--reason", "thesis corrections")
	if code != 0 || stdout != "wktsang: student services now end on 31 Mar 2027; stations receive it at their next sync\n" {
		t.Fatalf("extend: %d %q %q", code, stdout, stderr)
	}
	if n := listNotices(t, db, "--limit", "1")[0]; n.Kind != notice.Extended || n.Account != "wktsang" {
		t.Errorf("newest notice %+v", n)
	}
	// Services that ended are final.
	clk.Set(at(2027, 1, 5))
	outAt(t, clk, "lifecycle", "run", "--db", db)
	if code, _, stderr := outAt(t, clk, "extend", "--db", db, "hyyip", "--until", "2027-06-30", "--reason", "appeal"); code != 1 ||
		!strings.Contains(stderr, "cannot reopen") {
		t.Errorf("terminated: %d %q", code, stderr)
	}
}

func TestNoticesCommand(t *testing.T) {
	clk := newFakeClock(at(2026, 6, 1))
	db := classOf2026(t, clk)
	if code, stdout, _ := out(t, "notices", "--db", db); code != 0 || strings.Count(stdout, "\n") != 1 {
		t.Errorf("no notices yet: %d %q", code, stdout)
	}
	if list := listNotices(t, db); len(list) != 0 {
		t.Errorf("json of none: %+v", list)
	}
	outAt(t, clk, "lifecycle", "run", "--db", db, "--now", "2026-08-31")
	code, stdout, _ := out(t, "notices", "--db", db, "--state", "pending")
	if code != 0 || !regexp.MustCompile(`(?m)^\d+\s+2026-08-3\S+ \S+\s+pending\s+grace_starts\s+kylam\s+kylam@connect.example.edu\s+Your student network services end on 31 Dec 2026`).MatchString(stdout) {
		t.Errorf("table: %d\n%s", code, stdout)
	}
	if list := listNotices(t, db, "--state", "kept"); len(list) != 0 {
		t.Errorf("kept: %+v", list)
	}
	if code, _, stderr := out(t, "notices", "--db", db, "--state", "lost"); code != 2 || !strings.Contains(stderr, "pending, sent or kept") {
		t.Errorf("bad state: %d %q", code, stderr)
	}
}

func TestSMTPFlags(t *testing.T) {
	for _, tc := range []struct {
		addr, from string
		tls        bool
		user, pw   string
		ok         bool
	}{
		{"", "", false, "", "", true},
		{"smtp.example.edu:587", "noreply@example.edu", true, "u", "p", true},
		{"smtp.example.edu:587", "", false, "", "", false},
		{"", "noreply@example.edu", false, "", "", false},
		{"smtp.example.edu:587", "noreply@example.edu", false, "u", "", false},
	} {
		t.Setenv("ACCOUNTD_SMTP_USERNAME", tc.user)
		t.Setenv("ACCOUNTD_SMTP_PASSWORD", tc.pw)
		s, err := smtpSender(tc.addr, tc.from, tc.tls)
		if (err == nil) != tc.ok || (tc.ok && (s == nil) != (tc.addr == "")) {
			t.Errorf("%+v: %v, %v", tc, s, err)
		}
	}
}

func TestUntilNextRun(t *testing.T) {
	for now, want := range map[time.Time]time.Duration{
		at(2026, 8, 31): 15*time.Hour + 5*time.Minute,
		time.Date(2026, 8, 31, 0, 4, 0, 0, time.UTC):    time.Minute,
		time.Date(2026, 8, 31, 0, 5, 0, 0, time.UTC):    24 * time.Hour,
		time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC): 6 * time.Minute,
	} {
		if got := untilNextRun(now); got != want {
			t.Errorf("untilNextRun(%s) = %s, want %s", now, got, want)
		}
	}
}

// serve runs the lifecycle job at start and daily after, and sends the
// notices by SMTP: here a fake server on loopback.
func TestServeRunsLifecycleDaily(t *testing.T) {
	clk := newFakeClock(at(2026, 6, 1))
	db := classOf2026(t, clk)
	smtpd := startSMTP(t)
	clk.Set(at(2026, 8, 31))
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int)
	go func() {
		done <- runWith(ctx, clk, []string{"serve", "--db", db, "--listen", "127.0.0.1:0",
			"--smtp", smtpd.addr, "--mail-from", "noreply@example.edu"}, &bytes.Buffer{}, &stderr)
	}()

	// At start: the class enters grace; the next run is just after midnight.
	if w := next(t, clk.daily); w.d != 15*time.Hour+5*time.Minute {
		t.Fatalf("first daily wait %s", w.d)
	} else {
		clk.Set(at(2026, 12, 31))
		w.fire <- clk.Now()
	}
	next(t, clk.daily) // the second run is done
	deliver := next(t, clk.deliver)
	deliver.fire <- clk.Now()
	next(t, clk.deliver)
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, stderr.String())
	}

	logged := stderr.String()
	for _, line := range []string{`msg="lifecycle job" at=2026-08-31T09:00:00Z moved=4 notices=3 reminders=0`,
		`msg="lifecycle job" at=2026-12-31T09:00:00Z moved=4 notices=3 reminders=2`} {
		if !strings.Contains(logged, line) {
			t.Errorf("log lacks %s:\n%s", line, logged)
		}
	}
	// Whenever the first delivery ran, every notice has gone by now.
	if pending := listNotices(t, db, "--state", "pending"); len(pending) != 0 {
		t.Errorf("still pending: %+v", pending)
	}
	sent := listNotices(t, db, "--state", "sent")
	got := smtpd.messages()
	if len(sent) != 8 || len(got) != 8 || !strings.Contains(strings.Join(got, "\n"), "To: kylam@connect.example.edu") {
		t.Errorf("sent %d, server got %d: %q", len(sent), len(got), got)
	}
}

// smtpServer is a fake SMTP server that accepts every message.
type smtpServer struct {
	addr string
	mu   sync.Mutex
	msgs []string
}

func (s *smtpServer) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs...)
}

func startSMTP(t *testing.T) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &smtpServer{addr: ln.Addr().String()}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.session(conn)
		}
	}()
	return s
}

func (s *smtpServer) session(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { conn.Write([]byte(line + "\r\n")) }
	say("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 fake")
		case cmd == "DATA":
			say("354 go on")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			s.mu.Lock()
			s.msgs = append(s.msgs, msg.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// Lifecycle changes made centrally reach a station through sync: a move by
// `accountd lifecycle run` and an extension by `accountd extend` are pulled
// into the station's replica, which then shows the new status and dates.
func TestCentralLifecycleReachesStation(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(at(2026, 6, 1))
	dir := t.TempDir()
	db, csv := filepath.Join(dir, "central.db"), filepath.Join(dir, "registry.csv")
	if err := os.WriteFile(csv, []byte(classCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KIOSK_IDENTITY_KEY", strings.Repeat("11", 32))
	t.Setenv("KIOSK_SEAL_KEY", strings.Repeat("22", 32))
	if code, _, stderr := outAt(t, clk, "import", "--db", db, csv); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}

	// accountd's API on loopback, and a station syncing with it.
	st, err := central.Open(db, central.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(httpapi.New(st, httpapi.Options{}))
	defer srv.Close()
	token, err := st.AddStation(ctx, "hall-1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(filepath.Join(dir, "hall-1.db"), store.Options{Keys: testKeys(), StationID: "hall-1", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sy, err := syncer.New(r, syncer.Options{Upstream: srv.URL, Token: token, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	pull := func() {
		t.Helper()
		if err := sy.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pull()
	for _, name := range []string{"kylam", "hyyip"} {
		if _, err := r.Activate(ctx, store.Unverified(name), "Harbour lights 42 tonight"); err != nil {
			t.Fatal(err)
		}
	}
	pull() // the activations go up

	// stored is the replica's own status, which only sync changes here.
	stored := func(name string) policy.Status {
		t.Helper()
		s, err := r.Snapshot(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return s.Status
	}
	if code, _, stderr := outAt(t, clk, "lifecycle", "run", "--db", db, "--now", "2026-08-31"); code != 0 {
		t.Fatalf("lifecycle run: %d %s", code, stderr)
	}
	pull()
	for name, want := range map[string]policy.Status{"kylam": policy.StatusGrace, "hyyip": policy.StatusGrace,
		"ekwong": policy.StatusGrace, "wktsang": policy.StatusGrace} {
		if got := stored(name); got != want {
			t.Errorf("after the completion run, %s at the station: %s, want %s", name, got, want)
		}
	}

	clk.Set(at(2026, 11, 2))
	if code, _, stderr := outAt(t, clk, "extend", "--db", db, "kylam", "--until", "2027-03-31", "--reason", "thesis corrections"); code != 0 {
		t.Fatalf("extend: %d %s", code, stderr)
	}
	pull()
	a, err := r.Account(ctx, "kylam")
	if err != nil || a.ExtendedUntil.Format(time.DateOnly) != "2027-03-31" || policy.FormatDate(a.ServicesEnd) != "31 Mar 2027" {
		t.Fatalf("the extension at the station: %+v, %v", a, err)
	}

	outAt(t, clk, "lifecycle", "run", "--db", db, "--now", "2026-12-31")
	pull()
	for name, want := range map[string]policy.Status{"kylam": policy.StatusGrace, "hyyip": policy.StatusTerminated,
		"ekwong": policy.StatusAlumni, "wktsang": policy.StatusAlumni} {
		if got := stored(name); got != want {
			t.Errorf("after grace, %s at the station: %s, want %s", name, got, want)
		}
	}
	clk.Set(at(2027, 1, 4))
	if _, err := r.VerifyPassword(ctx, "hyyip", "Harbour lights 42 tonight"); !errors.Is(err, store.ErrTerminated) {
		t.Errorf("hyyip signs in at the station: %v", err)
	}
	if a, _ := r.Account(ctx, "kylam"); a.Status != policy.StatusGrace {
		t.Errorf("kylam at the station: %s", a.Status)
	}

	outAt(t, clk, "lifecycle", "run", "--db", db, "--now", "2027-03-31")
	pull()
	if got := stored("kylam"); got != policy.StatusAlumni {
		t.Errorf("after the extension, kylam at the station: %s", got)
	}
	// The station queued its own activation notices; the central store the
	// lifecycle ones and kylam's password reminder (set 1 Jun, reminded on
	// 31 Dec), and no security notice twice.
	kinds := map[notice.Kind]int{}
	for _, n := range listNotices(t, db) {
		kinds[n.Kind]++
	}
	if kinds[notice.GraceStarts] != 2 || kinds[notice.Extended] != 1 || kinds[notice.Expired] != 2 ||
		kinds[notice.PasswordAge] != 1 || len(kinds) != 4 {
		t.Errorf("central notices %v", kinds)
	}
}

// One delivery round drains more than a batch: the notices of a completion
// day do not wait a minute per batch.
func TestDeliverDrains(t *testing.T) {
	ctx := context.Background()
	clk := newFakeClock(at(2026, 6, 1))
	keys := testKeys()
	st, err := central.Open(filepath.Join(t.TempDir(), "central.db"), central.Options{Keys: &keys, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const n = mail.Batch + 20
	var csv strings.Builder
	csv.WriteString("student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n")
	for i := range n {
		fmt.Fprintf(&csv, "2023%04d,LAM,Ka Yan,,2004-01-01,Physics,UG,degree,2026-08-31\n", i)
	}
	if _, err := st.Import(ctx, strings.NewReader(csv.String())); err != nil {
		t.Fatal(err)
	}
	var ops []domain.Op
	for i := range n {
		b, _ := json.Marshal(domain.ActivatePayload{PasswordHash: passwordHash(), ActivatedAt: clk.Now()})
		ops = append(ops, domain.Op{ID: fmt.Sprintf("op-%d", i), CreatedAt: clk.Now(), Kind: domain.OpActivate,
			Account: policy.AccountName("kylam", i+1), Payload: b})
	}
	if _, err := st.Apply(ctx, "hall-1", ops); err != nil {
		t.Fatal(err)
	}
	if rep, err := st.RunLifecycle(ctx, at(2026, 8, 31)); err != nil || rep.Notices != n {
		t.Fatalf("lifecycle: %+v, %v", rep, err)
	}
	var sender countingSender
	deliver(ctx, st, &sender, slog.New(slog.DiscardHandler))
	if sender.n != n {
		t.Errorf("one round sent %d of %d", sender.n, n)
	}
}

type countingSender struct{ n int }

func (c *countingSender) Send(context.Context, mail.Message) error { c.n++; return nil }

// --notice-languages names catalog languages; anything else stops accountd
// with the language named.
func TestNoticeLanguagesFlag(t *testing.T) {
	var out, errb strings.Builder
	db := filepath.Join(t.TempDir(), "central.db")
	code := run(context.Background(), []string{"lifecycle", "run", "--db", db, "--notice-languages", "en,fr"}, &out, &errb)
	if code == 0 || !strings.Contains(errb.String(), `"fr"`) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
