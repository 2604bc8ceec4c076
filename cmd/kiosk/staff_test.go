package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/cmd/kiosk/app"
	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/kiosk/tape"
	"github.com/expressstation/kiosk/store/demo"
)

// runOn runs tape source on the station configured at cfg (its data stays
// in cfg's folder, so a second run is a restart of the same station).
func runOn(t *testing.T, cfg, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "t.tape")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := tape.RunScript(context.Background(), path, nil, starter(cfg), &out); code != tape.ExitPass {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	return out.String()
}

const staffSignIn = `F12
Type "135790"
Enter
Expect "Staff panel"
`

func TestMaintenanceSurvivesARestart(t *testing.T) {
	t.Parallel()
	cfg := demoConfig(t)
	runOn(t, cfg, `Expect "Welcome"
`+staffSignIn+`Click "Start maintenance"
Expect "Maintenance is on"
`)
	runOn(t, cfg, `Expect "Out of service"
Type "1"
ExpectNot "Acceptable Use Policy"
`)
	var out, errb bytes.Buffer
	if code := run([]string{"--config", cfg, "status"}, nil, &out, &errb); code != 0 ||
		!regexp.MustCompile(`(?m)^maintenance\s+on since `).MatchString(out.String()) {
		t.Fatalf("status exit %d:\n%s%s", code, out.String(), errb.String())
	}
}

// A standalone station rebuilds from the registry file of its last import.
func TestResetRebuildsFromTheImportedFile(t *testing.T) {
	t.Parallel()
	cfg := standaloneConfig(t)
	reg := writeFile(t, "registry.csv", demo.Registry)
	if code, out, errs := runKiosk(t, "--config", cfg, "import", reg); code != 0 {
		t.Fatalf("import exit %d: %s%s", code, out, errs)
	}
	st := status(t, cfg)
	if st["registry_source"] != reg || st["maintenance"] != false || st["version"] == "" {
		t.Fatalf("status --json after the import: %v", st)
	}
	if rejected, ok := st["rejected"].([]any); !ok || len(rejected) != 0 {
		t.Fatalf("rejected = %#v, want an empty list", st["rejected"])
	}
	runOn(t, cfg, `Set Width 120
Expect "Welcome"
`+staffSignIn+`Click "Reset station"
Expect "rebuilds every account from the registry"
Expect "`+reg+`"
Click "Reset station"
Expect "Station reset"
Expect "`+reg+`"
`)
}

// The log (a file named in kiosk.toml) after a whole activation, a password
// reset by date of birth and a staff session holds none of their secrets.
func TestLogHoldsNoSecrets(t *testing.T) {
	t.Parallel()
	cfg := demoConfig(t)
	const (
		hkidPW  = "Blue harbour ferry 58"
		dobPW   = "Tai Tam reservoir walk"
		wrongPN = "864209"
	)
	out := runOn(t, cfg, `Set Width 160
Set Clock 2026-09-01T09:00:00+08:00
Expect "Welcome"
Type "1"
PageDown 30
Click "I accept"
Type "20261001"
Tab
Type "A123456(3)"
Enter
Expect "Account name  tmchan"
Enter
Type "`+hkidPW+`"
Tab
Type "`+hkidPW+`"
Enter
Expect "Set up two-factor authentication"
Capture KEY /Key: ((?:[A-Z2-7]{4} ?){8})/
Screen
TOTP KEY
Enter
Expect "Open to Public"
Enter
Expect "Your account is ready"
Enter
Type "1"
PageDown 30
Click "I accept"
Type "20261003"
Click "No HK ID card? Use Date of Birth"
Type "20070721"
Enter
Expect "Account name  slwong"
Enter
Type "`+dobPW+`"
Tab
Type "`+dobPW+`"
Enter
Expect "Set up two-factor authentication"
Esc
Type "2"
Type "cklau"
Tab
Type "`+demo.TOTPPassword+`"
Enter
TOTP "`+demo.TOTPSecret+`"
Enter
Esc
F12
Type "`+wrongPN+`"
Enter
Expect "Wrong PIN"
Type "135790"
Enter
Expect "Staff panel"
Click "Start maintenance"
Expect "Maintenance is on"
Click "End maintenance"
Expect "Maintenance is off"
Click "Reset station"
Click "Reset station"
Expect "Station reset"
Enter
Expect "Welcome"
`)
	key := regexp.MustCompile(`Key: ((?:[A-Z2-7]{4} ?){8})`).FindStringSubmatch(out)
	if key == nil {
		t.Fatalf("no key on the printed screen:\n%s", out)
	}
	grouped := strings.TrimSpace(key[1])

	dir := filepath.Dir(cfg)
	var log []byte
	for _, p := range []string{"data/kiosk.log", "data/kiosk.log.1"} {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		log = append(log, b...)
	}
	for _, want := range []string{`"account activated"`, `"account":"tmchan"`, `"action":"staff_pin_wrong"`,
		`"action":"staff_sign_in"`, `"action":"staff_maintenance"`, `"station reset"`} {
		if !bytes.Contains(log, []byte(want)) {
			t.Errorf("the log lacks %s: it proves nothing if it does not record the session:\n%s", want, log)
		}
	}
	secrets := []string{hkidPW, dobPW, demo.TOTPPassword, demo.ActivePassword, "135790", wrongPN,
		"A123456(3)", "A1234563", "A123456", "2007-07-21", "20070721", "2006-03-14",
		grouped, strings.ReplaceAll(grouped, " ", ""), demo.TOTPSecret, "$argon2id$"}
	for _, s := range secrets {
		if bytes.Contains(log, []byte(s)) {
			t.Errorf("the log contains the secret %q", s)
		}
	}
}

// SIGTERM from outside (systemctl stop) ends the station although the kiosk
// filter refuses every other quit.
func TestSIGTERMStopsTheStation(t *testing.T) {
	st, err := app.Start(mustLoad(t, demoConfig(t)), clock.Real{}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p := tea.NewProgram(st.Model, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithoutRenderer(),
		tea.WithFilter(kiosk.Filter), tea.WithoutSignalHandler())
	defer stopOnSignal(p, st.Logger)()
	done := make(chan error, 1)
	go func() { _, err := p.Run(); done <- err }()

	p.Send(tea.KeyMsg{Type: tea.KeyCtrlC}) // refused: kiosk mode
	p.Send(tea.QuitMsg{})                  // refused by the filter
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("program ended with %v", err)
		}
	case <-time.After(10 * time.Second):
		p.Kill()
		t.Fatal("SIGTERM did not stop the station")
	}
	if !st.Model.Quitting() {
		t.Error("the station ended without deciding to quit")
	}
}

func mustLoad(t *testing.T, path string) *config.Config {
	t.Helper()
	cfg, err := app.LoadConfig(path, filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// status --json carries the panel's figures beside the contract's numbers.
func TestStatusJSONHasStaffFigures(t *testing.T) {
	t.Parallel()
	cfg := standaloneConfig(t)
	st := status(t, cfg)
	b, _ := json.Marshal(st)
	for _, k := range []string{"maintenance", "rejected", "version", "schema_version", "database_bytes"} {
		if _, ok := st[k]; !ok {
			t.Errorf("status --json lacks %q: %s", k, b)
		}
	}
}
