package kiosk

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Word wrap for text with double-width (CJK) characters. Chinese has no
// spaces between words, so a line may break between any two Chinese
// characters, but never inside a Latin word ("Wi-Fi", "@Connect"), never
// before closing punctuation (，。」) and never after opening punctuation
// (「（). Text without wide characters keeps the wrapping it always had, so
// English screens stay as they were.

// hasWide reports whether s has a character two cells wide.
func hasWide(s string) bool {
	for _, r := range s {
		if wideRune(r) {
			return true
		}
	}
	return false
}

// wideRune reports whether r takes two cells: the East Asian Wide and
// Fullwidth blocks (Hangul Jamo, CJK, Hangul, compatibility forms,
// fullwidth forms, the supplementary ideographs). A table, because
// measuring each rune on every frame costs more than the rest of wrapping.
func wideRune(r rune) bool {
	switch {
	case r < 0x1100:
		return false
	case r <= 0x115f, r >= 0x2e80 && r <= 0x303e, r >= 0x3041 && r <= 0x33ff,
		r >= 0x3400 && r <= 0x4dbf, r >= 0x4e00 && r <= 0x9fff, r >= 0xa000 && r <= 0xa4cf,
		r >= 0xac00 && r <= 0xd7a3, r >= 0xf900 && r <= 0xfaff, r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60, r >= 0xffe0 && r <= 0xffe6, r >= 0x20000 && r <= 0x3fffd:
		return true
	}
	return false
}

// noLineStart and noLineEnd are the punctuation a line may not start or
// end with (kinsoku).
const (
	noLineStart = "，。、；：！？）」』》〉】〕…—％,.;:!?)]}%"
	noLineEnd   = "（「『《〈【〔([{"
)

// cjkUnits splits a run of non-space text into the pieces a line may break
// between: each wide character, each Latin word, punctuation kept with the
// piece it belongs to.
func cjkUnits(run string) []string {
	var units []string
	var cur strings.Builder
	curWide := false
	flush := func() {
		if cur.Len() > 0 {
			units = append(units, cur.String())
			cur.Reset()
		}
	}
	for _, r := range run {
		wide := wideRune(r)
		switch {
		case strings.ContainsRune(noLineStart, r):
			cur.WriteRune(r)          // stays with what it closes
			curWide = curWide || wide // a line may break after "，" even in "Wi-Fi，"
			continue
		case cur.Len() > 0 && strings.ContainsRune(noLineEnd, lastRune(cur.String())):
			// after opening punctuation: no break
		case wide || curWide:
			flush()
		}
		cur.WriteRune(r)
		curWide = wide
	}
	flush()
	return units
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// cjkWrap wraps plain text (no escape sequences) to lines of at most width
// cells. A piece wider than a whole line is cut by cells.
func cjkWrap(s string, width int) string {
	width = max(1, width)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var line strings.Builder
		lw := 0
		newLine := func() {
			out = append(out, line.String())
			line.Reset()
			lw = 0
		}
		for i, run := range strings.Split(para, " ") {
			for j, u := range cjkUnits(run) {
				uw := ansi.StringWidth(u)
				sep := i > 0 && j == 0 && lw > 0 // the space before a new run
				need := uw
				if sep {
					need++
				}
				if lw > 0 && lw+need > width {
					newLine()
					sep = false
				}
				if sep {
					line.WriteByte(' ')
					lw++
				}
				for lw == 0 && uw > width { // longer than a line: cut
					head := ansi.Truncate(u, width, "")
					out = append(out, head)
					u = strings.TrimPrefix(u, head)
					uw = ansi.StringWidth(u)
				}
				line.WriteString(u)
				lw += uw
			}
		}
		out = append(out, line.String())
	}
	return strings.Join(out, "\n")
}

// wrapCache keeps cjkWrap's lines of the catalog's list texts (checklist
// labels, policy paragraphs), which the password step wraps again on every
// keystroke. It is bounded, and only wordwrap uses it: those texts hold
// nothing a student typed.
var wrapCache struct {
	sync.Mutex
	m map[wrapKey]string
}

type wrapKey struct {
	s string
	w int
}

const wrapCacheMax = 1024

func cachedWrap(s string, w int) string {
	k := wrapKey{s, w}
	wrapCache.Lock()
	out, ok := wrapCache.m[k]
	wrapCache.Unlock()
	if ok {
		return out
	}
	out = cjkWrap(s, w)
	wrapCache.Lock()
	if wrapCache.m == nil || len(wrapCache.m) >= wrapCacheMax {
		wrapCache.m = map[wrapKey]string{}
	}
	wrapCache.m[k] = out
	wrapCache.Unlock()
	return out
}

// prewrap is cjkWrap for text with wide characters, and text as it is
// otherwise (lipgloss wraps English as it always did).
func prewrap(text string, width int) string {
	if hasWide(text) {
		return cjkWrap(text, width)
	}
	return text
}

// wrapStyle renders text in style at width cells, wrapping Chinese text by
// cjkWrap first (lipgloss alone would break "Wi-Fi" after the hyphen or
// put a comma at the start of a line).
func wrapStyle(style lipgloss.Style, width int, text string) string {
	return style.Width(width).Render(prewrap(text, width-style.GetHorizontalPadding()))
}
