package main

import (
	"testing"

	"github.com/expressstation/kiosk/cmd/internal/deploytest"
)

// The binary an installer builds answers --version from its build info, and
// the station's systemd unit passes `systemd-analyze verify` and keeps its
// hardening (exposure as `systemd-analyze security` rates it).
func TestDeployKiosk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := deploytest.Build(t, t.TempDir(), ".", "kiosk")
	t.Run("version", func(t *testing.T) { deploytest.CheckVersion(t, bin, "kiosk") })
	t.Run("systemd unit", func(t *testing.T) {
		deploytest.VerifyUnit(t, "deploy/systemd/kiosk.service",
			map[string]string{"/usr/local/bin/kiosk": bin}, 2.5)
	})
}
