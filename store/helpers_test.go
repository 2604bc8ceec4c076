package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/registry"
	"github.com/expressstation/kiosk/store/registry/registrytest"
	"github.com/expressstation/kiosk/store/secret"
)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testKeys are fixed, distinct keys: hashes are repeatable across runs.
func testKeys(t testing.TB) secret.Keys {
	t.Helper()
	k, err := secret.NewKeys(bytes.Repeat([]byte{0x11}, 32), bytes.Repeat([]byte{0x22}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testOptions(t testing.TB, clock *testClock) store.Options {
	return store.Options{
		Keys:        testKeys(t),
		StationID:   "test-station",
		Now:         clock.Now,
		EmailDomain: "connect.example.edu",
		Issuer:      "Test",
		Rand:        rand.NewChaCha8([32]byte{1}),
	}
}

// openReplica opens a fresh replica in a temp dir and closes it at cleanup.
func openReplica(t testing.TB, clock *testClock) (*store.Replica, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "replica.db")
	r, err := store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, path
}

const header = "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date,passport_no\n"

// student is one registry row for tests.
type student struct {
	ID, Surname, Given, HKID, DOB, Dept, Level, Category, Completion, Passport string
}

func (s student) csv() string {
	return strings.Join([]string{s.ID, s.Surname, s.Given, s.HKID, s.DOB, s.Dept, s.Level, s.Category,
		s.Completion, s.Passport}, ",") + "\n"
}

func registryCSV(ss ...student) string {
	var b strings.Builder
	b.WriteString(header)
	for _, s := range ss {
		b.WriteString(s.csv())
	}
	return b.String()
}

// The cast. HKIDs carry valid check digits.
var (
	taiMan = student{ID: "20261001", Surname: "CHAN", Given: "Tai Man", HKID: "A123456(3)", DOB: "2006-03-14",
		Dept: "Computer Science", Level: "UG", Category: "degree", Completion: "2030-06-30"}
	taiMing = student{ID: "20261002", Surname: "CHAN", Given: "Tai Ming", HKID: "Y654321(7)", DOB: "2005-11-02",
		Dept: "Physics", Level: "UG", Category: "degree", Completion: "2030-06-30"}
	siuLing = student{ID: "20261003", Surname: "WONG", Given: "Siu Ling", DOB: "2007-07-21",
		Dept: "Mathematics", Level: "UG", Category: "degree", Completion: "2030-06-30", Passport: "K1234567"}
	// wingKei finished a non-degree programme long ago and never activated.
	wingKei = student{ID: "20201005", Surname: "HO", Given: "Wing Kei", HKID: "M135790(0)", DOB: "2000-05-30",
		Dept: "Chemistry", Level: "PG", Category: "non-degree", Completion: "2023-08-31"}
)

func importCSV(t testing.TB, r *store.Replica, csv string) registry.ImportReport {
	t.Helper()
	rep, err := r.ImportRegistry(context.Background(), strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// hkid gives a valid HKID (normalised form) for a one-letter prefix and six digits.
func hkid(prefix byte, digits int) string { return registrytest.HKID(prefix, digits) }

// counts of rows about one account.
type accountRows struct{ audit, outbox, failures int }

func rowsFor(t testing.TB, r *store.Replica, account string) accountRows {
	t.Helper()
	db := store.ReadDB(r)
	var c accountRows
	q := func(query string, dst *int) {
		if err := db.QueryRow(query, account).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT count(*) FROM audit WHERE account = ?`, &c.audit)
	q(`SELECT count(*) FROM outbox WHERE account = ?`, &c.outbox)
	q(`SELECT count(*) FROM failures JOIN accounts ON accounts.id = failures.account_id WHERE accounts.name = ?`, &c.failures)
	return c
}

// lastOp is the newest outbox row for an account.
func lastOp(t testing.TB, r *store.Replica, account string) (kind, payload string) {
	t.Helper()
	err := store.ReadDB(r).QueryRow(`SELECT kind, payload FROM outbox WHERE account = ? ORDER BY seq DESC LIMIT 1`,
		account).Scan(&kind, &payload)
	if err != nil {
		t.Fatal(err)
	}
	return kind, payload
}

// execOn changes the file behind the store's back (for states only the
// central store can produce, such as terminated).
func execOn(t testing.TB, path, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}
