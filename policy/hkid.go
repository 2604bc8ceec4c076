package policy

import (
	"strings"
	"unicode"
)

// HKID is a Hong Kong identity card number: one or two letters, six digits
// and a check character (0-9 or A). The zero HKID is "no number".
type HKID struct {
	prefix string // "A" or "CA"
	digits string // "123456"
	check  byte   // '0'-'9' or 'A'
}

// Messages for numbers that cannot be completed into a valid one.
const (
	hkidNeedLetters  = "HK ID card number starts with one or two letters, like A123456(3)"
	hkidNeedDigits   = "HK ID card number has six digits after the letters, like A123456(3)"
	hkidNeedCheck    = "the check digit (in brackets) is a number 0–9 or the letter A"
	hkidNothingAfter = "HK ID card number ends with the check digit, like A123456(3)"
	hkidEmpty        = "please enter your HK ID card number, like A123456(3)"
)

// hkidIDs are the catalog ids of those messages.
var hkidIDs = map[string]string{
	hkidNeedLetters:  "input.hkid-letters",
	hkidNeedDigits:   "input.hkid-digits",
	hkidNeedCheck:    "input.hkid-check",
	hkidNothingAfter: "input.hkid-nothing-after",
	hkidEmpty:        "input.hkid-empty",
}

// ParseHKID reads an HK ID card number as people type it: upper or lower
// case, with or without brackets round the check digit, spaces anywhere,
// full-width characters from a Chinese keyboard. It verifies the check digit.
func ParseHKID(s string) (HKID, error) {
	c := compact(s)
	if c == "" {
		return HKID{}, inputError(ErrHKIDFormat, hkidIDs[hkidEmpty], hkidEmpty, nil)
	}
	h, complete, problem := scanHKID(c)
	switch {
	case problem != "":
		return HKID{}, inputError(ErrHKIDFormat, hkidIDs[problem], problem, nil)
	case !complete:
		return HKID{}, inputError(ErrHKIDFormat, "", "", nil)
	case checkChar(h.prefix, h.digits) != h.check:
		return HKID{}, inputError(ErrHKIDCheckDigit, "", "", nil)
	}
	return h, nil
}

// HKIDHint is for inline validation while the number is typed: "" while the
// input is fine or merely incomplete, else what is wrong.
func HKIDHint(partial string) string {
	h, complete, problem := scanHKID(compact(partial))
	switch {
	case problem != "":
		return problem
	case complete && checkChar(h.prefix, h.digits) != h.check:
		return ErrHKIDCheckDigit.Error()
	}
	return ""
}

// HKIDHintID is HKIDHint's catalog id: "" while the input is fine or merely
// incomplete.
func HKIDHintID(partial string) string {
	switch hint := HKIDHint(partial); hint {
	case "":
		return ""
	case ErrHKIDCheckDigit.Error():
		return kindIDs[ErrHKIDCheckDigit]
	default:
		return hkidIDs[hint]
	}
}

// String is the normalised form that gets hashed: "A1234563".
func (h HKID) String() string {
	if h.IsZero() {
		return ""
	}
	return h.prefix + h.digits + string(h.check)
}

// Display is the form printed on the card: "A123456(3)".
func (h HKID) Display() string {
	if h.IsZero() {
		return ""
	}
	return h.prefix + h.digits + "(" + string(h.check) + ")"
}

// IsZero reports whether h holds no number.
func (h HKID) IsZero() bool { return h.check == 0 }

// compact drops spaces, turns full-width ASCII into ASCII and upper-cases.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		r = NarrowRune(r)
		switch {
		case unicode.IsSpace(r):
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// scanHKID reads a compacted number as far as it goes. complete is true when
// nothing is missing; problem says why the input can never be valid.
func scanHKID(c string) (h HKID, complete bool, problem string) {
	i := 0
	for i < len(c) && i < 3 && isUpperASCII(c[i]) {
		i++
	}
	if (i == 0 && c != "") || i == 3 {
		return h, false, hkidNeedLetters
	}
	j := i
	for j < len(c) && j-i < 6 && isDigitASCII(c[j]) {
		j++
	}
	if j < len(c) && j-i < 6 {
		return h, false, hkidNeedDigits
	}
	h.prefix, h.digits = c[:i], c[i:j]
	return scanCheck(h, c[j:])
}

// scanCheck reads the check digit, "3" or "(3)", after the six digits.
func scanCheck(h HKID, rest string) (HKID, bool, string) {
	bracket := strings.HasPrefix(rest, "(")
	rest = strings.TrimPrefix(rest, "(")
	if rest == "" {
		return HKID{}, false, ""
	}
	if !isCheckChar(rest[0]) {
		return HKID{}, false, hkidNeedCheck
	}
	check, rest := rest[0], rest[1:]
	if bracket {
		if rest == "" {
			return HKID{}, false, ""
		}
		if rest[0] != ')' {
			return HKID{}, false, hkidNothingAfter
		}
		rest = rest[1:]
	}
	if rest != "" {
		return HKID{}, false, hkidNothingAfter
	}
	h.check = check
	return h, true, ""
}

// checkChar computes the check character: the letters (one-letter numbers
// are padded in front with a space worth 36; A=10 ... Z=35) and digits are
// weighted 9 down to 2, and the sum plus the check value is a multiple of 11
// (a check value of 10 is written A).
func checkChar(prefix, digits string) byte {
	padded := strings.Repeat(" ", 2-len(prefix)) + prefix + digits
	sum := 0
	for k := 0; k < len(padded); k++ {
		sum += charValue(padded[k]) * (9 - k)
	}
	if v := (11 - sum%11) % 11; v < 10 {
		return byte('0' + v)
	}
	return 'A'
}

// charValue is a character's worth in the check sum.
func charValue(b byte) int {
	switch {
	case b == ' ':
		return 36
	case isDigitASCII(b):
		return int(b - '0')
	}
	return int(b-'A') + 10
}

func isUpperASCII(b byte) bool { return b >= 'A' && b <= 'Z' }
func isDigitASCII(b byte) bool { return b >= '0' && b <= '9' }
func isCheckChar(b byte) bool  { return isDigitASCII(b) || b == 'A' }
