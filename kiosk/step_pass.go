package kiosk

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/text"
)

// The "Lost your authenticator?" flow (issue 15): a student who lost the
// phone goes to the service desk, which checks the identity card in person
// and gives a one-time access pass; here, after the identity check, the
// pass stands for the lost 2FA code once: a new password, then a new 2FA
// enrolment that replaces the old one. Without a pass nothing gets round
// 2FA: the first screen sends the student to the desk.

func passPlan() []stage {
	return []stage{
		{make: newPassIntro},
		{make: identity(identityConf{check: resettable})},
		{make: newPassEntry},
		{make: password(passwordConf{title: "screen.password.title-new", save: Accounts.SetPassword})},
		{make: totpEnrol(totpConf{})}, // at once: the new key replaces the lost one
		{make: done(passwordWords)},
	}
}

// passIntroStep says what the desk does, and lets a student who has a
// pass go on.
type passIntroStep struct {
	form
	f *flow
}

func newPassIntro(f *flow) step {
	st := &passIntroStep{f: f, form: newForm(f.c)}
	st.onPress = st.press
	st.order("pass:have")
	return st
}

func (st *passIntroStep) title() string { return lostAuthenticator(st.f.c).title }

func (st *passIntroStep) press(id string) tea.Cmd {
	if id == "pass:have" {
		return st.f.report(stepDone{next: true})
	}
	return nil
}

func (st *passIntroStep) view(width, height int) string {
	w := min(width, 72)
	p := st.f.c.printer()
	return lipgloss.JoinVertical(lipgloss.Left,
		wrap(st.f.c, w, lostAuthenticator(st.f.c).body), "",
		wrap(st.f.c, w, p.T("screen.pass.intro", text.Data{"Desk": st.f.c.desk()})), "",
		buttonRow(st.button("pass:have", p.T("screen.pass.have", nil))))
}

func (st *passIntroStep) minSize() (int, int) { return 60, 14 }

// passEntryStep takes the pass after the identity check. A wrong pass
// counts toward the account's lockout (the store counts it).
type passEntryStep struct {
	form
	f    *flow
	pass *field
}

type passUsedMsg struct {
	err   error
	proof store.Proof
}

func newPassEntry(f *flow) step {
	p := f.c.printer()
	fl := newField("pass:code", p.T("screen.pass.field", nil), policy.PassLen+2, true)
	st := &passEntryStep{f: f, pass: fl}
	st.form = newForm(f.c, st.pass)
	st.onPress = st.press
	onAnswer(&st.form, st.used)
	st.enter["pass:code"] = "pass:use"
	st.order("pass:code", "pass:use")
	return st
}

func (st *passEntryStep) title() string { return st.f.c.printer().T("screen.pass.title", nil) }

func (st *passEntryStep) press(id string) tea.Cmd {
	if id != "pass:use" {
		return nil
	}
	proof, pass := st.f.acct.Proof, strings.TrimSpace(st.pass.value())
	if pass == "" {
		st.pass.err = say("screen.pass.empty", nil)
		return nil
	}
	return st.run(st.f.c.printer().T("screen.pass.checking", nil), st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		next, err := a.UsePass(ctx, proof, pass)
		return passUsedMsg{err: err, proof: next}
	}))
}

func (st *passEntryStep) used(msg passUsedMsg) tea.Cmd {
	st.pass.reset()
	if msg.err == nil {
		return st.f.report(stepDone{proof: &msg.proof, next: true})
	}
	if _, final := explain(st.f.c, msg.err); final {
		return st.f.stop(explained(msg.err))
	}
	st.pass.err = sayRefusal(msg.err)
	return nil
}

func (st *passEntryStep) wipe() { st.pass.reset() }

func (st *passEntryStep) view(width, height int) string {
	w := min(width, 72)
	p := st.f.c.printer()
	return lipgloss.JoinVertical(lipgloss.Left,
		wrap(st.f.c, w, p.T("screen.pass.ask", text.Data{"Account": st.f.acct.Name})), "",
		st.field("pass:code", 24, w), st.status(w, nil, ""),
		buttonRow(st.button("pass:use", p.T("screen.pass.use", nil))))
}

func (st *passEntryStep) minSize() (int, int) { return 60, 14 }
