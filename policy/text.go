package policy

import (
	"unicode"
	"unicode/utf8"
)

// TextRune reports whether r may be typed into any of the station's text
// fields (identity numbers, names, passwords, alias, e-mail, staff PIN):
// letters, marks, digits, punctuation, symbols and spaces of any script.
// Refused are what cannot be seen, or changes how the rest is seen: control
// characters (Cc), format characters (Cf: zero-width space and joiner,
// U+FEFF, the bidi controls such as U+202E), line and paragraph separators
// (Zl, Zp), private-use and unassigned code points, and U+FFFD (what is left
// of bytes that were not text).
func TextRune(r rune) bool {
	return unicode.IsGraphic(r) && r != utf8.RuneError
}

// NarrowRune turns a full-width form from a Chinese keyboard into its ASCII
// letter, digit or sign (ＡＢＣ１２３, full-width brackets) and the ideographic
// space into a space; other runes are returned as they are. Every identity
// field reads its input through it, so that a number typed in full width is
// the same number.
func NarrowRune(r rune) rune {
	switch {
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ！ to ～
		return r - 0xFEE0
	case r == '\u3000':
		return ' '
	}
	return r
}
