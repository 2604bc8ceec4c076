package kiosk

import (
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// summaryStep shows the account name, its creation status and the
// student's particulars, and goes on only if the account can be activated.
type summaryStep struct {
	form
	f      *flow
	conf   summaryConf
	refuse *refusal // why this account cannot be activated here
	alumni bool     // a graduate who never activated: offer Alumni Account Activation
}

// summaryConf is what a flow's plan sets: the check that the account can be
// activated here (nil: the verification already made sure), whether the
// completion date shows, the words when it can, and the flow a graduate who
// never activated is pointed to.
type summaryConf struct {
	check      func(a store.Account, now time.Time) error
	graduated  bool
	ready      string
	graduateTo flowKind
}

func summary(conf summaryConf) func(f *flow) step {
	return func(f *flow) step { return newSummary(f, conf) }
}

func newSummary(f *flow, conf summaryConf) step {
	st := &summaryStep{f: f, conf: conf, form: newForm(f.c)}
	st.onPress = st.press
	st.order("sum:next", "sum:menu")
	if conf.check == nil {
		return st
	}
	if err := conf.check(f.acct, f.c.Now()); err != nil {
		r, _ := explain(f.c, err)
		st.refuse = &r
		st.order("sum:menu")
		if errors.Is(err, store.ErrAlumniNotActivated) {
			st.alumni = true // her way in is Alumni Account Activation
			st.refuse.body = "You have graduated, and this account was never activated. A graduate activates it " +
				"as an alumni account, with the full name as on the HK ID card or passport: choose Alumni Account " +
				"Activation below."
			st.order("sum:alumni", "sum:menu")
			st.focusOn("sum:alumni")
		}
	}
	return st
}

// activatable is the store's own rule (policy.CanActivate), asked before
// the student types a password.
func activatable(a store.Account, now time.Time) error {
	return store.ActivationError(policy.CanActivate(a.Status, a.Category, a.CompletionDate, !a.ActivatedAt.IsZero(), now))
}

func (st *summaryStep) title() string { return "Your account" }

func (st *summaryStep) press(id string) tea.Cmd {
	switch id {
	case "sum:next":
		return st.f.report(stepDone{next: true})
	case "sum:menu":
		st.f.finish()
	case "sum:alumni":
		st.f.switchTo(st.conf.graduateTo)
	}
	return nil
}

// statusTexts and levelTexts say the registry's codes in words.
var (
	statusTexts = map[policy.Status]string{
		policy.StatusRegistered: "Created, not activated yet",
		policy.StatusActive:     "Activated",
		policy.StatusGrace:      "Studies completed (grace period)",
		policy.StatusAlumni:     "Alumni",
		policy.StatusTerminated: "Terminated",
	}
	levelTexts = map[policy.Level]string{policy.LevelUG: "Undergraduate", policy.LevelPG: "Postgraduate"}
)

// inWords is the words for a code, or the code itself when there are none.
func inWords[K ~string](words map[K]string, code K) string {
	if w, ok := words[code]; ok {
		return w
	}
	return string(code)
}

func (st *summaryStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	a := st.f.acct
	rows := [][2]string{
		{"Account name", a.Name},
		{"Status", inWords(statusTexts, a.Status)},
		{"Student ID", a.StudentID},
		{"Name", a.Surname + ", " + a.GivenNames},
		{"Department", a.Department},
		{"Level", inWords(levelTexts, a.Level)},
	}
	if st.conf.graduated {
		rows = append(rows, [2]string{"Graduated", policy.FormatDate(a.CompletionDate)})
	}
	w := min(width, 72)
	out := []string{detailsPanel(c, rows), ""}
	if st.refuse != nil {
		buttons := []string{st.button("sum:menu", "Back to main menu")}
		if st.alumni {
			buttons = append([]string{st.button("sum:alumni", st.conf.graduateTo.String())}, buttons...)
		}
		out = append(out, s.Warning.Render(st.refuse.title), wrap(c, w, st.refuse.body), "",
			buttonRow(buttons...))
	} else {
		out = append(out, wrap(c, w, st.conf.ready), "",
			buttonRow(st.button("sum:next", "Continue"), st.button("sum:menu", "Cancel")))
	}
	return lipgloss.JoinVertical(lipgloss.Left, out...)
}

func (st *summaryStep) help() []key.Binding {
	if st.refuse != nil && !st.alumni {
		menu := st.f.c.Keys.Select
		menu.SetHelp("enter", "main menu")
		return []key.Binding{menu}
	}
	return st.form.help()
}

func (st *summaryStep) minSize() (int, int) { return 60, 16 }
