// Command accountd is the central account store that stations sync with:
// it serves the sync API, imports the registry and manages station tokens.
// The command line is a contract (DESIGN.md); add to it, never rename.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `accountd: the Express Station central account store

usage:
  accountd serve --db central.db --listen 127.0.0.1:8440 [--cert F --key F]
  accountd import --db central.db [key flags] REGISTRY.csv
  accountd station add --db central.db ID       prints the new station's token once
  accountd station list --db central.db [--json]
  accountd station revoke --db central.db ID

serve uses TLS when --cert and --key are given. import needs the deployment's
identity and seal keys, the same as every station's: --identity-key FILE and
--seal-key FILE, or KIOSK_IDENTITY_KEY and KIOSK_SEAL_KEY (which win).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes: 0 done; 1 done in part (an import with refused rows) or
// failed while running; 2 bad usage or nothing could be done.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, rest := args[0], args[1:]
	if cmd == "station" {
		if len(rest) == 0 {
			fmt.Fprint(stderr, "accountd station: say add, list or revoke\n\n"+usage)
			return 2
		}
		cmd, rest = "station "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "station add", "station list", "station revoke":
		return runStation(ctx, cmd, rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "accountd: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// parse reads flags that may come before, between or after the positional
// arguments (`import REGISTRY.csv --db x` works too), and checks their count.
func parse(fs *flag.FlagSet, args []string, positional int, stderr io.Writer) ([]string, bool) {
	fs.SetOutput(stderr)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != positional {
		fmt.Fprintf(stderr, "accountd %s: expected %d argument(s), got %d: %s\n\n%s",
			fs.Name(), positional, len(pos), strings.Join(pos, " "), usage)
		return nil, false
	}
	return pos, true
}

// fail prints err for the operator and returns code.
func fail(stderr io.Writer, code int, err error) int {
	fmt.Fprintln(stderr, "accountd:", err)
	return code
}
