package kiosk

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles is every look the station uses, in one place (soft-serve's
// styles.go). Colours adapt to light and dark terminals, except the QR code,
// which is pinned so phones can scan it on any theme.
type Styles struct {
	Header        lipgloss.Style
	HeaderStation lipgloss.Style
	Footer        lipgloss.Style
	FooterOffline lipgloss.Style

	Title    lipgloss.Style
	Progress lipgloss.Style
	Text     lipgloss.Style
	Muted    lipgloss.Style
	Strong   lipgloss.Style
	Label    lipgloss.Style
	Error    lipgloss.Style
	Success  lipgloss.Style
	Warning  lipgloss.Style

	Button         lipgloss.Style
	ButtonFocused  lipgloss.Style
	ButtonDisabled lipgloss.Style
	ButtonDanger   lipgloss.Style // focused button of an action that cannot be undone
	MenuButton     lipgloss.Style
	MenuFocused    lipgloss.Style
	MenuNumber     lipgloss.Style

	Field        lipgloss.Style
	FieldFocused lipgloss.Style
	Input        lipgloss.Style

	CheckMet     lipgloss.Style
	CheckUnmet   lipgloss.Style
	CheckUnknown lipgloss.Style
	MeterOn      lipgloss.Style
	MeterOff     lipgloss.Style

	Panel lipgloss.Style // framed boxes: summary, idle warning
	Key   lipgloss.Style // the TOTP key for manual entry
	QR    lipgloss.Style
	Help  help.Styles
}

var (
	brand   = lipgloss.AdaptiveColor{Light: "#003366", Dark: "#4F8FD6"}
	accent  = lipgloss.AdaptiveColor{Light: "#9A6A00", Dark: "#F2A900"}
	fg      = lipgloss.AdaptiveColor{Light: "#1A1A1A", Dark: "#EEEEEE"}
	muted   = lipgloss.AdaptiveColor{Light: "#666666", Dark: "#9A9A9A"}
	faint   = lipgloss.AdaptiveColor{Light: "#BBBBBB", Dark: "#555555"}
	red     = lipgloss.AdaptiveColor{Light: "#B00020", Dark: "#FF6B6B"}
	green   = lipgloss.AdaptiveColor{Light: "#1B7F3B", Dark: "#5FD787"}
	barText = lipgloss.Color("#FFFFFF")
	barBg   = lipgloss.Color("#003366")
)

// focusedField frames the field being typed in: heavy lines above and below,
// light at the sides, so the text stays between the same │ as elsewhere.
var focusedField = lipgloss.Border{
	Top: "━", Bottom: "━", Left: "│", Right: "│",
	TopLeft: "┍", TopRight: "┑", BottomLeft: "┕", BottomRight: "┙",
}

// dashedBorder frames a button that cannot be pressed yet (I accept before
// the end of the policy), so it looks off without colour too.
var dashedBorder = lipgloss.Border{
	Top: "╌", Bottom: "╌", Left: "╎", Right: "╎",
	TopLeft: "╭", TopRight: "╮", BottomLeft: "╰", BottomRight: "╯",
}

// DefaultStyles returns the station's look.
func DefaultStyles() *Styles {
	s := &Styles{}
	s.Header = lipgloss.NewStyle().Foreground(barText).Background(barBg).Bold(true).Padding(0, 1)
	s.HeaderStation = lipgloss.NewStyle().Foreground(barText).Background(barBg).Padding(0, 1)
	s.Footer = lipgloss.NewStyle().Foreground(muted).Padding(0, 1)
	s.FooterOffline = lipgloss.NewStyle().Foreground(red).Bold(true)

	s.Title = lipgloss.NewStyle().Foreground(brand).Bold(true)
	s.Progress = lipgloss.NewStyle().Foreground(muted)
	s.Text = lipgloss.NewStyle().Foreground(fg)
	s.Muted = lipgloss.NewStyle().Foreground(muted)
	s.Strong = lipgloss.NewStyle().Foreground(fg).Bold(true)
	s.Label = lipgloss.NewStyle().Foreground(fg).Bold(true)
	s.Error = lipgloss.NewStyle().Foreground(red)
	s.Success = lipgloss.NewStyle().Foreground(green)
	s.Warning = lipgloss.NewStyle().Foreground(accent).Bold(true)

	// Focus shows in the lines as well as the colour (colour-blind students,
	// screens without colour): a heavy border on the focused button, as on
	// the menu, and heavy top and bottom lines on the focused field; a
	// dashed border on a button that is off.
	button := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 2).Align(lipgloss.Center)
	s.Button = button.BorderForeground(muted).Foreground(fg)
	s.ButtonFocused = button.Border(lipgloss.ThickBorder()).BorderForeground(accent).Foreground(accent).Bold(true)
	s.ButtonDisabled = button.Border(dashedBorder).BorderForeground(faint).Foreground(faint)
	s.ButtonDanger = s.ButtonFocused.BorderForeground(red).Foreground(red)
	menu := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 3)
	s.MenuButton = menu.BorderForeground(brand).Foreground(fg)
	s.MenuFocused = menu.Border(lipgloss.ThickBorder()).BorderForeground(accent).Foreground(accent).Bold(true)
	s.MenuNumber = lipgloss.NewStyle().Foreground(accent).Bold(true)

	field := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1)
	s.Field = field.BorderForeground(muted)
	s.FieldFocused = field.Border(focusedField).BorderForeground(accent)
	s.Input = lipgloss.NewStyle().Foreground(fg)

	s.CheckMet = lipgloss.NewStyle().Foreground(green)
	s.CheckUnmet = lipgloss.NewStyle().Foreground(red)
	s.CheckUnknown = lipgloss.NewStyle().Foreground(muted)
	s.MeterOn = lipgloss.NewStyle().Foreground(accent)
	s.MeterOff = lipgloss.NewStyle().Foreground(faint)

	s.Panel = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(brand).Padding(0, 2)
	s.Key = lipgloss.NewStyle().Foreground(accent).Bold(true)
	// Light modules are the foreground (█ ▀ ▄), dark ones the background: pinned
	// to pure white and black whatever the terminal's theme.
	s.QR = lipgloss.NewStyle().Foreground(lipgloss.Color("#FFFFFF")).Background(lipgloss.Color("#000000"))

	s.Help = help.New().Styles
	s.Help.ShortKey = lipgloss.NewStyle().Foreground(fg).Bold(true)
	s.Help.ShortDesc = lipgloss.NewStyle().Foreground(muted)
	s.Help.ShortSeparator = lipgloss.NewStyle().Foreground(faint)
	s.Help.Ellipsis = lipgloss.NewStyle().Foreground(faint)
	return s
}
