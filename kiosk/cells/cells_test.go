package cells

import (
	"strings"
	"testing"
	"unicode"

	"github.com/charmbracelet/x/ansi"
)

// Every rune of the table measures as the table says, alone and between
// other runes (so none joins a neighbour into one cluster), and none is a
// mark, a format character or a control.
func TestSpans(t *testing.T) {
	for i, sp := range spans {
		if sp.lo > sp.hi || i > 0 && spans[i-1].hi >= sp.lo {
			t.Fatalf("span %d (%#x-%#x) is empty or out of order", i, sp.lo, sp.hi)
		}
		for r := sp.lo; r <= sp.hi; r++ {
			s := string(r)
			if unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf, unicode.Cc) {
				t.Errorf("%U is a mark or a control", r)
			}
			for _, probe := range []string{s, "a" + s + "a", "中" + s + "中", s + s, "─" + s + "é"} {
				want := ansi.StringWidth(probe)
				if got := Width(probe); got != want {
					t.Errorf("Width(%q) = %d, ansi.StringWidth = %d", probe, got, want)
				}
			}
			if ansi.StringWidth(s+s+s) != 3*sp.w {
				t.Errorf("%U: three in a row do not measure %d", r, 3*sp.w)
			}
		}
	}
}

func TestWidth(t *testing.T) {
	for _, s := range []string{
		"", "abc", "\x1b[1;38;2;242;169;0mKey:\x1b[0m 密碼", "╭──╮\x1b_touch:s:6869;6869\x1b\\│•│",
		"e\u0301", "👍🏽 ok", "🇭🇰", "a\tb", "\x1b]8;;http://x\x07link\x1b]8;;\x07", "\x1b[", "\x1b_open",
		"\xff\xfe", "カ\uff9e", "가\u11a8", "x\u200dy", "✓\ufe0f", "\u00ad", strings.Repeat("中文 ", 40),
	} {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, ansi.StringWidth = %d", s, got, want)
		}
	}
}

func FuzzWidth(f *testing.F) {
	for _, s := range []string{"abc", "\x1b[31m✓\x1b[0m 中文", "\x1b_touch:s:61\x1b\\[ok]", "é👍", "\x1b[1", "╭─"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := Width(s), ansi.StringWidth(s); got != want {
			t.Errorf("Width(%q) = %d, ansi.StringWidth = %d", s, got, want)
		}
	})
}

func BenchmarkWidth(b *testing.B) {
	line := "\x1b[38;2;85;85;85m│\x1b[0m ••••••••••••••   \x1b[38;2;85;85;85m│\x1b[0m  \x1b[38;2;95;215;135m✓ At least 12 characters\x1b[0m"
	b.Run("cells", func(b *testing.B) {
		for b.Loop() {
			Width(line)
		}
	})
	b.Run("ansi", func(b *testing.B) {
		for b.Loop() {
			ansi.StringWidth(line)
		}
	})
}
