package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/expressstation/kiosk/cmd/internal/buildinfo"
)

// `accountd --version` prints the build on standard output and exits 0.
func TestVersionFlag(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--version", "-version", "version"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{arg}, &stdout, &stderr); code != 0 || stderr.Len() > 0 {
			t.Fatalf("%s: exit %d, stderr %q", arg, code, stderr.String())
		}
		if got, want := stdout.String(), buildinfo.Line("accountd")+"\n"; got != want {
			t.Fatalf("%s printed %q, want %q", arg, got, want)
		}
	}
}
