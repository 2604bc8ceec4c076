package kiosk

import (
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/policy"
)

// button draws a touchable button. A disabled button is drawn faint and not
// marked, so a tap (or a tape's Click) cannot reach it.
func button(c *Common, id, label string, focused, enabled bool) string {
	return textButton(c, id, label, label, focused, enabled)
}

// textButton draws text but answers to label (for taps and tape clicks), for
// buttons whose face is a symbol such as "+". A button is drawn once for
// its look (Common.rendered).
func textButton(c *Common, id, label, text string, focused, enabled bool) string {
	flags := 0
	if focused {
		flags |= 1
	}
	if enabled {
		flags |= 2
	}
	return c.rendered(renderKey{look: c.look(), kind: "button", id: id, text: label + "\x00" + text, flags: flags}, func() string {
		style := buttonStyle(c, focused, enabled)
		if lipgloss.Width(text) == 1 { // a symbol: keep the button small
			style = style.Padding(0, 1)
		}
		if !enabled {
			return style.Render(text)
		}
		return touch.Mark(id, label, style.Render(text))
	})
}

// buttonStyle is a button's look: faint when off, marked when focused.
func buttonStyle(c *Common, focused, enabled bool) lipgloss.Style {
	switch {
	case !enabled:
		return c.Styles.ButtonDisabled
	case focused:
		return c.Styles.ButtonFocused
	}
	return c.Styles.Button
}

// buttonRow lays buttons out side by side with a gap.
func buttonRow(buttons ...string) string {
	var parts []string
	for _, b := range buttons {
		if len(parts) > 0 {
			parts = append(parts, "  ")
		}
		parts = append(parts, b)
	}
	return joinHorizontal(parts...)
}

// buttonFlow lays buttons out in rows no wider than width, starting a new
// row when the next one would not fit.
func buttonFlow(width int, buttons ...string) string {
	var rows []string
	var row []string
	used := 0
	for _, b := range buttons {
		w := blockWidth(b)
		if len(row) > 0 && used+2+w > width {
			rows = append(rows, buttonRow(row...))
			row, used = nil, 0
		}
		if len(row) > 0 {
			used += 2
		}
		row = append(row, b)
		used += w
	}
	if len(row) > 0 {
		rows = append(rows, buttonRow(row...))
	}
	return joinVertical(rows...)
}

// field is a labelled text input with a line for a hint or an error below.
// A tap on the field focuses it.
type field struct {
	id     string
	label  string // a catalog id (or plain text, which renders as itself)
	input  textinput.Model
	hint   words
	err    words
	ok     words
	narrow bool            // an identity field: full-width forms become ASCII (policy.NarrowRune)
	accept func(rune) bool // which typed runes the field takes; nil takes all
	refuse words           // said when a typed rune is not taken
	// changed runs after the value changed (live checks); leave when the
	// focus leaves the field (checks that would nag while typing).
	changed, leave func()
	views          fieldViews
}

// fieldViews are a field's cached renderings (cache.go): its label, its
// frame at the width and focus it was last drawn with, the frame with the
// text as typed (the last only), and its message line.
type fieldViews struct {
	label memo[fieldLabelKey]
	frame fieldFrame
	input memo[fieldInputKey]
	note  memo[fieldNoteKey]
}

// fieldFrame is the field's frame at one width and focus: its style, what
// the frame takes of the width (measuring the border's runes is not free),
// and the frame split around the text (boxFrame, made when first needed).
type fieldFrame struct {
	key           fieldFrameKey
	style         lipgloss.Style
	frame, border int
	box           boxFrame
	set, boxed    bool
}

// frameFor is the field's frame at this width and focus, made anew when
// either or the look changed.
func (f *field) frameFor(c *Common, k fieldFrameKey, width int, focused bool) *fieldFrame {
	fr := &f.views.frame
	if c.fresh {
		fr = &fieldFrame{} // nothing kept
	}
	if !fr.set || fr.key != k {
		box := c.Styles.Field
		if focused {
			box = c.Styles.FieldFocused
		}
		*fr = fieldFrame{key: k, frame: box.GetHorizontalFrameSize(), border: box.GetHorizontalBorderSize(), set: true}
		fr.style = box.Width(width - fr.border)
	}
	return fr
}

type fieldLabelKey struct {
	look
	label string
}

type fieldFrameKey struct {
	look
	width   int
	focused bool
}

type fieldInputKey struct {
	fieldFrameKey
	label, input string
}

type fieldNoteKey struct {
	look
	kind        int
	note        string
	width, wrap int
}

func newField(id, label string, limit int, secret bool) *field {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = limit
	in.Cursor.SetMode(cursor.CursorStatic)
	// Ctrl+V would read the station's clipboard: never on a shared kiosk.
	in.KeyMap.Paste = key.NewBinding(key.WithDisabled())
	in.KeyMap.AcceptSuggestion = key.NewBinding(key.WithDisabled())
	in.KeyMap.NextSuggestion = key.NewBinding(key.WithDisabled())
	in.KeyMap.PrevSuggestion = key.NewBinding(key.WithDisabled())
	if secret {
		in.EchoMode = textinput.EchoPassword
		in.EchoCharacter = '•'
	}
	return &field{id: id, label: label, input: in}
}

func (f *field) value() string { return f.input.Value() }

func (f *field) setFocus(on bool) {
	if on {
		f.input.Focus()
	} else {
		f.input.Blur()
	}
}

// update passes a key to the input after checking the text it brings
// (take). A change clears the field's message and runs its live check.
func (f *field) update(msg tea.KeyMsg) {
	var why words
	if msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace {
		msg.Runes, why = f.take(msg)
	}
	before := f.input.Value()
	if (msg.Type != tea.KeyRunes && msg.Type != tea.KeySpace) || len(msg.Runes) > 0 {
		f.input, _ = f.input.Update(msg)
	}
	if f.input.Value() != before {
		f.err, f.ok = nil, nil
		if f.changed != nil {
			f.changed()
		}
	}
	if why != nil {
		f.err, f.ok = why, nil
	}
}

// take is what the field keeps of typed or pasted text, and what to say
// about the rest. An identity field narrows full-width forms first. Text
// with a character policy.TextRune refuses (invisible, direction-changing),
// or that would make the value longer than the field holds, is refused
// whole and said so, never kept in part: a password cut short or changed
// without a word would not be the one the student knows. The check runs
// before the input sees anything, so a 10 KB paste costs one pass over it.
// Runes the field does not take (accept) are dropped with its refuse
// message.
func (f *field) take(msg tea.KeyMsg) ([]rune, words) {
	rs := msg.Runes
	paste := msg.Paste || len(rs) > 1
	if f.narrow {
		rs = slices.Clone(rs)
		for i, r := range rs {
			rs[i] = policy.NarrowRune(r)
		}
	}
	// The messages fit one line under the narrowest field (the password's,
	// 30 columns), so that they never push a screen's buttons off at 80x24.
	if slices.ContainsFunc(rs, func(r rune) bool { return !policy.TextRune(r) }) {
		if paste {
			return nil, say("screen.field.paste-invisible", nil)
		}
		return nil, say("screen.field.invisible", nil)
	}
	refused := false
	if f.accept != nil && msg.Type == tea.KeyRunes {
		kept := rs[:0:0]
		for _, r := range rs {
			if f.accept(r) {
				kept = append(kept, r)
			}
		}
		refused, rs = len(kept) < len(rs), kept
	}
	if limit, n := f.input.CharLimit, utf8.RuneCountInString(f.input.Value()); limit > 0 && n+len(rs) > limit {
		if paste {
			return nil, sayN("screen.field.paste-too-long", limit, nil)
		}
		return nil, sayN("screen.field.too-long", limit, nil)
	}
	if refused {
		return rs, f.refuse
	}
	return rs, nil
}

// reset empties the field and its messages, and forgets its renderings
// (they may show what was typed).
func (f *field) reset() {
	f.input.Reset()
	f.err, f.ok = nil, nil
	f.views = fieldViews{}
}

// view draws the label, the framed input (width cells wide) and one message
// line, which may be as wide as noteWidth. Only the text as typed is
// rendered on a keystroke: the label, the frame and the message are kept
// (fieldViews).
func (f *field) view(c *Common, width, noteWidth int, focused bool) string {
	lk := c.look()
	fk := fieldFrameKey{lk, width, focused}
	fr := f.frameFor(c, fk, width, focused)
	f.input.Width = max(1, width-fr.frame-1)
	label := c.tr(f.label, nil)
	labelLine := f.views.label.get(c, fieldLabelKey{lk, label}, func() string { return c.Styles.Label.Render(label) })
	in := f.input.View()
	input := f.views.input.get(c, fieldInputKey{fk, label, in}, func() string {
		if c.fresh {
			return touch.Mark(f.id, label, fr.style.Render(in))
		}
		if !fr.boxed {
			fr.box, fr.boxed = newBoxFrame(fr.style), true
		}
		return touch.Mark(f.id, label, fr.box.frame(in))
	})
	nw := max(width, noteWidth)
	kind, style, text := 0, c.Styles.Muted, f.hint.in(c)
	switch {
	case f.err != nil:
		kind, style, text = 1, c.Styles.Error, "✗ "+f.err.in(c)
	case f.ok != nil:
		kind, style, text = 2, c.Styles.Success, "✓ "+f.ok.in(c)
	}
	note := f.views.note.get(c, fieldNoteKey{lk, kind, text, nw, nw}, func() string {
		return c.padWidth(nw, style.Render(prewrap(text, nw)))
	})
	return c.joinVertical(labelLine, input, note)
}

func digitsOnly(r rune) bool { return r >= '0' && r <= '9' }

// ring is the focus order of a screen: fields and buttons by id.
type ring struct {
	ids []string
	at  int
}

func (r *ring) cur() string {
	if len(r.ids) == 0 {
		return ""
	}
	return r.ids[min(r.at, len(r.ids)-1)]
}

func (r *ring) move(delta int) {
	if n := len(r.ids); n > 0 {
		r.at = ((r.at+delta)%n + n) % n
	}
}

// set focuses id; it reports false (and changes nothing) for an unknown id.
func (r *ring) set(id string) bool {
	for i, v := range r.ids {
		if v == id {
			r.at = i
			return true
		}
	}
	return false
}

// reorder replaces the focus order, keeping the focused id when it remains.
func (r *ring) reorder(ids ...string) {
	cur := r.cur()
	r.ids = ids
	if !r.set(cur) {
		r.at = 0
	}
}

// form is what every step's screen shares (huh's form, cut down): the
// focus ring over its fields and buttons, the fields by id, the button Enter
// presses from a field, and the spinner while a store call runs. A step
// embeds it, passes input to handle and acts on the button pressed; it
// keeps only what is its own (its checks, its store calls, its layout).
type form struct {
	c      *Common
	focus  ring
	fields map[string]*field
	enter  map[string]string // Enter on this id presses that button
	spin   busy
	// answers take the store's replies (registered with onAnswer); onPress
	// acts on the button pressed. Together they are a step's update.
	answers []func(tea.Msg) (tea.Cmd, bool)
	onPress func(id string) tea.Cmd
}

// onAnswer registers what a step does with a store reply of type R: the
// spinner stops, then fn acts on it.
func onAnswer[R any](fm *form, fn func(R) tea.Cmd) {
	fm.answers = append(fm.answers, func(msg tea.Msg) (tea.Cmd, bool) {
		r, ok := msg.(R)
		if !ok {
			return nil, false
		}
		fm.spin.stop()
		return fn(r), true
	})
}

// update is the step's update in the usual case: a store reply goes to its
// answer, other input to handle, and the button pressed to onPress.
func (fm *form) update(msg tea.Msg) tea.Cmd {
	for _, answer := range fm.answers {
		if cmd, ok := answer(msg); ok {
			return cmd
		}
	}
	pressed, cmd := fm.handle(msg)
	if pressed != "" && fm.onPress != nil {
		return fm.onPress(pressed)
	}
	return cmd
}

func newForm(c *Common, fields ...*field) form {
	fm := form{c: c, fields: map[string]*field{}, enter: map[string]string{}}
	for _, f := range fields {
		fm.fields[f.id] = f
	}
	return fm
}

// Defaults for the step interface, so a step writes only what differs.
func (fm *form) init() tea.Cmd       { return nil }
func (fm *form) busy() bool          { return fm.spin.active }
func (fm *form) cur() string         { return fm.focus.cur() }
func (fm *form) help() []key.Binding { return []key.Binding{fm.c.Keys.Next, fm.c.Keys.Select} }

// order sets the focus order, keeping the focused id when it remains.
func (fm *form) order(ids ...string) {
	fm.focus.reorder(ids...)
	fm.sync()
}

// focusOn moves the focus to id (an id outside the order changes nothing).
func (fm *form) focusOn(id string) {
	fm.focus.set(id)
	fm.sync()
}

// sync gives the text cursor to the focused field; the field the focus
// left runs its leave check.
func (fm *form) sync() {
	cur := fm.focus.cur()
	for id, f := range fm.fields {
		left := f.input.Focused() && id != cur
		f.setFocus(id == cur)
		if left && f.leave != nil {
			f.leave()
		}
	}
}

// run shows the spinner while call (a store request) runs; label is a
// catalog id. The step stops
// it (spin.stop) when the answer arrives.
func (fm *form) run(label string, call tea.Cmd) tea.Cmd {
	return tea.Batch(fm.spin.start(fm.c, label), call)
}

// handle is the input every step answers alike: spinner frames; nothing
// else while the spinner runs; Tab/↑/↓ (and ←/→ off a text field) move the
// focus; a tap focuses what it touches; typing goes to the focused field;
// Enter presses the focused button, the button the field names in enter,
// or moves on from a field. It returns the button pressed ("" for none).
func (fm *form) handle(msg tea.Msg) (pressed string, cmd tea.Cmd) {
	if t, ok := msg.(busyTickMsg); ok {
		return "", fm.spin.update(fm.c, t)
	}
	if fm.spin.active {
		return "", nil // input waits while the store answers
	}
	switch msg := msg.(type) {
	case pressMsg:
		fm.focus.set(msg.id)
		if fm.fields[msg.id] == nil {
			pressed = msg.id
		}
	case tea.KeyMsg:
		pressed = fm.onKey(msg)
	}
	fm.sync()
	return pressed, nil
}

func (fm *form) onKey(msg tea.KeyMsg) (pressed string) {
	k := fm.c.Keys
	cur := fm.focus.cur()
	f := fm.fields[cur]
	switch {
	case key.Matches(msg, k.Next, k.Down):
		fm.focus.move(1)
	case key.Matches(msg, k.Prev, k.Up):
		fm.focus.move(-1)
	case key.Matches(msg, k.Select):
		if to, ok := fm.enter[cur]; ok {
			return to
		}
		if f == nil {
			return cur
		}
		fm.focus.move(1)
	case f != nil:
		f.update(msg)
	case key.Matches(msg, k.Right):
		fm.focus.move(1)
	case key.Matches(msg, k.Left):
		fm.focus.move(-1)
	}
	return ""
}

// field draws the field id, focused or not.
func (fm *form) field(id string, width, noteWidth int) string {
	return fm.fields[id].view(fm.c, width, noteWidth, fm.focus.cur() == id)
}

// button draws one of the form's buttons; none can be pressed while the
// spinner runs.
func (fm *form) button(id, label string) string {
	return button(fm.c, id, label, fm.focus.cur() == id, !fm.spin.active)
}

// status is the line above a form's buttons: the spinner while a store call
// runs, else the error, else idle (muted; may be empty). Text wraps to width.
func (fm *form) status(width int, err words, idle string) string {
	s := fm.c.Styles
	switch {
	case fm.spin.active:
		return fm.spin.view(fm.c)
	case err != nil:
		text := err.in(fm.c)
		return fm.c.rendered(renderKey{look: fm.c.look(), kind: "status:error", text: text, flags: width}, func() string {
			return wrapStyle(s.Error, width, text)
		})
	case idle != "":
		return fm.c.rendered(renderKey{look: fm.c.look(), kind: "status", text: idle, flags: width}, func() string {
			return wrapStyle(s.Muted, width, idle)
		})
	}
	return ""
}

// busy is a spinner with a label, shown while a store call runs. Its frames
// come from the station clock, so tests and tapes see no stray timers.
type busy struct {
	active bool
	label  string // a catalog id (or plain text, which renders as itself)
	frame  int
	id     int64
}

type busyTickMsg struct{ id int64 }

var busyIDs atomic.Int64

var busyFrames = spinner.MiniDot

func (b *busy) start(c *Common, label string) tea.Cmd {
	b.active, b.label, b.frame = true, label, 0
	b.id = busyIDs.Add(1)
	return b.tick(c)
}

func (b *busy) stop() { b.active = false }

func (b *busy) tick(c *Common) tea.Cmd {
	id := b.id
	return c.Tick(busyFrames.FPS, func(time.Time) tea.Msg { return busyTickMsg{id: id} })
}

// update advances the spinner for its own ticks.
func (b *busy) update(c *Common, msg busyTickMsg) tea.Cmd {
	if !b.active || msg.id != b.id {
		return nil
	}
	b.frame = (b.frame + 1) % len(busyFrames.Frames)
	return b.tick(c)
}

func (b *busy) view(c *Common) string {
	return c.Styles.Warning.Render(busyFrames.Frames[b.frame]) + " " + c.Styles.Text.Render(c.tr(b.label, nil))
}

// detailsFrame is the width detailsPanel adds to its longest value: the
// labels' column, padding and border.
const detailsFrame = detailsLabel + 6

const detailsLabel = 14

// detailsPanel frames label and value rows (an account's particulars), the
// values in one column.
// It is drawn once for its rows (Common.rendered).
func detailsPanel(c *Common, rows [][2]string) string {
	var k strings.Builder
	for _, r := range rows {
		k.WriteString(r[0] + "\x00" + r[1] + "\x00")
	}
	return c.rendered(renderKey{look: c.look(), kind: "details", text: k.String()}, func() string {
		s := c.Styles
		lines := make([]string, len(rows))
		for i, r := range rows {
			lines[i] = s.Muted.Render(padCells(r[0], detailsLabel)) + s.Strong.Render(r[1])
		}
		return s.Panel.Render(strings.Join(lines, "\n"))
	})
}

// padCells pads s with spaces to w display cells (a Chinese character is
// two), where fmt's %-*s would count runes.
func padCells(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-ansi.StringWidth(s)))
}

// wrap fits plain text to width, for paragraphs of instructions, once for
// its look (Common.rendered).
func wrap(c *Common, width int, text string) string {
	return c.rendered(renderKey{look: c.look(), kind: "wrap", text: text, flags: width}, func() string {
		return wrapStyle(c.Styles.Text, width, text)
	})
}

// wordwrap breaks s at spaces into lines of at most w runes (the labels are
// plain text, so counting runes is enough and much cheaper than measuring).
func wordwrap(s string, w int) string {
	if hasWide(s) {
		return cachedWrap(s, w) // Chinese: by cells, between characters (wrap.go)
	}
	if utf8.RuneCountInString(s) <= w {
		return s
	}
	var b strings.Builder
	n := 0
	for i, word := range strings.Fields(s) {
		wl := utf8.RuneCountInString(word)
		if i > 0 && n+1+wl > w {
			b.WriteByte('\n')
			n = 0
		} else if i > 0 {
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += wl
	}
	return b.String()
}

// hanging wraps text into lines of at most width cells after prefix, the
// lines after the first indented to start under the text (a hanging indent
// for list items and checklist labels).
func hanging(prefix, text string, width int) []string {
	n := utf8.RuneCountInString(prefix)
	lines := strings.Split(wordwrap(text, max(1, width-n)), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", n) + lines[i]
		}
	}
	return lines
}

// cleanRunes removes escape sequences and control characters from typed or
// pasted text before any field sees it.
func cleanRunes(rs []rune) []rune {
	s := string(rs)
	if strings.ContainsRune(s, '\x1b') {
		s = ansi.Strip(s)
	}
	out := make([]rune, 0, len(rs))
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			continue
		}
		out = append(out, r)
	}
	return out
}
