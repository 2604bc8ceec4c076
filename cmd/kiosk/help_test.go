package main

import (
	"os"
	"path/filepath"
	"regexp"
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

// The documents a newcomer follows from README exist in a clone: every
// relative Markdown link and every path to a .md file in README and in the
// design doc (it used to point at ../shared/DESIGN.md, outside the
// repository).
func TestREADMELinksResolve(t *testing.T) {
	root := filepath.Join("..", "..")
	ref := regexp.MustCompile("\\]\\(([^)#\\s]+)[^)]*\\)|`([^`\\s]*\\.md)`")
	for _, doc := range []string{"README.md", "kiosk/DESIGN.md"} {
		b, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			target := m[1] + m[2]
			if strings.Contains(target, "://") {
				continue
			}
			// README's paths are from the root; the design doc's from its folder.
			base := root
			if doc != "README.md" && !strings.Contains(target, "/") {
				base = filepath.Join(root, filepath.Dir(doc))
			}
			if _, err := os.Stat(filepath.Join(base, target)); err != nil {
				t.Errorf("%s links to %s, which is not in the repository", doc, target)
			}
		}
	}
}
