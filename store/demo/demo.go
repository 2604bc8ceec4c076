// Package demo holds the small registry a standalone demo station loads on
// first start, so a newcomer can try every flow without a central store.
// README lists who is in it and what to type.
package demo

import _ "embed"

// Registry is the demo registry CSV (DESIGN.md "Registry CSV").
//
//go:embed registry.csv
var Registry []byte

// Pre-activated demo accounts, set up by the station when it seeds the demo
// registry so that Change Password and Forgot Password can be tried at once.
const (
	ActiveAccount  = "kylee" // LEE, Ka Yan: active, no 2FA yet
	ActivePassword = "Harbour lights 42"

	TOTPAccount  = "cklau" // LAU, Chi Keung: active with 2FA
	TOTPPassword = "Lantau sunrise 73"
	// TOTPSecret is public demo data, never a real secret: testers type its
	// codes with `TOTP` in tapes or add it to an authenticator app.
	TOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

	// Pass is the service desk's access pass for TOTPAccount (public demo
	// data), valid for a week from the demo station's first start: it
	// tries "Lost your phone or app?" (README, kiosk/tape/examples).
	Pass = "DEMQ7-PAX22"
)
