package policy

import (
	"slices"
	"strings"
	"unicode"
)

// FullNameMatches reports whether typed is the registry's full name "exactly
// as it appears on your HKID card or passport" (seed "alumni-accounts-faq"),
// which is how a graduate who never activated proves who they are, together
// with the HKID or passport number.
//
// The words must be the same words, all of them (middle names included), in
// one of the two orders documents print: SURNAME GIVEN ("CHAN Tai Man",
// "Chan, Tai Man") or GIVEN SURNAME ("Tai Man CHAN"). What differs between
// documents and keyboards is ignored: case, spacing, punctuation between
// words (commas, hyphens, full stops: "Tai-Man" = "Tai Man") and apostrophes
// ("O'Brien" = "OBrien"), and accents ("NGUYỄN" = "Nguyen"). Words are not
// joined or split ("Taiman" is not "Tai Man"), initials do not stand for
// names, and no other order is accepted ("Man Tai Chan"). Names in scripts
// written without spaces (Chinese, Japanese, Korean) compare character by
// character, so "陳大文" matches surname 陳 and given names 大文.
func FullNameMatches(registrySurname, registryGiven, typed string) bool {
	surname, given := nameWords(registrySurname), nameWords(registryGiven)
	got := nameWords(typed)
	if len(got) == 0 || len(got) != len(surname)+len(given) {
		return false
	}
	return slices.Equal(got, slices.Concat(surname, given)) || slices.Equal(got, slices.Concat(given, surname))
}

// CheckFullName refuses a typed full name that cannot match a name as an HK
// ID card or passport prints it, in English letters: one with no letter, or
// with a letter that is not a Latin letter once folded (Chinese characters,
// Greek, Cyrillic...). Such input is a misunderstanding, not a wrong guess,
// so it never counts towards a lockout. Accents, full-width letters and
// punctuation between words are fine (FullNameMatches ignores them).
func CheckFullName(typed string) error {
	letters := 0
	for _, r := range fold(typed) {
		switch {
		case r >= 'a' && r <= 'z':
			letters++
		case unicode.IsLetter(r):
			return inputError(ErrFullNameLetters, "", "", nil)
		}
	}
	if letters == 0 {
		return inputError(ErrFullNameLetters, "", "", nil)
	}
	return nil
}

// nameWords folds a name and splits it into words; a run of characters from
// a script written without spaces gives one word per character.
func nameWords(name string) []string {
	var out []string
	for _, w := range words(fold(name)) {
		if !strings.ContainsFunc(w, unspaced) {
			out = append(out, w)
			continue
		}
		for _, r := range w {
			out = append(out, string(r))
		}
	}
	return out
}

// unspaced reports characters of scripts that do not put spaces between the
// parts of a name.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}
