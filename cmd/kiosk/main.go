// Command kiosk is the Express Station program: the full-screen station, the
// headless tape runner, the standalone registry import and the status report.
// The command line is a contract (DESIGN.md); add to it, never rename.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `Express Station

usage:
  kiosk [--config kiosk.toml] [--dev]        full-screen station
  kiosk --config F --script FILE|-           run a tape headless (exit 0 pass, 1 fail, 2 bad tape/station)
  kiosk --config F import REGISTRY.csv       load registry records into a standalone replica
  kiosk --config F status [--json]           replica and sync figures
  kiosk hash-pin                             read a staff PIN without echo, print its hash

Without --config, ./kiosk.toml is used if present, else the embedded demo configuration.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := fs.String("config", "", "station configuration file")
	script := fs.String("script", "", "run a tape from FILE, or - for standard input")
	dev := fs.Bool("dev", false, "development: Ctrl+C quits")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := fs.Args()
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
