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
	refuse error // why this account cannot be activated here (explained as it is drawn)
	alumni bool  // a graduate who never activated: offer Alumni Account Activation
}

// summaryConf is what a flow's plan sets: the check that the account can be
// activated here (nil: the verification already made sure), whether the
// completion date shows, the words when it can, and the flow a graduate who
// never activated is pointed to.
type summaryConf struct {
	check      func(a store.Account, now time.Time) error
	graduated  bool
	ready      string // a catalog id
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
		st.refuse = err
		st.order("sum:menu")
		if errors.Is(err, store.ErrAlumniNotActivated) {
			st.alumni = true // her way in is Alumni Account Activation
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

func (st *summaryStep) title() string { return st.f.c.tr("screen.summary.title", nil) }

// refusal is why the account cannot be activated here, in the screens'
// language.
func (st *summaryStep) refusal() refusal {
	r, _ := explain(st.f.c, st.refuse)
	if st.alumni {
		r.body = st.f.c.tr("screen.summary.graduate", nil)
	}
	return r
}

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

// statusIDs and levelIDs say the registry's codes in words (catalog ids).
var (
	statusIDs = map[policy.Status]string{
		policy.StatusRegistered: "screen.status.registered",
		policy.StatusActive:     "screen.status.active",
		policy.StatusGrace:      "screen.status.grace",
		policy.StatusAlumni:     "screen.status.alumni",
		policy.StatusTerminated: "screen.status.terminated",
	}
	levelIDs = map[policy.Level]string{policy.LevelUG: "screen.level.ug", policy.LevelPG: "screen.level.pg"}
)

// inWords is the words for a code, or the code itself when there are none.
func inWords[K ~string](c *Common, ids map[K]string, code K) string {
	if id, ok := ids[code]; ok {
		return c.tr(id, nil)
	}
	return string(code)
}

func (st *summaryStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	a := st.f.acct
	rows := [][2]string{
		{c.tr("screen.details.account", nil), a.Name},
		{c.tr("screen.details.status", nil), inWords(c, statusIDs, a.Status)},
		{c.tr("screen.details.student-id", nil), a.StudentID},
		{c.tr("screen.details.name", nil), a.Surname + ", " + a.GivenNames},
	}
	if a.ChineseName != "" {
		rows = append(rows, [2]string{c.tr("screen.details.chinese-name", nil), a.ChineseName})
	}
	rows = append(rows,
		[2]string{c.tr("screen.details.department", nil), a.Department},
		[2]string{c.tr("screen.details.level", nil), inWords(c, levelIDs, a.Level)})
	if st.conf.graduated {
		rows = append(rows, [2]string{c.tr("screen.details.graduated", nil), c.date(a.CompletionDate)})
	}
	w := min(width, 72)
	out := []string{detailsPanel(c, rows), ""}
	if st.refuse != nil {
		buttons := []string{st.button("sum:menu", c.tr("screen.button.main-menu", nil))}
		if st.alumni {
			buttons = append([]string{st.button("sum:alumni", c.tr(flowDefs[st.conf.graduateTo].name, nil))}, buttons...)
		}
		r := st.refusal()
		out = append(out, s.Warning.Render(r.title), wrap(c, w, r.body), "",
			buttonRow(buttons...))
	} else {
		out = append(out, wrap(c, w, c.tr(st.conf.ready, nil)), "",
			buttonRow(st.button("sum:next", c.tr("screen.button.continue", nil)), st.button("sum:menu", c.tr("screen.button.cancel", nil))))
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
