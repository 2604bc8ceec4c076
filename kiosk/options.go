package kiosk

import (
	"context"
	"strings"
	"time"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/store/text"
)

// Options configure a station's screens. Accounts is required; every other
// field has a default.
type Options struct {
	Accounts    Accounts
	Clock       clock.Clock // default clock.Real
	Institution string      // header, e.g. "Hong Kong University of Science and Technology"
	ServiceName string      // header, default "Express Station"
	StationID   string      // footer
	StationName string      // header, e.g. "Academic Building, LG1"
	IdleTimeout time.Duration
	ServiceDesk string // where a student gets help in person
	// ServiceDeskIn is ServiceDesk in other languages, by catalog language.
	ServiceDeskIn   map[string]string
	StudentIDLength int
	// AliasDomain is where alumni e-mail aliases live ([station]
	// alias_domain), for the address the alias screen previews and for
	// refusing it as a personal e-mail; "" shows the alias alone.
	AliasDomain string
	// Language is the station's default language, a store/text catalog
	// language ([station] language, "en" or "zh-HK"); "" is "en". The
	// idle wipe and the end of a flow return to it.
	Language string
	// Link reports the connection to the central store for the footer; nil
	// means a standalone station.
	Link func() LinkState
	// Dev lets Ctrl+C quit (kiosk mode ignores it).
	Dev bool
	// ResetNeedsSecondFactor ([station] reset_needs_second_factor): Forgot
	// Password refuses an account with neither 2FA nor a verified personal
	// e-mail, and offers the service desk's access pass.
	ResetNeedsSecondFactor bool

	// Staff mode. Staff nil turns it off. StaffKey opens it (default
	// "f12"); StaffPINHash is the argon2id hash of the PIN ([staff] pin_hash).
	Staff        Staff
	StaffKey     string
	StaffPINHash string
	// Sync runs one sync round now (the panel's Sync now); nil on a
	// standalone station.
	Sync func(ctx context.Context) error
	// Version is the station software's version, shown to staff.
	Version string
	// Policies are the texts of the policy step (LoadPolicies, [station]
	// policy_dir); nil is the built-in set.
	Policies *Policies
}

// LinkState is the station's connection to the central store.
type LinkState struct {
	Mode  string // "standalone", "connecting", "online" or "offline"
	Since time.Time
}

// Link modes.
const (
	LinkStandalone = "standalone"
	LinkConnecting = "connecting" // no sync round has ended yet
	LinkOnline     = "online"
	LinkOffline    = "offline"
)

// Timing the issue fixes: how long the "Still there?" countdown and the done
// screens last.
const (
	DefaultIdleTimeout = 90 * time.Second
	idleCountdown      = 15 * time.Second
	doneTimeout        = 20 * time.Second
	totpTries          = 3
	// resetTimeout bounds Reset station (a large registry takes seconds);
	// syncTimeout the panel's Sync now.
	resetTimeout = 5 * time.Minute
	syncTimeout  = time.Minute
)

func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.ServiceName == "" {
		o.ServiceName = "Express Station"
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.StudentIDLength <= 0 {
		o.StudentIDLength = 8
	}
	if o.ServiceDesk == "" {
		o.ServiceDesk = "the IT Service Desk"
	}
	if o.Language == "" {
		o.Language = text.English
	}
	o.StaffKey = strings.ToLower(o.StaffKey)
	if o.StaffKey == "" {
		o.StaffKey = "f12"
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.Policies == nil {
		o.Policies = BuiltinPolicies()
	}
	return o
}
