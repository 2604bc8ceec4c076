package kiosk

import (
	"fmt"
	"strconv"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/policy"
)

// datePicker picks a date of birth as year, month and day: digits typed
// into the focused part, ↑/↓ to change it, and − / + buttons for touch.
// Parts start empty, so nobody submits a default date by mistake.
type datePicker struct {
	parts [3]string // year, month, day as typed
	col   int
	// views are the parts as last drawn (cache.go): typing changes one.
	views [3]memo[datePartKey]
}

type datePartKey struct {
	look
	text    string
	focused bool
}

var datePartNames = [3]string{"Year", "Month", "Day"} // in the buttons' ids
var datePartWidths = [3]int{4, 2, 2}

// datePartIDs and datePartEmpty are the parts' names and the placeholders
// of empty parts in the catalog; monthIDs the months' short names.
var (
	datePartIDs   = [3]string{"screen.date.year", "screen.date.month", "screen.date.day"}
	datePartEmpty = [3]string{"screen.date.yyyy", "screen.date.mm", "screen.date.dd"}
	monthIDs      = [12]string{"screen.month.1", "screen.month.2", "screen.month.3", "screen.month.4",
		"screen.month.5", "screen.month.6", "screen.month.7", "screen.month.8", "screen.month.9",
		"screen.month.10", "screen.month.11", "screen.month.12"}
)

// values returns the date and whether every part is filled in.
func (d *datePicker) values() (y, m, day int, complete bool) {
	var v [3]int
	for i, p := range d.parts {
		if len(p) == 0 {
			return 0, 0, 0, false
		}
		v[i], _ = strconv.Atoi(p)
	}
	return v[0], v[1], v[2], true
}

// key handles a key meant for the picker; false means it was not (←/→ at
// either end, Tab, Enter...), so the step can move focus.
func (d *datePicker) key(c *Common, msg tea.KeyMsg) bool {
	k := c.Keys
	switch {
	case key.Matches(msg, k.Up):
		d.step(c, d.col, 1)
	case key.Matches(msg, k.Down):
		d.step(c, d.col, -1)
	case key.Matches(msg, k.Left) && d.col > 0:
		d.col--
	case key.Matches(msg, k.Right) && d.col < 2:
		d.col++
	case msg.Type == tea.KeyBackspace:
		if d.parts[d.col] == "" && d.col > 0 {
			d.col--
		}
		if p := d.parts[d.col]; p != "" {
			d.parts[d.col] = p[:len(p)-1]
		}
	case msg.Type == tea.KeyRunes:
		for _, r := range msg.Runes {
			d.typeDigit(r)
		}
	default:
		return false
	}
	return true
}

// typeDigit fills the focused part and moves on when it is full.
func (d *datePicker) typeDigit(r rune) {
	r = policy.NarrowRune(r) // full-width digits are digits
	if !digitsOnly(r) {
		return
	}
	if len(d.parts[d.col]) >= datePartWidths[d.col] {
		d.parts[d.col] = ""
	}
	d.parts[d.col] += string(r)
	if len(d.parts[d.col]) == datePartWidths[d.col] && d.col < 2 {
		d.col++
	}
}

// step changes one part by delta, starting from a likely value when empty.
func (d *datePicker) step(c *Common, col, delta int) {
	now := c.Now()
	lo, hi := [3]int{1900, 1, 1}[col], [3]int{now.Year(), 12, 31}[col]
	v, err := strconv.Atoi(d.parts[col])
	switch {
	case err != nil && col == 0:
		v = now.Year() - 18 // a typical new student
	case err != nil:
		v = 1
	default:
		v += delta
	}
	if v < lo {
		v = hi
	} else if v > hi {
		v = lo
	}
	d.parts[col] = fmt.Sprintf("%0*d", datePartWidths[col], v)
}

// press handles the − and + buttons; false for other ids.
func (d *datePicker) press(c *Common, id string) bool {
	for i, name := range datePartNames {
		switch id {
		case "dob:" + name + ":-":
			d.col = i
			d.step(c, i, -1)
			return true
		case "dob:" + name + ":+":
			d.col = i
			d.step(c, i, 1)
			return true
		case "dob:" + name:
			d.col = i
			return true
		}
	}
	return false
}

func (d *datePicker) wipe() { *d = datePicker{} }

// date returns the date as "YYYY-MM-DD" once every part is filled in and
// valid; complete is false while a part is empty.
func (d *datePicker) date(today time.Time) (dob string, complete bool, err error) {
	y, m, day, ok := d.values()
	if !ok {
		return "", false, nil
	}
	dob, err = policy.DateOfBirth(y, m, day, today)
	return dob, true, err
}

func (d *datePicker) view(c *Common, focused bool) string {
	s := c.Styles
	var cols []string
	for i, id := range datePartNames {
		on := focused && i == d.col
		cols = append(cols, d.views[i].get(c, datePartKey{c.look(), d.parts[i], on}, func() string {
			name := c.tr(datePartIDs[i], nil)
			box := s.Field
			if on {
				box = s.FieldFocused
			}
			text := d.parts[i]
			if text == "" {
				text = s.Muted.Render(c.tr(datePartEmpty[i], nil))
			} else if i == 1 {
				if m, err := strconv.Atoi(text); err == nil && m >= 1 && m <= 12 {
					text += " " + s.Muted.Render(c.tr(monthIDs[m-1], nil))
				}
			}
			value := touch.Mark("dob:"+id, name, box.Width(10).Align(lipgloss.Center).Render(text))
			minus := textButton(c, "dob:"+id+":-", name+" −", "−", false, true)
			plus := textButton(c, "dob:"+id+":+", name+" +", "+", false, true)
			row := c.joinHorizontal(minus, value, plus)
			if c.fresh {
				return lipgloss.JoinVertical(lipgloss.Center, s.Muted.Render(name), row)
			}
			return joinVerticalAt(lipgloss.Center, s.Muted.Render(name), row)
		}))
	}
	return c.joinHorizontal(cols[0], "  ", cols[1], "  ", cols[2])
}
