package kiosk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// aliasStep lets a graduate choose a lifelong alumni e-mail alias such as
// peter.chan (seed "alumni-accounts-faq"). It is optional, checked with
// policy.ParseAlias as it is typed, and a clash offers the store's free
// suggestions as buttons. Alumni Account Activation ends with it; My
// Account opens it for a graduate who has none.
type aliasStep struct {
	form
	f      *flow
	alias  *field
	taken  string   // the alias the store refused as taken
	offers []string // free aliases like it, from the store
	err    string
	skip   string                      // label of the button that goes on without an alias
	done   func(store.Account) tea.Cmd // the alias is saved
	leave  func() tea.Cmd              // the student skipped
}

type aliasMsg struct {
	acct store.Account
	err  error
}

const offerPrefix = "alias:offer:"

// newAlias is the alias choice at the end of Alumni Account Activation.
func newAlias(f *flow) step {
	return aliasChooser(f, "Skip", func(a store.Account) tea.Cmd {
		f.acct = a
		return f.next()
	}, f.next)
}

// aliasChooser builds the step; done and leave say where the flow goes.
func aliasChooser(f *flow, skip string, done func(store.Account) tea.Cmd, leave func() tea.Cmd) *aliasStep {
	st := &aliasStep{f: f, skip: skip, done: done, leave: leave,
		alias: newField("alias:name", "Alias", policy.AliasMaxLen+10, false)}
	st.alias.hint = "Letters a–z and digits, one dot or hyphen between parts"
	st.alias.changed = st.check
	st.form = newForm(f.c, st.alias)
	st.enter["alias:name"] = "alias:save"
	st.reorder()
	return st
}

func (st *aliasStep) title() string { return "Choose your alumni e-mail alias" }

// reorder puts the suggestions between the field and the buttons.
func (st *aliasStep) reorder() {
	ids := []string{"alias:name"}
	for _, o := range st.offers {
		ids = append(ids, offerPrefix+o)
	}
	st.order(append(ids, "alias:save", "alias:skip")...)
}

// check validates the alias as it is typed. An alias still being typed (too
// short, or ending in a dot or hyphen) is not refused yet: the hint says
// what it needs.
func (st *aliasStep) check() {
	v := strings.TrimSpace(st.alias.value())
	a, err := policy.ParseAlias(v)
	switch {
	case err == nil:
		st.alias.ok = "Your address: " + st.address(a)
	case len(v) < policy.AliasMinLen || strings.HasSuffix(v, ".") || strings.HasSuffix(v, "-"):
	default:
		st.alias.err = sentence(err.Error())
	}
}

// address is the alias's e-mail address, or the alias alone when the
// station does not know the domain.
func (st *aliasStep) address(alias string) string {
	if d := st.f.c.Opt.AliasDomain; d != "" {
		return policy.Email(alias, d)
	}
	return alias
}

func (st *aliasStep) update(msg tea.Msg) tea.Cmd {
	if res, ok := msg.(aliasMsg); ok {
		st.spin.stop()
		return st.answer(res)
	}
	pressed, cmd := st.handle(msg)
	switch {
	case pressed == "alias:save":
		return st.submit()
	case pressed == "alias:skip":
		return st.leave()
	case strings.HasPrefix(pressed, offerPrefix):
		st.take(strings.TrimPrefix(pressed, offerPrefix))
	}
	return cmd
}

// take puts a suggestion into the field; saving it is the student's next
// press, since an alias is for life.
func (st *aliasStep) take(alias string) {
	st.alias.input.SetValue(alias)
	st.alias.input.CursorEnd()
	st.alias.err, st.alias.ok = "", ""
	st.check()
	st.focusOn("alias:save")
}

func (st *aliasStep) submit() tea.Cmd {
	alias, err := policy.ParseAlias(st.alias.value())
	if err != nil {
		st.alias.err, st.alias.ok = sentence(err.Error()), ""
		st.focusOn("alias:name")
		return nil
	}
	st.err = ""
	proof := st.f.acct.Proof
	return st.run("Saving your alias…", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		acct, err := a.SetAlias(ctx, proof, alias)
		return aliasMsg{acct: acct, err: err}
	}))
}

func (st *aliasStep) answer(msg aliasMsg) tea.Cmd {
	if msg.err == nil {
		return st.done(msg.acct)
	}
	var taken *store.AliasTakenError
	if errors.As(msg.err, &taken) {
		st.taken, st.offers = taken.Alias, taken.Suggestions
		st.alias.ok = ""
		st.reorder()
		st.focusOn("alias:name") // typing goes on here; Tab reaches the suggestions
		return nil
	}
	r, final := explain(st.f.c, msg.err)
	if final {
		return st.f.stop(r)
	}
	st.err = r.body
	return nil
}

func (st *aliasStep) wipe() {
	st.alias.reset()
	st.taken, st.offers = "", nil
}

func (st *aliasStep) view(width, height int) string {
	c := st.f.c
	w := min(width, 72)
	rows := []string{
		wrap(c, w, fmt.Sprintf("An alias is a second address for your mailbox, yours for life, like %s. "+
			"You still sign in with your account name, %s. Choose with care: the alias cannot be changed later.",
			st.address("peter.chan"), st.f.acct.Name)),
		"", st.field("alias:name", min(w, 40), w),
	}
	if st.taken != "" {
		rows = append(rows, st.clashView(w))
	}
	rows = append(rows, st.status(w, st.err, ""),
		buttonRow(st.button("alias:save", "Save alias"), st.button("alias:skip", st.skip)))
	if lipgloss.Height(strings.Join(rows, "\n")) > height {
		rows = rows[2:] // many suggestions on a short screen: the introduction was read already
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

// clashView says the alias is taken and shows the free ones as buttons.
func (st *aliasStep) clashView(width int) string {
	s := st.f.c.Styles
	if len(st.offers) == 0 {
		return s.Warning.Width(width).Render(st.taken + " is already taken: type another.")
	}
	var buttons []string
	for _, o := range st.offers {
		buttons = append(buttons, st.button(offerPrefix+o, o))
	}
	return lipgloss.JoinVertical(lipgloss.Left,
		s.Warning.Width(width).Render(st.taken+" is already taken. These are free: touch one, or type another."),
		buttonFlow(width, buttons...))
}

func (st *aliasStep) minSize() (int, int) { return 60, 17 }
