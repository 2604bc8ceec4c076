package syncer_test

import (
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/totp"
)

// resetWithPass is the lost-phone visit at a station: identity check,
// the desk's pass, a new password, a new 2FA key. It returns the key.
func resetWithPass(t *testing.T, d *deployment, st *station, pass, pw string) (string, error) {
	t.Helper()
	acct, err := st.r.VerifyIdentity(ctx, tmchanHKID)
	if err != nil {
		return "", err
	}
	p, err := st.r.UsePass(ctx, acct.Proof, pass)
	if err != nil {
		return "", err
	}
	if acct, err = st.r.SetPassword(ctx, p, pw); err != nil {
		t.Fatalf("%s: new password: %v", st.id, err)
	}
	e, err := st.r.BeginTOTP(ctx, acct.Proof)
	if err != nil {
		t.Fatal(err)
	}
	d.clock.Advance(totp.Period * time.Second)
	c, _ := totp.Code(e.Secret, totp.Step(d.clock.Now()))
	if _, err := st.r.ConfirmTOTP(ctx, e, c); err != nil {
		t.Fatalf("%s: new 2FA: %v", st.id, err)
	}
	return e.Secret, nil
}

// centralAudits counts the central audit rows of an action on tmchan, or
// (query given) what another query counts.
func centralAudits(t *testing.T, d *deployment, action string, query ...string) int {
	t.Helper()
	db, err := sql.Open("sqlite", d.dbPath+"?_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	q := `SELECT count(*) FROM audit WHERE account = 'tmchan' AND action = ?`
	if len(query) > 0 {
		q = query[0]
	}
	if err := db.QueryRow(q, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Issue 15 acceptance: the desk issues a pass (accountd's store), a synced
// station takes it for a new password and 2FA key; a second use is refused
// there and at another station after one sync round; an expired pass and a
// revoked one are refused; five wrong passes lock the account everywhere;
// the student is told; the central store audits issue and revoke and records the use (ops).
func TestAccessPassAcrossStations(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(cast)
	a, b := d.station("A"), d.station("B")
	a.sync()
	old := d.activate(a, pw1, true)
	a.sync()
	b.sync()

	pass, _, err := d.central.IssuePass(ctx, "tmchan", "HKID card seen, phone lost", "amy", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a.sync()
	b.sync()
	secret, err := resetWithPass(t, d, a, pass, pw2)
	if err != nil {
		t.Fatalf("A: %v", err)
	}
	if _, err := resetWithPass(t, d, a, pass, pw3); !errors.Is(err, store.ErrPassNone) {
		t.Fatalf("second use at A: %v", err)
	}
	a.sync()
	b.sync()
	if _, err := resetWithPass(t, d, b, pass, pw3); !errors.Is(err, store.ErrPassNone) {
		t.Fatalf("second use at B after a sync round: %v", err)
	}
	// The new password and key sign in at B; the old key no longer does.
	d.clock.Advance(totp.Period * time.Second)
	if err := signIn(b, pw2, &visit{t: t, d: d, secret: secret}); err != nil {
		t.Fatalf("B: new password and key: %v", err)
	}
	d.clock.Advance(totp.Period * time.Second)
	if err := signIn(b, pw2, old); !errors.Is(err, store.ErrTOTPWrong) {
		t.Fatalf("B: the lost key: %v", err)
	}
	if snap := d.snapshot("tmchan"); snap.PassHash != "" || len(snap.PasswordHistory) != 2 {
		t.Fatalf("central: %+v", snap)
	}
	var told bool
	ns, _ := a.r.NoticesFor(ctx, "tmchan", 20)
	for _, n := range ns {
		told = told || n.Kind == notice.TOTPReset && strings.Contains(n.Body, "station A") || n.Kind == notice.TOTPReset && strings.Contains(n.Body, "Station A")
	}
	if !told {
		t.Fatalf("A's notices: %+v", ns)
	}

	// Expired.
	if pass, _, err = d.central.IssuePass(ctx, "tmchan", "HKID card seen", "amy", time.Hour); err != nil {
		t.Fatal(err)
	}
	b.sync()
	d.clock.Advance(time.Hour)
	if _, err := resetWithPass(t, d, b, pass, pw3); !errors.Is(err, store.ErrPassExpired) {
		t.Fatalf("expired at B: %v", err)
	}
	// Revoked.
	if pass, _, err = d.central.IssuePass(ctx, "tmchan", "HKID card seen", "amy", time.Hour); err != nil {
		t.Fatal(err)
	}
	b.sync()
	if err := d.central.RevokePass(ctx, "tmchan", "bo"); err != nil {
		t.Fatal(err)
	}
	b.sync()
	if _, err := resetWithPass(t, d, b, pass, pw3); !errors.Is(err, store.ErrPassNone) {
		t.Fatalf("revoked at B: %v", err)
	}
	// Five wrong passes at A lock the account at B too.
	if pass, _, err = d.central.IssuePass(ctx, "tmchan", "HKID card seen", "amy", time.Hour); err != nil {
		t.Fatal(err)
	}
	a.sync()
	b.sync()
	wrong := "ACDEF-GHJKM"
	if strings.EqualFold(wrong, pass) {
		wrong = "MKJHG-FEDCA"
	}
	var locked *store.LockedError
	for i := range 5 {
		_, err := resetWithPass(t, d, a, wrong, pw3)
		if i < 4 && !errors.Is(err, store.ErrPassWrong) || i == 4 && !errors.As(err, &locked) {
			t.Fatalf("wrong pass %d: %v", i+1, err)
		}
	}
	a.sync()
	b.sync()
	if _, err := resetWithPass(t, d, b, pass, pw3); !errors.As(err, &locked) {
		t.Fatalf("B after A's lock: %v", err)
	}

	if ops := d.centralOps(); ops["rejected"] != 0 {
		t.Fatalf("central ops: %v", ops)
	}
	if i, r, u := centralAudits(t, d, "pass_issue"), centralAudits(t, d, "pass_revoke"), centralAudits(t, d, "use_pass",
		`SELECT count(*) FROM ops WHERE kind = ? AND station = 'A' AND outcome = 'applied'`); i != 4 || r != 1 || u != 1 {
		t.Fatalf("central audit: %d issued, %d revoked, %d used", i, r, u)
	}
}
