// Package touch finds the buttons of a rendered frame so that a tap (a mouse
// press) can be matched to the button under the finger.
//
// Screens wrap each touchable block with Mark while they render. The root
// model calls Scan once on the finished frame: Scan removes the markers and
// reports each button's rectangle in screen cells. Everything is synchronous,
// so tests and the tape runner see exactly the buttons of the last frame.
package touch

import (
	"encoding/hex"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk/cells"
)

// Button is a touchable rectangle of the last rendered frame, in cells with
// (0,0) at the top left.
type Button struct {
	ID, Label  string
	X, Y, W, H int
}

// Contains reports whether the cell (x, y) lies inside the button.
func (b Button) Contains(x, y int) bool {
	return x >= b.X && x < b.X+b.W && y >= b.Y && y < b.Y+b.H
}

// Markers are APC sequences ("ESC _ ... ESC \"): terminals ignore them and
// lipgloss measures them as zero width, so layout is unchanged by marking.
const (
	apcOpen  = "\x1b_"
	apcClose = "\x1b\\"
	tagAny   = apcOpen + "touch:"
	tagStart = tagAny + "s:"
	tagEnd   = tagAny + "e:"
	sep      = ";"
)

// Mark wraps a rendered block (one or more lines of equal width) as a button.
// The start marker goes before the first cell and the end marker after the
// last cell of the last line; Scan turns the pair into a rectangle. Both carry
// the id, so blocks side by side of different heights still pair up.
func Mark(id, label, block string) string {
	id = encode(id)
	return tagStart + id + sep + encode(label) + apcClose + block + tagEnd + id + apcClose
}

// encode keeps marker payloads to printable ASCII: the ANSI parser that
// measures widths treats other bytes inside an APC string as text.
func encode(s string) string { return hex.EncodeToString([]byte(s)) }

func decode(s string) string {
	b, err := hex.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(b)
}

type open struct {
	id, label string
	x, y      int
}

// Scan removes the markers from frame and returns the clean frame and the
// buttons in the order they appear. A start marker without its end (cut off
// by truncation) yields no button.
func Scan(frame string) (string, []Button) {
	if !strings.Contains(frame, tagAny) {
		return frame, nil
	}
	var (
		buttons []Button
		pending []open
		out     strings.Builder
	)
	out.Grow(len(frame))
	for y, line := range strings.Split(frame, "\n") {
		if y > 0 {
			out.WriteByte('\n')
		}
		col := 0 // width of the clean text written so far on this line
		for {
			i := strings.Index(line, tagAny)
			if i < 0 {
				out.WriteString(line)
				break
			}
			out.WriteString(line[:i])
			col += cells.Width(line[:i])
			rest := line[i:]
			j := strings.Index(rest, apcClose)
			if j < 0 { // malformed: keep the text, drop the broken marker
				out.WriteString(ansi.Strip(rest))
				break
			}
			payload := rest[len(tagAny):j]
			line = rest[j+len(apcClose):]
			switch {
			case strings.HasPrefix(payload, "s:"):
				id, label, _ := strings.Cut(payload[2:], sep)
				pending = append(pending, open{id: decode(id), label: decode(label), x: col, y: y})
			case strings.HasPrefix(payload, "e:"):
				if k := lastOpen(pending, decode(payload[2:])); k >= 0 {
					o := pending[k]
					pending = append(pending[:k], pending[k+1:]...)
					buttons = append(buttons, Button{ID: o.id, Label: o.label,
						X: o.x, Y: o.y, W: col - o.x, H: y - o.y + 1})
				}
			}
		}
	}
	return out.String(), buttons
}

// lastOpen finds the most recent unmatched start marker with this id.
func lastOpen(pending []open, id string) int {
	for k := len(pending) - 1; k >= 0; k-- {
		if pending[k].id == id {
			return k
		}
	}
	return -1
}

// Hit returns the button under the cell (x, y). Buttons do not overlap; if
// they ever do, the one drawn last (on top) wins.
func Hit(buttons []Button, x, y int) (Button, bool) {
	for i := len(buttons) - 1; i >= 0; i-- {
		if buttons[i].Contains(x, y) {
			return buttons[i], true
		}
	}
	return Button{}, false
}

// Find returns the first button whose label contains text, as the tape
// runner's Click does.
func Find(buttons []Button, text string) (Button, bool) {
	for _, b := range buttons {
		if strings.Contains(b.Label, text) {
			return b, true
		}
	}
	return Button{}, false
}

// Center is the cell a tap on b should use.
func (b Button) Center() (x, y int) {
	return b.X + b.W/2, b.Y + b.H/2
}
