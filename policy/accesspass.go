package policy

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"
)

// An access pass is what the service desk gives a student who lost the
// authenticator, after an in-person ID check (as Microsoft Entra's
// Temporary Access Pass): it lets one station visit reset the account's
// 2FA, once, until it expires.

// PassAlphabet has no look-alikes (no 0/O, 1/I/L, 5/S, 8/B) so a pass read
// aloud or copied from a slip is typed right.
const PassAlphabet = "ACDEFGHJKMNPQRTUVWXYZ2345679"

// PassLen is how many characters a pass has (about 48 bits): guessing at a
// station is bounded by the lockout, guessing offline by argon2id.
const PassLen = 10

// DefaultPassValid and MaxPassValid bound how long a pass works.
const (
	DefaultPassValid = time.Hour
	MaxPassValid     = 7 * 24 * time.Hour
)

// NewAccessPass draws a pass from r (crypto/rand when nil), grouped in
// fives for reading aloud: "K7QMP-RT9XH".
func NewAccessPass(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b strings.Builder
	max := big.NewInt(int64(len(PassAlphabet)))
	for i := range PassLen {
		if i == PassLen/2 {
			b.WriteByte('-')
		}
		n, err := rand.Int(r, max)
		if err != nil {
			return "", fmt.Errorf("drawing an access pass: %w", err)
		}
		b.WriteByte(PassAlphabet[n.Int64()])
	}
	return b.String(), nil
}

// ErrPassFormat refuses what cannot be a pass (before any hash is tried).
var ErrPassFormat = errors.New("an access pass is 10 letters and digits, as on the slip from the service desk")

// NormalizeAccessPass is the pass as hashed: capitals, without the spaces
// and dashes a student may type.
func NormalizeAccessPass(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
		case strings.ContainsRune(PassAlphabet, r):
			b.WriteRune(r)
		default:
			return "", ErrPassFormat
		}
	}
	if b.Len() != PassLen {
		return "", ErrPassFormat
	}
	return b.String(), nil
}

// PassValid checks a requested validity.
func PassValid(d time.Duration) error {
	if d <= 0 || d > MaxPassValid {
		return fmt.Errorf("an access pass is valid for more than 0 and at most %s (got %s)", MaxPassValid, d)
	}
	return nil
}
