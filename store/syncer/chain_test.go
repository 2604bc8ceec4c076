package syncer_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/syncer"
	"github.com/expressstation/kiosk/store/totp"
)

// A station's ops for one account are decided as a chain (issue 18): an op
// that follows a refused one is refused with it, kept for staff, and the
// station's replica rolls back to the store's state.

const pw3 = "Kowloon ferry 58 evening"

var tmchanHKID = store.Identity{StudentID: "20261001", HKID: "A1234563"}

// visit is one student's activation at a station, as the kiosk makes it:
// each write takes the proof the previous step returned.
type visit struct {
	t      testing.TB
	st     *station
	d      *deployment
	acct   store.Account
	secret string // the 2FA key enrolled in this visit
}

func (d *deployment) activate(st *station, pw string, public bool) *visit {
	d.t.Helper()
	v := &visit{t: d.t, st: st, d: d}
	acct, err := st.r.VerifyIdentity(ctx, tmchanHKID)
	if err != nil {
		d.t.Fatalf("%s: identity: %v", st.id, err)
	}
	if acct, err = st.r.Activate(ctx, acct.Proof, pw); err != nil {
		d.t.Fatalf("%s: activate: %v", st.id, err)
	}
	e, err := st.r.BeginTOTP(ctx, acct.Proof)
	if err != nil {
		d.t.Fatal(err)
	}
	v.secret = e.Secret
	if acct, err = st.r.ConfirmTOTP(ctx, e, v.code(0)); err != nil {
		d.t.Fatalf("%s: enrol: %v", st.id, err)
	}
	if acct, err = st.r.SetDirectoryPublic(ctx, acct.Proof, public); err != nil {
		d.t.Fatal(err)
	}
	v.acct = acct
	return v
}

// code is the visit's key's code at the clock's time plus steps.
func (v *visit) code(steps int) string {
	v.t.Helper()
	c, err := totp.Code(v.secret, totp.Step(v.d.clock.Now())+int64(steps))
	if err != nil {
		v.t.Fatal(err)
	}
	return c
}

// signIn checks an account's password and a fresh 2FA code from key at a
// station, as Change Network Password does.
func signIn(st *station, pw string, key *visit) error {
	acct, err := st.r.VerifyPassword(ctx, "tmchan", pw)
	if err != nil {
		return err
	}
	_, err = st.r.VerifyTOTP(ctx, acct.Proof, key.code(0))
	return err
}

func refusedNotices(t testing.TB, st *station) []notice.Notice {
	t.Helper()
	ns, err := st.r.NoticesFor(ctx, "tmchan", 20)
	if err != nil {
		t.Fatal(err)
	}
	var out []notice.Notice
	for _, n := range ns {
		if n.Kind == notice.ChangeRefused {
			out = append(out, n)
		}
	}
	return out
}

// Two stations offline activate the same account, A first, B ninety
// seconds later (B unticks "Open to Public"). When the link returns, B's
// activation is refused as activated elsewhere and B's 2FA enrolment and
// directory choice with it: A's password and A's key sign in at both
// stations, B's do not, and B keeps its three refused ops for staff and
// queues one notice. B pushes one op at a time, so its replica meets the
// refusal of its activation while the ops that follow are still pending.
func TestDoubleOfflineActivation(t *testing.T) {
	for _, batch := range []int{500, 1} {
		t.Run(map[int]string{500: "one push", 1: "an op a push"}[batch], func(t *testing.T) {
			d := newDeployment(t)
			d.importCSV(cast)
			a, b := d.station("A"), d.station("B", func(o *syncer.Options) { o.PushBatch = batch })
			a.sync()
			b.sync()

			d.gate.down.Store(true)
			va := d.activate(a, pw1, true)
			d.clock.Advance(90 * time.Second)
			vb := d.activate(b, pw2, false)

			d.gate.down.Store(false)
			a.sync()
			for range 3 {
				b.s.SyncOnce(ctx)
			}
			a.sync()
			rep, err := b.r.StationReport(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OutboxRejected != 3 || rep.OutboxPending != 0 || len(rep.Rejected) != 3 {
				t.Fatalf("B's report: %+v", rep)
			}
			for _, r := range rep.Rejected { // newest first
				want := map[domain.OpKind]string{
					domain.OpActivate:  "activated_elsewhere: the account had already been activated at station A",
					domain.OpEnrolTOTP: "chain: refused because the change it depends on (activate, op ",
					domain.OpDirectory: "chain: refused because the change it depends on (activate, op ",
				}[r.Kind]
				if want == "" || !strings.HasPrefix(r.Reason, want) || (r.Kind != domain.OpActivate && !strings.HasSuffix(r.Reason, "activated_elsewhere")) {
					t.Errorf("B's refused %s: %q", r.Kind, r.Reason)
				}
			}
			d.clock.Advance(totp.Period * time.Second)

			for _, st := range []*station{a, b} {
				if err := signIn(st, pw1, va); err != nil {
					t.Fatalf("%s: A's password and key: %v", st.id, err)
				}
				if _, err := st.r.VerifyPassword(ctx, "tmchan", pw2); !errors.Is(err, store.ErrWrongPassword) {
					t.Fatalf("%s: B's password: %v", st.id, err)
				}
				acct, err := st.r.Account(ctx, "tmchan")
				if err != nil || !acct.DirectoryPublic {
					t.Fatalf("%s: account %+v, %v: A's directory choice must stand", st.id, acct, err)
				}
			}
			d.clock.Advance(totp.Period * time.Second)
			if err := signIn(a, pw1, vb); !errors.Is(err, store.ErrTOTPWrong) {
				t.Fatalf("B's key at A: %v", err)
			}
			if snap := d.snapshot("tmchan"); len(snap.PasswordHistory) != 1 || !snap.DirectoryPublic {
				t.Fatalf("central: history %d, public %v", len(snap.PasswordHistory), snap.DirectoryPublic)
			}

			if n := refusedNotices(t, b); len(n) != 1 || !strings.Contains(n[0].Body, "activated your account") ||
				!strings.Contains(n[0].Body, "station A") || n[0].To != "tmchan@"+n[0].To[strings.IndexByte(n[0].To, '@')+1:] {
				t.Fatalf("B's notices: %+v", n)
			}
			if ops := d.centralOps(); ops["applied"] != 3 || ops["rejected"] != 3 {
				t.Fatalf("central ops = %v", ops)
			}
			_ = vb
		})
	}
}

// Station B, offline, accepts a 2FA code already used at A and changes the
// password (issue 11 point 3). The central store refuses B's code as a
// replay and B's new password with it; the password A knows still signs
// in everywhere, and the student is told once.
func TestReplayedCodePasswordChangeRefused(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a, b := d.station("A"), d.station("B")
	a.sync()
	va := d.activate(a, pw1, true)
	a.sync()
	b.sync()

	d.clock.Advance(totp.Period * time.Second)
	used := va.code(0)
	acct, err := a.r.VerifyPassword(ctx, "tmchan", pw1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.r.VerifyTOTP(ctx, acct.Proof, used); err != nil {
		t.Fatal(err)
	}
	a.sync()

	d.gate.down.Store(true) // B has not heard of the code A accepted
	acct, err = b.r.VerifyIdentity(ctx, tmchanHKID)
	if err != nil {
		t.Fatal(err)
	}
	proof, err := b.r.VerifyTOTP(ctx, acct.Proof, used)
	if err != nil {
		t.Fatalf("B offline accepts the code: %v", err)
	}
	if _, err := b.r.SetPassword(ctx, proof, pw3); err != nil {
		t.Fatal(err)
	}
	d.gate.down.Store(false)
	b.sync()
	a.sync()

	for _, st := range []*station{a, b} {
		if _, err := st.r.VerifyPassword(ctx, "tmchan", pw3); !errors.Is(err, store.ErrWrongPassword) {
			t.Fatalf("%s: the password set with a replayed code: %v", st.id, err)
		}
		if _, err := st.r.VerifyPassword(ctx, "tmchan", pw1); err != nil {
			t.Fatalf("%s: the password in use: %v", st.id, err)
		}
	}
	rej, err := b.r.RejectedOps(ctx, 10)
	if err != nil || len(rej) != 2 || rej[0].Kind != domain.OpSetPassword || rej[1].Kind != domain.OpTOTPStep ||
		!strings.HasPrefix(rej[1].Reason, "totp_replay:") ||
		!strings.HasPrefix(rej[0].Reason, "chain: refused because the change it depends on (totp_step, op "+rej[1].ID+") was refused: totp_replay") {
		t.Fatalf("B's refused ops: %+v, %v", rej, err)
	}
	if n := refusedNotices(t, b); len(n) != 1 || !strings.Contains(n[0].Body, "set a new password") ||
		!strings.Contains(n[0].Body, "2FA code had already been used") {
		t.Fatalf("B's notices: %+v", n)
	}
	if ops := d.centralOps(); ops["rejected"] != 2 {
		t.Fatalf("central ops = %v", ops)
	}
}

// A chain that the store had partly applied when accountd stopped (the
// station's push was applied, its reply lost) is decided the same after a
// restart and the station's retry: the ops received before are answered as
// duplicates of what they were, the rest follow them.
func TestPartlyAppliedChainDecidedTheSameAfterRetry(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a, b := d.station("A"), d.station("B")
	a.sync()
	b.sync()
	d.gate.down.Store(true)
	d.activate(a, pw1, true)
	d.clock.Advance(90 * time.Second)
	d.activate(b, pw2, false)

	// The first two ops of each station reach the store; then it stops.
	for _, st := range []*station{a, b} {
		ops, err := st.r.PendingOps(ctx, 10)
		if err != nil || len(ops) != 3 {
			t.Fatalf("%s pending: %d, %v", st.id, len(ops), err)
		}
		if _, err := d.central.Apply(ctx, st.id, ops[:2]); err != nil {
			t.Fatal(err)
		}
	}
	d.central.Close()
	d.central = d.openCentral(d.dbPath)
	d.gate.swap(httpapi.New(d.central, httpapi.Options{}))
	d.gate.down.Store(false)
	a.sync()
	b.sync()
	a.sync()

	if st := a.status(); st.OutboxRejected != 0 || st.OutboxPending != 0 {
		t.Fatalf("A: %+v", st)
	}
	rej, err := b.r.RejectedOps(ctx, 10)
	if err != nil || len(rej) != 3 {
		t.Fatalf("B's refused ops: %+v, %v", rej, err)
	}
	if rej[0].Kind != domain.OpDirectory || !strings.HasSuffix(rej[0].Reason, "was refused: activated_elsewhere") {
		t.Fatalf("B's directory choice after the restart: %+v", rej[0])
	}
	if ops := d.centralOps(); ops["applied"] != 3 || ops["rejected"] != 3 {
		t.Fatalf("central ops = %v", ops)
	}
	if snap := d.snapshot("tmchan"); !snap.DirectoryPublic {
		t.Fatal("B's directory choice was applied")
	}
}
