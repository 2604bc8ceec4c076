// Package deploytest checks the deployment recipes under cmd/*/deploy in the
// packages' tests: it builds a binary the way an installer would and runs
// `systemd-analyze verify` (Debian's systemd package) on a unit that starts
// it. Test code only.
package deploytest

import (
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bi "github.com/expressstation/kiosk/cmd/internal/buildinfo"
)

// Build builds the main package pkg into dir/name and returns its path.
func Build(t testing.TB, dir, pkg, name string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	if b, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// CheckVersion runs `bin --version` and checks it prints, on standard
// output, the line buildinfo makes from what the toolchain recorded in bin
// (module version, VCS revision when the build had one, Go release).
func CheckVersion(t testing.TB, bin, prog string) {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--version")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("%s --version: %v, stderr %q", prog, err, stderr.String())
	}
	if got, want := string(out), bi.Long(prog, info)+"\n"; got != want {
		t.Fatalf("%s --version printed %q, want %q", prog, got, want)
	}
}

// analyzer is systemd-analyze, or a skip that says how to get it.
func analyzer(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not found, so the systemd units are not checked: " +
			"install Debian's systemd package (apt-get install -y systemd); .ci/run does")
	}
	return path
}

// VerifyUnit runs `systemd-analyze verify` on the unit file with each
// installed path in exec (say /usr/local/bin/accountd) replaced by the
// binary the test built, because verify refuses a unit whose program does
// not exist. Any complaint fails the test: verify exits 0 on an unknown or
// misspelt key and only warns. maxExposure (0.0 to 10.0, as
// `systemd-analyze security` prints it) fails a unit that leaves the host
// more exposed than that.
func VerifyUnit(t testing.TB, unit string, execs map[string]string, maxExposure float64) {
	t.Helper()
	sa := analyzer(t)
	src, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for installed, built := range execs {
		if !strings.Contains(text, "ExecStart="+installed) {
			t.Fatalf("%s: ExecStart does not run %s", unit, installed)
		}
		text = strings.ReplaceAll(text, installed, built)
	}
	// verify checks the unit under its own name: keep it.
	path := filepath.Join(t.TempDir(), filepath.Base(unit))
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("systemd-analyze verify %s: %v\n%s", filepath.Base(unit), err, out)
	}
	threshold := int(maxExposure*10 + 0.5) // security's --threshold counts tenths
	out, err = exec.Command(sa, "security", "--offline=yes", "--no-pager",
		"--threshold="+strconv.Itoa(threshold), path).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security %s: %v (exposure above %.1f?)\n%s",
			filepath.Base(unit), err, maxExposure, lastLines(string(out), 3))
	}
	t.Log(lastLines(string(out), 1))
}

// lastLines is the last n lines of out, for a short failure message.
func lastLines(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
