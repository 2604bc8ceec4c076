package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/cmd/kiosk/app"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/kiosk/tape"
	"github.com/expressstation/kiosk/store"
)

// Issue 19's tapes that need more than the shipped demo station: kylee with
// a verified personal e-mail (a reset with an e-mail code), and the
// reset_needs_second_factor key on (the refusal). The shipped demo keeps
// kylee without one, as the contract's Forgot Password tests expect.
func TestEmailCodeTapes(t *testing.T) {
	t.Run("forgot-password-email-code", func(t *testing.T) {
		path := demoConfig(t)
		cfg, err := config.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := app.OpenReplica(cfg, clock.Real{}, nil, true) // seeds the demo registry
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := r.SendEmailCode(ctx, store.Unverified("kylee"), store.CodeVerifyEmail, "kayan.lee@gmail.com"); err != nil {
			t.Fatal(err)
		}
		n, _ := r.HeldNotice(ctx)
		code := regexp.MustCompile(`\b([0-9]{6})\b`).FindStringSubmatch(n.Body)
		if code == nil {
			t.Fatalf("no code in %q", n.Body)
		}
		if _, err := r.VerifyPersonalEmail(ctx, store.Unverified("kylee"), code[1]); err != nil {
			t.Fatal(err)
		}
		r.Close()
		runTapeAt(t, path, "testdata/forgot-password-email-code.tape")
	})
	t.Run("refuse-reset-no-second-factor", func(t *testing.T) {
		path := demoConfig(t)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		on := strings.Replace(string(b), "reset_needs_second_factor = false", "reset_needs_second_factor = true", 1)
		if on == string(b) {
			t.Fatal("kiosk.toml has no reset_needs_second_factor = false")
		}
		if err := os.WriteFile(path, []byte(on), 0o600); err != nil {
			t.Fatal(err)
		}
		runTapeAt(t, path, "testdata/refuse-reset-no-second-factor.tape")
	})
}

func runTapeAt(t *testing.T, configPath, tapePath string) {
	t.Helper()
	var out strings.Builder
	if code := tape.RunScript(context.Background(), tapePath, nil, starter(configPath), &out); code != tape.ExitPass {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
}
