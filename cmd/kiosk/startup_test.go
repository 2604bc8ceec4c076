package main

import (
	"os"
	"os/exec"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/cmd/kiosk/app"
)

// Every package linked into the binary initialises at every start, --help
// included. The station must not link the central store (and with it the
// PostgreSQL driver): the syncer once did, for three header names, and that
// was a fifth of --help's instructions (issue 17).
func TestStationDoesNotLinkTheCentralStore(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasSuffix(p, "/store/central") || strings.HasPrefix(p, "github.com/jackc/") {
			t.Errorf("kiosk links %s", p)
		}
	}
}

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

// The station's renderer runs well below Bubble Tea's 60 fps: at the menu
// nothing changes, yet every frame copies and compares the whole screen
// (issue 17: 1% CPU idle). The rate is an unexported field of the program;
// reading it is the only way to see what the options set.
func TestStationFrameRate(t *testing.T) {
	p := tea.NewProgram(nil, programOptions(nil)...)
	fps := reflect.ValueOf(p).Elem().FieldByName("fps")
	if !fps.IsValid() {
		t.Skip("bubbletea.Program has no fps field any more: check tea.WithFPS by hand")
	}
	if n := fps.Int(); n < 1 || n > 15 {
		t.Fatalf("the station renders at %d fps (0 = Bubble Tea's 60): want 1 to 15", n)
	}
}

// [station] memory_limit becomes the runtime's soft limit (issue 17).
func TestMemoryLimitApplied(t *testing.T) {
	if os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOMEMLIMIT is set: it wins over the configuration")
	}
	cfg, err := app.LoadConfig("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	before := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(before)
	applyMemoryLimit(cfg)
	if got := debug.SetMemoryLimit(-1); got != 48<<20 {
		t.Fatalf("memory limit %d after start, want the configured 48MiB", got)
	}
}
