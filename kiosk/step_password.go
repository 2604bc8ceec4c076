package kiosk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// passwordStep sets a new password: typed twice, masked, with the policy's
// live checklist ticking as the student types. The store decides reuse on
// submit, in a command, with a spinner (argon2 takes a moment).
type passwordStep struct {
	form
	f      *flow
	conf   passwordConf
	pw     *field
	again  *field
	items  []policy.CheckItem
	score  int
	hint   string
	reused bool  // the store refused the last submission as reused
	err    words // the store's refusal, in words
	// mismatch: err says the copies differed (typing the second copy clears it).
	mismatch bool
	checked  string // the password items were computed for
	// The checklist, strength and match lines change only when a rule
	// ticks, the meter moves or the copies come to (dis)agree: drawn once
	// for each (cache.go).
	checklist memo[checklistKey]
	strength  memo[strengthKey]
	match     memo[matchKey]
	titled    memo[titleKey]
}

type titleKey struct {
	look
	id, account string
}

type checklistKey struct {
	look
	width  int
	reused bool
	items  string // rule, state and label of each item (checklistItems)
}

type strengthKey struct {
	look
	width, score int
	hint         string
}

type matchKey struct {
	look
	width, state int
}

type passwordMsg struct {
	acct store.Account
	err  error
}

// passwordConf is what a flow's plan sets: the title (a catalog id whose
// {{.Account}} is the account name) and the store call that saves the password (a first one, or a
// replacement).
type passwordConf struct {
	title string
	save  func(a Accounts, ctx context.Context, p store.Proof, pw string) (store.Account, error)
}

func password(conf passwordConf) func(f *flow) step {
	return func(f *flow) step { return newPassword(f, conf) }
}

func newPassword(f *flow, conf passwordConf) step {
	st := &passwordStep{
		f:     f,
		conf:  conf,
		pw:    newField("pw:new", "screen.password.new", policy.MaxPasswordLen, true),
		again: newField("pw:again", "screen.password.again", policy.MaxPasswordLen, true),
	}
	st.pw.changed = st.typed
	st.again.changed = st.typedAgain
	st.form = newForm(f.c, st.pw, st.again)
	st.onPress = st.press
	onAnswer(&st.form, st.answer)
	st.enter["pw:again"] = "pw:submit"
	st.order("pw:new", "pw:again", "pw:submit")
	st.recheck()
	return st
}

func (st *passwordStep) title() string {
	c := st.f.c
	return st.titled.get(c, titleKey{c.look(), st.conf.title, st.f.acct.Name}, func() string {
		return c.tr(st.conf.title, textData{"Account": st.f.acct.Name})
	})
}

// typed follows a change to the new password: the checklist ticks, and the
// store's last refusal no longer applies.
func (st *passwordStep) typed() {
	st.err, st.reused, st.mismatch = nil, false, false
	st.recheck()
}

// typedAgain follows a change to the second copy: a refusal for copies
// that differed is stale now, and the live match line says how they compare.
func (st *passwordStep) typedAgain() {
	if st.mismatch {
		st.err, st.mismatch = nil, false
	}
}

// recheck runs the policy on the password as typed (once per change).
func (st *passwordStep) recheck() {
	pw := st.pw.value()
	if pw == st.checked && st.items != nil {
		return
	}
	st.checked = pw
	a := st.f.acct
	st.items = policy.Checklist(pw, policy.Person{AccountName: a.Name, Surname: a.Surname, GivenNames: a.GivenNames,
		ChineseName: a.ChineseName})
	st.score, st.hint = policy.Strength(pw)
}

func (st *passwordStep) press(id string) tea.Cmd {
	if id == "pw:submit" {
		return st.submit()
	}
	return nil
}

// submit sends the password once every rule the station can check is met
// and both copies agree.
func (st *passwordStep) submit() tea.Cmd {
	switch {
	case !st.pwMet():
		st.err, st.mismatch = say("screen.password.rules-unmet", nil), false
		st.focusOn("pw:new")
		return nil
	case st.again.value() != st.pw.value():
		st.err, st.mismatch = say("screen.password.mismatch", nil), true
		st.focusOn("pw:again")
		return nil
	}
	st.err, st.mismatch = nil, false
	proof, pw, save := st.f.acct.Proof, st.pw.value(), st.conf.save
	return st.run("screen.password.saving",
		st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			acct, err := save(a, ctx, proof, pw)
			return passwordMsg{acct: acct, err: err}
		}))
}

// pwMet reports whether the first copy keeps every checkable rule.
func (st *passwordStep) pwMet() bool {
	for _, it := range st.items {
		if it.Rule != policy.RuleReuse && it.State != policy.CheckMet {
			return false
		}
	}
	return true
}

func (st *passwordStep) answer(msg passwordMsg) tea.Cmd {
	if msg.err == nil {
		return st.f.report(stepDone{acct: &msg.acct, next: true, toMenu: true})
	}
	_, final := explain(st.f.c, msg.err)
	if final {
		return st.f.stop(explained(msg.err))
	}
	var pol *store.PolicyError
	if errors.As(msg.err, &pol) {
		for _, v := range pol.Violations {
			st.reused = st.reused || v.Rule == policy.RuleReuse
		}
	}
	st.err, st.mismatch = sayRefusal(msg.err), false
	st.pw.reset()
	st.again.reset()
	st.recheck()
	st.focusOn("pw:new")
	return nil
}

func (st *passwordStep) wipe() {
	st.pw.reset()
	st.again.reset()
	st.checked, st.items = "", nil
}

// checklistItems is what the checklist shows of the items, as a cache key.
func checklistItems(items []policy.CheckItem) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(string(it.Rule))
		b.WriteByte(byte('0' + it.State))
		b.WriteString(it.LabelID)
		b.WriteString(it.Label)
		keys := make([]string, 0, len(it.Data))
		for k := range it.Data {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "\x00%s=%v", k, it.Data[k])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// checklistView draws one line per rule (labels wrap with a hanging
// indent), again only when an item's state changes.
func (st *passwordStep) checklistView(width int) string {
	c := st.f.c
	k := checklistKey{c.look(), width, st.reused, checklistItems(st.items)}
	return st.checklist.get(c, k, func() string { return st.drawChecklist(width) })
}

func (st *passwordStep) drawChecklist(width int) string {
	s := st.f.c.Styles
	lines := []string{s.Label.Render(st.f.c.tr("screen.password.needs", nil))}
	for _, it := range st.items {
		state := it.State
		if it.Rule == policy.RuleReuse && st.reused {
			state = policy.CheckUnmet
		}
		style, icon := s.CheckUnknown, "·"
		switch state {
		case policy.CheckMet:
			style, icon = s.CheckMet, "✓"
		case policy.CheckUnmet:
			style, icon = s.CheckUnmet, "✗"
		}
		for _, l := range hanging(icon+" ", checkLabel(st.f.c, it), width) {
			lines = append(lines, style.Render(l))
		}
	}
	return strings.Join(lines, "\n")
}

func (st *passwordStep) strengthView(width int) string {
	c := st.f.c
	return st.strength.get(c, strengthKey{c.look(), width, st.score, st.hint}, func() string {
		return c.padWidth(width, st.drawStrength())
	})
}

func (st *passwordStep) drawStrength() string {
	c := st.f.c
	s := c.Styles
	meter := s.MeterOn.Render(strings.Repeat("▰", st.score)) + s.MeterOff.Render(strings.Repeat("▱", 4-st.score))
	hint := st.hint
	if id, ok := strengthIDs[hint]; ok {
		hint = c.tr(id, nil)
	}
	return s.Muted.Render(c.tr("screen.password.strength", nil)+" ") + meter + "\n" + s.Muted.Render(hint)
}

func (st *passwordStep) matchView(width int) string {
	c := st.f.c
	state := 0
	switch {
	case st.again.value() == "":
	case st.again.value() == st.pw.value():
		state = 1
	default:
		state = 2
	}
	return st.match.get(c, matchKey{c.look(), width, state}, func() string {
		s := c.Styles
		line := s.Muted.Render(c.tr("screen.password.again-hint", nil))
		switch state {
		case 1:
			line = s.CheckMet.Render("✓ " + c.tr("screen.password.match", nil))
		case 2:
			line = s.CheckUnmet.Render("✗ " + c.tr("screen.password.no-match", nil))
		}
		return c.padWidth(width, line)
	})
}

func (st *passwordStep) view(width, height int) string {
	c := st.f.c
	fw := min(32, width-42) // the checklist needs about 42 columns
	rows := []string{st.field("pw:new", fw, fw), st.field("pw:again", fw, fw)}
	status := st.status(fw, st.err, "")
	if status == "" || st.spin.active {
		// An error says what to do about the copies; the live match line
		// would say it twice (and, at 80x24, push the button off the screen).
		rows = append(rows, st.matchView(fw))
	}
	strength := st.strengthView(fw)
	button := st.button("pw:submit", c.tr("screen.password.set", nil))
	if lipgloss.Height(strings.Join(append(rows, strength, status, button), "\n")) <= height {
		rows = append(rows, strength) // a long refusal on a short screen goes first
	}
	left := c.joinVertical(append(rows, status, button)...)
	leftCol := c.padWidth(fw, left)
	return c.joinHorizontal(leftCol, "  ", st.checklistView(width-fw-2))
}

func (st *passwordStep) minSize() (int, int) { return 72, 17 }

// strengthIDs are the catalog ids of policy.Strength's hints, which policy
// gives in English.
var strengthIDs = map[string]string{
	"Longer pass phrases are stronger":                                  "screen.strength.longer",
	"Common passwords are guessed first — choose something of your own": "screen.strength.common",
	"Add another word, or mix in capitals, digits or symbols":           "screen.strength.add",
	"Good — another word would make it stronger":                        "screen.strength.good",
	"Strong password": "screen.strength.strong",
}
