package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// out runs accountd with args and returns its exit code, stdout and stderr.
func out(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestStationCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "central.db")
	if code, stdout, _ := out(t, "station", "list", "--json", "--db", db); code != 0 || strings.TrimSpace(stdout) != "[]" {
		t.Fatalf("list --json with no stations: %d %q, want []", code, stdout)
	}
	code, token, stderr := out(t, "station", "add", "--db", db, "hall-1")
	token = strings.TrimSpace(token)
	if code != 0 || len(token) != 43 || !strings.Contains(stderr, "shown this once") {
		t.Fatalf("add: %d %q %q", code, token, stderr)
	}
	if code, _, stderr := out(t, "station", "add", "--db", db, "hall-1"); code != 1 || !strings.Contains(stderr, "revoke it first") {
		t.Fatalf("second add: %d %q", code, stderr)
	}
	if code, stdout, _ := out(t, "station", "list", "--db", db); code != 0 || !regexp.MustCompile(`hall-1\s+\S+ \S+\s+active`).MatchString(stdout) {
		t.Fatalf("list: %d %q", code, stdout)
	}
	if code, _, _ := out(t, "station", "revoke", "hall-1", "--db", db); code != 0 {
		t.Fatalf("revoke: %d", code)
	}
	if code, stdout, _ := out(t, "station", "list", "--json", "--db", db); code != 0 || !strings.Contains(stdout, `"revoked_at"`) {
		t.Fatalf("list --json: %d %q", code, stdout)
	}
	if code, _, stderr := out(t, "station", "revoke", "--db", db, "hall-1"); code != 1 || !strings.Contains(stderr, "no such station") {
		t.Fatalf("second revoke: %d %q", code, stderr)
	}
	raw, _ := os.ReadFile(db)
	wal, _ := os.ReadFile(db + "-wal")
	if bytes.Contains(append(raw, wal...), []byte(token)) {
		t.Fatal("the token is in the database")
	}
}

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	db, csv := filepath.Join(dir, "central.db"), filepath.Join(dir, "registry.csv")
	os.WriteFile(csv, []byte("student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n"+
		"20261001,CHAN,Tai Man,A123456(3),2006-03-14,Computer Science,UG,degree,2030-06-30\n"+
		"20261002,CHAN,Tai Ming,Y654321(8),2005-11-02,Physics,UG,degree,2030-06-30\n"+
		"20261003,WONG,Siu Ling,,2007-07-21,Mathematics,UG,degree,\n"), 0o600)
	if code, _, stderr := out(t, "import", "--db", db, csv); code != 2 || !strings.Contains(stderr, "KIOSK_IDENTITY_KEY") {
		t.Fatalf("without keys: %d %q", code, stderr)
	}
	t.Setenv("KIOSK_IDENTITY_KEY", strings.Repeat("11", 32))
	t.Setenv("KIOSK_SEAL_KEY", strings.Repeat("22", 32))
	code, stdout, stderr := out(t, "import", "--db", db, csv)
	if code != 1 || !strings.Contains(stdout, "2 added") || !strings.Contains(stderr, csv+":3: hkid") {
		t.Fatalf("import: %d %q %q", code, stdout, stderr)
	}
	if code, stdout, _ := out(t, "import", csv, "--db", db); code != 1 || !strings.Contains(stdout, "2 unchanged") {
		t.Fatalf("again: %d %q", code, stdout)
	}
	if code, _, stderr := out(t, "import", "--db", db, filepath.Join(dir, "missing.csv")); code != 2 || !strings.Contains(stderr, "missing.csv") {
		t.Fatalf("missing file: %d %q", code, stderr)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"frobnicate"}, {"station"}, {"station", "add"}, {"import"},
		{"serve", "--cert", "c.pem"}, {"serve", "extra"}, {"station", "list", "--bogus"}} {
		if code, _, stderr := out(t, args...); code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
	// --help goes to standard output with exit 0 (issue 11 point 18; it went to stderr).
	if code, stdout, _ := out(t, "--help"); code != 0 || !strings.Contains(stdout, "accountd serve") {
		t.Errorf("--help: %d", code)
	}
}

// syncBuffer is written by the server's goroutines while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServe(t *testing.T) {
	resp := serveAndGet(t, nil, nil)
	if resp != http.StatusUnauthorized {
		t.Fatalf("health without a token: %d", resp)
	}
}

// With --cert and --key accountd serves HTTPS only.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM, pool := selfSigned(t)
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, certPEM, 0o600)
	os.WriteFile(key, keyPEM, 0o600)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if code := serveAndGet(t, []string{"--cert", cert, "--key", key}, client); code != http.StatusUnauthorized {
		t.Fatalf("health over TLS without a token: %d", code)
	}
}

// serveAndGet runs serve until it has answered GET /v1/health once, then
// stops it, and returns the answer's status.
func serveAndGet(t *testing.T, flags []string, client *http.Client) int {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	db := filepath.Join(t.TempDir(), "central.db")
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	done := make(chan int)
	args := append([]string{"serve", "--db", db, "--listen", "127.0.0.1:0"}, flags...)
	go func() { done <- run(ctx, args, &bytes.Buffer{}, &stderr) }()
	urlRE := regexp.MustCompile(`url=(https?://\S+)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == ""; {
		if m := urlRE.FindStringSubmatch(stderr.String()); m != nil {
			url = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no address in the log: %s", stderr.String())
		} else {
			time.Sleep(5 * time.Millisecond) // bounded wait for the listener
		}
	}
	resp, err := client.Get(url + "/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, stderr.String())
	}
	return resp.StatusCode
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte, pool *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "accountd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(parsed)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), pool
}

// A central store file other users can read is refused, saying how to
// make it private or that --allow-shared-db-file allows it; help names
// the flag.
func TestSharedDatabaseFileRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "central.db")
	if code, _, stderr := out(t, "station", "add", "--db", db, "hall-1"); code != 0 {
		t.Fatalf("add: %d %s", code, stderr)
	}
	if fi, err := os.Stat(db); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new central.db: %v, %v", fi.Mode(), err)
	}
	os.Chmod(db, 0o640)
	if code, _, stderr := out(t, "station", "list", "--db", db); code != 2 || !strings.Contains(stderr, "chmod 600") ||
		!strings.Contains(stderr, "--allow-shared-db-file") {
		t.Fatalf("list on a shared file: %d %q", code, stderr)
	}
	if code, stdout, stderr := out(t, "station", "list", "--db", db, "--allow-shared-db-file"); code != 0 || !strings.Contains(stdout, "hall-1") {
		t.Fatalf("list with --allow-shared-db-file: %d %q %q", code, stdout, stderr)
	}
	_, stdout, stderr := out(t, "--help")
	if !strings.Contains(stdout+stderr, "--allow-shared-db-file") {
		t.Fatal("--help does not name --allow-shared-db-file")
	}
}
