package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/cmd/internal/deploytest"
	"github.com/expressstation/kiosk/store/mail"
)

// The binary an installer builds answers --version from its build info, and
// the shipped systemd unit passes `systemd-analyze verify` and keeps its
// hardening (exposure as `systemd-analyze security` rates it).
func TestDeployAccountd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := deploytest.Build(t, t.TempDir(), ".", "accountd")
	t.Run("version", func(t *testing.T) { deploytest.CheckVersion(t, bin, "accountd") })
	t.Run("systemd unit", func(t *testing.T) {
		deploytest.VerifyUnit(t, "deploy/systemd/accountd.service",
			map[string]string{"/usr/local/bin/accountd": bin}, 2.0)
	})
}

// Under systemd the SMTP password comes as a credential file (the unit's
// LoadCredential=, README's drop-in): ACCOUNTD_SMTP_PASSWORD_FILE names it.
func TestSMTPPasswordFromFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(file, []byte("s3cret pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ACCOUNTD_SMTP_USERNAME", "notices")
	t.Setenv("ACCOUNTD_SMTP_PASSWORD", "")
	t.Setenv("ACCOUNTD_SMTP_PASSWORD_FILE", file)
	s, err := smtpSender("smtp.example.edu:587", "noreply@example.edu", true)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := s.(*mail.SMTP); !ok || m.Username != "notices" || m.Password != "s3cret pass" {
		t.Fatalf("sender %+v", s)
	}
	t.Setenv("ACCOUNTD_SMTP_PASSWORD_FILE", file+".missing")
	if _, err := smtpSender("smtp.example.edu:587", "noreply@example.edu", true); err == nil ||
		!strings.Contains(err.Error(), "ACCOUNTD_SMTP_PASSWORD_FILE") {
		t.Fatalf("a missing file: %v", err)
	}
}
