package tape

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/cellbuf"
)

// The picture's grid: every cell is cellW x cellH pixels and every glyph is
// placed at its column (x = col*cellW), so a font whose advance is not
// exactly cellW, or a fallback font for a glyph, cannot shift what follows.
const (
	cellW    = 10
	cellH    = 20
	fontSize = 16
	baseline = 15 // from the top of the cell
	// fontStack names monospace fonts with box drawing and CJK glyphs first.
	fontStack = `'DejaVu Sans Mono','Menlo','Consolas','Noto Sans Mono CJK HK','Noto Sans Mono CJK TC',monospace`
)

// The terminal the picture shows: a dark theme, as the station's adaptive
// colours are chosen for one (see Screenshot in run.go).
var (
	screenBg = color.RGBA{0x1b, 0x1d, 0x23, 0xff}
	screenFg = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
)

// svgScreen draws a rendered frame (View() with its ANSI styles) as a
// terminal of width x height cells shows it: the last height lines, each cut
// to the width, with colours, attributes, box drawing and block elements
// drawn as shapes (so lines join and the QR code has no gaps) and
// double-width characters in two cells.
func svgScreen(view string, width, height int) []byte {
	lines := strings.Split(view, "\n")
	if len(lines) > height {
		lines = lines[len(lines)-height:]
	}
	buf := cellbuf.NewBuffer(width, height)
	cellbuf.SetContent(buf, strings.Join(lines, "\n"))

	var b strings.Builder
	w, h := width*cellW, height*cellH
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<style>text{font-family:%s;font-size:%dpx;white-space:pre}.b{font-weight:bold}.i{font-style:italic}.f{opacity:.6}.c{shape-rendering:crispEdges}</style>`+"\n", fontStack, fontSize)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="%s"/>`+"\n", hexColor(screenBg))
	for y := range height {
		row := cells(buf, y, width)
		drawBackgrounds(&b, row, y)
		drawGlyphs(&b, row, y)
	}
	b.WriteString("</svg>\n")
	return []byte(b.String())
}

// cell is one visible cell with its resolved colours.
type cell struct {
	x, width int // column and cells taken (2 for a wide character)
	text     string
	fg, bg   color.Color // bg nil: the screen's background
	attrs    cellbuf.AttrMask
	ul       bool
}

func cells(buf *cellbuf.Buffer, y, width int) []cell {
	var row []cell
	for x := 0; x < width; x++ {
		c := buf.Cell(x, y)
		if c == nil || c.Width == 0 { // the right half of a wide character
			continue
		}
		fg, bg := c.Style.Fg, c.Style.Bg
		if fg == nil {
			fg = screenFg
		}
		if c.Style.Attrs.Contains(cellbuf.ReverseAttr) {
			fg, bg = orDefault(bg, screenBg), fg
		}
		text := c.String()
		if c.Style.Attrs.Contains(cellbuf.ConcealAttr) {
			text = " "
		}
		row = append(row, cell{x: x, width: c.Width, text: text, fg: fg, bg: bg,
			attrs: c.Style.Attrs, ul: c.Style.UlStyle != cellbuf.NoUnderline})
	}
	return row
}

func orDefault(c, def color.Color) color.Color {
	if c == nil {
		return def
	}
	return c
}

// drawBackgrounds fills runs of cells that have a background colour.
func drawBackgrounds(b *strings.Builder, row []cell, y int) {
	for i := 0; i < len(row); {
		if row[i].bg == nil {
			i++
			continue
		}
		j, end := i, row[i].x
		for j < len(row) && row[j].bg != nil && sameColor(row[j].bg, row[i].bg) && row[j].x == end {
			end += row[j].width
			j++
		}
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n",
			row[i].x*cellW, y*cellH, (end-row[i].x)*cellW, cellH, hexColor(row[i].bg))
		i = j
	}
}

// drawGlyphs writes the row's characters: box drawing and block elements as
// shapes, the rest as text runs of one style, each character at its column.
func drawGlyphs(b *strings.Builder, row []cell, y int) {
	for i := 0; i < len(row); {
		c := row[i]
		if n := drawHorizontal(b, row[i:], y); n > 0 {
			i += n
			continue
		}
		if drawShape(b, c, y) || c.text == " " || c.text == "" {
			i++
			continue
		}
		// A run of one style, one x per character: a cell of several code
		// points (a letter and its combining accent) is a run of its own,
		// its first code point placed and the rest following it.
		j := i + 1
		for j < len(row) && utf8.RuneCountInString(c.text) == 1 && utf8.RuneCountInString(row[j].text) == 1 &&
			sameStyle(row[j], c) && !isShape(row[j].text) {
			j++
		}
		for row[j-1].text == " " { // the run ends at its last glyph
			j--
		}
		var xs []string
		var text strings.Builder
		for _, r := range row[i:j] {
			xs = append(xs, strconv.Itoa(r.x*cellW))
			text.WriteString(r.text)
		}
		fmt.Fprintf(b, `<text x="%s" y="%d" fill="%s"%s>%s</text>`+"\n",
			strings.Join(xs, " "), y*cellH+baseline, hexColor(c.fg), classes(c), escapeXML(text.String()))
		i = j
	}
}

func classes(c cell) string {
	var cls []string
	if c.attrs.Contains(cellbuf.BoldAttr) {
		cls = append(cls, "b")
	}
	if c.attrs.Contains(cellbuf.ItalicAttr) {
		cls = append(cls, "i")
	}
	if c.attrs.Contains(cellbuf.FaintAttr) {
		cls = append(cls, "f")
	}
	s := ""
	if len(cls) > 0 {
		s = ` class="` + strings.Join(cls, " ") + `"`
	}
	var deco []string
	if c.ul {
		deco = append(deco, "underline")
	}
	if c.attrs.Contains(cellbuf.StrikethroughAttr) {
		deco = append(deco, "line-through")
	}
	if len(deco) > 0 {
		s += ` text-decoration="` + strings.Join(deco, " ") + `"`
	}
	return s
}

func sameStyle(a, b cell) bool {
	return sameColor(a.fg, b.fg) && a.attrs == b.attrs && a.ul == b.ul
}

func sameColor(a, b color.Color) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return hexColor(a) == hexColor(b)
}

func hexColor(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

func escapeXML(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfffe || r == 0xffff {
				b.WriteRune('\ufffd') // not allowed in XML
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
