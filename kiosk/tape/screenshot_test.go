package tape

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/expressstation/kiosk/kiosk/clock"
)

func TestParseScreenshot(t *testing.T) {
	c := parseOne(t, `Screenshot "shots/menu.svg"`)
	if c.Name != "Screenshot" || c.text != "shots/menu.svg" {
		t.Fatalf("got %q %q", c.Name, c.text)
	}
	for line, reason := range map[string]string{
		`Screenshot`:             `Screenshot needs a quoted string`,
		`Screenshot menu.svg`:    `Screenshot needs a quoted string`,
		`Screenshot "menu.png"`:  `Screenshot writes SVG: name the file, e.g. "menu.svg"`,
		`Screenshot ".svg"`:      `Screenshot writes SVG`,
		`Screenshot "a.svg" "b"`: `unexpected argument to Screenshot`,
		`screenshot "menu.svg"`:  `did you mean Screenshot?`,
	} {
		_, err := Parse(strings.NewReader(line))
		if err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("Parse(%q) = %v, want %q", line, err, reason)
		}
	}
}

// svgDoc parses a picture and returns its elements, failing on XML that a
// browser would refuse.
func svgDoc(t *testing.T, doc []byte) []xml.StartElement {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var els []xml.StartElement
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			els = append(els, se.Copy())
		}
	}
	if len(els) == 0 || els[0].Name.Local != "svg" {
		t.Fatalf("root is not <svg>:\n%s", doc)
	}
	return els
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// A picture keeps what a terminal shows: colours and bold from the ANSI
// styles, every character at its column (x = col*10) with a Chinese one
// taking two columns, frames drawn as lines, half blocks as rectangles,
// the lines cut to the screen, and markup in text escaped.
func TestSVGScreen(t *testing.T) {
	view := "\x1b[1;38;2;255;0;0;48;2;0;0;255mHi\x1b[0m <b>&\n" +
		"陳大文x\n" +
		"┌─╮\n" +
		"▀▄ " + strings.Repeat("z", 30) + "\n" +
		"\x1b[7mR\x1b[0m"
	doc := svgScreen(view, 20, 4) // 5 lines on 4 rows: the first scrolls off, as a terminal shows it
	els := svgDoc(t, doc)
	if w, h := attr(els[0], "width"), attr(els[0], "height"); w != "200" || h != "80" {
		t.Fatalf("size %sx%s, want 200x80", w, h)
	}
	s := string(doc)
	for _, want := range []string{
		`<text x="0 20 40 60" y="15" fill="#e6e6e6">陳大文x</text>`,                        // two cells each, row 0 after the scroll
		`<path class="c" d="M5 29.375V40" stroke="#e6e6e6" stroke-width="1.25"/>`,       // ┌ down, from just above the centre of row 1
		`<path class="c" d="M10 30H20" stroke="#e6e6e6" stroke-width="1.25"/>`,          // ─ as one line
		`<path d="M25 40L25 35Q25 30 20 30L20 30" fill="none"`,                          // ╮ rounded: down, arc, left
		`<rect class="c" x="0" y="40" width="10" height="10" fill="#e6e6e6"/>`,          // ▀ upper half of row 2
		`<rect class="c" x="10" y="50" width="10" height="10" fill="#e6e6e6"/>`,         // ▄ lower half
		`<text x="30 40 50 60 70 80 90 100 110 120 130 140 150 160 170 180 190" y="55"`, // cut at 20 columns
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in:\n%s", want, s)
		}
	}
	if strings.Contains(s, "Hi") {
		t.Errorf("the first line should have scrolled off:\n%s", s)
	}
	// Styles, escaping and reverse video on a screen of their own.
	doc = svgScreen("\x1b[1;38;2;255;0;0;48;2;0;0;255mHi\x1b[0m <b>&\n\x1b[7mR\x1b[0m", 10, 2)
	svgDoc(t, doc)
	s = string(doc)
	for _, want := range []string{
		`<rect x="0" y="0" width="20" height="20" fill="#0000ff"/>`,
		`<text x="0 10" y="15" fill="#ff0000" class="b">Hi</text>`,
		`<text x="30 40 50 60" y="15" fill="#e6e6e6">&lt;b&gt;&amp;</text>`,
		`<rect x="0" y="20" width="10" height="20" fill="#e6e6e6"/>`, // reverse: the foreground fills
		`<text x="0" y="35" fill="#1b1d23">R</text>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %s in:\n%s", want, s)
		}
	}
}

// Screenshot writes the station's screen, styles and all, next to the tape
// (or where Tape.Dir says); the same screen gives the same bytes.
func TestRunScreenshot(t *testing.T) {
	dir := t.TempDir()
	src := "Set Width 40\nSet Height 10\nSet Clock 2026-09-01T09:00:00+08:00\nExpect \"Dummy station\"\nScreenshot \"a.svg\"\nScreenshot \"sub/b.svg\"\n"
	tp, err := Parse(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "t.tape")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	code := RunScript(t.Context(), path, nil, dummyStart, &out)
	if code != ExitFail || !strings.Contains(out.String(), "FAIL 6  Screenshot \"sub/b.svg\"") ||
		!strings.Contains(out.String(), "cannot write the screenshot") {
		t.Fatalf("a missing folder should fail the line: exit %d\n%s", code, out.String())
	}
	a, err := os.ReadFile(filepath.Join(dir, "a.svg"))
	if err != nil {
		t.Fatal(err)
	}
	svgDoc(t, a)
	if !regexp.MustCompile(`<svg [^>]*width="400" height="200"`).Match(a) || !bytes.Contains(a, []byte(">Dummy station 40x10  01:00:00</text>")) {
		t.Fatalf("a.svg:\n%s", a)
	}
	if p := lipgloss.ColorProfile(); p != termenv.TrueColor {
		t.Fatalf("a tape with Screenshot renders in true colour, profile %v", p)
	}
	tp.Dir = t.TempDir()
	tp.Commands = tp.Commands[:5]
	if code := Run(t.Context(), tp, dummyStart, &out); code != ExitPass {
		t.Fatalf("exit %d", code)
	}
	if again, _ := os.ReadFile(filepath.Join(tp.Dir, "a.svg")); !bytes.Equal(again, a) {
		t.Fatalf("the same screen drew different pictures")
	}
}

func dummyStart(clk clock.Clock) (Station, error) { return Station{Model: newDummy(clk)}, nil }
