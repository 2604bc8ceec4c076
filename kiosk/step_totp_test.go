package kiosk

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/totp"
)

// keyLines is how many lines the key for manual entry takes on the TOTP
// step drawn at w x h, for an issuer long enough to need a large QR code.
func keyLines(t *testing.T, w, h int) int {
	t.Helper()
	c := &Common{Opt: Options{}.withDefaults(), Width: w, Height: h, Styles: DefaultStyles(), Keys: DefaultKeyMap(false)}
	f := newFlow(c, 1, menuFlows[0]) // Student A/C Activation
	f.acct.Name = "tmchan"
	st := f.stages[4].make(f).(*totpEnrolStep) // the plan's 2FA enrolment
	f.at, f.step = 4, st
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	uri := totp.URI("Hong Kong University of Science and Technology IT", "tmchan", secret)
	st.begun(totpBegunMsg{enr: store.Enrolment{Account: "tmchan", Secret: secret, URI: uri}})
	screen := ansi.Strip(f.view())
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if _, after, ok := strings.Cut(l, "Key: "); ok {
			n := 1
			if groups := len(strings.Fields(after)); groups < 8 && i+1 < len(lines) {
				n++
			}
			return n
		}
	}
	t.Fatalf("%dx%d: no key on screen:\n%s", w, h, screen)
	return 0
}

// The key stays on one line whenever the terminal is wide enough for the
// QR code and the key side by side, not only up to the body's usual width.
func TestTOTPKeyOnOneLineWhenItFits(t *testing.T) {
	for _, size := range [][2]int{{120, 30}, {120, 40}, {160, 50}, {200, 60}} {
		if n := keyLines(t, size[0], size[1]); n != 1 {
			t.Errorf("%dx%d: the key takes %d lines", size[0], size[1], n)
		}
	}
}
