package app

import (
	"context"
	"io"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/config"
	"github.com/expressstation/kiosk/kiosk/tape"
)

// SecretRand, when set, is where new 2FA keys come from instead of
// crypto/rand: the screenshot gallery (cmd/kiosk TestScreens) pins it so the
// enrolment screen, its key and QR code, draws the same picture on every
// run. A station never sets it.
var SecretRand io.Reader

// TapeStarter returns the function the tape runner calls to start the
// station described by cfg on the runner's virtual clock: the same wiring as
// the TUI, so a tape drives exactly what a student sees.
func TapeStarter(cfg *config.Config) func(clk clock.Clock) (tape.Station, error) {
	return func(clk clock.Clock) (tape.Station, error) {
		st, err := Start(cfg, clk, false)
		if err != nil {
			return tape.Station{}, err
		}
		return tape.Station{
			Model:     st.Root,
			Sync:      st.SyncOnce,
			AfterSync: kiosk.RefreshMsg{},
			Mail: func(ctx context.Context) (string, error) {
				n, err := st.Replica.HeldNotice(ctx)
				return n.Body, err
			},
			Events: st.Events,
			Close:  st.Close,
			Filter: kiosk.Filter,
		}, nil
	}
}

// StartStation loads the configuration at configPath and starts the station
// on clk, as the tape runner needs it.
func StartStation(configPath string, clk clock.Clock) (tape.Station, error) {
	cfg, err := config.Load(configPath)
	if err != nil {
		return tape.Station{}, err
	}
	return TapeStarter(cfg)(clk)
}
