package kiosk

import (
	"fmt"
	"strconv"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/store/text"
)

// menu is the main menu: one large button per flow on it (flowDefs,
// menuFlows), laid out for however many there are.
type menu struct {
	c     *Common
	focus int
}

// menuButtonLines is a button's height: border, label, description, border.
const menuButtonLines = 4

// menuColumnRows is how many buttons the menu must show in one column (80x24
// has exactly room for five under the title and the instructions); more
// go into two columns, or scroll, so a new flow needs no layout change.
const menuColumnRows = 5

// menuMinHeight is the least height the menu needs: the title and the
// instructions above menuColumnRows buttons, without blank lines. More
// height adds a blank line under the instructions, then one between buttons.
func menuMinHeight() int {
	return 2 + menuButtonLines*min(len(menuFlows), menuColumnRows)
}

// update returns the flow to start, if the student chose one.
func (m *menu) update(msg tea.Msg) (flowKind, bool) {
	k := m.c.Keys
	n := len(menuFlows)
	switch msg := msg.(type) {
	case pressMsg:
		for _, kind := range menuFlows {
			if flowDefs[kind].menuID == msg.id {
				return kind, true
			}
		}
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Up, k.Prev, k.Left):
			m.focus = (m.focus + n - 1) % n
		case key.Matches(msg, k.Down, k.Next, k.Right):
			m.focus = (m.focus + 1) % n
		case key.Matches(msg, k.Choose):
			if i, err := strconv.Atoi(msg.String()); err == nil && i >= 1 && i <= n {
				return menuFlows[i-1], true
			}
		case key.Matches(msg, k.Select):
			return menuFlows[m.focus], true
		}
	}
	return 0, false
}

// button draws the i-th button, bw cells wide, once for its look and focus
// (Common.rendered).
func (m *menu) button(i, bw int) string {
	d := flowDefs[menuFlows[i]]
	flags := bw << 1
	if i == m.focus {
		flags |= 1
	}
	return m.c.rendered(renderKey{look: m.c.look(), kind: "menu", id: d.menuID, text: menuNumber(i), flags: flags}, func() string {
		s := m.c.Styles
		style := s.MenuButton
		if i == m.focus {
			style = s.MenuFocused
		}
		text := lipgloss.JoinVertical(lipgloss.Left,
			s.MenuNumber.Render(menuNumber(i))+"  "+lipgloss.NewStyle().Bold(true).Render(m.c.tr(d.name, nil)),
			wrapStyle(s.Muted.PaddingLeft(3), bw-2-6, m.c.tr(d.desc, nil))) // within the border and padding, wrapped lines indented too
		return touch.Mark(d.menuID, m.c.tr(d.name, nil), style.Width(bw-2).Render(text))
	})
}

// menuNumber is the key that chooses the i-th button: 1–9, none after.
func menuNumber(i int) string {
	if i < 9 {
		return strconv.Itoa(i + 1)
	}
	return " "
}

func (m *menu) view(width, height int) string {
	s := m.c.Styles
	n := len(menuFlows)
	head := []string{s.Title.Render(m.c.tr("screen.menu.title", nil)), s.Muted.Render(m.c.tr("screen.menu.hint", nil))}
	if 2+menuButtonLines*n > height {
		return lipgloss.JoinVertical(lipgloss.Left, append(head, m.crowded(width, height-2))...)
	}
	bw := min(width, 56)
	rows := head
	if height > 2+menuButtonLines*n {
		rows = append(rows, "")
	}
	gaps := height >= 2+menuButtonLines*n+n // the blank above and one between buttons
	for i := range n {
		rows = append(rows, m.button(i, bw))
		if gaps && i < n-1 {
			rows = append(rows, "")
		}
	}
	return m.c.joinVertical(rows...)
}

// menuColumnWidth is the least width of a button in two columns.
const menuColumnWidth = 36

// crowded lays out more buttons than one column holds in height: two
// columns when they fit, else the buttons around the focus with a line
// saying how many more there are.
func (m *menu) crowded(width, height int) string {
	n := len(menuFlows)
	if cw := min((width-2)/2, 56); cw >= menuColumnWidth {
		var rows []string
		for i := 0; i < n; i += 2 {
			row := []string{m.button(i, cw)}
			if i+1 < n {
				row = append(row, "  ", m.button(i+1, cw))
			}
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
		}
		if grid := lipgloss.JoinVertical(lipgloss.Left, rows...); lipgloss.Height(grid) <= height {
			return grid
		}
	}
	k := max(1, (height-1)/menuButtonLines) // one line says what is out of sight
	first := min(max(0, m.focus-k+1), n-k)
	rows := make([]string, 0, k+1)
	for i := first; i < first+k; i++ {
		rows = append(rows, m.button(i, min(width, 56)))
	}
	rows = append(rows, m.c.Styles.Muted.Render(m.c.tr("screen.menu.more", text.Data{"First": first + 1, "Last": first + k, "Count": n})))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (m *menu) help() []key.Binding {
	k := m.c.Keys
	choose := k.Choose
	choose.SetHelp(fmt.Sprintf("1-%d", min(len(menuFlows), 9)), "choose")
	return []key.Binding{k.Up, choose, k.Start}
}
