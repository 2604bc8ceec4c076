package kiosk

import (
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/text"
)

// Lang is the language the screens speak now: the station's default
// (Options.Language) until a student switches.
func (c *Common) Lang() string {
	if c.lang != "" {
		return c.lang
	}
	return c.Opt.Language
}

// setLang switches the screens' language; "" (or the station's own) goes
// back to the station's default. Nothing is rebuilt: every view reads Lang
// when it draws, so the step, the focus and typed fields stay as they are.
func (c *Common) setLang(lang string) {
	if lang == c.Opt.Language || !text.Has(lang) {
		lang = ""
	}
	c.lang = lang
	c.invalidate() // every text on screen changes
}

// otherLang is the language the header's button offers: Chinese while
// English shows, English otherwise (with a third language, the next one).
func (c *Common) otherLang() string {
	langs := text.Languages()
	for i, l := range langs {
		if l == c.Lang() {
			return langs[(i+1)%len(langs)]
		}
	}
	return text.English
}

// textData is the catalog's named placeholders, for files where a local
// variable is called text.
type textData = text.Data

// printer renders the catalog (store/text) in the screens' language.
func (c *Common) printer() *text.Printer { return text.For(c.Lang()) }

// tr renders a screen text in the screens' language.
func (c *Common) tr(id string, data text.Data) string { return c.printer().T(id, data) }

// desk is where a student gets help in person, in the screens' language
// when the station names it there ([station] service_desk_in).
func (c *Common) desk() string {
	if d := c.Opt.ServiceDeskIn[c.Lang()]; d != "" {
		return d
	}
	return c.Opt.ServiceDesk
}

// checkLabel is one line of the password checklist in the screens'
// language: the narrow point where the password step meets the catalog.
func checkLabel(c *Common, it policy.CheckItem) string {
	if it.LabelID == "" {
		return it.Label
	}
	return c.printer().T(it.LabelID, it.Data)
}

// date is a day as the screens' language writes it ("2 Sep 2026",
// "2026年9月2日").
func (c *Common) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return c.tr("screen.date.format", text.Data{"Date": t})
}

// langButtonID is the header's language button.
const langButtonID = "lang:switch"

// LanguageMsg switches the screens' language as the header's button does
// (a tape's Set Language sends one). Any message with a Language method
// does, so the tape package needs no import of this one.
type LanguageMsg interface{ Language() string }

// langButton is the header's button: its face is the other language's own
// name ("中文" while English shows), without parsing that language's
// catalog (text.Name): the first frame parses only the station's own.
func (m *Model) langButton() string {
	other := m.c.otherLang()
	label := text.Name(other)
	// One line, not a boxed button: the header is one line high.
	face := m.c.Styles.HeaderStation.Reverse(true).Render(label)
	return touch.Mark(langButtonID, label, face)
}

// langSwitchable reports whether the language button shows: on every
// student screen, not in staff mode (which follows the station's language).
func (m *Model) langSwitchable() bool { return !m.inStaffMode() }

// switchLang answers the language key or button.
func (m *Model) switchLang(lang string) tea.Cmd {
	if !m.langSwitchable() {
		return nil
	}
	m.c.setLang(lang)
	if m.idle.warning {
		return m.idle.arm(m.c) // a tap on the button answers "Still there?" too
	}
	if m.flow != nil {
		m.idle.input(m.c) // switching is the student being there
		return nil
	}
	if m.c.lang != "" {
		// On the menu too, someone who switched and walked away leaves
		// the next student the station's language: the idle timer runs.
		return m.idle.arm(m.c)
	}
	m.idle.disarm()
	return nil
}

// helpIDs names the catalog entry of every key description the footer
// shows; the bindings keep their English help, which this translates at
// view time, so the one KeyMap serves every language.
var helpIDs = map[string]string{
	"move":             "screen.key.move",
	"next":             "screen.key.next",
	"back":             "screen.key.back",
	"continue":         "screen.key.continue",
	"start":            "screen.key.start",
	"tick/untick":      "screen.key.tick",
	"cancel":           "screen.key.cancel",
	"page up":          "screen.key.page-up",
	"page down":        "screen.key.page-down",
	"to the end":       "screen.key.to-end",
	"choose":           "screen.key.choose",
	"scroll":           "screen.key.scroll",
	"change":           "screen.key.change",
	"to continue":      "screen.key.to-continue",
	"quit":             "screen.key.quit",
	"leave staff mode": "screen.key.leave-staff",
	"go back":          "screen.key.go-back",
	"main menu":        "screen.key.main-menu",
	"language":         "screen.key.language",
	"any key":          "screen.key.any-key",
	"tick":             "screen.key.tick-only",
	"untick":           "screen.key.untick",
	"press":            "screen.key.press",
	"save":             "screen.key.save",
	"set up later":     "screen.key.set-up-later",
}

// localHelp is bindings with their help in the screens' language.
func (c *Common) localHelp(bindings []key.Binding) []key.Binding {
	if c.Lang() == text.English {
		return bindings
	}
	out := make([]key.Binding, len(bindings))
	for i, b := range bindings {
		h := b.Help()
		k, d := h.Key, h.Desc
		if id, ok := helpIDs[k]; ok {
			k = c.tr(id, nil)
		}
		if id, ok := helpIDs[d]; ok {
			d = c.tr(id, nil)
		}
		b.SetHelp(k, d)
		out[i] = b
	}
	return out
}

// words is a text a screen keeps to show later (a field's hint or error, a
// step's status line): kept as how to say it, not as the sentence, so that
// a language switch redraws it in the new language. nil says nothing.
type words func(c *Common) string

// say is a catalog text with its named values.
func say(id string, data text.Data) words {
	return func(c *Common) string { return c.tr(id, data) }
}

// sayN is a catalog text in the plural form for count.
func sayN(id string, count int, data text.Data) words {
	return func(c *Common) string { return c.printer().N(id, count, data) }
}

// sayErr is a policy or store error as one sentence (errorText).
func sayErr(err error) words {
	return func(c *Common) string { return errorText(c, err) }
}

// sayInput is a policy error under a field as policy words it, without
// errorText's capital and full stop (the field notes were always so).
func sayInput(err error) words {
	return func(c *Common) string {
		var typed *policy.Error
		if errors.As(err, &typed) && typed.ID != "" {
			return c.tr(typed.ID, typed.Data)
		}
		return err.Error()
	}
}

// sayRefusal is what explain says of err: the body under a form.
func sayRefusal(err error) words {
	return func(c *Common) string { r, _ := explain(c, err); return r.body }
}

// in renders w in the screens' language.
func (w words) in(c *Common) string {
	if w == nil {
		return ""
	}
	return w(c)
}
