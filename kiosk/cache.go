package kiosk

import (
	"math"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/expressstation/kiosk/kiosk/cells"
)

// Issue 17, the keystroke budget: a keystroke changes a field, a checklist
// line or two and the frame around them; the header, the footer, labels,
// hints, buttons and the QR code stay as they were. Those are rendered once
// and kept here, each keyed by everything it depends on, so a stale one is
// never drawn: the look (size, language, colours, and a generation that a
// resize, a language switch and a sync round move on) and its own inputs
// (text, width, focus). A cache holds the last rendering only, or those the
// last frame drew (Common.rendered): what a student types is rendered anew
// on each keystroke.
//
// A screen gets this by drawing with the shared pieces (fields, buttons,
// wrap, status, detailsPanel) and joining with c.joinVertical and
// c.joinHorizontal, which give lipgloss's output with each line measured
// once. A view must stay a function of the model's state: the tests draw
// every frame twice, with the caches and without (Model.ViewFresh), and
// fail when the two differ.

// look is what every cached rendering depends on besides its own inputs.
type look struct {
	gen           uint64
	width, height int
	lang          string
	profile       termenv.Profile
	dark          bool
}

// look is the current look. The colour profile and background are the
// process's lipgloss default, which the tape runner switches to true
// colour for screenshots.
func (c *Common) look() look {
	return look{gen: c.gen, width: c.Width, height: c.Height, lang: c.Lang(),
		profile: lipgloss.ColorProfile(), dark: lipgloss.HasDarkBackground()}
}

// invalidate drops every cached rendering (a resize, a language switch, a
// sync round, the end of a flow): the next frame renders everything anew.
func (c *Common) invalidate() {
	c.gen++
	c.renders, c.rendersPrev = nil, nil
}

// nextFrame starts a frame: the shared renderings the last frame used are
// kept for this one, the others dropped. What a keystroke does not change
// is drawn once; what typing changes is drawn anew each time, even when
// the text comes back (a letter typed and erased).
func (c *Common) nextFrame() {
	prev := c.rendersPrev
	c.rendersPrev, c.renders = c.renders, prev
	clear(c.renders)
}

// memo is one cached rendering: the value for the last key only.
type memo[K comparable] struct {
	key K
	val string
	ok  bool
}

// get returns the rendering for k, rendering it when k is not the last key.
func (m *memo[K]) get(c *Common, k K, render func() string) string {
	if c.fresh {
		return render()
	}
	if !m.ok || m.key != k {
		m.key, m.val, m.ok = k, render(), true
	}
	return m.val
}

// drop forgets the rendering (it may show something secret).
func (m *memo[K]) drop() { *m = memo[K]{} }

// renderKey names a shared rendering: a button, a paragraph.
type renderKey struct {
	look
	kind, id, text string
	flags          int
}

// rendered is the shared rendering for k: from this frame or the last,
// else rendered now (nextFrame).
func (c *Common) rendered(k renderKey, render func() string) string {
	if c.fresh {
		return render()
	}
	s, ok := c.renders[k]
	if ok {
		return s
	}
	if s, ok = c.rendersPrev[k]; !ok {
		s = render()
	}
	if c.renders == nil {
		c.renders = map[renderKey]string{}
	}
	c.renders[k] = s
	return s
}

// measure is the width of a line of a frame: cells.Width, or what lipgloss
// would say when rendering fresh.
func (c *Common) measure(s string) int {
	if c.fresh {
		return ansi.StringWidth(s)
	}
	return cells.Width(s)
}

// joinVertical is lipgloss.JoinVertical(lipgloss.Left, blocks...), or
// that call itself when rendering fresh.
func (c *Common) joinVertical(blocks ...string) string {
	if c.fresh {
		return lipgloss.JoinVertical(lipgloss.Left, blocks...)
	}
	return joinVertical(blocks...)
}

// joinHorizontal is lipgloss.JoinHorizontal(lipgloss.Top, blocks...), or
// that call itself when rendering fresh.
func (c *Common) joinHorizontal(blocks ...string) string {
	if c.fresh {
		return lipgloss.JoinHorizontal(lipgloss.Top, blocks...)
	}
	return joinHorizontal(blocks...)
}

// padWidth is lipgloss.NewStyle().Width(w).Render(block), or that call
// itself when rendering fresh.
func (c *Common) padWidth(w int, block string) string {
	if c.fresh {
		return lipgloss.NewStyle().Width(w).Render(block)
	}
	return padWidth(w, block)
}

// joinVertical is lipgloss.JoinVertical(lipgloss.Left, blocks...), with
// each line measured once by cells.Width (TestJoinsMatchLipgloss).
func joinVertical(blocks ...string) string { return joinVerticalAt(lipgloss.Left, blocks...) }

// joinVerticalAt is lipgloss.JoinVertical(pos, blocks...).
func joinVerticalAt(pos lipgloss.Position, blocks ...string) string {
	if len(blocks) == 1 {
		return blocks[0]
	}
	var lines []string
	var widths []int
	wide := 0
	for _, b := range blocks {
		for l := range strings.SplitSeq(b, "\n") {
			w := cells.Width(l)
			lines, widths = append(lines, l), append(widths, w)
			wide = max(wide, w)
		}
	}
	var sb strings.Builder
	sb.Grow(len(lines) * (wide + 1))
	for i, l := range lines {
		if i > 0 {
			sb.WriteByte('\n')
		}
		// lipgloss's split of the room: math.Round, halves away from zero.
		w := wide - widths[i]
		right := w - int(math.Round(float64(w)*float64(pos)))
		if pos == lipgloss.Left || w < 1 {
			right = w
		}
		pad(&sb, w-right)
		sb.WriteString(l)
		pad(&sb, right)
	}
	return sb.String()
}

// joinHorizontal is lipgloss.JoinHorizontal(lipgloss.Top, blocks...), with
// each line measured once by cells.Width (TestJoinsMatchLipgloss).
func joinHorizontal(blocks ...string) string {
	if len(blocks) == 1 {
		return blocks[0]
	}
	split := make([][]string, len(blocks))
	widths := make([][]int, len(blocks))
	wide := make([]int, len(blocks))
	height := 0
	for i, b := range blocks {
		split[i] = strings.Split(b, "\n")
		widths[i] = make([]int, len(split[i]))
		for j, l := range split[i] {
			widths[i][j] = cells.Width(l)
			wide[i] = max(wide[i], widths[i][j])
		}
		height = max(height, len(split[i]))
	}
	var sb strings.Builder
	for y := range height {
		if y > 0 {
			sb.WriteByte('\n')
		}
		for i, lines := range split {
			if y < len(lines) {
				sb.WriteString(lines[y])
				pad(&sb, wide[i]-widths[i][y])
			} else {
				pad(&sb, wide[i])
			}
		}
	}
	return sb.String()
}

// padWidth is lipgloss.NewStyle().Width(w).Render(block) for a block whose
// lines all fit in w cells: each line padded with spaces to w. A wider
// line needs lipgloss's wrapping, so that block goes to lipgloss.
func padWidth(w int, block string) string {
	lines := strings.Split(block, "\n")
	widths := make([]int, len(lines))
	for i, l := range lines {
		widths[i] = cells.Width(l)
		if widths[i] > w {
			return lipgloss.NewStyle().Width(w).Render(block)
		}
	}
	var sb strings.Builder
	sb.Grow(len(block) + len(lines)*w)
	for i, l := range lines {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(l)
		pad(&sb, w-widths[i])
	}
	return sb.String()
}

// blockWidth is lipgloss.Width(block): its widest line.
func blockWidth(block string) int {
	w := 0
	for l := range strings.SplitSeq(block, "\n") {
		w = max(w, cells.Width(l))
	}
	return w
}

const spaces = "                                                                                                                                "

// pad writes n spaces.
func pad(sb *strings.Builder, n int) {
	for n > 0 {
		k := min(n, len(spaces))
		sb.WriteString(spaces[:k])
		n -= k
	}
}

// boxFrame is a framed style's rendering at one width, split around its
// one content line: the lines above and below, and that line's part left
// of the content, its room for content and its part to the right. Content
// of one line that fits is framed by joining strings, without lipgloss
// measuring the border, the padding and the content again.
type boxFrame struct {
	style        lipgloss.Style
	above, left  string
	right, below string
	// room is the cells between left and right; fits the widest content
	// lipgloss does not wrap (the width less the padding).
	room, fits int
	ok         bool // the style frames this way (checked in newBoxFrame)
}

func newBoxFrame(style lipgloss.Style) boxFrame {
	f := boxFrame{style: style, fits: style.GetWidth() - style.GetHorizontalPadding()}
	if style.GetWidth() <= 0 || f.fits < 1 {
		return f // the frame grows with its content
	}
	lines := strings.Split(style.Render("X"), "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "X") {
			if at >= 0 || strings.Count(l, "X") > 1 {
				return f
			}
			at = i
		}
	}
	if at < 0 {
		return f
	}
	left, rest, _ := strings.Cut(lines[at], "X")
	right := strings.TrimLeft(rest, " ")
	f.left, f.right, f.room = left, right, 1+len(rest)-len(right)
	if at > 0 {
		f.above = strings.Join(lines[:at], "\n") + "\n"
	}
	if at < len(lines)-1 {
		f.below = "\n" + strings.Join(lines[at+1:], "\n")
	}
	// Only a style that pads its content on the right with plain spaces
	// (left-aligned, no colour on the text) frames this way: prove it on a
	// second content before trusting it.
	f.ok = f.room >= f.fits
	if probe := "Xy z"; f.fits < cells.Width(probe) || f.frame(probe) != style.Render(probe) {
		f.ok = false
	}
	return f
}

// frame is style.Render(content).
func (f *boxFrame) frame(content string) string {
	w := cells.Width(content)
	if !f.ok || w > f.fits || strings.ContainsAny(content, "\n\r\t") {
		return f.style.Render(content)
	}
	var sb strings.Builder
	sb.Grow(len(f.above) + len(f.left) + len(content) + f.room - w + len(f.right) + len(f.below))
	sb.WriteString(f.above)
	sb.WriteString(f.left)
	sb.WriteString(content)
	pad(&sb, f.room-w)
	sb.WriteString(f.right)
	sb.WriteString(f.below)
	return sb.String()
}
