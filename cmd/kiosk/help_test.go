package main

import (
	"strings"
	"testing"
)

// --help and -h on every command and subcommand print to standard output
// and exit 0 (issue 11 point 18); hash-pin does not wait for a PIN, import
// does not look for a file named --help.
func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range [][]string{{}, {"import"}, {"status"}, {"hash-pin"}, {"--config", "kiosk.toml", "import"}} {
		for _, flag := range []string{"--help", "-h"} {
			args := append(append([]string(nil), cmd...), flag)
			code, stdout, stderr := runKiosk(t, args...)
			if code != 0 || stderr != "" || !strings.Contains(stdout, "usage:") {
				t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
			}
		}
	}
	if _, stdout, _ := runKiosk(t, "--help"); !strings.Contains(stdout, "--script") || !strings.Contains(stdout, "F12") {
		t.Errorf("kiosk --help does not give the command line and the way out:\n%s", stdout)
	}
	if _, stdout, _ := runKiosk(t, "status", "--help"); !strings.Contains(stdout, "kiosk --config F status [--json]") {
		t.Errorf("status --help:\n%s", stdout)
	}
}
