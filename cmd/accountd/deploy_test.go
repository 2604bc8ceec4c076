package main

import (
	"testing"

	"github.com/expressstation/kiosk/cmd/internal/deploytest"
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
