package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/store/demo"
)

// TestTwoStationsThroughAccountd is the deployment as staff run it, through
// the command-line contract only: accountd imports the registry and serves;
// two stations with their own tokens sync with it. A student activates at
// station A; at station B the new password works at once.
func TestTwoStationsThroughAccountd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds both binaries")
	}
	dir := t.TempDir()
	accountd := buildBinary(t, dir, "../accountd")
	kioskBin := buildBinary(t, dir, ".")

	// The deployment's keys, shared by the central store and both stations.
	idKey := filepath.Join(dir, "identity.key")
	sealKey := filepath.Join(dir, "seal.key")
	writeKey(t, idKey, 0x31)
	writeKey(t, sealKey, 0x42)

	db := filepath.Join(dir, "central.db")
	registry := filepath.Join(dir, "registry.csv")
	if err := os.WriteFile(registry, demo.Registry, 0o600); err != nil {
		t.Fatal(err)
	}
	runOK(t, accountd, "import", "--db", db, "--identity-key", idKey, "--seal-key", sealKey, registry)
	tokenA := lastLine(runOK(t, accountd, "station", "add", "--db", db, "st-a"))
	tokenB := lastLine(runOK(t, accountd, "station", "add", "--db", db, "st-b"))

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serve := exec.CommandContext(ctx, accountd, "serve", "--db", db, "--listen", addr)
	var serveLog strings.Builder
	serve.Stderr = &serveLog
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		serve.Wait()
		if t.Failed() {
			t.Logf("accountd log:\n%s", serveLog.String())
		}
	}()
	waitListening(t, addr)

	cfgA := stationConfig(t, filepath.Join(dir, "a"), "st-a", "http://"+addr, tokenA, idKey, sealKey)
	cfgB := stationConfig(t, filepath.Join(dir, "b"), "st-b", "http://"+addr, tokenB, idKey, sealKey)

	tape := func(cfg, src string) {
		t.Helper()
		cmd := exec.Command(kioskBin, "--config", cfg, "--script", "-")
		cmd.Stdin = strings.NewReader(src)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("tape on %s: %v\n%s", cfg, err, out)
		}
	}
	// Station A bootstraps from the feed, a student activates, A pushes.
	// An empty synced station shows "Getting ready" until its next check
	// (every 5 s) finds the accounts the sync brought.
	tape(cfgA, `Sync
Expect "Welcome"
Type "1"
PageDown 30
Click "I accept"
Type "20261001"
Tab
Type "A123456(3)"
Enter
Expect "tmchan"
Enter
Expect "Choose a password for tmchan"
Type "Blue harbour kites 58"
Tab
Type "Blue harbour kites 58"
Enter
Expect "Set up two-factor authentication"
Sync
`)
	students := float64(strings.Count(strings.TrimSpace(string(demo.Registry)), "\n")) // rows after the header
	stA := statusOf(t, kioskBin, cfgA)
	if stA["accounts"] != students || stA["outbox_pending"] != 0.0 || stA["last_sync"] == nil {
		t.Fatalf("station A after sync: %v", stA)
	}

	// Station B has never seen tmchan's password: it signs in with it. Its
	// tape does not Sync: the station's own sync loop bootstraps the replica
	// and the "Getting ready" screen gives way to the menu by itself.
	tape(cfgB, `Expect "Welcome"
Type "2"
Expect "Sign in"
Type "tmchan"
Tab
Type "Blue harbour kites 58"
Enter
Expect "Choose a new password for tmchan"
`)
	if stB := statusOf(t, kioskBin, cfgB); stB["accounts"] != students || stB["cursor"].(float64) < 1 {
		t.Fatalf("station B after sync: %v", stB)
	}
}

func buildBinary(t testing.TB, dir, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(filepath.Clean(pkg)))
	if pkg == "." {
		out = filepath.Join(dir, "kiosk")
	}
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

func writeKey(t testing.TB, path string, b byte) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Repeat(fmt.Sprintf("%02x", b), 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func runOK(t testing.TB, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "KIOSK_IDENTITY_KEY=", "KIOSK_SEAL_KEY=")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s %v: %v\n%s%s", filepath.Base(bin), args, err, out, stderr)
	}
	return string(out)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("accountd is not listening on %s", addr)
}

// stationConfig writes a synced station's kiosk.toml: the shipped file with
// its own id, the upstream and token, and the deployment's keys.
func stationConfig(t testing.TB, dir, id, upstream, token, idKey, sealKey string) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(config.Default)))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id = "):
			line = fmt.Sprintf("id = %q", id)
		case strings.HasPrefix(line, "upstream = "):
			line = fmt.Sprintf("upstream = %q", upstream)
		case strings.HasPrefix(line, "token = "):
			line = fmt.Sprintf("token = %q", token)
		case strings.HasPrefix(line, "seed_demo = "):
			line = "seed_demo = false"
		case strings.HasPrefix(line, "identity_file = "):
			line = fmt.Sprintf("identity_file = %q", idKey)
		case strings.HasPrefix(line, "seal_file = "):
			line = fmt.Sprintf("seal_file = %q", sealKey)
		case strings.HasPrefix(line, "create = "):
			line = "create = false"
		}
		b.WriteString(line + "\n")
	}
	path := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func statusOf(t testing.TB, bin, cfg string) map[string]any {
	t.Helper()
	out := runOK(t, bin, "--config", cfg, "status", "--json")
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return m
}
