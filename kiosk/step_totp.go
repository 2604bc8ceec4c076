package kiosk

import (
	"context"
	"errors"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/totp"
)

// codeField is the 6-digit code input both TOTP steps use.
func codeField() *field {
	f := newField("totp:code", "screen.totp.code", 6, false)
	f.accept, f.refuse = digitsOnly, say("screen.totp.code-digits", nil)
	f.hint = say("screen.totp.code-hint", nil)
	return f
}

// checkCode is the inline check before a code goes to the store.
func checkCode(f *field) bool {
	if len(f.value()) != 6 {
		f.err = say("screen.totp.code-short", nil)
		return false
	}
	return true
}

// totpEnrolStep registers 2FA: a QR code and the key for manual entry,
// confirmed by a code. After activation it is part of the flow: it may be
// left for later only by a choice that says what it means (laterView), and
// the flow goes on either way; after a password change it is offered and
// may be skipped; before My Account it is offered and required (skipping
// returns to the menu).
type totpEnrolStep struct {
	form
	f        *flow
	conf     totpConf
	offer    bool
	required bool // the flow goes on only with 2FA (My Account)
	started  bool // offer accepted (always true after activation)
	later    bool // activation: "Set up later" (and Esc) ask, then the flow goes on without 2FA
	asking   bool // the "set up 2FA later?" question shows
	failed   bool // the code was wrong totpTries times (activation): try again, or later
	enr      store.Enrolment
	qrs      []qrImage
	key      string // grouped for typing
	code     *field
	tries    int
	qrErr    bool // the QR code could not be drawn
	// top is the text beside the QR code down to the key, drawn once for
	// its look, width, step and key (cache.go); the QR code's lines are
	// drawn once in renderQR.
	top memo[totpTopKey]
}

type totpTopKey struct {
	look
	width, step, steps int
	title, key         string
	spin               bool
}

type (
	totpBegunMsg struct {
		enr store.Enrolment
		err error
	}
	totpConfirmedMsg struct {
		acct store.Account
		err  error
	}
)

// totpConf is what a flow's plan sets for 2FA enrolment.
type totpConf struct {
	offer    bool   // offered first, and may be declined
	required bool   // offered, and the flow goes on only with 2FA
	later    bool   // part of an activation: may be left for later by a choice that says what it means
	next     string // later: what follows, for the question (laterView): a catalog id
	guards   string // required: what too many wrong codes leave undone
	// emailOnly: required, but the offer may instead go on to the personal
	// e-mail alone (My Account: profileStep.limited).
	emailOnly bool
}

func totpEnrol(conf totpConf) func(f *flow) step {
	return func(f *flow) step { return enrolStep(f, conf) }
}

func enrolStep(f *flow, conf totpConf) *totpEnrolStep {
	st := &totpEnrolStep{f: f, conf: conf, offer: conf.offer || conf.required, required: conf.required,
		later: conf.later, code: codeField()}
	st.started = !st.offer
	st.form = newForm(f.c, st.code)
	st.onPress = st.press
	onAnswer(&st.form, st.begun)
	onAnswer(&st.form, st.confirmed)
	st.enter["totp:code"] = "totp:confirm"
	if st.recoveryOnly() {
		st.order("totp:start", "totp:recovery", "totp:skip")
	} else if st.offer {
		st.order("totp:start", "totp:skip")
	} else {
		st.codeOrder()
	}
	return st
}

// codeOrder is the focus order while the QR code and the code field show.
func (st *totpEnrolStep) codeOrder() {
	switch {
	case st.offer:
		st.order("totp:code", "totp:confirm", "totp:skip")
	case st.later:
		st.order("totp:code", "totp:confirm", "totp:later")
	default:
		st.order("totp:code", "totp:confirm")
	}
}

func (st *totpEnrolStep) init() tea.Cmd {
	if st.started {
		return st.begin()
	}
	return nil
}

// ownHead: the QR layout draws its own head; the question (laterView) is an
// ordinary step screen.
func (st *totpEnrolStep) ownHead() bool { return st.started && !st.question() }

func (st *totpEnrolStep) question() bool { return st.asking || st.failed }

func (st *totpEnrolStep) title() string {
	c := st.f.c
	switch {
	case st.failed:
		return c.tr("screen.totp.not-set-up", nil)
	case st.asking:
		return c.tr("screen.totp.later-title", nil)
	}
	return c.tr("screen.totp.enrol-title", nil)
}

// begin asks the store for a new secret (nothing is saved yet).
func (st *totpEnrolStep) begin() tea.Cmd {
	st.started = true
	st.codeOrder()
	proof := st.f.acct.Proof
	return st.run("screen.totp.making-key", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		enr, err := a.BeginTOTP(ctx, proof)
		return totpBegunMsg{enr: enr, err: err}
	}))
}

func (st *totpEnrolStep) press(id string) tea.Cmd {
	switch {
	case id == "totp:start" && !st.started:
		return st.begin()
	case id == "totp:recovery" && st.recoveryOnly() && !st.started:
		return st.f.report(stepDone{next: true}) // My Account without 2FA: the personal e-mail only
	case id == "totp:skip" && st.required:
		st.f.finish()
	case id == "totp:skip" && st.offer:
		return st.f.report(stepDone{next: true})
	case id == "totp:confirm" && !st.question():
		return st.confirm()
	case id == "totp:later" && st.later && !st.question():
		st.ask()
	case id == "totp:resume" && st.question():
		st.resume()
	case id == "totp:defer" && st.question():
		return st.f.report(stepDone{next: true}) // the next step follows: directory, or the alumni alias
	}
	return nil
}

// ask shows the question whether to go on without 2FA.
func (st *totpEnrolStep) ask() {
	st.asking = true
	st.code.reset()
	st.order("totp:resume", "totp:defer")
	st.focusOn("totp:resume") // Enter alone does not give up 2FA
}

// resume goes back to the QR code and the same key (the student may have
// added it to the app already), with fresh tries.
func (st *totpEnrolStep) resume() {
	st.asking, st.failed, st.tries = false, false, 0
	st.codeOrder()
	st.focusOn("totp:code")
}

// canBack and back: in activation Esc asks before 2FA is left for later,
// and on the question goes back to the QR code; it never ends the flow.
func (st *totpEnrolStep) canBack() bool { return st.later && st.started }

func (st *totpEnrolStep) back() {
	if st.question() {
		st.resume()
		return
	}
	st.ask()
}

// backHelp is what Esc does, for the footer.
func (st *totpEnrolStep) backHelp() string {
	if st.question() {
		return "go back"
	}
	return "set up later" // the footer translates it (helpIDs)
}

func (st *totpEnrolStep) begun(msg totpBegunMsg) tea.Cmd {
	if msg.err != nil {
		return st.f.stop(explained(msg.err))
	}
	qrs, err := renderQR(st.f.c.Styles.QR, msg.enr.URI)
	if err != nil {
		// Without a QR the key still works; say why the picture is missing.
		st.qrErr = true
	}
	st.enr, st.qrs, st.key = msg.enr, qrs, totp.GroupKey(msg.enr.Secret)
	return nil
}

func (st *totpEnrolStep) confirm() tea.Cmd {
	if st.enr.Secret == "" || !checkCode(st.code) {
		return nil
	}
	enr, code := st.enr, st.code.value()
	return st.run("screen.totp.checking",
		st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			acct, err := a.ConfirmTOTP(ctx, enr, code)
			return totpConfirmedMsg{acct: acct, err: err}
		}))
}

func (st *totpEnrolStep) confirmed(msg totpConfirmedMsg) tea.Cmd {
	st.code.reset()
	if msg.err == nil {
		return st.f.report(stepDone{acct: &msg.acct, next: true, enrolled: true})
	}
	if st.later && errors.Is(msg.err, store.ErrTOTPWrong) && st.tries == totpTries-1 {
		// Activation does not end here: the student tries again or
		// chooses to set 2FA up later, and the flow goes on.
		st.failed, st.asking = true, false
		st.order("totp:resume", "totp:defer")
		st.focusOn("totp:resume")
		return nil
	}
	return codeRefused(st.f, st.code, &st.tries, msg.err, st.notSetUp())
}

// notSetUp is the refusal after totpTries wrong codes.
func (st *totpEnrolStep) notSetUp() telling {
	required, guards := st.required, st.conf.guards
	return func(c *Common) refusal {
		title := c.tr("screen.totp.not-set-up", nil)
		switch {
		case required && guards == guardsPassword:
			return refusal{title, c.printer().N("screen.totp.enrol-failed.password", totpTries, nil)}
		case required:
			return refusal{title, c.printer().N("screen.totp.enrol-failed.account", totpTries, nil)}
		}
		return refusal{title, c.printer().N("screen.totp.enrol-failed", totpTries, nil)}
	}
}

// skipLabel is the button that declines the offer.
func (st *totpEnrolStep) skipLabel() string {
	if st.required {
		return st.f.c.tr("screen.button.main-menu", nil)
	}
	return st.f.c.tr("screen.totp.not-now", nil)
}

// codeRefused acts on a code the store refused: a wrong code counts, and the
// last of totpTries ends the flow with last; any other reason the student
// can act on shows under the field.
func codeRefused(f *flow, code *field, tries *int, err error, last telling) tea.Cmd {
	if _, final := explain(f.c, err); final {
		return f.stop(explained(err))
	}
	if errors.Is(err, store.ErrTOTPWrong) {
		*tries++
		if *tries >= totpTries {
			return f.stop(last)
		}
		code.err = sayN("screen.totp.wrong-code", totpTries-*tries, nil)
		return nil
	}
	code.err = sayRefusal(err)
	return nil
}

// wipe drops the secret, its QR code and its key.
func (st *totpEnrolStep) wipe() {
	st.enr = store.Enrolment{}
	st.qrs, st.key = nil, ""
	st.top.drop() // it shows the key
	st.code.reset()
}

func (st *totpEnrolStep) view(width, height int) string {
	if !st.started {
		return st.offerView(width)
	}
	if st.question() {
		return st.laterView(width)
	}
	c := st.f.c
	s := c.Styles
	img, ok := st.pickQR(width, height)
	if !ok && len(st.qrs) > 0 {
		return s.Warning.Render(c.tr("screen.totp.enlarge", nil))
	}
	rw := min(width-img.w-2, textColumn)
	if len(st.qrs) == 0 {
		rw = min(width, textColumn)
	}
	step, steps := st.f.steps()
	title := st.title()
	spinKey := st.spin.active && st.key == ""
	top := st.top.get(c, totpTopKey{c.look(), rw, step, steps, title, st.key, spinKey}, func() string {
		head := c.Styles.Progress.Render(st.f.name())
		if p := st.f.progress(); p != "" && lipgloss.Width(head+" · "+p) <= rw {
			head += s.Progress.Render(" · " + p)
		} else if p != "" {
			head = s.Progress.Render(p)
		}
		right := []string{head, wrapStyle(s.Title, rw, title), "",
			wrap(c, rw, c.tr("screen.totp.scan", nil))}
		if !spinKey {
			label := c.tr("screen.totp.key", nil) + " "
			lw := lipgloss.Width(label)
			right = append(right, s.Muted.Render(label)+s.Key.Render(fitKey(st.key, rw-lw, lw)))
		}
		return strings.Join(right, "\n")
	})
	right := []string{top}
	if spinKey {
		right = append(right, st.spin.view(c)) // the spinner moves: not kept
	}
	right = append(right, "", st.field("totp:code", min(rw, 24), rw))
	if st.spin.active && st.key != "" {
		right = append(right, st.spin.view(c))
	}
	buttons := []string{st.button("totp:confirm", c.tr("screen.totp.confirm", nil))}
	switch {
	case st.offer:
		buttons = append(buttons, st.button("totp:skip", st.skipLabel()))
	case st.later:
		buttons = append(buttons, st.button("totp:later", c.tr("screen.totp.later", nil)))
	}
	right = append(right, buttonFlow(rw, buttons...)) // a second row rather than past the edge
	col := c.joinVertical(right...)
	if img.text == "" {
		qrErr := ""
		if st.qrErr {
			qrErr = c.tr("screen.totp.qr-failed", nil)
		}
		return c.joinVertical(wrapStyle(s.Error, rw, qrErr), col)
	}
	return c.besideQR(img, "  ", col)
}

// Right of the QR code: room for the key on one line ("Key: " and eight
// groups), or at least for the instructions with the key on two lines; on a
// wide screen the text stays within textColumn.
const keyColumn, narrowColumn, textColumn = 44, 33, 60

// pickQR chooses the QR rendering: the best one that leaves the key on one
// line, else the best one that fits at all.
func (st *totpEnrolStep) pickQR(width, height int) (qrImage, bool) {
	if img, ok := pickQR(st.qrs, width-keyColumn-2, height); ok {
		return img, true
	}
	return pickQR(st.qrs, width-narrowColumn-2, height)
}

// fitKey breaks the grouped key into lines of whole groups no wider than w,
// the lines after the first indented by indent cells (under the key).
func fitKey(key string, w, indent int) string {
	var lines []string
	line := ""
	for _, g := range strings.Fields(key) {
		if line != "" && len(line)+1+len(g) > w {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += g
	}
	lines = append(lines, line)
	return strings.Join(lines, "\n"+strings.Repeat(" ", indent))
}

func (st *totpEnrolStep) offerView(width int) string {
	c := st.f.c
	why := c.tr("screen.totp.offer", nil)
	if st.required {
		why = c.tr("screen.totp.offer-required", textData{"Flow": st.f.name()})
	}
	parts := []string{wrap(c, min(width, 72), why), "", wrap(c, min(width, 72), c.tr("screen.totp.takes-a-minute", nil))}
	buttons := []string{st.button("totp:start", c.tr("screen.totp.start", nil))}
	if st.recoveryOnly() {
		parts = append(parts, "", wrap(c, min(width, 72), c.tr("screen.totp.recovery-only-note", nil)))
		buttons = append(buttons, st.button("totp:recovery", c.tr("screen.totp.recovery-only", nil)))
	}
	buttons = append(buttons, st.button("totp:skip", st.skipLabel()))
	parts = append(parts, "", buttonFlow(min(width, 72), buttons...))
	return lipgloss.JoinVertical(lipgloss.Left, parts...)
}

// recoveryOnly: the offer may go on without 2FA to the personal e-mail
// alone (issue 19; the plan says so: totpConf.emailOnly).
func (st *totpEnrolStep) recoveryOnly() bool { return st.required && st.conf.emailOnly }

// laterView says what going on without 2FA means, after Esc, "Set up
// later" or too many wrong codes.
func (st *totpEnrolStep) laterView(width int) string {
	c := st.f.c
	w := min(width, 72)
	var rows []string
	if st.failed {
		rows = append(rows, wrap(c, w, c.printer().N("screen.totp.failed-retry", totpTries, nil)), "")
	}
	rows = append(rows,
		wrap(c, w, c.tr("screen.totp.later-means", nil)), "",
		wrap(c, w, c.tr(st.conf.next, nil)), "",
		buttonRow(st.button("totp:resume", c.tr("screen.totp.resume", nil)), st.button("totp:defer", c.tr("screen.totp.later", nil))))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (st *totpEnrolStep) minSize() (int, int) {
	if st.question() {
		return 60, 16
	}
	if !st.started || len(st.qrs) == 0 {
		return 60, 12
	}
	w, h := smallestQR(st.qrs)
	return w + 2 + narrowColumn, max(h, 18)
}

// totpVerifyStep asks an enrolled student for a current code before the
// password can change. Three wrong codes end the flow; a lost authenticator
// is sent to the service desk, never around 2FA.
type totpVerifyStep struct {
	form
	f      *flow
	code   *field
	tries  int
	guards string // what too many wrong codes leave undone (the plan says)
}

type totpVerifiedMsg struct {
	err   error
	proof store.Proof // for the visit's next change
}

func totpVerify(guards string) func(f *flow) step {
	return func(f *flow) step { return newTOTPVerify(f, guards) }
}

func newTOTPVerify(f *flow, guards string) step {
	st := &totpVerifyStep{f: f, code: codeField(), guards: guards}
	st.form = newForm(f.c, st.code)
	st.onPress = st.press
	onAnswer(&st.form, st.verified)
	st.enter["totp:code"] = "totp:verify"
	st.order("totp:code", "totp:verify", "totp:lost")
	return st
}

func (st *totpVerifyStep) title() string { return st.f.c.tr("screen.totp.verify-title", nil) }

func (st *totpVerifyStep) press(id string) tea.Cmd {
	switch id {
	case "totp:verify":
		return st.verify()
	case "totp:lost":
		st.f.switchTo(flowPass) // the desk's pass, or the way to the desk
		return nil
	}
	return nil
}

func (st *totpVerifyStep) verify() tea.Cmd {
	if !checkCode(st.code) {
		return nil
	}
	proof, code := st.f.acct.Proof, st.code.value()
	return st.run("screen.totp.checking", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		next, err := a.VerifyTOTP(ctx, proof, code)
		return totpVerifiedMsg{err: err, proof: next}
	}))
}

func (st *totpVerifyStep) verified(msg totpVerifiedMsg) tea.Cmd {
	st.code.reset()
	if msg.err == nil {
		return st.f.report(stepDone{proof: &msg.proof, next: true}) // the next change follows this step
	}
	guards := st.guards
	cmd := codeRefused(st.f, st.code, &st.tries, msg.err, func(c *Common) refusal {
		data := textData{"Lost": lostAuthenticator(c).body}
		id := "screen.totp.verify-failed.password"
		if guards == guardsMyAccount {
			id = "screen.totp.verify-failed.account"
		}
		return refusal{c.tr("screen.totp.too-many", nil), c.printer().N(id, totpTries, data)}
	})
	if e, ok := st.f.step.(*endStep); ok && st.tries >= totpTries {
		e.lost = true // too many wrong codes: a lost phone is likely (issue 15)
	}
	return cmd
}

func (st *totpVerifyStep) wipe() { st.code.reset() }

func (st *totpVerifyStep) view(width, height int) string {
	c := st.f.c
	w := min(width, 72)
	return c.joinVertical(
		wrap(c, w, c.tr("screen.totp.verify-intro", textData{"Account": st.f.acct.Name})), "",
		st.field("totp:code", 24, w), st.status(w, nil, ""),
		buttonRow(st.button("totp:verify", c.tr("screen.totp.verify", nil)), st.button("totp:lost", c.tr("screen.totp.lost", nil))))
}

func (st *totpVerifyStep) minSize() (int, int) { return 60, 14 }
