package kiosk

import (
	"regexp"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// aupStep shows the policy in a scrollable viewport. "I accept" is enabled
// only once the end has been reached.
type aupStep struct {
	form
	f       *flow
	vp      viewport.Model
	width   int    // the text is wrapped for this width
	lang    string // and in this language
	reached bool
}

func newAUP(f *flow) step {
	a := &aupStep{f: f, vp: viewport.New(0, 0), form: newForm(f.c)}
	a.onPress = a.press
	a.vp.MouseWheelEnabled = true
	a.vp.KeyMap = viewport.KeyMap{} // keys are handled here, from the shared keymap
	a.order("aup:down", "aup:up", "aup:decline")
	return a
}

func (a *aupStep) init() tea.Cmd {
	a.layout(a.f.c.stepSize())
	a.scrolled() // a screen tall enough for the whole text shows its end at once
	return nil
}

func (a *aupStep) title() string { return a.f.c.tr("screen.aup.title", nil) }

// layout wraps the text for the step's size, keeping the reading position.
// Border, note and buttons take 6 lines.
func (a *aupStep) layout(width, height int) {
	width = min(width, 80) - a.f.c.Styles.Field.GetHorizontalFrameSize()
	a.vp.Height = max(3, height-6)
	lang := a.f.c.Lang()
	if width == a.width && lang == a.lang {
		return
	}
	first := a.width == 0
	ratio := a.vp.ScrollPercent()
	a.width, a.lang = width, lang
	a.vp.Width = width
	// The Acceptable Use Policy and IT Security Guidelines are one catalog
	// entry per language, so a new language stays one file.
	a.vp.SetContent(wrapPolicy(a.f.c.tr("screen.aup.text", nil), width-1))
	if !first {
		a.vp.SetYOffset(int(ratio * float64(a.vp.TotalLineCount()-a.vp.Height)))
	}
}

// listItem is the start of a numbered or bulleted item in the policy text.
var listItem = regexp.MustCompile(`^\s*(\d+\.|-)\s+`)

// wrapPolicy wraps the policy to width, list items with a hanging indent so
// each item reads as one block.
func wrapPolicy(text string, width int) string {
	var out []string
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		item := listItem.FindString(line)
		out = append(out, hanging(item, line[len(item):], width)...)
	}
	return strings.Join(out, "\n")
}

func (a *aupStep) scrolled() {
	if a.vp.AtBottom() && !a.reached {
		a.reached = true
		a.order("aup:accept", "aup:up", "aup:down", "aup:decline")
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
	return nil
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
	return lipgloss.JoinVertical(lipgloss.Left, text, note, buttons)
}

func (a *aupStep) help() []key.Binding {
	k := a.f.c.Keys
	press := k.Select
	press.SetHelp("enter", "press")
	return []key.Binding{k.Scroll, k.Next, press} // Page down is a button on screen
}

func (a *aupStep) minSize() (int, int) { return 60, 14 }
