package tape

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/store/totp"
)

// runTape parses src and runs it on a fresh dummy station; it returns the
// exit code, the output and the dummy (to inspect what arrived).
func runTape(t *testing.T, src string, opts ...func(*Station)) (int, string, *dummy) {
	t.Helper()
	tp, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	var d *dummy
	var out bytes.Buffer
	code := Run(context.Background(), tp, func(clk clock.Clock) (Station, error) {
		d = newDummy(clk)
		st := Station{Model: d}
		for _, o := range opts {
			o(&st)
		}
		return st, nil
	}, &out)
	return code, out.String(), d
}

func TestRunPassingTape(t *testing.T) {
	code, out, _ := runTape(t, `
# a comment line
Set Width 80
Set Height 20
Expect "Dummy station 80x20"
Type "1"            # open the name field
Expect "Your name:"
Type "Ann"
Backspace 2
Type "lice"
ExpectNot "Annlice"
Expect "Your name: Alice_"
Enter
Expect /Hello, Alice!/
Screen
`)
	if code != ExitPass {
		t.Fatalf("exit %d, want 0:\n%s", code, out)
	}
	for _, want := range []string{
		"ok    3  Set Width 80\n",
		"ok    6  Type \"1\"\n",
		"ok   14  Expect /Hello, Alice!/\n",
		"ok   15  Screen\n  ┌─ screen 80x20\n  │Dummy station 80x20",
		"  │Hello, Alice!\n",
		"PASS: 13 commands\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n  │") != 20 {
		t.Errorf("Screen printed %d lines, want the 20 of the screen:\n%s", strings.Count(out, "\n  │"), out)
	}
}

// Every line of the output for a passing tape is "ok", the line number and
// the command as written (comment removed).
func TestRunReportsSourceWithoutComment(t *testing.T) {
	_, out, _ := runTape(t, "Type \"1\"  # open\nExpect \"Your name\"\n")
	want := "ok   1  Type \"1\"\nok   2  Expect \"Your name\"\nPASS: 2 commands\n"
	if out != want {
		t.Fatalf("output:\n%q\nwant:\n%q", out, want)
	}
}

// After each input the runner waits until the station is idle: the pretend
// store call (20 ms, inside a sequence and a batch) has answered, while the
// idle timer waiting on the virtual clock does not count as busy.
func TestRunWaitsForCommandsInFlight(t *testing.T) {
	slow := func(st *Station) { st.Model.(*dummy).latency = 20 * time.Millisecond }
	code, out, _ := runTape(t, "Type \"1\"\nType \"Ann\"\nEnter\nExpectNot \"Your name\"\nScreen\n", slow)
	if code != ExitPass || !strings.Contains(out, "  │Hello, Ann!\n") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestRunNonASCIIArrivesAsCharacters(t *testing.T) {
	code, out, d := runTape(t, `Type "1"
Type "陳大文 é"
Expect "Your name: 陳大文 é_"
`)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if got := string(d.name); got != "陳大文 é" {
		t.Fatalf("the field holds %q, want %q", got, "陳大文 é")
	}
}

// The keys of one Type draw one frame, as a terminal program's renderer
// would not draw between keys that arrive together: a 10 KB Type costs
// 10,240 Updates and a frame, not 10,240 frames (it took 5 s at two fields
// of the password step, 0.15 s now).
func TestTypeDrawsOneFrame(t *testing.T) {
	text := strings.Repeat("x", 10240)
	code, out, d := runTape(t, "Type \"1\"\nType \""+text+"\"\nExpect \"Your name: xxx\"\n")
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if len(d.name) != len(text) {
		t.Fatalf("the field holds %d characters, want %d", len(d.name), len(text))
	}
	if d.views > 10 {
		t.Fatalf("%d frames drawn for two Types, want a few", d.views)
	}
}

func TestTypedMessages(t *testing.T) {
	got := typed("é 陳\n\t\x7f\x03")
	want := []tea.Msg{
		tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'é'}},
		tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}},
		tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'陳'}},
		tea.KeyMsg{Type: tea.KeyEnter},
		tea.KeyMsg{Type: tea.KeyTab},
		tea.KeyMsg{Type: tea.KeyBackspace},
		tea.KeyMsg{Type: tea.KeyCtrlC},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
		t.Fatalf("typed = %v, want %v", got, want)
	}
	for i := range want {
		if got[i].(tea.KeyMsg).Type != want[i].(tea.KeyMsg).Type {
			t.Errorf("message %d has type %v, want %v", i, got[i].(tea.KeyMsg).Type, want[i].(tea.KeyMsg).Type)
		}
	}
}

func TestRunWrongExpectationExits1WithScreen(t *testing.T) {
	code, out, _ := runTape(t, `Set Timeout 50ms
Type "1"
Expect "Welcome back"
Type "never runs"
`)
	if code != ExitFail {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{
		"FAIL 3  Expect \"Welcome back\"\n",
		"the screen did not show \"Welcome back\" within 50ms\n",
		"  ┌─ screen 100x30\n  │Dummy station 100x30",
		"  │Your name: _\n",
		"FAIL: line 3: Expect \"Welcome back\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "never runs") {
		t.Errorf("the runner went on after the failure:\n%s", out)
	}
}

func TestRunExpectNotFails(t *testing.T) {
	code, out, _ := runTape(t, "Type \"1\"\nExpectNot /Your \\w+:/\n")
	if code != ExitFail || !strings.Contains(out, "the screen shows /Your \\w+:/") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestRunScriptMalformedExits2WithLineAndColumn(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.tape")
	if err := os.WriteFile(path, []byte("Type \"1\"\nSleep 5 seconds\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	started := false
	code := RunScript(context.Background(), path, nil, func(clk clock.Clock) (Station, error) {
		started = true
		return Station{Model: newDummy(clk)}, nil
	}, &out)
	if code != ExitBadInput {
		t.Fatalf("exit %d, want 2:\n%s", code, out.String())
	}
	want := path + `: line 2, column 7: bad duration "5": use a number with a unit, e.g. 500ms, 90s or 15m` + "\n"
	if out.String() != want {
		t.Fatalf("output %q, want %q", out.String(), want)
	}
	if started {
		t.Fatal("the station started for a tape that does not parse")
	}
}

func TestRunScriptReadsStdin(t *testing.T) {
	var out bytes.Buffer
	code := RunScript(context.Background(), "-", strings.NewReader("Type \"2\"\nExpect \"Key:\"\n"),
		func(clk clock.Clock) (Station, error) { return Station{Model: newDummy(clk)}, nil }, &out)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	out.Reset()
	code = RunScript(context.Background(), "-", strings.NewReader("Tpye \"2\"\n"), nil, &out)
	if code != ExitBadInput || out.String() != "stdin: line 1, column 1: unknown command \"Tpye\"\n" {
		t.Fatalf("exit %d: %q", code, out.String())
	}
}

func TestRunStationCannotStart(t *testing.T) {
	tp, _ := Parse(strings.NewReader("Expect \"x\"\n"))
	var out bytes.Buffer
	closed := false
	tests := []struct {
		name  string
		start func(clock.Clock) (Station, error)
		want  string
	}{
		{"error", func(clock.Clock) (Station, error) {
			return Station{}, errors.New("kiosk.toml: [store] path: permission denied")
		}, "FAIL the station cannot start: kiosk.toml: [store] path: permission denied\n"},
		{"no model", func(clock.Clock) (Station, error) {
			return Station{Close: func() error { closed = true; return nil }}, nil
		}, "FAIL the station cannot start: the station has no model\n"},
	}
	for _, tt := range tests {
		out.Reset()
		if code := Run(context.Background(), tp, tt.start, &out); code != ExitBadInput || out.String() != tt.want {
			t.Errorf("%s: exit %d, output %q; want 2, %q", tt.name, code, out.String(), tt.want)
		}
	}
	if !closed {
		t.Error("a station without a model was not closed")
	}
}

func TestRunAdvanceFiresIdleTimer(t *testing.T) {
	code, out, _ := runTape(t, `Set Timeout 100ms
Type "1"
Advance 89s
ExpectNot "Timed out"
Expect "Your name"
Type "x"            # a key re-arms the idle timer
Advance 89s
ExpectNot "Timed out"
Advance 1s
Expect "Timed out"
ExpectNot "Your name"
`)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestRunClickUsesHitTesting(t *testing.T) {
	code, out, d := runTape(t, `Click "hello"
Expect "Your name:"
Esc
Click "Enrol"
Expect "Key:"
`)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	want := tea.MouseMsg{X: 20, Y: 2, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft, Type: tea.MouseLeft}
	if d.lastMouse != want {
		t.Fatalf("last press at %d,%d (%v), want %d,%d (%v): the centre of the button", d.lastMouse.X, d.lastMouse.Y, d.lastMouse, want.X, want.Y, want)
	}
}

// A frame taller than the screen scrolls its top off, as Bubble Tea's
// renderer does; Click presses where the button is on the screen, exactly as
// a finger would, so the model's hit-testing sees the same coordinates.
func TestRunClickOnTallFrame(t *testing.T) {
	code, out, d := runTape(t, `Click "Tall"
Expect "filler 49"
ExpectNot "Say hello"
Click "Short"
`)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if d.lastMouse.Y != 27 {
		t.Fatalf("pressed row %d, want 27 (the button's middle row once the frame's top 28 lines scrolled off)", d.lastMouse.Y)
	}
}

func TestRunClickMissingButton(t *testing.T) {
	code, out, _ := runTape(t, "Set Timeout 20ms\nClick \"Activate\"\n")
	want := `no visible button contains "Activate" within 20ms (buttons: "Say hello", "Enrol 2FA", "Quit", "Tall")`
	if code != ExitFail || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want 1 and %q:\n%s", code, want, out)
	}
}

func TestRunCaptureAndTOTP(t *testing.T) {
	code, out, d := runTape(t, `Set Clock 2025-09-01T09:00:10Z
Type "2"
Capture KEY /Key: ([A-Z2-7 ]+)/
TOTP KEY
Enter
Expect "Enrolled"
`)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if want := totp.Step(time.Date(2025, 9, 1, 9, 0, 10, 0, time.UTC)); d.lastStep != want {
		t.Fatalf("accepted step %d, want %d (the virtual clock's)", d.lastStep, want)
	}
	if strings.Contains(out, dummySecret[:8]) {
		t.Fatalf("the output shows the captured key:\n%s", out)
	}
}

// After Advance the code typed is the new step's, and the old one is a replay.
func TestRunTOTPFollowsAdvance(t *testing.T) {
	code, out, _ := runTape(t, `Set Timeout 100ms
Type "2"
Capture K /Key: (.+)/
TOTP K
Enter
Expect "Enrolled"
Esc
Type "2"
Advance 30s
TOTP K
Enter
Expect "Enrolled"
`)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestNormaliseKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"JBSW Y3DP EHPK 3PXP", "JBSWY3DPEHPK3PXP"},
		{"jbsw-y3dp\tehpk", "JBSWY3DPEHPK"},
		// A key wrapped beside the QR code: the capture spans the glyphs.
		{"SBV6 CNF2 TIID\n██▀▄▀▀▄ ▄██  ██       66DQ", "SBV6CNF2TIID66DQ"},
		{"0189=", ""},
	}
	for _, tt := range tests {
		if got := normaliseKey(tt.in); got != tt.want {
			t.Errorf("normaliseKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRunTOTPWithQuotedKey(t *testing.T) {
	code, out, _ := runTape(t, "Type \"2\"\nTOTP \""+strings.ToLower(dummySecret)+"\"\nEnter\nExpect \"Enrolled\"\n")
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestRunCapturedValueExpands(t *testing.T) {
	code, out, d := runTape(t, `Type "2"
Capture KEY /Key: (\w+)/
Esc
Type "1"
Type "${KEY}-x"
Type '${KEY}'
`)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if got, want := string(d.name), dummySecret[:4]+"-x${KEY}"; got != want {
		t.Fatalf("typed %q, want %q", got, want)
	}
	if strings.Contains(out, dummySecret[:4]+"-x") {
		t.Fatalf("the output shows the expanded value:\n%s", out)
	}
}

func TestRunSync(t *testing.T) {
	calls := 0
	withSync := func(err error) func(*Station) {
		return func(st *Station) {
			st.Sync = func(context.Context) error { calls++; return err }
		}
	}
	if code, out, _ := runTape(t, "Sync\n"); code != ExitPass {
		t.Fatalf("standalone Sync: exit %d:\n%s", code, out)
	}
	if code, out, _ := runTape(t, "Sync\nSync\n", withSync(nil)); code != ExitPass || calls != 2 {
		t.Fatalf("Sync: exit %d, %d calls:\n%s", code, calls, out)
	}
	code, out, _ := runTape(t, "Sync\n", withSync(errors.New("upstream unreachable")))
	if code != ExitFail || !strings.Contains(out, "sync failed: upstream unreachable") {
		t.Fatalf("failing Sync: exit %d:\n%s", code, out)
	}
}

// kioskFilter behaves like kiosk.Filter: a quit passes only when the model
// (seen through the runner's host) has decided to quit.
func kioskFilter(st *Station) {
	st.Filter = func(m tea.Model, msg tea.Msg) tea.Msg {
		if _, ok := msg.(tea.QuitMsg); ok {
			if q, ok := m.(interface{ Quitting() bool }); !ok || !q.Quitting() {
				return nil
			}
		}
		return msg
	}
}

func TestRunFilterKeepsStationRunning(t *testing.T) {
	code, out, _ := runTape(t, "Ctrl+C\nType \"1\"\nExpect \"Your name\"\n", kioskFilter)
	if code != ExitPass {
		t.Fatalf("with the kiosk filter: exit %d:\n%s", code, out)
	}
	// The host forwards Quitting, so a quit the model decided on goes through.
	code, out, _ = runTape(t, "Click \"Quit\"\nExpect \"Your name\"\n", kioskFilter)
	if code != ExitFail || !strings.Contains(out, "the station has stopped") {
		t.Fatalf("a quit the model decided on: exit %d:\n%s", code, out)
	}
	code, out, _ = runTape(t, "Ctrl+C\nExpect \"Your name\"\n")
	if code != ExitFail || !strings.Contains(out, "the station has stopped") {
		t.Fatalf("without a filter: exit %d:\n%s", code, out)
	}
}

func TestRunModelPanicIsReported(t *testing.T) {
	code, out, _ := runTape(t, "Type \"1\"\nType \"ab!\"\nType \"c\"\n")
	if code != ExitFail {
		t.Fatalf("exit %d, want 1:\n%s", code, out)
	}
	for _, want := range []string{"FAIL 2  Type \"ab!\"", "the station crashed: panic: boom", "(*dummy).key", "  │Your name: ab_"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunResize(t *testing.T) {
	code, out, _ := runTape(t, "Expect \"100x30\"\nSet Width 120\nSet Height 40\nExpect \"120x40\"\n")
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func TestRunIsDeterministic(t *testing.T) {
	src := `Set Clock 2025-09-01T09:00:00+08:00
Type "1"
Type "陳大文"
Enter
Expect "Hello"
Advance 95s
Screen
Set Timeout 10ms
Expect "never there"
`
	code1, out1, _ := runTape(t, src)
	code2, out2, _ := runTape(t, src)
	if code1 != ExitFail || code1 != code2 || out1 != out2 {
		t.Fatalf("two runs differ (exit %d, %d):\n%s\n----\n%s", code1, code2, out1, out2)
	}
	// The idle timer fired at 90s and drew the last frame; the clock moved on
	// to 95s without a message, so the screen still shows 01:01:30.
	if !strings.Contains(out1, "01:01:30") {
		t.Fatalf("the screen does not show the advanced virtual clock:\n%s", out1)
	}
}

func TestRunContextCancelled(t *testing.T) {
	tp, _ := Parse(strings.NewReader("Sleep 1m\n"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	code := Run(ctx, tp, func(clk clock.Clock) (Station, error) { return Station{Model: newDummy(clk)}, nil }, &out)
	if code != ExitFail {
		t.Fatalf("exit %d, want 1:\n%s", code, out.String())
	}
}

// longTape is an n-line tape of the kind testers write: typing, keys,
// expectations and clock moves.
func longTape(n int) string {
	var b strings.Builder
	b.WriteString("Set Clock 2025-09-01T09:00:00Z\n")
	lines := 1
	for lines < n {
		b.WriteString("Type \"1\"\nExpect \"Your name:\"\nType \"Alice\"\nBackspace 5\nType \"陳大文\"\n" +
			"Expect \"陳大文_\"\nEnter\nExpect \"Hello, 陳大文!\"\nAdvance 30s\nExpectNot \"Timed out\"\n")
		lines += 10
	}
	return b.String()
}

func TestRunLongTapeIsFast(t *testing.T) {
	src := longTape(200)
	if n := strings.Count(src, "\n"); n < 200 {
		t.Fatalf("tape has %d lines", n)
	}
	begin := time.Now()
	code, out, _ := runTape(t, src)
	elapsed := time.Since(begin)
	if code != ExitPass {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	t.Logf("a %d-line tape ran in %v", strings.Count(src, "\n"), elapsed)
	if elapsed > 2*time.Second {
		t.Errorf("a 200-line tape took %v, want under 2s", elapsed)
	}
}

func BenchmarkRun200Lines(b *testing.B) {
	tp, err := Parse(strings.NewReader(longTape(200)))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var out bytes.Buffer
		if code := Run(context.Background(), tp, func(clk clock.Clock) (Station, error) {
			return Station{Model: newDummy(clk)}, nil
		}, &out); code != ExitPass {
			b.Fatalf("exit %d:\n%s", code, out.String())
		}
	}
}
