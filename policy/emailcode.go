package policy

import (
	"strings"
	"time"
	"unicode/utf8"
)

// E-mail codes (issue 19): a one-time code sent to the student's verified
// personal e-mail, to verify a new address or to reset a forgotten password.
const (
	EmailCodeDigits = 6
	EmailCodeValid  = 10 * time.Minute // a code works this long after it was sent
	EmailCodeResend = 60 * time.Second // a new code may be asked for this long after the last
	// EmailReviewAfter is when a verified address is due for a review (seed
	// "netid": "regularly review and update").
	EmailReviewAfter = 365 * 24 * time.Hour
)

// ParseEmailCode normalises a typed code (spaces dropped) and reports
// whether it has the form of one: EmailCodeDigits ASCII digits.
func ParseEmailCode(s string) (string, bool) {
	s = strings.Join(strings.Fields(s), "")
	if len(s) != EmailCodeDigits {
		return "", false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return s, true
}

// EmailReviewDue reports whether an address verified at verifiedAt is more
// than a year old at now; never for an address not verified.
func EmailReviewDue(verifiedAt, now time.Time) bool {
	return !verifiedAt.IsZero() && now.Sub(verifiedAt) > EmailReviewAfter
}

// MaskEmail shows an address the way a screen may (the seed's "c•••@gmail.com"):
// the first character of the part before the @, three dots, the domain.
// Anything without an @ is masked whole.
func MaskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "•••"
	}
	r, _ := utf8.DecodeRuneInString(addr)
	return string(r) + "•••" + addr[at:]
}
