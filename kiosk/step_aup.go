package kiosk

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/kiosk/touch"
)

// aupStep is the policy step: one scrollable text that opens on what the
// flow needs ("Before you start", seed step 1: "have your mobile device
// ready") and goes on with the three policies (policies.go), each with a tab
// at the top that jumps to it. "I accept" is enabled only once the last
// line has been on screen; a jump to the last section shows its heading,
// not its end. It is one step, not a screen in front of the policies, so
// that tapes which open the flow and read the Acceptable Use Policy keep
// working.
type aupStep struct {
	form
	f       *flow
	ready   string // catalog id of the "Before you start" part
	vp      viewport.Model
	width   int    // the text is wrapped for this width
	lang    string // and in this language
	starts  []int  // the first line of each section (policySections)
	reached bool
}

// aup makes the policy step; ready is the catalog id of the flow's "Before
// you start" part.
func aup(ready string) func(f *flow) step {
	return func(f *flow) step {
		a := &aupStep{f: f, ready: ready, vp: viewport.New(0, 0), form: newForm(f.c)}
		a.onPress = a.press
		a.vp.MouseWheelEnabled = true
		a.vp.KeyMap = viewport.KeyMap{} // keys are handled here, from the shared keymap
		a.order(a.ids("aup:down", "aup:up", "aup:decline")...)
		return a
	}
}

// ids is the focus order: the buttons below the text, then the tabs.
func (a *aupStep) ids(buttons ...string) []string {
	for _, s := range policySections {
		buttons = append(buttons, "aup:tab:"+s.name)
	}
	return buttons
}

func (a *aupStep) init() tea.Cmd {
	a.layout(a.f.c.stepSize())
	a.scrolled() // a screen tall enough for the whole text shows its end at once
	return nil
}

func (a *aupStep) title() string { return a.f.c.tr("screen.aup.title", nil) }

// layout wraps the text for the step's size, keeping the reading position.
// Tabs, border, note and buttons take 6 lines and the tabs' rows.
func (a *aupStep) layout(width, height int) {
	width = min(width, 80) - a.f.c.Styles.Field.GetHorizontalFrameSize()
	a.vp.Height = max(3, height-6-lipgloss.Height(a.tabs(width+a.f.c.Styles.Field.GetHorizontalFrameSize())))
	lang := a.f.c.Lang()
	if width == a.width && lang == a.lang {
		return
	}
	first := a.width == 0
	ratio := a.vp.ScrollPercent()
	a.width, a.lang = width, lang
	a.vp.Width = width
	a.vp.SetContent(a.text(width - 1))
	if !first {
		a.vp.SetYOffset(int(ratio * float64(a.vp.TotalLineCount()-a.vp.Height)))
	}
}

// text is the whole scroll wrapped to width: the flow's "Before you
// start", the three policies in the screens' language, and the closing
// line. It records where each policy starts.
func (a *aupStep) text(width int) string {
	c := a.f.c
	var lines []string
	add := func(part string) {
		wrapped := wrapPolicy(part, width)
		head := len(wrapPolicy(strings.SplitN(part, "\n", 2)[0], width)) // a long heading wraps
		for i, l := range wrapped {
			if i < head {
				l = c.Styles.Title.Render(l)
			}
			lines = append(lines, l)
		}
	}
	add(c.tr(a.ready, textData{"Digits": c.Opt.StudentIDLength}))
	a.starts = a.starts[:0]
	for _, s := range policySections {
		lines = append(lines, "")
		a.starts = append(a.starts, len(lines))
		add(c.Opt.Policies.text(s.name, c.Lang()))
	}
	lines = append(lines, "", c.tr("screen.aup.end", nil))
	return strings.Join(lines, "\n")
}

// listItem is the start of a numbered or bulleted item in the policy text.
var listItem = regexp.MustCompile(`^\s*(\d+\.|-)\s+`)

// wrapPolicy wraps the policy to width, list items with a hanging indent so
// each item reads as one block.
func wrapPolicy(text string, width int) []string {
	var out []string
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		item := listItem.FindString(line)
		out = append(out, hanging(item, line[len(item):], width)...)
	}
	return out
}

// section is the section being read: the last whose heading is in the top
// third of the text or above it, the last one at the end.
func (a *aupStep) section() int {
	if a.vp.AtBottom() {
		return len(a.starts) - 1
	}
	cur := 0
	for i, start := range a.starts {
		if start <= a.vp.YOffset+a.vp.Height/3 {
			cur = i
		}
	}
	return cur
}

func (a *aupStep) scrolled() {
	if a.vp.AtBottom() && !a.reached {
		a.reached = true
		a.order(a.ids("aup:accept", "aup:up", "aup:down", "aup:decline")...)
		a.focusOn("aup:accept")
	}
}

func (a *aupStep) update(msg tea.Msg) tea.Cmd {
	a.layout(a.f.c.stepSize()) // the window may have changed since the last frame
	defer a.scrolled()
	if a.scroll(msg) {
		return nil
	}
	return a.form.update(msg)
}

// scroll moves the text for the wheel and the reading keys; it reports
// whether msg was one of them.
func (a *aupStep) scroll(msg tea.Msg) bool {
	k := a.f.c.Keys
	switch msg := msg.(type) {
	case tea.MouseMsg:
		a.vp, _ = a.vp.Update(msg)
		return true
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Up):
			a.vp.ScrollUp(1)
		case key.Matches(msg, k.Down):
			a.vp.ScrollDown(1)
		case key.Matches(msg, k.PageUp):
			a.vp.PageUp()
		case key.Matches(msg, k.PageDown):
			a.vp.PageDown()
		case key.Matches(msg, k.Home):
			a.vp.GotoTop()
		case key.Matches(msg, k.End):
			a.vp.GotoBottom()
		default:
			return false
		}
		return true
	}
	return false
}

func (a *aupStep) press(id string) tea.Cmd {
	switch id {
	case "aup:accept":
		if a.reached {
			return a.f.report(stepDone{next: true})
		}
	case "aup:down":
		a.vp.PageDown()
	case "aup:up":
		a.vp.PageUp()
	case "aup:decline":
		a.f.finish()
	}
	for i, s := range policySections {
		if id == "aup:tab:"+s.name {
			a.vp.SetYOffset(a.starts[i]) // the heading at the top
		}
	}
	return nil
}

// tabs draws the sections' tabs in rows no wider than width. Each is a
// touch target of one line; the section being read is marked ▸, and the
// focused tab stands between heavy bars, so both show without colour.
func (a *aupStep) tabs(width int) string {
	c := a.f.c
	cur := a.section()
	var rows, row []string
	used := 0
	for i, s := range policySections {
		label := c.tr(s.tab, nil)
		id := "aup:tab:" + s.name
		mark, style := " ", c.Styles.Text
		if i == cur {
			mark, style = "▸", c.Styles.Title
		}
		left, right := " ", " "
		if a.cur() == id {
			left, right, style = "┃", "┃", c.Styles.Key
		}
		tab := touch.Mark(id, label, style.Render(left+mark+label+" "+right))
		if w := lipgloss.Width(tab); len(row) > 0 && used+w > width {
			rows, row, used = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...)), nil, 0
		}
		row = append(row, tab)
		used += lipgloss.Width(tab)
	}
	rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (a *aupStep) view(width, height int) string {
	c := a.f.c
	s := c.Styles
	a.layout(width, height)
	text := s.Field.Render(a.vp.View())
	var note string
	if a.reached {
		note = s.Success.Render("✓ " + c.tr("screen.aup.read", nil))
	} else {
		note = s.Muted.Render(c.tr("screen.aup.scroll", nil)+" ") +
			s.Progress.Render(c.tr("screen.aup.percent", textData{"Percent": int(a.vp.ScrollPercent() * 100)}))
	}
	buttons := buttonRow(a.button("aup:up", c.tr("screen.aup.page-up", nil)), a.button("aup:down", c.tr("screen.aup.page-down", nil)),
		a.button("aup:decline", c.tr("screen.aup.decline", nil)), button(c, "aup:accept", c.tr("screen.aup.accept", nil), a.cur() == "aup:accept", a.reached))
	return lipgloss.JoinVertical(lipgloss.Left, a.tabs(lipgloss.Width(text)), text, note, buttons)
}

func (a *aupStep) help() []key.Binding {
	k := a.f.c.Keys
	press := k.Select
	press.SetHelp("enter", "press")
	return []key.Binding{k.Scroll, k.Next, press} // Page down is a button on screen
}

func (a *aupStep) minSize() (int, int) { return 60, 14 }
