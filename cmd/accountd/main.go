// Command accountd is the central account store that stations sync with:
// it serves the sync API, imports the registry and manages station tokens.
// The command line is a contract (DESIGN.md); add to it, never rename.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/expressstation/kiosk/cmd/internal/buildinfo"
)

const usage = `accountd: the Express Station central account store

usage:
  accountd serve --db central.db --listen 127.0.0.1:8440 [--cert F --key F]
                 [--smtp HOST:PORT --mail-from ADDR [--smtp-require-tls]] [notice flags]
                 [--metrics-listen 127.0.0.1:9440]
  accountd import --db central.db [key flags] REGISTRY.csv
  accountd station add --db central.db ID       prints the new station's token once
  accountd station list --db central.db [--stale 10m] [--json]
  accountd station revoke --db central.db ID
  accountd lifecycle run --db central.db [--now RFC3339|YYYY-MM-DD] [notice flags]
  accountd extend --db central.db ACCOUNT --until YYYY-MM-DD --reason TEXT [notice flags]
  accountd notices --db central.db [--state pending|sent|kept] [--limit N] [--json]
  accountd pass issue --db central.db ACCOUNT --reason TEXT --by WHO [--valid 1h]
                                                prints a one-time access pass once
  accountd pass list --db central.db [--json]
  accountd pass revoke --db central.db ACCOUNT [--by WHO]
  accountd --version                            the build: version, VCS revision, Go release
  accountd migrate --from central.db --to postgres://USER@HOST:PORT/DB

--db is a SQLite file or a postgres:// URL (PostgreSQL: several accountd
processes may serve one database; give the password in PGPASSWORD or
~/.pgpass, not in the URL, which other users can see in the process list).
migrate copies a SQLite store into an empty PostgreSQL database, keeping its
epoch, change numbers, seen ops and station tokens: stations keep syncing.

The --db file (with its -wal and -shm) holds password hashes and sealed 2FA
keys: accountd creates it 0600, its folder 0700, and refuses to open one that
other users can read unless --allow-shared-db-file (on any command) says so.

serve --metrics-listen ADDR serves Prometheus /metrics on a listener of its
own: requests by endpoint and status, ops applied, duplicate and rejected
(by reason code), lifecycle moves and notices by state, push and page
latency, the feed head, and each station's lag and last heartbeat.

station list shows each station's last heartbeat (stations send one after
every sync round): when it came, its version, its lag (the feed's newest
change minus the station's cursor), its outbox backlog and rejected ops,
whether it is in maintenance, and STALE for a live station silent for longer
than --stale (default 10m; one never heard from counts from when it was added).

serve uses TLS when --cert and --key are given. import needs the deployment's
identity and seal keys, the same as every station's: --identity-key FILE and
--seal-key FILE, or KIOSK_IDENTITY_KEY and KIOSK_SEAL_KEY (which win).

serve runs the lifecycle job at start and then daily, just after midnight
UTC (dates are UTC days): on the completion date an account enters four
months of grace; at its end (or at the end of an extension) degree graduates
become alumni and the others are terminated; passwords unchanged for more
than six months get a reminder. lifecycle run runs that job once and prints
what it did. extend records a supervisor's extension (a date after the grace
period and after today, for an account whose services have not ended:
alumni and terminated are final; a reason is required). Each move and
extension reaches the stations through sync; a student who activated gets a notice.

Notices wait in the store; serve sends them by SMTP with --smtp and
--mail-from (login from ACCOUNTD_SMTP_USERNAME and ACCOUNTD_SMTP_PASSWORD,
or the password in the file ACCOUNTD_SMTP_PASSWORD_FILE names, only over
STARTTLS), and without --smtp keeps them for notices to list.
Notice flags say what notices name, as the stations' [station] keys do:
--email-domain (default $ACCOUNTD_EMAIL_DOMAIN, else connect.example.edu)
and --service-desk (default $ACCOUNTD_SERVICE_DESK, else the IT Service Desk).

pass issue is for a student who lost the authenticator, after the desk has
checked the student's identity card in person: the pass (10 characters,
shown once, only its hash kept) lets one station visit set a new password
and a new 2FA enrolment for that account, until it expires (default 1h).
Issuing, revoking and using it are audited; its use sends a notice.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is accountd on the wall clock.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, wallClock{}, args, stdout, stderr)
}

// Exit codes: 0 done; 1 done in part (an import with refused rows) or
// failed or refused while running; 2 bad usage or nothing could be done.
func runWith(ctx context.Context, clk clock, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if isHelp(args[0]) || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		fmt.Fprintln(stdout, buildinfo.Line("accountd"))
		return 0
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "station", "lifecycle", "pass":
		if len(rest) > 0 && isHelp(rest[0]) {
			return help(ctx, clk, cmd, stdout)
		}
		if len(rest) == 0 {
			fmt.Fprintf(stderr, "accountd %s: say which (%s)\n\n%s", cmd, subcommands[cmd], usage)
			return 2
		}
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	if slices.ContainsFunc(rest, isHelp) {
		return help(ctx, clk, cmd, stdout)
	}
	return dispatch(ctx, clk, cmd, rest, stdout, stderr)
}

// dispatch runs one command with its arguments.
func dispatch(ctx context.Context, clk clock, cmd string, rest []string, stdout, stderr io.Writer) int {
	switch cmd {
	case "serve":
		return runServe(ctx, clk, rest, stderr)
	case "import":
		return runImport(ctx, rest, stdout, stderr)
	case "station add", "station list", "station revoke":
		return runStation(ctx, clk, cmd, rest, stdout, stderr)
	case "lifecycle run":
		return runLifecycle(ctx, clk, rest, stdout, stderr)
	case "extend":
		return runExtend(ctx, clk, rest, stdout, stderr)
	case "notices":
		return runNotices(ctx, rest, stdout, stderr)
	case "pass issue", "pass list", "pass revoke":
		return runPass(ctx, clk, cmd, rest, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	}
	fmt.Fprintf(stderr, "accountd: unknown command %q\n\n%s", cmd, usage)
	return 2
}

var subcommands = map[string]string{"station": "add, list or revoke", "lifecycle": "run", "pass": "issue, list or revoke"}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// help answers `accountd CMD --help` on standard output with exit 0: CMD's
// lines of the usage, then its flags as the command defines them (asked
// with -h, every command stops at its parse, before it opens anything).
func help(ctx context.Context, clk clock, cmd string, stdout io.Writer) int {
	var lines []string
	in := false
	for _, l := range strings.Split(usage, "\n") {
		switch {
		case strings.HasPrefix(l, "  accountd "+cmd+" ") || l == "  accountd "+cmd:
			in = true
		case !strings.HasPrefix(l, "    "): // a continuation is indented further
			in = false
		}
		if in {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stdout, "usage:\n%s\n", strings.Join(lines, "\n"))
	if _, group := subcommands[cmd]; !group {
		var flags bytes.Buffer
		dispatch(ctx, clk, cmd, []string{"-h"}, io.Discard, &flags)
		if _, defaults, ok := strings.Cut(flags.String(), ":\n"); ok && defaults != "" {
			fmt.Fprintf(stdout, "\nflags:\n%s", defaults)
		}
	}
	fmt.Fprintln(stdout, "\naccountd --help shows every command and what they do.")
	return 0
}

// clock is accountd's time: the wall clock, or a test's.
type clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

type wallClock struct{}

func (wallClock) Now() time.Time                         { return time.Now() }
func (wallClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

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
