package main

import (
	"strings"
	"testing"
)

// --help and -h on every command and subcommand print to standard output
// and exit 0 (issue 11 point 18); nothing is opened or created.
func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range [][]string{{}, {"serve"}, {"import"}, {"station"}, {"station", "add"},
		{"station", "list"}, {"station", "revoke"}, {"lifecycle"}, {"lifecycle", "run"},
		{"extend"}, {"notices"}, {"migrate"}, {"pass"}, {"pass", "issue"}, {"pass", "list"}, {"pass", "revoke"}} {
		for _, flag := range []string{"--help", "-h"} {
			args := append(append([]string(nil), cmd...), flag)
			code, stdout, stderr := out(t, args...)
			name := "accountd " + strings.Join(cmd, " ")
			if code != 0 || stderr != "" || !strings.Contains(stdout, "usage:") || !strings.Contains(stdout, strings.TrimSpace(name)) {
				t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
			}
		}
	}
	// A subcommand's help lists its own flags.
	if _, stdout, _ := out(t, "serve", "--help"); !strings.Contains(stdout, "-listen") || !strings.Contains(stdout, "-smtp-require-tls") {
		t.Errorf("serve --help does not list its flags:\n%s", stdout)
	}
	// Help wins wherever it stands, even after other arguments.
	if code, stdout, _ := out(t, "import", "--db", "x.db", "registry.csv", "--help"); code != 0 || !strings.Contains(stdout, "-identity-key") {
		t.Errorf("import ... --help: exit %d:\n%s", code, stdout)
	}
}
