// Package totp implements the station's RFC 6238 codes: SHA-1, 6 digits,
// 30-second steps, what every authenticator app supports. pquerna/otp
// computes the codes; this package adds what it lacks: finding the matching
// step, refusing a step once accepted, and telling a wrong phone clock apart
// from a wrong code.
package totp

import (
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

const (
	Period     = 30 // seconds per step
	Digits     = 6
	SecretSize = 20 // bytes: the SHA-1 block-size recommendation of RFC 4226
)

// Skew is how many steps either side of now are accepted; ClockSkew is how
// far a code may match (up to ±5 minutes) to be reported as WrongClock.
const (
	Skew      = 1
	ClockSkew = 10
)

// Result is the outcome of Verify.
type Result int

const (
	Accepted   Result = iota // correct, fresh code: store the step
	Replayed                 // correct code for a step already accepted
	WrongClock               // correct for a time 1-5 minutes away: the phone's clock is off
	Wrong                    // not a code for this secret near now
)

func (r Result) String() string {
	switch r {
	case Accepted:
		return "accepted"
	case Replayed:
		return "replayed"
	case WrongClock:
		return "wrong-clock"
	case Wrong:
		return "wrong"
	}
	return fmt.Sprintf("Result(%d)", int(r))
}

// b32 is the secret encoding: upper-case base32 without padding.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret reads SecretSize bytes from rand and returns them as base32.
// (pquerna's Generate does a single Read, which may return short.)
func NewSecret(rand io.Reader) (string, error) {
	buf := make([]byte, SecretSize)
	defer clear(buf)
	if _, err := io.ReadFull(rand, buf); err != nil {
		return "", fmt.Errorf("totp: reading random secret: %w", err)
	}
	return b32.EncodeToString(buf), nil
}

// URI is the otpauth:// URI for the QR code. It leaves out the algorithm,
// digits and period parameters (their defaults are ours) to keep the QR
// small. An empty issuer is left out too. The label may not hold a colon
// other than the one after the issuer, so colons in the names are dropped
// there; the issuer parameter keeps the exact name.
func URI(issuer, account, secret string) string {
	noColon := func(s string) string { return strings.ReplaceAll(s, ":", "") }
	label, query := escape(noColon(account)), "secret="+secret
	if issuer != "" {
		label = escape(noColon(issuer)) + ":" + label
		query += "&issuer=" + escape(issuer)
	}
	return "otpauth://totp/" + label + "?" + query
}

// escape percent-encodes everything but RFC 3986 unreserved characters, so
// a ':' in the issuer or a space ('+' is not a space in a path) survives
// every authenticator's parser.
func escape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// Step is the RFC 6238 time step of t: Unix seconds / Period, rounded down.
func Step(t time.Time) int64 {
	s := t.Unix()
	if s < 0 {
		return (s - Period + 1) / Period
	}
	return s / Period
}

// Code is the 6-digit code of secret (base32) at step.
func Code(secret string, step int64) (string, error) {
	if step < 0 {
		return "", fmt.Errorf("totp: negative step %d", step)
	}
	code, err := hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{
		Digits:    otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", fmt.Errorf("totp: the secret is not valid base32: %w", err)
	}
	return code, nil
}

// Verify checks a 6-digit code against steps now-1..now+1. A match at a step
// <= lastAccepted is Replayed: a step once accepted is never accepted again.
// A code that matches only a step 2..10 steps away (up to ±5 minutes) is
// WrongClock (or Replayed, if that step was accepted before) and is never
// accepted. Anything else, including input that is not exactly six ASCII
// digits or an invalid secret, is Wrong. step is the matched step for every
// result but Wrong (0); only an Accepted step should be stored.
func Verify(secret, code string, now time.Time, lastAccepted int64) (step int64, r Result) {
	if !sixDigits(code) {
		return 0, Wrong
	}
	cur := Step(now)
	// Within the window prefer the earliest fresh match over a replayed one.
	var replayed int64
	seen := false
	for s := cur - Skew; s <= cur+Skew; s++ {
		if !matches(secret, code, s) {
			continue
		}
		if s > lastAccepted {
			return s, Accepted
		}
		replayed, seen = s, true
	}
	if seen {
		return replayed, Replayed
	}
	// Outside the window, nearest steps first.
	for d := int64(Skew + 1); d <= ClockSkew; d++ {
		for _, s := range [2]int64{cur - d, cur + d} {
			if matches(secret, code, s) {
				if s <= lastAccepted {
					return s, Replayed
				}
				return s, WrongClock
			}
		}
	}
	return 0, Wrong
}

// matches compares code with the code at step in constant time.
func matches(secret, code string, step int64) bool {
	want, err := Code(secret, step)
	return err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
}

// sixDigits reports whether code is exactly Digits ASCII digits.
func sixDigits(code string) bool {
	if len(code) != Digits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}

// GroupKey writes secret in groups of four ("ABCD EFGH ...") for typing
// into an authenticator by hand.
func GroupKey(secret string) string {
	var b strings.Builder
	for i := 0; i < len(secret); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(secret[i:min(i+4, len(secret))])
	}
	return b.String()
}
