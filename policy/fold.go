package policy

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// fold spells a name (or a password, to find a name in it) the way two
// documents or keyboards would agree it is the same. The whole string is
// case folded with full Unicode case folding, so Σ, σ and a final ς are one
// letter, ß is ss and İ is i; compatibility forms are made plain (full-width
// ＣＨＡＮ is chan, ﬁ is fi); accents and apostrophes are dropped ("NGUYỄN"
// and "Nguyen", "O'Brien" and "obrien" compare equal); and the few Latin
// letters that have no decomposition are spelled in ASCII (ø o, ł l, æ ae).
// Other scripts are kept.
//
// Folding one character at a time cannot do this (final ς, ϖ against Π):
// both sides of every comparison go through this one function, whole.
func fold(s string) string {
	// Invalid UTF-8 first becomes U+FFFD: norm reads a stray byte together
	// with what follows it, so the same name would fold differently at the
	// end of a string and before a space. A Caser keeps state between calls,
	// so each fold takes its own.
	s = cases.Fold().String(norm.NFKD.String(strings.ToValidUTF8(s, "\uFFFD")))
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			if r != '\'' {
				b.WriteRune(r)
			}
		case isApostrophe(r) || unicode.Is(unicode.Mn, r):
			// dropped: not part of the letters of a name
		case latinASCII[r] != "":
			b.WriteString(latinASCII[r])
		case r >= 0x13A0 && r <= 0x13FD || r >= 0xAB70 && r <= 0xABBF:
			// Cherokee folds to upper case (CaseFolding.txt); x/text's
			// Fold swaps the two cases instead, so that Ꮷ and ꮷ would
			// never meet.
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteRune(r)
		}
	}
	// NFKD took Hangul syllables apart; put them (and any other canonical
	// composition left after dropping the marks) back together.
	return norm.NFC.String(b.String())
}

// latinASCII spells the case-folded Latin letters that do not decompose into
// an ASCII letter plus marks (so NFKD leaves them whole).
var latinASCII = map[rune]string{
	'æ': "ae", 'œ': "oe", 'ø': "o", 'đ': "d", 'ð': "d", 'ł': "l", 'þ': "th",
	'ı': "i", 'ħ': "h", 'ŧ': "t", 'ŋ': "n", 'ĸ': "k", 'ƒ': "f", 'ɖ': "d",
	'ƀ': "b", 'ɨ': "i", 'ʉ': "u", 'ƶ': "z", 'ȥ': "z", 'ɍ': "r", 'ɏ': "y",
	'ȼ': "c", 'ɇ': "e", 'ɉ': "j", 'ƚ': "l", 'ȴ': "l", 'ȵ': "n", 'ȶ': "t",
	'ȡ': "d", 'ȿ': "s", 'ɀ': "z", 'ƈ': "c", 'ƌ': "d", 'ƙ': "k", 'ƥ': "p",
	'ƭ': "t", 'ƴ': "y", 'ɓ': "b", 'ɗ': "d", 'ɠ': "g", 'ɦ': "h", 'ʈ': "t",
	'ʋ': "v", 'ɲ': "n", 'ƞ': "n", 'ɵ': "o", 'ɼ': "r", 'ʂ': "s", 'ʐ': "z",
	'ᵫ': "ue", 'ꝁ': "k", 'ẜ': "s", 'ẝ': "s",
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
