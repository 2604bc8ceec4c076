package store_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store"
)

func TestOpenCreatesAndMigrates(t *testing.T) {
	clock := newClock()
	r, path := openReplica(t, clock)
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("parent dir: %v %v", fi, err)
	}
	pragma := func(db *sql.DB, name string) string {
		var v string
		if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	w := store.WriteDB(r)
	for name, want := range map[string]string{
		"journal_mode":   "wal",
		"synchronous":    "2", // FULL
		"foreign_keys":   "1",
		"busy_timeout":   "5000",
		"application_id": "1163416404", // "EXST"
		"user_version":   strconv.Itoa(store.SchemaVersion()),
	} {
		if got := pragma(w, name); got != want {
			t.Errorf("PRAGMA %s = %s, want %s", name, got, want)
		}
	}
	if got := pragma(store.ReadDB(r), "query_only"); got != "1" {
		t.Errorf("readers: query_only = %s", got)
	}
	st, err := r.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.SchemaVersion != store.SchemaVersion() || st.Path != path || st.DatabaseBytes == 0 || st.LastSync != nil {
		t.Errorf("status = %+v", st)
	}
	importCSV(t, r, registryCSV(taiMan))
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening keeps the data and migrates nothing twice.
	r2, err := store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if st, _ := r2.Status(context.Background()); st.Accounts != 1 {
		t.Errorf("after reopen: %+v", st)
	}
}

func TestOpenRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	good := filepath.Join(dir, "good.db")
	r, err := store.Open(good, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	importCSV(t, r, generatedCSV(3000))
	r.Close()
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}

	random := randomBytes(8192)
	cases := []struct {
		name  string
		make  func(path string)
		wants string // in the error, besides the path
	}{
		{"random bytes", writeBytes(random), "not a SQLite database"},
		{"text file", writeBytes([]byte("student_id,surname\n20261001,CHAN\n")), "not a SQLite database"},
		{"truncated to half", writeBytes(goodBytes[:len(goodBytes)/2]), "truncated"},
		{"truncated inside the header", writeBytes(goodBytes[:60]), "truncated"},
		{"a damaged page", writeBytes(damage(goodBytes)), "damaged"},
		{"a SQLite header on random pages", writeBytes(append(goodBytes[:100:100], randomBytes(len(goodBytes)-100)...)), "replica"},
		{"another application's database", foreignDB(""), "another application"},
		{"another application_id", foreignDB("PRAGMA application_id = 42"), "another application"},
		{"a newer schema", foreignDB("PRAGMA application_id = 1163416404; PRAGMA user_version = 99"), "update the station software"},
		{"a directory", func(p string) { os.Mkdir(p, 0o700) }, "directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "replica.db")
			tc.make(path)
			r, err := store.Open(path, testOptions(t, clock))
			if err == nil {
				r.Close()
				t.Fatal("opened")
			}
			t.Log(err)
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.wants) {
				t.Errorf("err = %q, want the path and %q", err, tc.wants)
			}
		})
	}
	t.Run("an empty file is a new replica", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "replica.db")
		writeBytes(nil)(path)
		r, err := store.Open(path, testOptions(t, clock))
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	})
}

func writeBytes(b []byte) func(string) {
	return func(path string) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			panic(err)
		}
	}
}

// damage overwrites the middle of a table page (not the header).
func damage(db []byte) []byte {
	out := append([]byte(nil), db...)
	for i := 4096*3 + 16; i < 4096*3+600; i++ {
		out[i] = 0xA5
	}
	return out
}

func foreignDB(extra string) func(string) {
	return func(path string) {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			panic(err)
		}
		defer db.Close()
		stmts := []string{"CREATE TABLE recipes (name TEXT)", "INSERT INTO recipes VALUES ('congee')"}
		if extra != "" {
			stmts = append(stmts, strings.Split(extra, ";")...)
		}
		for _, s := range stmts {
			if _, err := db.Exec(s); err != nil {
				panic(err)
			}
		}
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// A station defers quick_check to start fast; the check itself still finds
// the damage and names the file.
func TestDeferredIntegrityCheckFindsDamage(t *testing.T) {
	clock := newClock()
	path := filepath.Join(t.TempDir(), "replica.db")
	r, err := store.Open(path, testOptions(t, clock))
	if err != nil {
		t.Fatal(err)
	}
	importCSV(t, r, generatedCSV(2000))
	r.Close()
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, damage(good), 0o600); err != nil {
		t.Fatal(err)
	}
	opt := testOptions(t, clock)
	opt.DeferIntegrityCheck = true
	r, err = store.Open(path, opt)
	if err != nil {
		// the damage may already show while reading the schema: fine, as long as it names the file
		if !strings.Contains(err.Error(), path) {
			t.Fatalf("error does not name the file: %v", err)
		}
		return
	}
	defer r.Close()
	err = r.CheckIntegrity(context.Background())
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("CheckIntegrity = %v, want a damaged-file error naming %s", err, path)
	}
}
