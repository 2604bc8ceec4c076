package kiosk

import (
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/kiosk/touch"
)

// menu is the main menu: one large button per flow.
type menu struct {
	c     *Common
	focus int
}

type menuItem struct {
	kind flowKind
	id   string
	desc string
}

var menuItems = []menuItem{
	{flowActivate, "menu:activate", "New student? Activate your network account"},
	{flowChange, "menu:change", "Know your password? Choose a new one"},
	{flowForgot, "menu:forgot", "Reset it with your HK ID card or birth date"},
	{flowAlumni, "menu:alumni", "Graduated, never activated? Start here"},
	{flowAccount, "menu:account", "Your details, notice e-mail and directory"},
}

// menuMinHeight is the least height the menu needs: the title and the
// instructions above buttons of four lines each, without blank lines (80x24
// has exactly this). More height adds a blank line under the instructions,
// then one between buttons.
var menuMinHeight = 2 + 4*len(menuItems)

// update returns the flow to start, if the student chose one.
func (m *menu) update(msg tea.Msg) (flowKind, bool) {
	k := m.c.Keys
	switch msg := msg.(type) {
	case pressMsg:
		for _, it := range menuItems {
			if it.id == msg.id {
				return it.kind, true
			}
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Up, k.Prev, k.Left):
			m.focus = (m.focus + len(menuItems) - 1) % len(menuItems)
		case key.Matches(msg, k.Down, k.Next, k.Right):
			m.focus = (m.focus + 1) % len(menuItems)
		case key.Matches(msg, k.Choose):
			n, _ := strconv.Atoi(msg.String())
			return menuItems[n-1].kind, true
		case key.Matches(msg, k.Select):
			return menuItems[m.focus].kind, true
		}
	}
	return 0, false
}

func (m *menu) view(width, height int) string {
	s := m.c.Styles
	bw := min(width, 56)
	rows := []string{s.Title.Render("Welcome"), s.Muted.Render("Touch a button, or press its number.")}
	if height > menuMinHeight {
		rows = append(rows, "")
	}
	gaps := height >= menuMinHeight+len(menuItems) // the blank above and one between buttons
	for i, it := range menuItems {
		style := s.MenuButton
		if i == m.focus {
			style = s.MenuFocused
		}
		label := it.kind.String()
		text := lipgloss.JoinVertical(lipgloss.Left,
			s.MenuNumber.Render(strconv.Itoa(i+1))+"  "+lipgloss.NewStyle().Bold(true).Render(label),
			s.Muted.PaddingLeft(3).Render(it.desc))
		rows = append(rows, touch.Mark(it.id, label, style.Width(bw-2).Render(text)))
		if gaps && i < len(menuItems)-1 {
			rows = append(rows, "")
		}
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (m *menu) help() []key.Binding {
	k := m.c.Keys
	return []key.Binding{k.Up, k.Choose, k.Start}
}
