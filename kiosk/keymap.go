package kiosk

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every key the station answers, in one place (soft-serve's
// keymap.go). The footer's help line is built from these bindings, so what
// it shows is what works.
type KeyMap struct {
	Up, Down, Left, Right key.Binding
	Next, Prev            key.Binding
	Select                key.Binding
	Start                 key.Binding // Select, as the menu's help says it
	Toggle                key.Binding
	Back                  key.Binding
	PageUp, PageDown      key.Binding
	Home, End             key.Binding
	Choose                key.Binding // menu numbers
	Scroll                key.Binding // help only: ↑/↓ on the policy text
	Adjust                key.Binding // help only: ↑/↓ on the date picker
	StillHere             key.Binding // help only: any key on the idle warning
	Quit                  key.Binding // Ctrl+C, only with Options.Dev
	Ignored               key.Binding // keys that would leave or suspend a terminal program
	Staff                 key.Binding // opens staff mode (Options.StaffKey); never in the help line
	Leave                 key.Binding // Back, as the staff screens' help says it
	GoBack                key.Binding // Back, as a confirmation's help says it
	ToMenu                key.Binding // Back, once the password is saved and nothing is left to cancel
	Language              key.Binding // switches the screens' language on every student screen (lang.go)
}

// DefaultKeyMap returns the station's keys. dev enables Ctrl+C to quit.
func DefaultKeyMap(dev bool) *KeyMap {
	k := &KeyMap{
		Up:        key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "move")),
		Down:      key.NewBinding(key.WithKeys("down"), key.WithHelp("↓", "move")),
		Left:      key.NewBinding(key.WithKeys("left"), key.WithHelp("←/→", "move")),
		Right:     key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "move")),
		Next:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")),
		Select:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
		Start:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start")),
		Toggle:    key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "tick/untick")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		PageUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown:  key.NewBinding(key.WithKeys("pgdown", " "), key.WithHelp("pgdn", "page down")),
		Home:      key.NewBinding(key.WithKeys("home")),
		End:       key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "to the end")),
		Choose:    key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "choose")), // the menu says 1-N
		Scroll:    key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll")),
		Adjust:    key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "change")),
		StillHere: key.NewBinding(key.WithKeys("enter"), key.WithHelp("any key", "to continue")),
		Quit:      key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Ignored:   key.NewBinding(key.WithKeys("ctrl+c", "ctrl+z", "ctrl+\\")),
		Staff:     key.NewBinding(key.WithKeys("f12")),
		Leave:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "leave staff mode")),
		GoBack:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "go back")),
		ToMenu:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "main menu")),
		Language:  key.NewBinding(key.WithKeys("f2"), key.WithHelp("f2", "language")),
	}
	k.Quit.SetEnabled(dev)
	return k
}
