package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/cmd/kiosk/app"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/tape"
)

const examples = "../../kiosk/tape/examples"

// demoConfig copies the shipped demo configuration into a fresh directory,
// so the station's replica, keys and log live there (paths in kiosk.toml are
// relative to the file) and every tape starts from the demo registry.
func demoConfig(t testing.TB) string {
	t.Helper()
	src, err := os.ReadFile("../../kiosk.toml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(path, src, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func starter(configPath string) func(clk clock.Clock) (tape.Station, error) {
	return func(clk clock.Clock) (tape.Station, error) {
		st, err := app.StartStation(configPath, clk)
		st.Model = checkFresh(st.Model) // every frame drawn with and without the render caches
		return st, err
	}
}

// runFile runs the tape at path on a fresh demo station.
func runFile(t testing.TB, path string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := tape.RunScript(context.Background(), path, nil, starter(demoConfig(t)), &out)
	return code, out.String()
}

// runSource runs tape source text on a fresh demo station.
func runSource(t testing.TB, src string) (int, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.tape")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return runFile(t, path)
}

// Every example tape a tester may copy passes on the demo station.
func TestExampleTapes(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(examples, "*.tape"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no example tapes in %s: %v", examples, err)
	}
	// Tapes wait in real time (Set Timeout, 5s by default) while argon2
	// hashes passwords: more tapes at once than cores makes a slow machine
	// miss those waits, so at most GOMAXPROCS run together.
	slots := make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".tape"), func(t *testing.T) {
			t.Parallel()
			slots <- struct{}{}
			defer func() { <-slots }()
			if code, out := runFile(t, f); code != tape.ExitPass {
				t.Fatalf("exit %d, want 0:\n%s", code, out)
			}
		})
	}
}

// The command line is the contract: `kiosk --config F --script FILE|-`.
func TestScriptCommandExitCodes(t *testing.T) {
	t.Parallel()
	wrong := `Expect "Welcome"
Type "3"
Set Timeout 200ms
Expect "Welcome back, student"   # deliberately wrong: no such text
Type "never typed"
`
	malformed := "Expect \"Welcome\"\nSleep 5 seconds\n"
	tests := []struct {
		name  string
		args  func(dir string) []string
		stdin string
		code  int
		want  []string
	}{
		{"passing tape from a file", func(string) []string {
			return []string{"--script", filepath.Join(examples, "refuse-check-digit.tape")}
		}, "", 0, []string{"PASS: "}},
		{"passing tape on stdin", func(string) []string { return []string{"--script", "-"} },
			"Expect \"Welcome\"\nType \"1\"\nExpect \"Acceptable Use Policy\"\n", 0,
			[]string{"ok   3  Expect \"Acceptable Use Policy\"\n", "PASS: 3 commands\n"}},
		{"kiosk keys do not leave the station", func(string) []string { return []string{"--script", "-"} },
			"Expect \"Welcome\"\nCtrl+C\nCtrl+Z\nCtrl+\\\nType \"q\"\nType \"1\"\nExpect \"Acceptable Use Policy\"\n", 0,
			[]string{"ok   4  Ctrl+\\\n", "PASS: 7 commands\n"}},
		{"wrong tape", func(string) []string { return []string{"--script", "-"} }, wrong, 1, []string{
			"ok   2  Type \"3\"\n",
			"FAIL 4  Expect \"Welcome back, student\"\n",
			"the screen did not show \"Welcome back, student\" within 200ms",
			"  │ Express Station", "Your Student ID and HK ID card", // the screen as it was
			"FAIL: line 4: Expect \"Welcome back, student\"\n",
		}},
		{"malformed tape", func(string) []string { return []string{"--script", "-"} }, malformed, 2,
			[]string{`stdin: line 2, column 7: bad duration "5"`}},
		{"missing tape", func(dir string) []string { return []string{"--script", filepath.Join(dir, "none.tape")} },
			"", 2, []string{"cannot open the tape"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := demoConfig(t)
			var stdout, stderr bytes.Buffer
			args := append([]string{"--config", cfg}, tt.args(filepath.Dir(cfg))...)
			code := run(args, strings.NewReader(tt.stdin), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if code != tt.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "never typed") {
				t.Errorf("the tape went on after the failure:\n%s", out)
			}
		})
	}
}

// The station cannot start: exit 2 with the reason.
func TestScriptCommandBadConfig(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(cfg, []byte("[station]\nnonsense = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"--config", cfg, "--script", "-"}, strings.NewReader("Expect \"Welcome\"\n"), &stdout, &stderr)
	if code != 2 || !strings.Contains(stdout.String()+stderr.String(), "nonsense") {
		t.Fatalf("exit %d, want 2 naming the bad key:\n%s%s", code, stdout.String(), stderr.String())
	}
}

// The same tape run twice prints the same output, screens included: the
// clock is pinned with Set Clock and the runner waits for every store call.
func TestTapeOutputIsDeterministic(t *testing.T) {
	t.Parallel()
	src := `Set Clock 2026-09-01T09:00:00+08:00
Expect "Welcome"
Type "2"
Type "kylee"
Tab
Type "Harbour lights 42"
Enter
Screen
Type "Kowloon tram 2024"
Tab
Type "Kowloon tram 2024"
Enter
Screen
Click "Not now"
Screen
Advance 20s
Type "3"
Type "20261009"
Tab
Type "A123456(3)"
Enter
Screen
Set Timeout 100ms
Expect "this text is not there"
`
	code1, out1 := runSource(t, src)
	code2, out2 := runSource(t, src)
	if code1 != tape.ExitFail || code2 != code1 {
		t.Fatalf("exit %d and %d, want 1 twice:\n%s", code1, code2, out1)
	}
	if out1 != out2 {
		t.Fatalf("two runs printed different output:\n%s\n---- second run ----\n%s", out1, out2)
	}
	for _, want := range []string{"Choose a new password for kylee", "Password changed", "do not match our records"} {
		if !strings.Contains(out1, want) {
			t.Errorf("a Screen lacks %q:\n%s", want, out1)
		}
	}
}

// longTape is an n-line tape on the demo station of the kind testers write:
// menus, touch, typing with inline validation, a store look-up, the clock.
func longTape(n int) string {
	var b strings.Builder
	b.WriteString("Set Clock 2026-09-01T09:00:00+08:00\n")
	lines := 1
	cycle := `Expect "Welcome"
Type "3"
Type "20261009"
Tab
Type "E314159(9)"
Expect "does not match"
Backspace 2
Type "8)"
Enter
Expect "Open your authenticator app"
Esc
Click "Student A/C Activation"
PageDown 30
Expect "You have read to the end"
Esc
Advance 30s
`
	for lines < n {
		b.WriteString(cycle)
		lines += strings.Count(cycle, "\n")
	}
	return b.String()
}

func TestLongTapeTiming(t *testing.T) {
	t.Parallel()
	src := longTape(200)
	lines := strings.Count(src, "\n")
	start := time.Now()
	code, out := runSource(t, src)
	elapsed := time.Since(start)
	if code != tape.ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	t.Logf("a %d-line tape ran in %v on the demo station (start-up included)", lines, elapsed.Round(time.Millisecond))
	if elapsed > 10*time.Second && !raceEnabled {
		t.Errorf("a %d-line tape took %v; the target is under 2s", lines, elapsed)
	}
}

func BenchmarkTape200Lines(b *testing.B) {
	src := longTape(200)
	path := filepath.Join(b.TempDir(), "long.tape")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if code, out := runFile(b, path); code != tape.ExitPass {
			b.Fatalf("exit %d:\n%s", code, out)
		}
	}
	b.ReportMetric(float64(strings.Count(src, "\n")), "lines/op")
}

// Sanity check for the helper: it is the size it claims.
func TestLongTapeSize(t *testing.T) {
	if n := strings.Count(longTape(200), "\n"); n < 200 || n > 220 {
		t.Fatalf("longTape(200) has %d lines", n)
	}
	if strings.Contains(longTape(200), "Sleep") {
		t.Fatal("the timing tape must not sleep")
	}
}
