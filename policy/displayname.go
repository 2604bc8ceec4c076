package policy

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The e-mail display name (seed "student-user-accounts": "set email display
// name") is the name others see on the student's e-mails. Any script may be
// used (Latin or Chinese); it is one line of at most DisplayNameMaxLen
// characters.
const DisplayNameMaxLen = 64

// ErrDisplayName is the kind of every display-name error.
var ErrDisplayName = errors.New("a display name is your name as others should see it on your e-mails, like Tai Man CHAN or 陳大文")

// DefaultDisplayName is the display name until the student sets one: the
// given names and the surname as the registry writes them, the surname in
// capitals ("CHAN", "Tai Man" -> "Tai Man CHAN").
func DefaultDisplayName(surname, givenNames string) string {
	return strings.Join(strings.Fields(givenNames+" "+strings.ToUpper(surname)), " ")
}

// ParseDisplayName checks a display name as typed and returns it as stored:
// spaces trimmed and runs of them made one. "" (nothing typed) means the
// default (DefaultDisplayName). It refuses what TextRune refuses, @ < > and
// " (a display name that looks like an address misleads the reader, and
// mail clients would have to quote it), names without a letter and names
// longer than DisplayNameMaxLen.
func ParseDisplayName(s string) (string, error) {
	n := strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	if n == "" {
		return "", nil
	}
	for _, r := range n {
		switch {
		case !TextRune(r):
			return "", inputError(ErrDisplayName, "input.display-name-char",
				"a display name cannot hold invisible or control characters", nil)
		case strings.ContainsRune(`@<>"`, r):
			return "", inputError(ErrDisplayName, "input.display-name-address",
				fmt.Sprintf("a display name cannot hold %q: it would look like an e-mail address", r), map[string]any{"Char": string(r)})
		}
	}
	if c := utf8.RuneCountInString(n); c > DisplayNameMaxLen {
		return "", inputError(ErrDisplayName, "input.display-name-length",
			fmt.Sprintf("a display name has at most %d characters; this has %d", DisplayNameMaxLen, c),
			map[string]any{"Max": DisplayNameMaxLen, "Count": c})
	}
	if !strings.ContainsFunc(n, unicode.IsLetter) {
		return "", inputError(ErrDisplayName, "input.display-name-letter", "a display name needs at least one letter", nil)
	}
	return n, nil
}
