package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/central"
)

// runPass issues, lists or revokes the service desk's access passes
// (store/central/pass.go). Exit 2 for bad usage, 1 when the store refuses.
func runPass(ctx context.Context, clk clock, cmd string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	db := fs.String("db", defaultDB, dbUsage)
	shared := sharedFlag(fs)
	var reason, by *string
	var valid *time.Duration
	var asJSON *bool
	want := 1
	switch cmd {
	case "pass issue":
		reason = fs.String("reason", "", "how the student was identified at the desk, and why (required; audited)")
		by = fs.String("by", "", "who issues the pass: the staff member's name or ID (required; audited)")
		valid = fs.Duration("valid", policy.DefaultPassValid, "how long the pass works (at most 168h)")
	case "pass revoke":
		by = fs.String("by", "", "who revokes the pass (audited)")
	case "pass list":
		asJSON = fs.Bool("json", false, "list as JSON")
		want = 0
	}
	pos, ok := parse(fs, args, want, stderr)
	if !ok {
		return 2
	}
	if cmd == "pass issue" {
		if _, err := central.PassReason(*reason); err != nil {
			return fail(stderr, 2, fmt.Errorf("pass issue: --reason: %w", err))
		}
		if *by == "" {
			return fail(stderr, 2, fmt.Errorf("pass issue: say who issues the pass with --by"))
		}
		if err := policy.PassValid(*valid); err != nil {
			return fail(stderr, 2, fmt.Errorf("pass issue: --valid: %w", err))
		}
	}
	st, err := central.Open(*db, central.Options{AllowSharedFile: *shared, Now: clk.Now})
	if err != nil {
		return fail(stderr, 2, err)
	}
	defer st.Close()
	switch cmd {
	case "pass issue":
		pass, expires, err := st.IssuePass(ctx, pos[0], *reason, *by, *valid)
		if err != nil {
			return fail(stderr, 1, fmt.Errorf("pass issue %s: %w", pos[0], err))
		}
		fmt.Fprintf(stderr, "access pass for %s, valid once until %s; stations can take it after their next sync. "+
			"Give it to the student only; it is shown this once:\n", pos[0], expires.Local().Format(time.DateTime))
		fmt.Fprintln(stdout, pass)
	case "pass revoke":
		if err := st.RevokePass(ctx, pos[0], *by); err != nil {
			return fail(stderr, 1, fmt.Errorf("pass revoke %s: %w", pos[0], err))
		}
		fmt.Fprintf(stdout, "%s: access pass revoked; stations refuse it after their next sync\n", pos[0])
	case "pass list":
		list, err := st.Passes(ctx)
		if err != nil {
			return fail(stderr, 1, err)
		}
		if *asJSON {
			return printJSON(stdout, list)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ACCOUNT\tISSUED BY\tEXPIRES\tSTATE")
		for _, p := range list {
			state := "valid"
			if p.Expired {
				state = "expired"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Account, p.IssuedBy, p.Expires.Local().Format(time.DateTime), state)
		}
		tw.Flush()
	}
	return 0
}
