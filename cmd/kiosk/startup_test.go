package main

import (
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// go-runewidth before v0.0.30 filled a 2.2 MB table at package init: some
// 48 ms of every start, --help included (issue 17). Its init is linked into
// every path of the binary, so the version is what keeps it off them.
func TestRunewidthInitIsCheap(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information in this binary")
	}
	for _, d := range info.Deps {
		if d.Path != "github.com/mattn/go-runewidth" {
			continue
		}
		if d.Replace != nil {
			d = d.Replace
		}
		// v0.0.N: the module has had no minor release yet.
		num, _, _ := strings.Cut(strings.TrimPrefix(d.Version, "v0.0."), "-")
		n, err := strconv.Atoi(num)
		if !strings.HasPrefix(d.Version, "v0.0.") || err != nil {
			return // a v0.1 or later release has the fix
		}
		if n < 30 {
			t.Fatalf("go-runewidth %s fills its width table at init (fixed in v0.0.30): go get github.com/mattn/go-runewidth@latest", d.Version)
		}
		return
	}
	t.Fatal("go-runewidth is not linked: the test looks at the wrong module")
}
