package syncer_test

import (
	"context"
	"crypto/x509"
	"database/sql"
	"errors"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/syncer"
	"github.com/expressstation/kiosk/store/totp"
)

var ctx = context.Background()

const (
	pw1 = "Harbour lights 42 tonight"
	pw2 = "Lantau sunrise 73 morning"
)

// A registry import reaches both stations; an activation and then a new
// password set at A work at B, through the sync loops (a local write is
// pushed at once, B's long-poll brings it).
func TestImportActivationAndPasswordReachOtherStation(t *testing.T) {
	d := newDeployment(t)
	if rep := d.importCSV(cast); rep.Added != 3 {
		t.Fatalf("import: %+v", rep)
	}
	a, b := d.station("A"), d.station("B")
	a.run()
	b.run()
	for _, st := range []*station{a, b} {
		eventually(t, st.id+" bootstrap", func() bool { return st.status().Accounts == 3 })
		acct, err := st.r.VerifyIdentity(ctx, store.Identity{StudentID: "20261002", HKID: "Y6543217"})
		if err != nil || acct.Name != "tmchan2" {
			t.Fatalf("%s: identity after bootstrap: %+v, %v", st.id, acct, err)
		}
	}

	if _, err := a.r.Activate(ctx, store.Unverified("tmchan"), pw1); err != nil {
		t.Fatal(err)
	}
	eventually(t, "activation at B", func() bool {
		acct, err := b.r.Account(ctx, "tmchan")
		return err == nil && acct.Status == policy.StatusActive
	})
	if _, err := b.r.VerifyPassword(ctx, "tmchan", pw1); err != nil {
		t.Fatalf("A's password at B: %v", err)
	}

	if _, err := a.r.SetPassword(ctx, store.Unverified("tmchan"), pw2); err != nil {
		t.Fatal(err)
	}
	eventually(t, "new password at B", func() bool {
		_, err := b.r.VerifyPassword(ctx, "tmchan", pw2)
		return err == nil
	})
	// The old one is history at B too: refused, and refused for reuse.
	if _, err := b.r.VerifyPassword(ctx, "tmchan", pw1); !errors.Is(err, store.ErrWrongPassword) {
		t.Fatalf("old password at B: %v", err)
	}
	var pe *store.PolicyError
	if _, err := b.r.SetPassword(ctx, store.Unverified("tmchan"), pw1); !errors.As(err, &pe) || pe.Violations[0].Rule != policy.RuleReuse {
		t.Fatalf("reuse at B: %v", err)
	}
	if ops := d.centralOps(); ops["applied"] < 2 || ops["rejected"] != 0 {
		t.Fatalf("central ops = %v", ops)
	}
	if l := a.s.Link(); l.Mode != syncer.Online {
		t.Fatalf("A's link = %+v", l)
	}
}

// With the store unreachable a station keeps serving and queues its ops;
// when the store is back every op is applied exactly once.
func TestUpstreamDownOpsQueueThenApplyOnce(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a, b := d.station("A"), d.station("B")
	a.sync()
	b.sync()

	d.gate.down.Store(true)
	d.clock.Advance(time.Minute)
	if err := a.s.SyncOnce(ctx); err == nil {
		t.Fatal("sync with the store down succeeded")
	}
	if l := a.s.Link(); l.Mode != syncer.Offline || !l.Since.Equal(d.clock.Now()) || l.Err == "" {
		t.Fatalf("link while down = %+v", l)
	}
	if _, err := a.r.Activate(ctx, store.Unverified("tmchan"), pw1); err != nil {
		t.Fatalf("activation while offline: %v", err)
	}
	for _, public := range []bool{false, true, false} {
		if _, err := a.r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), public); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.r.VerifyIdentity(ctx, store.Identity{StudentID: "20261002", HKID: "A1234563"}); !errors.Is(err, store.ErrIdentityMismatch) {
		t.Fatalf("mismatch: %v", err)
	}
	st := a.status()
	if st.OutboxPending != 5 || st.LastSyncError == "" {
		t.Fatalf("status while down = %+v", st)
	}
	a.s.SyncOnce(ctx) // still down: nothing may be lost or doubled by a failed try

	d.gate.down.Store(false)
	a.sync()
	b.sync()
	if st := a.status(); st.OutboxPending != 0 || st.OutboxRejected != 0 || st.LastSyncError != "" {
		t.Fatalf("status after the store came back = %+v", st)
	}
	if ops := d.centralOps(); ops["applied"] != 5 || ops["rejected"] != 0 {
		t.Fatalf("central ops = %v, want 5 applied once", ops)
	}
	acct, err := b.r.VerifyPassword(ctx, "tmchan", pw1)
	if err != nil || acct.DirectoryPublic {
		t.Fatalf("at B: %+v, %v", acct, err)
	}
	if l := a.s.Link(); l.Mode != syncer.Online {
		t.Fatalf("link after = %+v", l)
	}
}

// The store applied a push but the reply was lost: the retry is answered
// as duplicates and nothing is applied twice.
func TestLostReplyRetryIsDuplicate(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a := d.station("A")
	a.sync()
	if _, err := a.r.Activate(ctx, store.Unverified("tmchan"), pw1); err != nil {
		t.Fatal(err)
	}
	if _, err := a.r.SetDirectoryPublic(ctx, store.Unverified("tmchan"), false); err != nil {
		t.Fatal(err)
	}
	before := d.snapshot("tmchan").Seq
	d.gate.dropPush.Store(1)
	if err := a.s.SyncOnce(ctx); err == nil {
		t.Fatal("a lost reply went unnoticed")
	}
	if a.status().OutboxPending != 2 {
		t.Fatal("ops left the outbox without an answer")
	}
	applied := d.snapshot("tmchan")
	a.sync()
	if ops := d.centralOps(); ops["applied"] != 2 || len(ops) != 1 {
		t.Fatalf("central ops = %v, want each applied once", ops)
	}
	again := d.snapshot("tmchan")
	if applied.Seq <= before || again.Seq != applied.Seq || len(again.PasswordHistory) != 1 {
		t.Fatalf("seq %d -> %d -> %d, history %d: the retry changed the account", before, applied.Seq, again.Seq, len(again.PasswordHistory))
	}
	if st := a.status(); st.OutboxPending != 0 || st.OutboxRejected != 0 {
		t.Fatalf("status = %+v", st)
	}
	if _, err := a.r.VerifyPassword(ctx, "tmchan", pw1); err != nil {
		t.Fatal(err)
	}
}

// Five failures spread over two stations lock the account at both.
func TestLockoutAcrossStations(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a, b := d.station("A"), d.station("B")
	a.sync()
	b.sync()
	wrong := store.Identity{StudentID: "20261001", HKID: "Y6543217"}
	right := store.Identity{StudentID: "20261001", HKID: "A1234563"}
	for i, st := range []*station{a, a, a, b, b} {
		if _, err := st.r.VerifyIdentity(ctx, wrong); !errors.Is(err, store.ErrIdentityMismatch) {
			t.Fatalf("failure %d at %s: %v", i+1, st.id, err)
		}
		d.clock.Advance(time.Second)
	}
	for _, st := range []*station{a, b} { // neither reached five on its own
		if _, err := st.r.VerifyIdentity(ctx, right); err != nil {
			t.Fatalf("%s before sync: %v", st.id, err)
		}
	}
	a.sync()
	b.sync()
	a.sync()
	for _, st := range []*station{a, b} {
		var le *store.LockedError
		if _, err := st.r.VerifyIdentity(ctx, right); !errors.As(err, &le) {
			t.Fatalf("%s after sync: %v, want locked", st.id, err)
		}
	}
	d.clock.Advance(domain.LockoutFor)
	if _, err := b.r.VerifyIdentity(ctx, right); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
}

// A 2FA code accepted at one station is refused at another once synced.
// Accepted by a station that had not heard yet, it is rejected centrally,
// and the station keeps the rejection, with its reason, for staff.
func TestTOTPStepTravels(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a, b := d.station("A"), d.station("B")
	a.sync()
	if _, err := a.r.Activate(ctx, store.Unverified("tmchan"), pw1); err != nil {
		t.Fatal(err)
	}
	e, err := a.r.BeginTOTP(ctx, store.Unverified("tmchan"))
	if err != nil {
		t.Fatal(err)
	}
	code := func() string {
		c, err := totp.Code(e.Secret, totp.Step(d.clock.Now()))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := a.r.ConfirmTOTP(ctx, e, code()); err != nil {
		t.Fatal(err)
	}
	a.sync()
	b.sync()

	d.clock.Advance(totp.Period * time.Second)
	used := code()
	if _, err := a.r.VerifyTOTP(ctx, store.Unverified("tmchan"), used); err != nil {
		t.Fatal(err)
	}
	a.sync()
	b.sync()
	if _, err := b.r.VerifyTOTP(ctx, store.Unverified("tmchan"), used); !errors.Is(err, store.ErrTOTPReplay) {
		t.Fatalf("a code used at A, at B: %v", err)
	}

	d.clock.Advance(totp.Period * time.Second)
	used = code()
	if _, err := a.r.VerifyTOTP(ctx, store.Unverified("tmchan"), used); err != nil {
		t.Fatal(err)
	}
	a.sync()
	if _, err := b.r.VerifyTOTP(ctx, store.Unverified("tmchan"), used); err != nil { // B has not heard
		t.Fatalf("at B before sync: %v", err)
	}
	b.sync()
	st := b.status()
	rej, _ := b.r.RejectedOps(ctx, 10)
	if st.OutboxRejected != 1 || st.OutboxPending != 0 || len(rej) != 1 || rej[0].Kind != domain.OpTOTPStep ||
		!strings.Contains(rej[0].Reason, "totp_replay") {
		t.Fatalf("status %+v, rejected %+v", st, rej)
	}
	if ops := d.centralOps(); ops["rejected"] != 1 {
		t.Fatalf("central ops = %v", ops)
	}
}

// A change the store refuses after the fact is kept at the station with its
// reason, and the replica converges: the student is then told the account
// was terminated instead of meeting a password that silently stopped working.
func TestRefusedWhenTerminatedMeanwhile(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a := d.station("A")
	a.sync()
	if _, err := a.r.Activate(ctx, store.Unverified("slwong"), pw1); err != nil {
		t.Fatal(err)
	}
	a.sync()
	// The registry moves her completion back: her non-degree studies ended
	// more than four months ago. A has not heard yet.
	if rep := d.importCSV(csvHeader + strings.Replace(rowSiuLing, "2030-06-30", "2026-01-31", 1)); rep.Updated != 1 {
		t.Fatalf("re-import: %+v", rep)
	}
	before := d.snapshot("slwong").PasswordHash
	if _, err := a.r.SetPassword(ctx, store.Unverified("slwong"), pw2); err != nil {
		t.Fatalf("offline change at A: %v", err)
	}
	a.sync()
	rej, _ := a.r.RejectedOps(ctx, 10)
	if len(rej) != 1 || rej[0].Kind != domain.OpSetPassword || !strings.Contains(rej[0].Reason, "terminated") {
		t.Fatalf("rejected ops = %+v", rej)
	}
	if d.snapshot("slwong").PasswordHash != before {
		t.Fatal("the refused password reached the central store")
	}
	if _, err := a.r.VerifyPassword(ctx, "slwong", pw1); !errors.Is(err, store.ErrTerminated) {
		t.Fatalf("at A afterwards: %v, want terminated", err)
	}
	notices, _ := a.r.NoticesFor(ctx, "slwong", 10)
	var told bool
	for _, n := range notices {
		told = told || (n.Kind == notice.ChangeRefused && strings.Contains(n.Body, "terminated") &&
			strings.Contains(n.Body, "previous password is still the one in use"))
	}
	if !told {
		t.Fatalf("the student was not told: %+v", notices)
	}
}

// A store that lost its history (restored, or made anew) has another
// epoch: the station walks the whole feed again, keeps serving meanwhile,
// and ends with exactly the store's accounts, even where a student id moved
// to another account name.
func TestFullResyncOnNewEpoch(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a := d.station("A")
	a.sync()

	otherPath := t.TempDir() + "/other.db"
	other := d.openCentral(otherPath)
	if _, err := other.Import(ctx, strings.NewReader(csvHeader+rowTaiMing+rowTaiMan+
		"20261004,LEE,Ka Yan,Z246813(2),2004-01-02,Economics,PG,degree,2030-06-30\n")); err != nil {
		t.Fatal(err)
	}
	copyToken(t, d.dbPath, otherPath)
	d.gate.swap(httpapi.New(other, httpapi.Options{}))
	a.sync()
	got := map[string]string{}
	db, _ := sql.Open("sqlite", a.path+"?_pragma=query_only(1)")
	defer db.Close()
	rows, _ := db.Query(`SELECT name, student_id FROM accounts`)
	for rows.Next() {
		var n, id string
		rows.Scan(&n, &id)
		got[n] = id
	}
	rows.Close()
	want := map[string]string{"tmchan": "20261002", "tmchan2": "20261001", "kylee": "20261004"}
	if len(got) != len(want) {
		t.Fatalf("accounts after resync = %v, want %v", got, want)
	}
	for n, id := range want {
		if got[n] != id {
			t.Fatalf("accounts after resync = %v, want %v", got, want)
		}
	}
	st, _ := a.r.SyncState(ctx)
	if st.Epoch != other.Epoch() || st.Resyncing || st.Cursor != 3 {
		t.Fatalf("sync state = %+v", st)
	}
}

// copyToken gives station A the same token in another store.
func copyToken(t *testing.T, from, to string) {
	t.Helper()
	src, _ := sql.Open("sqlite", from)
	defer src.Close()
	var hash string
	if err := src.QueryRow(`SELECT token_hash FROM stations WHERE id = 'A'`).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	dst, _ := sql.Open("sqlite", to+"?_pragma=busy_timeout(5000)")
	defer dst.Close()
	if _, err := dst.Exec(`INSERT INTO stations (id, token_hash, created_at) VALUES ('A', ?, '2026-09-01T09:00:00.000Z')`, hash); err != nil {
		t.Fatal(err)
	}
}

// Over TLS a station syncs as over plain HTTP, given a client that trusts
// the store's certificate, or the store's CA as its roots ([sync] ca_file);
// one that does not stays offline.
func TestSyncOverTLS(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	srv := httptest.NewTLSServer(d.gate)
	defer srv.Close()
	token := d.token("T")
	st := d.openStation("T", t.TempDir()+"/t.db", token, func(o *syncer.Options) {
		o.Upstream, o.HTTPClient = srv.URL, srv.Client()
	})
	st.sync()
	if n := st.status().Accounts; n != 3 {
		t.Fatalf("accounts over TLS = %d", n)
	}
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	withCA := d.openStation("T", t.TempDir()+"/c.db", token, func(o *syncer.Options) {
		o.Upstream, o.RootCAs = srv.URL, roots
	})
	withCA.sync()
	if n := withCA.status().Accounts; n != 3 {
		t.Fatalf("accounts over TLS with the CA as roots = %d", n)
	}
	untrusting := d.openStation("T", t.TempDir()+"/u.db", token, func(o *syncer.Options) { o.Upstream = srv.URL })
	if err := untrusting.s.SyncOnce(ctx); err == nil || untrusting.s.Link().Mode != syncer.Offline {
		t.Fatalf("a client that does not trust the certificate: %v, %+v", err, untrusting.s.Link())
	}
}

// A wrong token is refused, and the station says so.
func TestSyncWithWrongToken(t *testing.T) {
	d := newDeployment(t)
	st := d.openStation("W", t.TempDir()+"/w.db", "not-a-token")
	err := st.s.SyncOnce(ctx)
	if !errors.Is(err, syncer.ErrUnauthorized) || !strings.Contains(st.s.Link().Err, "token") {
		t.Fatalf("wrong token: %v, link %+v", err, st.s.Link())
	}
	if st.status().LastSyncError == "" {
		t.Fatal("the failure is not in the station's status")
	}
}

// A station starts "connecting" (not "offline since" its start), and the
// screens hear of every round's end, failed ones too, so the footer and the
// staff panel follow the link without polling it.
func TestLinkStartsConnectingAndEveryRoundIsAnnounced(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	var rounds atomic.Int32
	a := d.station("A", func(o *syncer.Options) { o.AfterRound = func() { rounds.Add(1) } })
	if l := a.s.Link(); l.Mode != syncer.Connecting || l.Err != "" {
		t.Fatalf("link before the first round = %+v", l)
	}
	a.sync()
	if l := a.s.Link(); l.Mode != syncer.Online || rounds.Load() != 1 {
		t.Fatalf("after a round: link %+v, %d rounds announced", l, rounds.Load())
	}
	d.gate.down.Store(true)
	if err := a.s.SyncOnce(ctx); err == nil {
		t.Fatal("sync with the store down succeeded")
	}
	if l := a.s.Link(); l.Mode != syncer.Offline || rounds.Load() != 2 {
		t.Fatalf("after a failed round: link %+v, %d rounds announced, want 2", l, rounds.Load())
	}
}
