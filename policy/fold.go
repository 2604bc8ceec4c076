package policy

import (
	"strings"
	"unicode"
)

// fold lower-cases s, spells Latin letters with diacritics in ASCII (é -> e,
// ß -> ss) and drops combining marks and apostrophes, so that "NGUYỄN",
// "Nguyen" and "O'Brien"/"obrien" compare equal. Other scripts are kept.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			if r != '\'' {
				b.WriteRune(unicode.ToLower(r))
			}
		case isApostrophe(r) || unicode.Is(unicode.Mn, r):
			// dropped: not part of the letters of a name
		default:
			if ascii, ok := foldTable[r]; ok {
				b.WriteString(strings.ToLower(ascii))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// isApostrophe reports the apostrophes found in names (O'Brien, D’Arcy).
func isApostrophe(r rune) bool {
	return r == '\'' || r == '\u2019' || r == '\u02bc'
}

// words splits a folded name into its runs of letters: "tai-man" -> tai, man.
func words(folded string) []string {
	return strings.FieldsFunc(folded, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsMark(r)
	})
}

// asciiLetters keeps only a-z from a folded string.
func asciiLetters(folded string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, folded)
}
