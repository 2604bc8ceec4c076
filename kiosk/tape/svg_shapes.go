package tape

import (
	"fmt"
	"strings"
)

// Box drawing and block elements are drawn as shapes, not glyphs: a font's
// glyphs rarely fill a cell of the picture's height, so frames would show
// gaps between rows and the QR code (half blocks) would not scan. Straight
// lines and blocks are drawn with crisp edges, so the pieces of one line in
// neighbouring cells meet without an anti-aliased seam.

// boxLines gives, for a box drawing character, the line going from the
// cell's centre up, right, down and left: 0 none, 1 light, 2 heavy, 3 double.
var boxLines = map[rune]string{
	'─': "0101", '│': "1010", '┌': "0110", '┐': "0011", '└': "1100", '┘': "1001",
	'├': "1110", '┤': "1011", '┬': "0111", '┴': "1101", '┼': "1111",
	'━': "0202", '┃': "2020", '┏': "0220", '┓': "0022", '┗': "2200", '┛': "2002",
	'┣': "2220", '┫': "2022", '┳': "0222", '┻': "2202", '╋': "2222",
	'┍': "0210", '┑': "0012", '┕': "1200", '┙': "1002",
	'┎': "0120", '┒': "0021", '┖': "2100", '┚': "2001",
	'═': "0303", '║': "3030", '╔': "0330", '╗': "0033", '╚': "3300", '╝': "3003",
	'╠': "3330", '╣': "3033", '╦': "0333", '╩': "3303", '╬': "3333",
	'╴': "0001", '╵': "1000", '╶': "0100", '╷': "0010",
	'╸': "0002", '╹': "2000", '╺': "0200", '╻': "0020",
}

// roundCorners are the arcs ╭╮╯╰, as the directions their two lines take.
var roundCorners = map[rune]string{'╭': "0110", '╮': "0011", '╯': "1001", '╰': "1100"}

// dashed lines: direction (h or v), weight and dashes per cell.
var dashed = map[rune]struct {
	horizontal bool
	weight     int
	dashes     int
}{
	'╌': {true, 1, 2}, '╍': {true, 2, 2}, '┄': {true, 1, 3}, '┅': {true, 2, 3}, '┈': {true, 1, 4}, '┉': {true, 2, 4},
	'╎': {false, 1, 2}, '╏': {false, 2, 2}, '┆': {false, 1, 3}, '┇': {false, 2, 3}, '┊': {false, 1, 4}, '┋': {false, 2, 4},
}

// blocks are block elements as a rectangle of the cell (in eighths of its
// width and height) and an opacity for the shades.
var blocks = map[rune]struct {
	x, y, w, h int
	opacity    string
}{
	'█': {0, 0, 8, 8, ""}, '▀': {0, 0, 8, 4, ""}, '▄': {0, 4, 8, 4, ""},
	'▌': {0, 0, 4, 8, ""}, '▐': {4, 0, 4, 8, ""}, '▔': {0, 0, 8, 1, ""}, '▁': {0, 7, 8, 1, ""},
	'▂': {0, 6, 8, 2, ""}, '▃': {0, 5, 8, 3, ""}, '▅': {0, 3, 8, 5, ""}, '▆': {0, 2, 8, 6, ""}, '▇': {0, 1, 8, 7, ""},
	'▏': {0, 0, 1, 8, ""}, '▎': {0, 0, 2, 8, ""}, '▍': {0, 0, 3, 8, ""}, '▋': {0, 0, 5, 8, ""}, '▊': {0, 0, 6, 8, ""}, '▉': {0, 0, 7, 8, ""},
	'▕': {7, 0, 1, 8, ""},
	'░': {0, 0, 8, 8, ".25"}, '▒': {0, 0, 8, 8, ".5"}, '▓': {0, 0, 8, 8, ".75"},
}

// strokes are the line widths of light and heavy lines, and the gap
// between the two lines of a double one.
const (
	lightStroke  = 1.25
	heavyStroke  = 2.5
	doubleOffset = 2.0
)

func isShape(text string) bool {
	r := []rune(text)
	if len(r) != 1 {
		return false
	}
	_, box := boxLines[r[0]]
	_, round := roundCorners[r[0]]
	_, dash := dashed[r[0]]
	_, block := blocks[r[0]]
	return box || round || dash || block
}

// drawShape draws c as a shape if it is one, and says whether it was.
func drawShape(b *strings.Builder, c cell, y int) bool {
	if !isShape(c.text) {
		return false
	}
	r := []rune(c.text)[0]
	left, top := float64(c.x*cellW), float64(y*cellH)
	cx, cy := left+cellW/2, top+cellH/2
	fill := hexColor(c.fg)
	switch {
	case boxLines[r] != "":
		drawLines(b, boxLines[r], left, top, cx, cy, fill)
	case roundCorners[r] != "":
		d := roundCorners[r]
		rad := float64(cellW) / 2
		sx, sy, ex, ey := cx, cy, cx, cy // the arc's ends, rad from the centre
		var fx, fy, tx, ty float64       // where the lines end, at the cell's edges
		if d[0] == '1' {
			sy, fx, fy = cy-rad, cx, top
		} else {
			sy, fx, fy = cy+rad, cx, top+cellH
		}
		if d[1] == '1' {
			ex, tx, ty = cx+rad, left+cellW, cy
		} else {
			ex, tx, ty = cx-rad, left, cy
		}
		fmt.Fprintf(b, `<path d="M%s %sL%s %sQ%s %s %s %sL%s %s" fill="none" stroke="%s" stroke-width="%s"/>`+"\n",
			num(fx), num(fy), num(sx), num(sy), num(cx), num(cy), num(ex), num(ey), num(tx), num(ty), fill, num(lightStroke))
	case dashed[r].dashes > 0:
		d := dashed[r]
		sw := lightStroke
		if d.weight == 2 {
			sw = heavyStroke
		}
		if d.horizontal {
			dash := float64(cellW) / float64(2*d.dashes)
			fmt.Fprintf(b, `<path d="M%s %sH%s" stroke="%s" stroke-width="%s" stroke-dasharray="%s" stroke-dashoffset="%s"/>`+"\n",
				num(left), num(cy), num(left+cellW), fill, num(sw), num(dash), num(-dash/2))
		} else {
			dash := float64(cellH) / float64(2*d.dashes)
			fmt.Fprintf(b, `<path d="M%s %sV%s" stroke="%s" stroke-width="%s" stroke-dasharray="%s" stroke-dashoffset="%s"/>`+"\n",
				num(cx), num(top), num(top+cellH), fill, num(sw), num(dash), num(-dash/2))
		}
	default:
		bl := blocks[r]
		op := ""
		if bl.opacity != "" {
			op = ` fill-opacity="` + bl.opacity + `"`
		}
		fmt.Fprintf(b, `<rect class="c" x="%s" y="%s" width="%s" height="%s" fill="%s"%s/>`+"\n",
			num(left+float64(bl.x*cellW)/8), num(top+float64(bl.y*cellH)/8),
			num(float64(bl.w*cellW)/8), num(float64(bl.h*cellH)/8), fill, op)
	}
	return true
}

// drawLines draws a box drawing character's lines from the centre to the
// edges; each starts half a stroke before the centre so corners close.
func drawLines(b *strings.Builder, dirs string, left, top, cx, cy float64, fill string) {
	var d strings.Builder
	for i, w := range dirs {
		if w == '0' {
			continue
		}
		sw := lightStroke
		if w == '2' {
			sw = heavyStroke
		}
		offsets := []float64{0}
		if w == '3' {
			offsets = []float64{-doubleOffset, doubleOffset}
		}
		for _, o := range offsets {
			d.Reset()
			switch i {
			case 0: // up
				fmt.Fprintf(&d, "M%s %sV%s", num(cx+o), num(cy+sw/2), num(top))
			case 1: // right
				fmt.Fprintf(&d, "M%s %sH%s", num(cx-sw/2), num(cy+o), num(left+cellW))
			case 2: // down
				fmt.Fprintf(&d, "M%s %sV%s", num(cx+o), num(cy-sw/2), num(top+cellH))
			case 3: // left
				fmt.Fprintf(&d, "M%s %sH%s", num(cx+sw/2), num(cy+o), num(left))
			}
			if w == '3' {
				sw = lightStroke
			}
			fmt.Fprintf(b, `<path class="c" d="%s" stroke="%s" stroke-width="%s"/>`+"\n", d.String(), fill, num(sw))
		}
	}
}

// num prints a coordinate without needless digits, the same on every run.
func num(f float64) string {
	s := fmt.Sprintf("%.3f", f)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// drawHorizontal draws a run of one horizontal line character (the top and
// bottom of a frame) as one line, and returns how many cells it took: 0
// when row[0] is not one.
func drawHorizontal(b *strings.Builder, row []cell, y int) int {
	dirs := boxLines[[]rune(row[0].text + " ")[0]]
	if row[0].text == "" || (dirs != "0101" && dirs != "0202" && dirs != "0303") {
		return 0
	}
	n := 1
	for n < len(row) && row[n].text == row[0].text && sameColor(row[n].fg, row[0].fg) && row[n].x == row[0].x+n {
		n++
	}
	sw, offsets := lightStroke, []float64{0}
	switch dirs {
	case "0202":
		sw = heavyStroke
	case "0303":
		offsets = []float64{-doubleOffset, doubleOffset}
	}
	left, right, cy := float64(row[0].x*cellW), float64((row[0].x+n)*cellW), float64(y*cellH)+cellH/2
	for _, o := range offsets {
		fmt.Fprintf(b, `<path class="c" d="M%s %sH%s" stroke="%s" stroke-width="%s"/>`+"\n",
			num(left), num(cy+o), num(right), hexColor(row[0].fg), num(sw))
	}
	return n
}
