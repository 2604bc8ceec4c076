package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/cmd/internal/buildinfo"
)

// `kiosk --version` prints the build on standard output and exits 0, before
// it reads any configuration.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--version"}, {"-version"}, {"--config", "/nonexistent/kiosk.toml", "--version"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 0 || stderr.Len() > 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, stderr.String())
		}
		if got, want := stdout.String(), buildinfo.Line("kiosk")+"\n"; got != want {
			t.Fatalf("%v printed %q, want %q", args, got, want)
		}
	}
}
