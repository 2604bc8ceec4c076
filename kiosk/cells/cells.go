// Package cells measures rendered text in terminal cells, as
// ansi.StringWidth does, but in one pass over the bytes for the text a
// station draws: ASCII, box drawing, Latin and Chinese, with colour (SGR)
// and touch-marker (APC) sequences. Anything else (emoji, combining marks,
// other escape sequences) goes to ansi.StringWidth, so the answer is always
// the same as lipgloss's. Issue 17: measuring each grapheme cluster was
// more than half the cost of a keystroke.
package cells

import (
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Width is the number of cells s takes on screen: ansi.StringWidth(s).
func Width(s string) int {
	w := 0
	for i := 0; i < len(s); {
		b := s[i]
		switch {
		case b >= 0x20 && b < 0x7f:
			w++
			i++
		case b == 0x1b:
			n := escape(s[i:])
			if n == 0 {
				return ansi.StringWidth(s)
			}
			i += n
		case b < 0x80:
			return ansi.StringWidth(s) // a control character
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			rw := runeWidth(r)
			if rw < 0 {
				return ansi.StringWidth(s)
			}
			w += rw
			i += size
		}
	}
	return w
}

// escape is the length of the CSI (ESC [ ... final) or APC (ESC _ ... ESC \)
// sequence at the start of s, or 0 for any other or an unfinished one.
func escape(s string) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '[':
		for i := 2; i < len(s); i++ {
			switch c := s[i]; {
			case c >= 0x20 && c <= 0x3f: // parameters and intermediates
			case c >= 0x40 && c <= 0x7e:
				return i + 1
			default:
				return 0
			}
		}
	case '_':
		for i := 2; i < len(s); i++ {
			switch c := s[i]; {
			case c == 0x1b:
				if i+1 < len(s) && s[i+1] == '\\' {
					return i + 2
				}
				return 0
			case c < 0x20 || c > 0x7e:
				return 0
			}
		}
	}
	return 0
}

// span is a block of runes that are each a grapheme cluster of their own
// next to any other rune of the table (no combining marks, joiners,
// variation selectors, Hangul jamo or regional indicators), all w cells wide.
type span struct {
	lo, hi rune
	w      int
}

// spans are sorted; TestSpans checks every rune against ansi.StringWidth.
var spans = []span{
	{0x00A0, 0x00AC, 1}, {0x00AE, 0x02FF, 1}, // Latin (not the soft hyphen)
	{0x0370, 0x0377, 1}, {0x037A, 0x037F, 1}, {0x0384, 0x0482, 1}, {0x048A, 0x052F, 1}, // Greek, Cyrillic
	{0x2010, 0x2027, 1}, {0x2030, 0x205E, 1}, // punctuation (not the zero-width and bidi controls)
	{0x20A0, 0x20C0, 1}, {0x2100, 0x214F, 1}, {0x2190, 0x21FF, 1}, // currency, letterlike, arrows
	{0x2500, 0x25FC, 1}, {0x25FD, 0x25FE, 2}, {0x25FF, 0x25FF, 1}, // box drawing, blocks, shapes
	{0x2700, 0x2704, 1}, {0x2705, 0x2705, 2}, {0x2706, 0x2709, 1}, {0x270A, 0x270B, 2}, // dingbats (✓ ✗)
	{0x270C, 0x2727, 1}, {0x2728, 0x2728, 2}, {0x2729, 0x274B, 1}, {0x274C, 0x274C, 2},
	{0x274D, 0x274D, 1}, {0x274E, 0x274E, 2}, {0x274F, 0x2752, 1}, {0x2753, 0x2755, 2},
	{0x2756, 0x2756, 1}, {0x2757, 0x2757, 2}, {0x2758, 0x2794, 1}, {0x2795, 0x2797, 2},
	{0x2798, 0x27AF, 1}, {0x27B0, 0x27B0, 2}, {0x27B1, 0x27BE, 1}, {0x27BF, 0x27BF, 2},
	{0x2E80, 0x2E99, 2}, {0x2E9B, 0x2EF3, 2}, {0x2F00, 0x2FD5, 2}, // CJK radicals
	{0x3000, 0x3029, 2}, {0x3030, 0x303E, 2}, // CJK punctuation (not the tone marks)
	{0x3041, 0x3096, 2}, {0x309B, 0x30FF, 2}, {0x3105, 0x312F, 2}, // kana (not the voicing marks), bopomofo
	{0x3190, 0x31E5, 2}, {0x31F0, 0x321E, 2}, {0x3220, 0x3247, 2}, {0x3248, 0x324F, 1}, {0x3250, 0x33FF, 2},
	{0x3400, 0x4DBF, 2}, {0x4E00, 0x9FFF, 2}, {0xAC00, 0xD7A3, 2}, {0xF900, 0xFAFF, 2}, // ideographs, Hangul syllables
	{0xFE30, 0xFE4F, 2}, {0xFF01, 0xFF60, 2}, {0xFF61, 0xFF9D, 1}, {0xFFE0, 0xFFE6, 2}, // compatibility, full- and halfwidth forms
}

// runeWidth is r's width from spans, or -1 when r is not in them.
func runeWidth(r rune) int {
	lo, hi := 0, len(spans)
	for lo < hi {
		m := (lo + hi) / 2
		switch sp := spans[m]; {
		case r < sp.lo:
			hi = m
		case r > sp.hi:
			lo = m + 1
		default:
			return sp.w
		}
	}
	return -1
}
