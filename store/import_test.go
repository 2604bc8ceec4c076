package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

func TestImportAssignsClashNames(t *testing.T) {
	r, _ := openReplica(t, newClock())
	// "Tai Man" and "Tai Ming" both give tmchan; a third, "Ting Mei", too.
	tingMei := student{ID: "20261010", Surname: "CHAN", Given: "Ting Mei", DOB: "2006-12-25",
		Dept: "Chemistry", Level: "UG", Category: "degree"}
	rep := importCSV(t, r, registryCSV(taiMan, taiMing, tingMei, siuLing))
	if rep.Added != 4 || rep.Updated != 0 || rep.Unchanged != 0 || len(rep.Errors) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	for id, want := range map[string]string{taiMan.ID: "tmchan", taiMing.ID: "tmchan2", tingMei.ID: "tmchan3", siuLing.ID: "slwong"} {
		var name string
		if err := store.ReadDB(r).QueryRow(`SELECT name FROM accounts WHERE student_id = ?`, id).Scan(&name); err != nil {
			t.Fatal(err)
		}
		if name != want {
			t.Fatalf("student %s: name %q, want %q", id, name, want)
		}
		a, err := r.Account(context.Background(), name)
		if err != nil {
			t.Fatal(err)
		}
		if a.Email != want+"@connect.example.edu" || a.Status != policy.StatusRegistered || !a.DirectoryPublic {
			t.Errorf("student %s: account %+v", id, a)
		}
	}
}

func TestReimport(t *testing.T) {
	ctx := context.Background()
	r, _ := openReplica(t, newClock())
	importCSV(t, r, registryCSV(taiMan, taiMing, siuLing))
	audits := countRows(t, r, "SELECT count(*) FROM audit")

	t.Run("identical data writes nothing", func(t *testing.T) {
		rep := importCSV(t, r, registryCSV(taiMan, taiMing, siuLing))
		if rep.Added != 0 || rep.Updated != 0 || rep.Unchanged != 3 {
			t.Fatalf("report = %+v", rep)
		}
		if got := countRows(t, r, "SELECT count(*) FROM audit"); got != audits {
			t.Errorf("audit rows %d -> %d: an unchanged import must not write", audits, got)
		}
	})

	t.Run("changed particulars update, name kept", func(t *testing.T) {
		// Tai Man's surname changes; the name stays tmchan and a new student
		// takes the lowest free clash number, not a freed one.
		renamed := taiMan
		renamed.Surname, renamed.Dept, renamed.HKID = "CHEN", "Mathematics", ""
		newcomer := student{ID: "20261020", Surname: "CHAN", Given: "Tim Mo", DOB: "2006-01-01",
			Dept: "Physics", Level: "UG", Category: "degree"}
		rep := importCSV(t, r, registryCSV(renamed, taiMing, siuLing, newcomer))
		if rep.Added != 1 || rep.Updated != 1 || rep.Unchanged != 2 {
			t.Fatalf("report = %+v", rep)
		}
		a, err := r.Account(ctx, "tmchan")
		if err != nil {
			t.Fatal(err)
		}
		if a.Surname != "CHEN" || a.Department != "Mathematics" || a.StudentID != taiMan.ID {
			t.Errorf("updated account = %+v", a)
		}
		if n, _ := r.Account(ctx, "tmchan3"); n.StudentID != newcomer.ID {
			t.Errorf("newcomer got %+v, want tmchan3", n)
		}
		var detail string
		if err := store.ReadDB(r).QueryRow(`SELECT detail FROM audit WHERE account = 'tmchan' AND action = 'import_update'`).
			Scan(&detail); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(detail, "surname, department, hkid") || strings.Contains(detail, "A123456") {
			t.Errorf("update audit detail = %q", detail)
		}
		// The HKID is gone from the record: it no longer verifies.
		if _, err := r.VerifyIdentity(ctx, store.Identity{StudentID: taiMan.ID, HKID: "A1234563"}); err == nil {
			t.Error("a removed HKID still verifies")
		}
		if _, err := r.VerifyIdentity(ctx, store.Identity{StudentID: taiMan.ID, DateOfBirth: taiMan.DOB}); err != nil {
			t.Error(err)
		}
	})

	if n := countRows(t, r, "SELECT count(*) FROM outbox"); n != 1 {
		// one failure op from the removed-HKID attempt above; imports add none
		t.Errorf("outbox rows = %d, want 1 (imports write no outbox rows)", n)
	}
}

func TestImportReportsBadRowsAndGoesOn(t *testing.T) {
	r, _ := openReplica(t, newClock())
	bad := taiMing
	bad.HKID = "Y654321(8)" // wrong check digit
	csv := registryCSV(taiMan, bad, siuLing)
	rep := importCSV(t, r, csv)
	if rep.Added != 2 || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 {
		t.Fatalf("report = %+v", rep)
	}
	if !strings.Contains(rep.Errors[0].Reason, "hkid") {
		t.Errorf("reason %q does not name the column", rep.Errors[0].Reason)
	}
}

func TestImportBadHeaderIsAnError(t *testing.T) {
	r, _ := openReplica(t, newClock())
	_, err := r.ImportRegistry(context.Background(), strings.NewReader("id,name\n1,x\n"))
	if err == nil || !strings.Contains(err.Error(), "student_id") {
		t.Fatalf("err = %v, want a header error naming the columns", err)
	}
}

func TestImportAuditsPerBatch(t *testing.T) {
	r, _ := openReplica(t, newClock())
	n := store.ImportBatch + 10
	rep := importCSV(t, r, generatedCSV(n))
	if rep.Added != n {
		t.Fatalf("report = %+v", rep)
	}
	if got := countRows(t, r, "SELECT count(*) FROM audit WHERE action = 'import' AND account IS NULL"); got != 2 {
		t.Errorf("import audit rows = %d, want 2 (one per batch)", got)
	}
	if got := countRows(t, r, "SELECT count(*) FROM outbox"); got != 0 {
		t.Errorf("outbox rows = %d, want 0", got)
	}
	st, err := r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.Accounts != n {
		t.Errorf("status accounts = %d, want %d", st.Accounts, n)
	}
}

func countRows(t testing.TB, r *store.Replica, query string) int {
	t.Helper()
	var n int
	if err := store.ReadDB(r).QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// identityOf is the HKID (or date of birth) identity of one of the cast.
func identityOf(t testing.TB, studentID string) store.Identity {
	t.Helper()
	for _, s := range []student{taiMan, taiMing, siuLing, wingKei} {
		if s.ID != studentID {
			continue
		}
		if s.HKID == "" {
			return store.Identity{StudentID: s.ID, DateOfBirth: s.DOB}
		}
		h, err := policy.ParseHKID(s.HKID)
		if err != nil {
			t.Fatal(err)
		}
		return store.Identity{StudentID: s.ID, HKID: h.String()}
	}
	return store.Identity{StudentID: studentID, DateOfBirth: "2006-01-01"}
}
