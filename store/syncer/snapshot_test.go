package syncer_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/central/httpapi"
	"github.com/expressstation/kiosk/store/syncer"
)

// withSnapshots makes the store serve a replica snapshot built now.
func (d *deployment) withSnapshots() *httpapi.Snapshots {
	d.t.Helper()
	sn, err := httpapi.NewSnapshots(d.central, d.t.TempDir(), 0, nil)
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := sn.Build(context.Background()); err != nil {
		d.t.Fatal(err)
	}
	d.gate.swap(httpapi.New(d.central, httpapi.Options{Snapshots: sn}))
	return sn
}

// requests records the paths (and Range headers) stations asked for.
type requests struct {
	mu   sync.Mutex
	seen []string
}

func (q *requests) hook(r *http.Request) {
	q.mu.Lock()
	defer q.mu.Unlock()
	s := r.URL.Path
	if r.URL.Path == "/v1/changes" {
		s += "?after=" + r.URL.Query().Get("after")
	}
	if rg := r.Header.Get("Range"); rg != "" {
		s += " " + rg
	}
	q.seen = append(q.seen, s)
}

func (q *requests) String() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return strings.Join(q.seen, "\n")
}

// replicaRows is every account-data row of a replica, in a stable order,
// minus row ids and local write times.
func replicaRows(t testing.TB, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	for _, q := range []string{
		`SELECT name, student_id, surname, given_names, department, level, category, status, hkid_hash, dob_hash,
			coalesce(password_hash, ''), central_seq, directory_public FROM accounts ORDER BY name`,
		`SELECT a.name, h.hash FROM password_history h JOIN accounts a ON a.id = h.account_id ORDER BY a.name, h.seq`,
		`SELECT account, coalesce(alias, ''), coalesce(personal_email, '') FROM account_profiles ORDER BY account`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			rows.Scan(ptrs...)
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}

// An empty station installs the store's snapshot, pulls only the changes
// after its cursor, and ends with the same accounts as a station that
// walked the whole feed.
func TestSnapshotBootstrapEqualsFeed(t *testing.T) {
	ctx := context.Background()
	d := newDeployment(t)
	d.importCSV(generatedCSV(400))
	info, _ := func() (store.SnapshotInfo, bool) { return d.withSnapshots().Current() }()
	// Changes after the snapshot: an activation elsewhere, more students.
	other := d.station("other")
	other.sync()
	if _, err := other.r.Activate(ctx, store.Unverified(firstName(t, other.path)), "Harbour lights 42 again"); err != nil {
		t.Fatal(err)
	}
	other.sync()
	d.importCSV(cast)

	var q requests
	d.gate.hooks(q.hook, nil)
	viaSnap := d.station("snap")
	viaSnap.sync()
	want := fmt.Sprintf("/v1/snapshot\n/v1/changes?after=%d", info.Cursor)
	if got := q.String(); !strings.HasPrefix(got, want) {
		t.Errorf("requests:\n%s\nwant the snapshot, then the changes after %d", got, info.Cursor)
	}
	viaFeed := d.station("feed", func(o *syncer.Options) { o.NoSnapshot = true })
	viaFeed.sync()
	a, b := replicaRows(t, viaFeed.path), replicaRows(t, viaSnap.path)
	if a != b {
		t.Fatalf("accounts differ:\nfeed:\n%.1500s\nsnapshot:\n%.1500s", a, b)
	}
	if n := strings.Count(a, "\n"); n < 403 {
		t.Fatalf("only %d rows", n)
	}
	if _, err := os.Stat(viaSnap.path + ".snapshot"); !os.IsNotExist(err) {
		t.Errorf("the downloaded snapshot was left behind: %v", err)
	}
}

func firstName(t *testing.T, path string) string {
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n string
	if err := db.QueryRow(`SELECT name FROM accounts ORDER BY name LIMIT 1`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A download cut short resumes where it stopped (Range); one whose
// snapshot was rebuilt meanwhile starts again.
func TestSnapshotDownloadResumes(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(generatedCSV(300))
	sn := d.withSnapshots()
	info, _ := sn.Current()
	whole, err := os.ReadFile(info.Path)
	if err != nil {
		t.Fatal(err)
	}
	var q requests
	d.gate.hooks(q.hook, nil)

	st := d.station("resume")
	half := int64(len(whole) / 2)
	os.WriteFile(st.path+".snapshot", whole[:half], 0o600)
	os.WriteFile(st.path+".snapshot.etag", []byte(`"`+info.SHA256+`"`), 0o600)
	st.sync()
	if got := q.String(); !strings.Contains(got, fmt.Sprintf("/v1/snapshot bytes=%d-", half)) ||
		!strings.Contains(got, fmt.Sprintf("/v1/changes?after=%d", info.Cursor)) {
		t.Errorf("requests:\n%s\nwant a ranged snapshot download from %d", got, half)
	}
	if s := st.status(); s.Accounts != 300 {
		t.Errorf("accounts = %d", s.Accounts)
	}

	// A stale part (another build): If-Range fails, the whole file comes.
	st2 := d.station("restart")
	os.WriteFile(st2.path+".snapshot", []byte("part of an older build"), 0o600)
	os.WriteFile(st2.path+".snapshot.etag", []byte(`"0000"`), 0o600)
	st2.sync()
	if a, b := replicaRows(t, st.path), replicaRows(t, st2.path); a != b {
		t.Errorf("the restarted download differs from the resumed one")
	}
}

// A damaged snapshot is refused: the station walks the feed instead and
// still ends with every account.
func TestSnapshotCorruptFallsBackToFeed(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(generatedCSV(200))
	info, _ := d.withSnapshots().Current()
	b, _ := os.ReadFile(info.Path)
	b[len(b)-100] ^= 0xff
	os.WriteFile(info.Path, b, 0o600)
	var q requests
	d.gate.hooks(q.hook, nil)
	st := d.station("s1")
	st.sync()
	if got := q.String(); !strings.Contains(got, "/v1/changes?after=0") {
		t.Errorf("requests:\n%s\nwant a walk of the feed from 0", got)
	}
	if s := st.status(); s.Accounts != 200 {
		t.Errorf("accounts = %d", s.Accounts)
	}
	if m, _ := filepath.Glob(st.path + ".snapshot*"); len(m) != 0 {
		t.Errorf("left behind: %v", m)
	}
}

// A station whose cursor the store no longer knows resyncs through the
// snapshot too, and keeps its pending ops.
func TestSnapshotResync(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(generatedCSV(100))
	d.withSnapshots()
	st := d.station("s1")
	st.sync()
	db, err := sql.Open("sqlite", st.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE sync_state SET epoch = 'another history'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var q requests
	d.gate.hooks(q.hook, nil)
	st.sync()
	if got := q.String(); !strings.Contains(got, "/v1/snapshot") {
		t.Errorf("requests:\n%s\nwant the snapshot after the resync", got)
	}
	if s := st.status(); s.Accounts != 100 {
		t.Errorf("accounts = %d", s.Accounts)
	}
}

// The station moves the verified download into the replica's place (a new
// file, not rows copied into the old one), also after resuming a download
// (its checksum taken while the bytes arrived, the first part read back),
// and nothing of the download is left beside the replica.
func TestSnapshotMovedIntoPlace(t *testing.T) {
	d := newDeployment(t)
	d.importCSV(generatedCSV(300))
	info, _ := d.withSnapshots().Current()
	whole, err := os.ReadFile(info.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, resume := range []bool{false, true} {
		st := d.station(fmt.Sprintf("moved-%v", resume))
		if resume {
			os.WriteFile(st.path+".snapshot", whole[:len(whole)/3], 0o600)
			os.WriteFile(st.path+".snapshot.etag", []byte(`"`+info.SHA256+`"`), 0o600)
		}
		before, err := os.Stat(st.path)
		if err != nil {
			t.Fatal(err)
		}
		st.sync()
		after, err := os.Stat(st.path)
		if err != nil {
			t.Fatal(err)
		}
		if os.SameFile(before, after) {
			t.Errorf("resume %v: the replica is the same file: the snapshot was copied in, not moved", resume)
		}
		if s := st.status(); s.Accounts != 300 || s.Cursor != info.Cursor {
			t.Errorf("resume %v: accounts %d, cursor %d", resume, s.Accounts, s.Cursor)
		}
		if m, _ := filepath.Glob(st.path + ".snapshot*"); len(m) != 0 {
			t.Errorf("resume %v: left behind: %v", resume, m)
		}
	}
}
