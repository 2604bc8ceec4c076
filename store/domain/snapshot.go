package domain

import (
	"time"

	"github.com/expressstation/kiosk/policy"
)

// Snapshot is a whole account as replicas exchange it: what the central
// store sends in a "changes after N" page, and what a station applies (in one
// transaction with its new cursor) to bootstrap or stay current. It carries
// hashes and sealed values only, so a page on the wire reveals no identity
// number, password or TOTP secret. Dates are "YYYY-MM-DD" or "".
type Snapshot struct {
	Seq               int64           `json:"seq,omitempty"` // the central change number (0 when read locally)
	Name              string          `json:"name"`
	StudentID         string          `json:"student_id"`
	Surname           string          `json:"surname"`
	GivenNames        string          `json:"given_names"`
	Department        string          `json:"department"`
	Level             policy.Level    `json:"level"`
	Category          policy.Category `json:"category"`
	CompletionDate    string          `json:"completion_date,omitempty"`
	ExtendedUntil     string          `json:"extended_until,omitempty"`
	Status            policy.Status   `json:"status"`
	HKIDHash          []byte          `json:"hkid_hash,omitempty"`
	DOBHash           []byte          `json:"dob_hash,omitempty"`
	PassportHash      []byte          `json:"passport_hash,omitempty"`
	PasswordHash      string          `json:"password_hash,omitempty"`
	PasswordHistory   []string        `json:"password_history,omitempty"` // newest first, current included
	ActivatedAt       *time.Time      `json:"activated_at,omitempty"`
	PasswordChangedAt *time.Time      `json:"password_changed_at,omitempty"`
	TOTPSealed        []byte          `json:"totp_sealed,omitempty"`
	TOTPLastStep      int64           `json:"totp_last_step"`
	DirectoryPublic   bool            `json:"directory_public"`
	LockedUntil       *time.Time      `json:"locked_until,omitempty"`
	Alias             string          `json:"alias,omitempty"`           // alumni e-mail alias, or a PG's full-name alias
	AliasFullName     bool            `json:"alias_full_name,omitempty"` // Alias is a full-name alias (at the e-mail domain)
	DisplayName       string          `json:"display_name,omitempty"`    // name on the student's e-mails; "" = the registry's
	PersonalEmail     string          `json:"personal_email,omitempty"`  // where notices go (when verified)
	// PersonalEmailVerifiedAt is when the student typed the code sent to
	// PersonalEmail; nil for an address set before codes (it gets no notices).
	PersonalEmailVerifiedAt *time.Time `json:"personal_email_verified_at,omitempty"`
	ChineseName             string     `json:"chinese_name,omitempty"` // registry's name in Chinese characters, or ""
	// The service desk's access pass (policy.NewAccessPass), while one is
	// outstanding: its argon2id hash only, never the pass, and who issued
	// it (for the audit and the station's message). Using, revoking or
	// expiring it clears them.
	PassHash     string     `json:"pass_hash,omitempty"`
	PassExpires  *time.Time `json:"pass_expires,omitempty"`
	PassIssuedBy string     `json:"pass_issued_by,omitempty"`
}

// PassOutstanding reports whether the account has a pass not yet expired at.
func (s *Snapshot) PassOutstanding(at time.Time) bool {
	return s.PassHash != "" && s.PassExpires != nil && at.Before(*s.PassExpires)
}

// Activated reports whether the account was ever activated (as a student or
// an alumnus): the lifecycle moves never-activated accounts too, so the
// status alone does not tell.
func (s *Snapshot) Activated() bool { return s.PasswordHash != "" || s.ActivatedAt != nil }

// The limits a station and the central store count alike.
const (
	// LockoutFailures failed identity or password attempts for one account
	// within LockoutWindow lock its self-service, at every station, for
	// LockoutFor from the failure that reached the limit.
	LockoutFailures = 5
	LockoutWindow   = 15 * time.Minute
	LockoutFor      = 15 * time.Minute
	// HistoryLen is how many password hashes an account keeps, current
	// included: a new password may be none of them.
	HistoryLen = 10
)

// DateString is a registry date as stored and exchanged: "YYYY-MM-DD", or ""
// for the zero time.
func DateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
