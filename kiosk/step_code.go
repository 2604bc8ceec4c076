package kiosk

import (
	"context"
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// codeStep waits for the 6-digit code sent to a personal e-mail (issue 19):
// at Forgot Password for an account without 2FA (the code, not the
// identity check alone, opens the new-password step), and in My Account
// before a new address is saved. It sends the first code when it opens;
// a new one may be asked for policy.EmailCodeResend later (station clock).
// When the code cannot be sent (the station or the central store is
// offline) it says so and offers to try again.
type codeStep struct {
	form
	f       *flow
	conf    codeConf
	code    *field
	sent    store.CodeSent // the last code sent; zero until one went
	sendErr error          // the last send failed
	resend  bool           // a new code may be asked for now
	gen     int            // the resend timer of the last send (older ones are stale)
}

// codeConf configures a code step: what the code is for, the address a
// verify code goes to, what to do with the right code, and the way out
// (nil: Esc ends the flow, as on any step).
type codeConf struct {
	purpose string // store.CodeReset or store.CodeVerifyEmail
	address string // CodeVerifyEmail: the new address (not saved yet)
	done    func(acct *store.Account, proof store.Proof) tea.Cmd
	cancel  func() tea.Cmd
}

type (
	codeSentMsg struct {
		sent store.CodeSent
		err  error
	}
	codeCheckedMsg struct {
		acct  store.Account
		proof store.Proof
		err   error
	}
	codeResendMsg struct{ gen int }
)

// emailCode is Forgot Password's stage: the reset code, then the new password.
func emailCode(f *flow) step {
	return newCodeStep(f, codeConf{purpose: store.CodeReset, done: func(_ *store.Account, proof store.Proof) tea.Cmd {
		return f.report(stepDone{proof: &proof, next: true})
	}})
}

// emailVerified reports whether a has a personal e-mail it verified.
func emailVerified(a store.Account) bool { return a.PersonalEmail != "" && !a.EmailVerifiedAt.IsZero() }

// resetByEmail: Forgot Password for an account without 2FA but with a
// verified personal e-mail takes a code sent there.
func resetByEmail(f *flow) bool { return !f.acct.TOTPEnrolled && emailVerified(f.acct) }

// noSecondFactor: with [station] reset_needs_second_factor, an account with
// neither 2FA nor a verified personal e-mail is not reset at the station.
func noSecondFactor(f *flow) bool {
	return f.c.Opt.ResetNeedsSecondFactor && f.acct.Name != "" && !f.acct.TOTPEnrolled && !emailVerified(f.acct)
}

// newNoSecondFactor ends Forgot Password for such an account: the service
// desk, or its access pass.
func newNoSecondFactor(f *flow) step {
	f.at = len(f.stages) // nothing follows this screen
	e := newEnd(f, func(c *Common) refusal {
		return refusal{c.tr("refusal.no-second-factor.title", nil),
			c.tr("refusal.no-second-factor.body", textData{"Desk": c.desk()})}
	}, false).(*endStep)
	e.lost, e.lostLabel = true, "screen.code.use-pass"
	return e
}

func newCodeStep(f *flow, conf codeConf) *codeStep {
	st := &codeStep{f: f, conf: conf, code: newField("code:code", "screen.code.field", 6, false)}
	st.code.accept, st.code.refuse = digitsOnly, say("screen.totp.code-digits", nil)
	st.code.narrow = true
	st.form = newForm(f.c, st.code)
	st.onPress = st.press
	onAnswer(&st.form, st.onSent)
	onAnswer(&st.form, st.onChecked)
	st.enter["code:code"] = "code:check"
	st.reorder()
	return st
}

func (st *codeStep) init() tea.Cmd { return st.send() }

func (st *codeStep) title() string {
	if st.conf.purpose == store.CodeVerifyEmail {
		return st.f.c.tr("screen.code.title-verify", nil)
	}
	return st.f.c.tr("screen.code.title-reset", nil)
}

// reorder: the code field only once a code went; the resend button only
// when it may be pressed; the way back when there is one.
func (st *codeStep) reorder() {
	var ids []string
	if !st.sent.SentAt.IsZero() {
		ids = append(ids, "code:code", "code:check")
	}
	if st.resend {
		ids = append(ids, "code:resend")
	}
	if st.conf.cancel != nil {
		ids = append(ids, "code:cancel")
	}
	st.order(ids...)
}

func (st *codeStep) send() tea.Cmd {
	st.sendErr, st.code.err = nil, nil
	proof, purpose, address := st.f.acct.Proof, st.conf.purpose, st.conf.address
	return st.run("screen.code.sending", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		sent, err := a.SendEmailCode(ctx, proof, purpose, address)
		return codeSentMsg{sent: sent, err: err}
	}))
}

func (st *codeStep) onSent(msg codeSentMsg) tea.Cmd {
	st.gen++
	if msg.err != nil {
		if _, final := explain(st.f.c, msg.err); final {
			return st.f.stop(explained(msg.err))
		}
		st.sendErr = msg.err
		var soon *store.CodeTooSoonError
		if errors.As(msg.err, &soon) { // the last code (to this address) still works: type it
			st.sent = store.CodeSent{To: st.masked(), SentAt: st.f.c.Now()}
			st.resend = false
			st.reorder()
			st.focusOn("code:code")
			return st.f.tick(soon.Wait, codeResendMsg{gen: st.gen})
		}
		st.resend = true // nothing went: try again at once
		st.reorder()
		st.focusOn("code:resend")
		return nil
	}
	st.sent, st.resend = msg.sent, false
	st.code.reset()
	st.reorder()
	st.focusOn("code:code")
	return st.f.tick(max(msg.sent.ResendAt.Sub(st.f.c.Now()), 0), codeResendMsg{gen: st.gen})
}

func (st *codeStep) press(id string) tea.Cmd {
	switch id {
	case "code:check":
		return st.check()
	case "code:resend":
		return st.send()
	case "code:cancel":
		return st.conf.cancel()
	}
	return nil
}

func (st *codeStep) check() tea.Cmd {
	code, ok := policy.ParseEmailCode(st.code.value())
	if !ok {
		st.code.err = say("screen.code.short", nil)
		return nil
	}
	proof, purpose := st.f.acct.Proof, st.conf.purpose
	return st.run("screen.code.checking", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		if purpose == store.CodeVerifyEmail {
			acct, err := a.VerifyPersonalEmail(ctx, proof, code)
			return codeCheckedMsg{acct: acct, proof: acct.Proof, err: err}
		}
		next, err := a.VerifyResetCode(ctx, proof, code)
		return codeCheckedMsg{proof: next, err: err}
	}))
}

func (st *codeStep) onChecked(msg codeCheckedMsg) tea.Cmd {
	st.code.reset()
	if msg.err == nil {
		var acct *store.Account
		if st.conf.purpose == store.CodeVerifyEmail {
			acct = &msg.acct
		}
		return st.conf.done(acct, msg.proof)
	}
	if _, final := explain(st.f.c, msg.err); final {
		return st.f.stop(explained(msg.err)) // locked after too many wrong codes
	}
	st.code.err = sayRefusal(msg.err)
	if errors.Is(msg.err, store.ErrCodeExpired) {
		st.resend = true // a new code at once
		st.reorder()
	}
	st.focusOn("code:code")
	return nil
}

func (st *codeStep) update(msg tea.Msg) tea.Cmd {
	if r, ok := msg.(codeResendMsg); ok {
		if r.gen == st.gen {
			st.resend = true
			if errors.As(st.sendErr, new(*store.CodeTooSoonError)) {
				st.sendErr = nil // its "in N seconds" is over
			}
			st.reorder()
		}
		return nil
	}
	return st.form.update(msg)
}

func (st *codeStep) wipe() { st.code.reset() }

// masked is where the code goes, as the screen may show it.
func (st *codeStep) masked() string {
	if st.sent.To != "" {
		return st.sent.To
	}
	if st.conf.purpose == store.CodeVerifyEmail {
		return policy.MaskEmail(st.conf.address)
	}
	return policy.MaskEmail(st.f.acct.PersonalEmail)
}

func (st *codeStep) view(width, height int) string {
	c := st.f.c
	s := c.Styles
	w := min(width, 72)
	to := textData{"To": st.masked(), "Minutes": int(policy.EmailCodeValid / time.Minute)}
	var rows []string
	switch {
	case st.sendErr != nil && st.sent.SentAt.IsZero():
		rows = append(rows, wrapStyle(s.Error, w, sayRefusal(st.sendErr).in(c)))
	case st.sent.SentAt.IsZero():
		rows = append(rows, wrap(c, w, c.tr("screen.code.will-send", to)))
	default:
		rows = append(rows, wrap(c, w, c.tr("screen.code.sent", to)), "", st.field("code:code", 24, w))
		if st.sendErr != nil {
			rows = append(rows, wrapStyle(s.Error, w, sayRefusal(st.sendErr).in(c)))
		}
	}
	rows = append(rows, st.status(w, nil, ""))
	var buttons []string
	if !st.sent.SentAt.IsZero() {
		buttons = append(buttons, st.button("code:check", c.tr("screen.code.check", nil)))
	}
	if st.resend {
		label := c.tr("screen.code.resend", nil)
		if st.sent.SentAt.IsZero() {
			label = c.tr("screen.code.try-again", nil)
		}
		buttons = append(buttons, st.button("code:resend", label))
	}
	if st.conf.cancel != nil {
		buttons = append(buttons, st.button("code:cancel", c.tr("screen.button.cancel", nil)))
	}
	rows = append(rows, buttonFlow(width, buttons...))
	if !st.sent.SentAt.IsZero() && !st.resend && !st.spin.active && st.sendErr == nil {
		rows = append(rows, s.Muted.Render(c.tr("screen.code.resend-later",
			textData{"Seconds": int(policy.EmailCodeResend / time.Second)})))
	}
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (st *codeStep) help() []key.Binding {
	press := st.f.c.Keys.Select
	press.SetHelp("enter", "press")
	return []key.Binding{st.f.c.Keys.Next, press}
}

func (st *codeStep) minSize() (int, int) { return 60, 14 }
