package kiosk

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// summaryStep shows the account name, its creation status and the
// student's particulars, and goes on only if the account can be activated.
type summaryStep struct {
	f      *flow
	refuse *refusal // why this account cannot be activated here
}

func newSummary(f *flow) step {
	st := &summaryStep{f: f}
	if err := activatable(f.acct); err != nil {
		r, _ := explain(f.c, err)
		st.refuse = &r
	}
	return st
}

// activatable mirrors the store's rule so the student learns before typing a
// password: registered accounts only, and only while studies go on (the
// store reports the status already moved along the lifecycle).
func activatable(a store.Account) error {
	switch {
	case a.Status == policy.StatusRegistered:
		return nil
	case a.ActivatedAt.IsZero():
		return store.ErrNotEligible // studies ended before activation
	case a.Status == policy.StatusTerminated:
		return store.ErrTerminated
	}
	return store.ErrAlreadyActive
}

func (st *summaryStep) init() tea.Cmd { return nil }

func (st *summaryStep) title() string { return "Your account" }

func (st *summaryStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case pressMsg:
		return st.press(msg.id)
	case tea.KeyMsg:
		if key.Matches(msg, st.f.c.Keys.Select) {
			if st.refuse != nil {
				return st.press("sum:menu")
			}
			return st.press("sum:next")
		}
	}
	return nil
}

func (st *summaryStep) press(id string) tea.Cmd {
	switch {
	case id == "sum:next" && st.refuse == nil:
		return st.f.next()
	case id == "sum:menu":
		st.f.finish()
	}
	return nil
}

func statusText(s policy.Status) string {
	switch s {
	case policy.StatusRegistered:
		return "Created, not activated yet"
	case policy.StatusActive:
		return "Activated"
	case policy.StatusGrace:
		return "Studies completed (grace period)"
	case policy.StatusAlumni:
		return "Alumni"
	case policy.StatusTerminated:
		return "Terminated"
	}
	return string(s)
}

func levelText(l policy.Level) string {
	switch l {
	case policy.LevelUG:
		return "Undergraduate"
	case policy.LevelPG:
		return "Postgraduate"
	}
	return string(l)
}

func (st *summaryStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	a := st.f.acct
	rows := [][2]string{
		{"Account name", a.Name},
		{"Status", statusText(a.Status)},
		{"Student ID", a.StudentID},
		{"Name", a.Surname + ", " + a.GivenNames},
		{"Department", a.Department},
		{"Level", levelText(a.Level)},
	}
	var lines []string
	for _, r := range rows {
		lines = append(lines, s.Muted.Render(fmt.Sprintf("%-14s", r[0]))+s.Strong.Render(r[1]))
	}
	w := min(width, 72)
	out := []string{s.Panel.Render(lipgloss.JoinVertical(lipgloss.Left, lines...)), ""}
	if st.refuse != nil {
		out = append(out, s.Warning.Render(st.refuse.title), wrap(c, w, st.refuse.body), "",
			button(c, "sum:menu", "Back to main menu", true, true))
	} else {
		out = append(out, wrap(c, w, "Your account is ready to activate. Next, choose its password."), "",
			buttonRow(button(c, "sum:next", "Continue", true, true), button(c, "sum:menu", "Cancel", false, true)))
	}
	return lipgloss.JoinVertical(lipgloss.Left, out...)
}

func (st *summaryStep) help() []key.Binding { return []key.Binding{st.f.c.Keys.Select} }

func (st *summaryStep) minSize() (int, int) { return 60, 16 }
