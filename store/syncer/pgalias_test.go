package syncer_test

import (
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/notice"
)

// Two postgraduates named CHAN Tai Man choose the full-name alias
// tai.man.chan at two stations while both are offline (issue 19). The
// central store decides once: A's push arrives first and keeps it; B's is
// refused, B keeps the refused op for staff and queues one notice, and
// both replicas then agree on who holds it. B's student takes the
// suggestion tai.man.chan2 and sets a display name; syncing again changes
// nothing more.
func TestFullNameAliasClashAtTheCentre(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(csvHeader +
		"20261101,CHAN,Tai Man,,1990-03-14,Computer Science,PG,degree,2030-06-30\n" +
		"20261102,CHAN,Tai Man,,1991-11-02,Physics,PG,degree,2030-06-30\n")
	a, b := d.station("A"), d.station("B")
	a.sync()
	b.sync()

	d.gate.down.Store(true)
	choose := func(st *station, name, alias string) store.Account {
		t.Helper()
		acct, err := st.r.Activate(ctx, store.Unverified(name), pw1)
		if err != nil {
			t.Fatalf("%s: activate %s: %v", st.id, name, err)
		}
		if acct, err = st.r.SetAlias(ctx, acct.Proof, alias); err != nil {
			t.Fatalf("%s: alias for %s: %v", st.id, name, err)
		}
		if !acct.AliasFullName || acct.AliasEmail != alias+"@connect.example.edu" {
			t.Fatalf("%s: %s's alias %q at %q (full name %v)", st.id, name, acct.Alias, acct.AliasEmail, acct.AliasFullName)
		}
		return acct
	}
	choose(a, "tmchan", "tai.man.chan")
	choose(b, "tmchan2", "tai.man.chan")

	d.gate.down.Store(false)
	a.sync()
	b.sync()
	a.sync()
	rep, err := b.r.StationReport(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OutboxRejected != 1 || len(rep.Rejected) != 1 || !strings.Contains(rep.Rejected[0].Reason, "alias_taken") {
		t.Fatalf("B's report: %+v", rep)
	}
	ns, err := b.r.NoticesFor(ctx, "tmchan2", 20)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, n := range ns {
		if n.Kind == notice.ChangeRefused && strings.Contains(n.Body, "tai.man.chan") {
			refused++
		}
	}
	if refused != 1 {
		t.Fatalf("B's notices to tmchan2: %+v", ns)
	}
	for _, st := range []*station{a, b} {
		one, _ := st.r.Account(ctx, "tmchan")
		two, _ := st.r.Account(ctx, "tmchan2")
		if one.Alias != "tai.man.chan" || !one.AliasFullName || two.Alias != "" {
			t.Fatalf("%s: tmchan %q, tmchan2 %q", st.id, one.Alias, two.Alias)
		}
	}

	// The suggestion, and a display name, travel; the next rounds change nothing.
	_, offers, err := b.r.AliasAvailable(ctx, "tmchan2", "tai.man.chan")
	if err != nil || len(offers) == 0 || offers[0] != "tai.man.chan2" {
		t.Fatalf("offers %q, %v", offers, err)
	}
	acct, err := b.r.SetAlias(ctx, store.Unverified("tmchan2"), offers[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.r.SetDisplayName(ctx, acct.Proof, "CHAN Tai Man 陳大文"); err != nil {
		t.Fatal(err)
	}
	b.sync()
	a.sync()
	before := d.centralOps()
	for range 2 {
		a.sync()
		b.sync()
	}
	if after := d.centralOps(); after["applied"] != before["applied"] || after["rejected"] != before["rejected"] {
		t.Fatalf("ops %v, then %v", before, after)
	}
	for _, st := range []*station{a, b} {
		two, _ := st.r.Account(ctx, "tmchan2")
		if two.Alias != "tai.man.chan2" || two.AliasEmail != "tai.man.chan2@connect.example.edu" || two.DisplayName != "CHAN Tai Man 陳大文" {
			t.Fatalf("%s: tmchan2 %+v", st.id, two)
		}
	}
	if s := d.snapshot("tmchan2"); s.Alias != "tai.man.chan2" || !s.AliasFullName || s.DisplayName != "CHAN Tai Man 陳大文" {
		t.Fatalf("central: %+v", s)
	}
}
