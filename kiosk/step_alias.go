package kiosk

import (
	"context"
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// aliasStep lets a graduate choose a lifelong alumni e-mail alias such as
// peter.chan (seed "alumni-accounts-faq"). It is optional, checked with
// policy.ParseAlias as it is typed and, once typing pauses, against the
// replica (AliasAvailable); a clash offers the store's free suggestions as
// buttons. An alias is for life, so Save asks to confirm the exact address
// before it is saved. Alumni Account Activation ends with it; My Account
// opens it for a graduate who has none, and (fullName) for a postgraduate
// student the full-name alias: the same choice, of the student's own names
// (policy.ParseFullNameAlias), at the e-mail domain, set once here and
// changed at the service desk.
type aliasStep struct {
	form
	f        *flow
	fullName bool // a postgraduate's full-name alias (fullNameAlias)
	alias    *field
	taken    string   // the alias the store refused as taken
	offers   []string // free aliases like it, from the store
	err      words
	skip     string                      // label of the button that goes on without an alias
	done     func(store.Account) tea.Cmd // the alias is saved
	leave    func() tea.Cmd              // the student skipped
	// gen counts the field's changes: a timer or an answer of the live
	// check that belongs to an earlier value is dropped (the idle timer's
	// pattern, since ticks cannot be cancelled).
	gen     int
	pending string // the valid alias typed, not checked against the replica yet
	free    string // the alias the replica last said is free
	confirm string // the alias waiting for "Confirm alias"; "" while choosing
}

type (
	aliasMsg struct {
		acct store.Account
		err  error
	}
	// aliasFreeMsg is the replica's answer for alias at change gen; submit is
	// set when Save asked (then the confirmation follows a free alias).
	aliasFreeMsg struct {
		gen    int
		alias  string
		free   bool
		offers []string
		err    error
		submit bool
	}
)

var aliasHint = say("screen.alias.hint", nil)

const offerPrefix = "alias:offer:"

// newAlias is the alias choice at the end of Alumni Account Activation.
func newAlias(f *flow) step {
	return aliasChooser(f, "screen.button.skip", f.moveOn, func() tea.Cmd { return f.report(stepDone{next: true}) })
}

// aliasChooser builds the step; done and leave say where the flow goes;
// skip is the leave button's catalog id.
func aliasChooser(f *flow, skip string, done func(store.Account) tea.Cmd, leave func() tea.Cmd) *aliasStep {
	st := &aliasStep{f: f, skip: skip, done: done, leave: leave,
		alias: newField("alias:name", "screen.alias.label", policy.AliasMaxLen+10, false)}
	st.alias.hint = aliasHint
	st.alias.changed = st.check
	st.form = newForm(f.c, st.alias)
	st.enter["alias:name"] = "alias:save"
	st.reorder()
	return st
}

// fullNameAlias is the choice of a postgraduate's full-name alias in My
// Account, started with the alias the registry's names give (tai.man.chan).
func fullNameAlias(f *flow, done func(store.Account) tea.Cmd, leave func() tea.Cmd) *aliasStep {
	st := aliasChooser(f, "screen.button.back", done, leave)
	st.fullName = true
	st.alias.input.SetValue(policy.FullNameAlias(f.acct.Surname, f.acct.GivenNames))
	st.alias.input.CursorEnd()
	st.check()
	return st
}

// parse checks an alias for this step's use.
func (st *aliasStep) parse(s string) (string, error) {
	if st.fullName {
		return policy.ParseFullNameAlias(s, st.f.acct.Surname, st.f.acct.GivenNames)
	}
	return policy.ParseAlias(s)
}

// hint is the field's hint while nothing more is known.
func (st *aliasStep) hint() words {
	if st.fullName {
		return say("screen.alias.hint-full", textData{"Example": policy.FullNameAlias(st.f.acct.Surname, st.f.acct.GivenNames)})
	}
	return aliasHint
}

// opening is the live check of an alias the step starts with.
func (st *aliasStep) opening() tea.Cmd {
	if st.pending == "" {
		return nil
	}
	return st.lookup(false)
}

func (st *aliasStep) title() string {
	if st.fullName {
		return st.f.c.tr("screen.alias.title-full", nil)
	}
	return st.f.c.tr("screen.alias.title", nil)
}

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
// what it needs. A valid one waits for the replica's answer (update asks
// for it) before it shows as the student's address.
func (st *aliasStep) check() {
	st.gen++
	st.pending, st.free = "", ""
	st.alias.hint = st.hint()
	v := strings.TrimSpace(st.alias.value())
	a, err := st.parse(v)
	switch {
	case err == nil:
		st.pending = a
		st.alias.hint = say("screen.alias.checking-free", textData{"Address": st.address(a)})
	case len(v) < policy.AliasMinLen || strings.HasSuffix(v, ".") || strings.HasSuffix(v, "-"):
	default:
		st.alias.err = sayErr(err)
	}
}

// lookup asks the replica whether the pending alias is free (a read, in a
// command). From Save it shows the spinner, and a free alias goes on to
// the confirmation.
func (st *aliasStep) lookup(submit bool) tea.Cmd {
	gen, alias, name := st.gen, st.pending, st.f.acct.Name
	call := st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		free, offers, err := a.AliasAvailable(ctx, name, alias)
		return aliasFreeMsg{gen: gen, alias: alias, free: free, offers: offers, err: err, submit: submit}
	})
	if submit {
		return st.run("screen.alias.checking", call)
	}
	return call
}

// known acts on the replica's answer for the alias as typed now.
func (st *aliasStep) known(msg aliasFreeMsg) tea.Cmd {
	st.alias.hint = st.hint()
	switch {
	case msg.err != nil && msg.submit:
		return st.answer(aliasMsg{err: msg.err})
	case msg.err != nil: // the live check is a courtesy: Save asks again
	case msg.free:
		st.free = msg.alias
		st.alias.ok = say("screen.alias.your-address", textData{"Address": st.address(msg.alias)})
		if msg.submit {
			st.ask(msg.alias)
		}
	default:
		st.clash(msg.alias, msg.offers)
		if msg.submit {
			st.focusOn("alias:name") // typing goes on here; Tab reaches the suggestions
		}
	}
	return nil
}

// clash shows that alias is taken, with the free ones like it.
func (st *aliasStep) clash(alias string, offers []string) {
	st.taken, st.offers = alias, offers
	st.alias.ok = nil
	st.reorder() // the focus stays where it is: typing goes on in the field
}

// ask shows the exact address and asks to confirm it: it is for life.
func (st *aliasStep) ask(alias string) {
	st.confirm = alias
	st.order("alias:confirm", "alias:change")
	st.focusOn("alias:confirm")
}

// canBack and back: Esc on the confirmation goes back to the choice.
func (st *aliasStep) canBack() bool { return st.confirm != "" }

func (st *aliasStep) back() {
	st.confirm = ""
	st.reorder()
	st.focusOn("alias:name")
}

// address is the alias's e-mail address, or the alias alone when the
// station does not know the domain: an alumni alias at the alias domain, a
// full-name alias at the domain of the account's own address.
func (st *aliasStep) address(alias string) string {
	if at := strings.LastIndexByte(st.f.acct.Email, '@'); st.fullName && at >= 0 {
		return policy.Email(alias, st.f.acct.Email[at+1:])
	}
	if d := st.f.c.Opt.AliasDomain; d != "" {
		return policy.Email(alias, d)
	}
	return alias
}

func (st *aliasStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case aliasMsg:
		st.spin.stop()
		return st.answer(msg)
	case aliasFreeMsg:
		if msg.submit {
			st.spin.stop()
		}
		if msg.gen != st.gen {
			return nil // the field changed since it was asked
		}
		return st.known(msg)
	}
	gen := st.gen
	pressed, cmd := st.handle(msg)
	if st.gen != gen && st.pending != "" && !st.spin.active {
		// Every change asks the replica at once (an indexed read); an
		// answer for an earlier value is dropped by its gen. No pause: a
		// tape or a fast typist sees the answer without moving the clock.
		cmd = tea.Batch(cmd, st.lookup(false))
	}
	switch {
	case pressed == "alias:confirm" && st.confirm != "":
		return st.save()
	case pressed == "alias:change":
		st.back()
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
// press, since an alias is for life. The store offered it as free.
func (st *aliasStep) take(alias string) {
	st.alias.input.SetValue(alias)
	st.alias.input.CursorEnd()
	st.alias.err, st.alias.ok = nil, nil
	st.check()
	st.pending, st.free = "", alias
	st.alias.hint = st.hint()
	st.alias.ok = say("screen.alias.your-address", textData{"Address": st.address(alias)})
	st.focusOn("alias:save")
}

// submit checks the alias, asks the replica unless it just said the alias
// is free, and then asks to confirm.
func (st *aliasStep) submit() tea.Cmd {
	alias, err := st.parse(st.alias.value())
	if err != nil {
		st.alias.err, st.alias.ok = sayErr(err), nil
		st.focusOn("alias:name")
		return nil
	}
	st.err = nil
	if alias == st.free {
		st.ask(alias)
		return nil
	}
	st.pending = alias
	return st.lookup(true)
}

// save stores the confirmed alias.
func (st *aliasStep) save() tea.Cmd {
	alias, proof := st.confirm, st.f.acct.Proof
	st.err = nil
	return st.run("screen.alias.saving", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		acct, err := a.SetAlias(ctx, proof, alias)
		return aliasMsg{acct: acct, err: err}
	}))
}

func (st *aliasStep) answer(msg aliasMsg) tea.Cmd {
	if msg.err == nil {
		return st.done(msg.acct)
	}
	if st.confirm != "" {
		st.back() // whatever went wrong, the choice shows again
	}
	var taken *store.AliasTakenError
	if errors.As(msg.err, &taken) {
		st.free = ""
		st.clash(taken.Alias, taken.Suggestions)
		st.focusOn("alias:name") // typing goes on here; Tab reaches the suggestions
		return nil
	}
	_, final := explain(st.f.c, msg.err)
	if final {
		return st.f.stop(explained(msg.err))
	}
	st.err = sayRefusal(msg.err)
	return nil
}

func (st *aliasStep) wipe() {
	st.alias.reset()
	st.taken, st.offers = "", nil
	st.pending, st.free, st.confirm = "", "", ""
}

func (st *aliasStep) view(width, height int) string {
	c := st.f.c
	w := min(width, 72)
	if st.confirm != "" {
		return st.confirmView(w)
	}
	intro := c.tr("screen.alias.intro", textData{"Example": st.address("peter.chan"), "Account": st.f.acct.Name})
	if st.fullName {
		intro = c.tr("screen.alias.intro-full", textData{"Account": st.f.acct.Name, "Desk": c.desk()})
	}
	rows := []string{
		wrap(c, w, intro),
		"", st.field("alias:name", min(w, 40), w),
	}
	if st.taken != "" {
		rows = append(rows, st.clashView(w))
	}
	rows = append(rows, st.status(w, st.err, ""),
		buttonRow(st.button("alias:save", c.tr("screen.alias.save", nil)), st.button("alias:skip", c.tr(st.skip, nil))))
	if lipgloss.Height(strings.Join(rows, "\n")) > height {
		rows = rows[2:] // many suggestions on a short screen: the introduction was read already
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

// confirmView shows the exact address before it is saved for life.
func (st *aliasStep) confirmView(w int) string {
	c := st.f.c
	s := c.Styles
	willBe, forLife := "screen.alias.will-be", "screen.alias.for-life"
	if st.fullName {
		willBe, forLife = "screen.alias.will-be-full", "screen.alias.set-once-full"
	}
	rows := []string{
		wrap(c, w, c.tr(willBe, nil)), "",
		"  " + s.Strong.Render(st.address(st.confirm)), "",
		wrap(c, w, c.tr(forLife, textData{"Account": st.f.acct.Name, "Desk": c.desk()})), "",
	}
	if status := st.status(w, st.err, ""); status != "" {
		rows = append(rows, status) // the spinner while it saves
	}
	return lipgloss.JoinVertical(lipgloss.Left, append(rows,
		buttonRow(st.button("alias:confirm", c.tr("screen.alias.confirm", nil)), st.button("alias:change", c.tr("screen.alias.change", nil))))...)
}

// clashView says the alias is taken and shows the free ones as buttons.
func (st *aliasStep) clashView(width int) string {
	c := st.f.c
	s := c.Styles
	if len(st.offers) == 0 {
		return wrapStyle(s.Warning, width, c.tr("screen.alias.taken", textData{"Alias": st.taken}))
	}
	var buttons []string
	for _, o := range st.offers {
		buttons = append(buttons, st.button(offerPrefix+o, o))
	}
	return lipgloss.JoinVertical(lipgloss.Left,
		wrapStyle(s.Warning, width, c.tr("screen.alias.taken-offers", textData{"Alias": st.taken})),
		buttonFlow(width, buttons...))
}

func (st *aliasStep) minSize() (int, int) { return 60, 17 }
