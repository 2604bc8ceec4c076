package kiosk

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/expressstation/kiosk/kiosk/touch"
)

// inProfiles runs fn without colour (as tests see the terminal) and in true
// colour on a dark background (as the tape runner's screenshots do).
func inProfiles(t *testing.T, fn func(t *testing.T)) {
	profile, dark := lipgloss.ColorProfile(), lipgloss.HasDarkBackground()
	defer func() {
		lipgloss.SetColorProfile(profile)
		lipgloss.SetHasDarkBackground(dark)
	}()
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.TrueColor} {
		lipgloss.SetColorProfile(p)
		lipgloss.SetHasDarkBackground(true)
		t.Run(fmt.Sprint(p), fn)
	}
}

// sampleBlocks are blocks as the screens draw them: buttons in every
// state, framed fields, styled and Chinese text, touch markers, blank and
// ragged lines.
func sampleBlocks(c *Common) []string {
	s := c.Styles
	f := newField("f", "Student ID", 8, false)
	f.input.SetValue("2026100")
	return []string{
		"", " ", "plain", "two\nlines", "ragged\nlonger line\n\nx  ",
		button(c, "a", "Submit", true, true), button(c, "b", "Use Date of Birth", false, true),
		button(c, "c", "I accept", false, false), textButton(c, "d", "plus", "+", false, true),
		f.view(c, 30, 40, true), f.view(c, 24, 24, false),
		s.Error.Render("✗ 這不是有效的香港身份證號碼"), s.Muted.Render("中文 and English"),
		s.Title.Render("Set your password"), s.Panel.Render("Account name  tmchan\nStatus        Registered"),
		touch.Mark("x", "label", s.Button.Render("Tap")), s.QR.Render("█▀▄ ▀▀█") + "\n" + s.QR.Render("▄▄█ █▀▀"),
	}
}

// The joins measure lines with cells.Width instead of lipgloss's
// ansi.StringWidth, and the padding is done by hand: the output is the
// same, byte for byte.
func TestJoinsMatchLipgloss(t *testing.T) {
	inProfiles(t, func(t *testing.T) {
		c := langCommon("en")
		c.Styles = DefaultStyles()
		blocks := sampleBlocks(c)
		rnd := rand.New(rand.NewPCG(1, 2))
		for range 2000 {
			n := 1 + rnd.IntN(4)
			pick := make([]string, n)
			for i := range pick {
				pick[i] = blocks[rnd.IntN(len(blocks))]
			}
			if got, want := joinVertical(pick...), lipgloss.JoinVertical(lipgloss.Left, pick...); got != want {
				t.Fatalf("joinVertical(%q)\n= %q\nwant %q", pick, got, want)
			}
			for _, pos := range []lipgloss.Position{lipgloss.Center, lipgloss.Right, 0.3} {
				if got, want := joinVerticalAt(pos, pick...), lipgloss.JoinVertical(pos, pick...); got != want {
					t.Fatalf("joinVerticalAt(%v, %q)\n= %q\nwant %q", pos, pick, got, want)
				}
			}
			if got, want := joinHorizontal(pick...), lipgloss.JoinHorizontal(lipgloss.Top, pick...); got != want {
				t.Fatalf("joinHorizontal(%q)\n= %q\nwant %q", pick, got, want)
			}
			if got, want := buttonRow(pick...), lipgloss.JoinHorizontal(lipgloss.Top, strings.Split(strings.Join(pick, "\x00  \x00"), "\x00")...); got != want {
				t.Fatalf("buttonRow(%q)\n= %q\nwant %q", pick, got, want)
			}
			block := pick[0]
			if got, want := blockWidth(block), lipgloss.Width(block); got != want {
				t.Fatalf("blockWidth(%q) = %d, want %d", block, got, want)
			}
			w := rnd.IntN(50)
			if got, want := padWidth(w, block), lipgloss.NewStyle().Width(w).Render(block); got != want {
				t.Fatalf("padWidth(%d, %q)\n= %q\nwant %q", w, block, got, want)
			}
		}
	})
}

// A field's frame joined around the text is what lipgloss draws, for text
// that fits and text that does not, focused or not, in both languages.
func TestBoxFrameMatchesLipgloss(t *testing.T) {
	inProfiles(t, func(t *testing.T) {
		c := langCommon("en")
		c.Styles = DefaultStyles()
		in := newField("f", "x", 0, false).input
		in.Focus()
		for _, style := range []lipgloss.Style{c.Styles.Field, c.Styles.FieldFocused, c.Styles.Panel, c.Styles.Button} {
			for _, w := range []int{3, 10, 24, 30} {
				st := style.Width(w)
				box := newBoxFrame(st)
				for _, text := range []string{"", "a", "2026100", "A123456(3)", "•••••••••••••••", "陳大文", "abc def ghi jkl mno pqr",
					"\x1b[7m \x1b[0m", "tab\there", "two\nlines"} {
					in.SetValue(text)
					for _, content := range []string{text, in.View()} {
						if got, want := box.frame(content), st.Render(content); got != want {
							t.Fatalf("width %d, %q:\n%s\nwant\n%s", w, content, got, want)
						}
					}
				}
			}
		}
	})
}
