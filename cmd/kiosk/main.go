// Command kiosk is the Express Station program: the full-screen station, the
// headless tape runner, the standalone registry import and the status report.
// The command line is a contract (DESIGN.md); add to it, never rename.

// The runtime would re-read the CPU affinity and cgroup limits every second
// to adjust GOMAXPROCS: a wake-up and two system calls a second on an idle
// station whose CPUs never change (issue 17).
//
//go:debug updatemaxprocs=0
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/expressstation/kiosk/cmd/internal/buildinfo"
	"github.com/expressstation/kiosk/store/secret"
)

const usage = `Express Station

usage:
  kiosk [--config kiosk.toml] [--dev]        full-screen station
  kiosk --config F --script FILE|-           run a tape headless (exit 0 pass, 1 fail, 2 bad tape/station)
  kiosk --config F import REGISTRY.csv       load registry records into a standalone replica
  kiosk --config F status [--json]           replica and sync figures
  kiosk hash-pin                             read a staff PIN without echo, print its hash
  kiosk --version                            the build: version, VCS revision, Go release

Without --config, ./kiosk.toml is used if present, else the embedded demo configuration.

The station runs in kiosk mode: Ctrl+C, Ctrl+Z and q do nothing. The way out
is staff mode: F12 (the [staff] key), the staff PIN (135790 in the demo
configuration), then Exit program. With --dev, Ctrl+C quits. SIGTERM stops
the station cleanly.
`

// commandUsage is each subcommand's --help.
var commandUsage = map[string]string{
	"import": `usage:
  kiosk --config F import REGISTRY.csv

Loads registry records into a standalone station's replica (a synced station
gets them from accountd). Each bad row is reported as FILE:LINE: column:
reason on standard error; the good rows land; importing the same file again
changes nothing. Exit 0: every row landed; 1: some rows were refused; 2:
nothing could be read (header, file, configuration).
`,
	"status": `usage:
  kiosk --config F status [--json]

Prints the replica's size, accounts, sync cursor, last sync and error, outbox
pending and rejected ops, maintenance. --json prints one object with at least
accounts, outbox_pending, outbox_rejected, cursor and last_sync.
`,
	"hash-pin": `usage:
  kiosk hash-pin

Reads a staff PIN (6 to 32 characters; twice, without echo, on a terminal;
else one line of standard input) and prints its argon2id hash for
[staff] pin_hash.
`,
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

func main() {
	limitMemory = applyMemoryLimit
	secret.ReleaseAfterHash = true
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // printed below: --help to stdout, a mistake to stderr
	configPath := fs.String("config", "", "station configuration file")
	script := fs.String("script", "", "run a tape from FILE, or - for standard input")
	dev := fs.Bool("dev", false, "development: Ctrl+C quits")
	version := fs.Bool("version", false, "print the build's version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprint(stderr, "\n"+usage)
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, buildinfo.Line("kiosk"))
		return 0
	}
	rest := fs.Args()
	if len(rest) > 0 && commandUsage[rest[0]] != "" && slices.ContainsFunc(rest[1:], isHelp) {
		fmt.Fprint(stdout, commandUsage[rest[0]])
		return 0
	}
	if *script != "" {
		return runScript(*configPath, *script, stdin, stdout, stderr)
	}
	if len(rest) == 0 {
		return runTUI(*configPath, *dev, stderr)
	}
	switch rest[0] {
	case "import":
		return runImport(*configPath, rest[1:], stdout, stderr)
	case "status":
		return runStatus(*configPath, rest[1:], stdout, stderr)
	case "hash-pin":
		return runHashPin(stdin, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "kiosk: unknown command %q\n\n%s", rest[0], usage)
		return 2
	}
}
