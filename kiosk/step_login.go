package kiosk

import (
	"context"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/store"
)

// loginStep asks for the account name and current password (Change Network
// Password).
type loginStep struct {
	form
	f    *flow
	name *field
	pw   *field
	err  words
}

type loginMsg struct {
	acct store.Account
	err  error
}

func newLogin(f *flow) step {
	st := &loginStep{
		f:    f,
		name: newField("login:name", "screen.login.name", 64, false),
		pw:   newField("login:pw", "screen.login.password", 128, true),
	}
	st.name.hint = say("screen.login.name-hint", nil)
	st.form = newForm(f.c, st.name, st.pw)
	st.onPress = st.press
	onAnswer(&st.form, st.answer)
	st.enter["login:pw"] = "login:submit"
	st.order("login:name", "login:pw", "login:submit")
	return st
}

func (st *loginStep) title() string { return st.f.c.tr("screen.login.title", nil) }

func (st *loginStep) press(id string) tea.Cmd {
	if id == "login:submit" {
		return st.submit()
	}
	return nil
}

// accountName accepts "tmchan", "TMChan" or the whole e-mail address.
func accountName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s = s[:at]
	}
	return s
}

func (st *loginStep) submit() tea.Cmd {
	name, pw := accountName(st.name.value()), st.pw.value()
	st.err = nil
	switch {
	case name == "":
		st.name.err = say("screen.login.name-missing", nil)
		st.focusOn("login:name")
	case pw == "":
		st.pw.err = say("screen.login.password-missing", nil)
		st.focusOn("login:pw")
	default:
		return st.run("screen.login.checking", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			acct, err := a.VerifyPassword(ctx, name, pw)
			return loginMsg{acct: acct, err: err}
		}))
	}
	return nil
}

func (st *loginStep) answer(msg loginMsg) tea.Cmd {
	if msg.err != nil {
		_, final := explain(st.f.c, msg.err)
		if final {
			return st.f.stop(explained(msg.err))
		}
		st.err = sayRefusal(msg.err)
		st.pw.reset()
		st.focusOn("login:pw")
		return nil
	}
	return st.f.moveOn(msg.acct)
}

func (st *loginStep) wipe() {
	st.name.reset()
	st.pw.reset()
}

func (st *loginStep) view(width, height int) string {
	c := st.f.c
	w := min(width, 72)
	return c.joinVertical(
		st.field("login:name", min(w, 40), w), "",
		st.field("login:pw", min(w, 40), w),
		st.status(w, st.err, c.tr("screen.login.forgot", nil)),
		"", st.button("login:submit", c.tr("screen.login.sign-in", nil)))
}

func (st *loginStep) minSize() (int, int) { return 60, 16 }
