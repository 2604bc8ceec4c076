package kiosk

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/totp"
)

// codeField is the 6-digit code input both TOTP steps use.
func codeField() *field {
	f := newField("totp:code", "6-digit code", 6, false)
	f.accept = digitsOnly
	f.hint = "The code changes every 30 seconds"
	return f
}

// checkCode is the inline check before a code goes to the store.
func checkCode(f *field) bool {
	if len(f.value()) != 6 {
		f.err = "Type all 6 digits the app shows"
		return false
	}
	return true
}

// totpEnrolStep registers 2FA: a QR code and the key for manual entry,
// confirmed by a code. After activation it is part of the flow; after a
// password change it is offered and may be skipped.
type totpEnrolStep struct {
	f       *flow
	offer   bool
	started bool // offer accepted (always true after activation)
	enr     store.Enrolment
	qrs     []qrImage
	key     string // grouped for typing
	code    *field
	tries   int
	qrErr   string
	focus   ring
	spin    busy
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

func newTOTPEnrol(f *flow) step {
	st := &totpEnrolStep{f: f, offer: f.kind != flowActivate, code: codeField()}
	st.started = !st.offer
	if st.offer {
		st.focus.reorder("totp:start", "totp:skip")
	} else {
		st.focus.reorder("totp:code", "totp:confirm")
	}
	st.refocus()
	return st
}

func (st *totpEnrolStep) init() tea.Cmd {
	if st.started {
		return st.begin()
	}
	return nil
}

func (st *totpEnrolStep) ownHead() bool { return st.started }

func (st *totpEnrolStep) title() string { return "Set up two-factor authentication" }

func (st *totpEnrolStep) busy() bool { return st.spin.active }

func (st *totpEnrolStep) refocus() { st.code.setFocus(st.focus.cur() == "totp:code") }

// begin asks the store for a new secret (nothing is saved yet).
func (st *totpEnrolStep) begin() tea.Cmd {
	st.started = true
	st.focus.reorder("totp:code", "totp:confirm", "totp:skip")
	if !st.offer {
		st.focus.reorder("totp:code", "totp:confirm")
	}
	st.refocus()
	name := st.f.acct.Name
	return tea.Batch(st.spin.start(st.f.c, "Making your key…"),
		st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			enr, err := a.BeginTOTP(ctx, name)
			return totpBegunMsg{enr: enr, err: err}
		}))
}

func (st *totpEnrolStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case busyTickMsg:
		return st.spin.update(st.f.c, msg)
	case totpBegunMsg:
		st.spin.stop()
		return st.begun(msg)
	case totpConfirmedMsg:
		st.spin.stop()
		return st.confirmed(msg)
	}
	if st.spin.active {
		return nil
	}
	k := st.f.c.Keys
	switch msg := msg.(type) {
	case pressMsg:
		return st.press(msg.id)
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Next, k.Down, k.Right):
			st.focus.move(1)
		case key.Matches(msg, k.Prev, k.Up, k.Left):
			st.focus.move(-1)
		case key.Matches(msg, k.Select):
			id := st.focus.cur()
			if id == "totp:code" {
				id = "totp:confirm"
			}
			return st.press(id)
		case st.focus.cur() == "totp:code":
			st.code.update(msg)
			st.code.err = ""
		}
	}
	st.refocus()
	return nil
}

func (st *totpEnrolStep) press(id string) tea.Cmd {
	switch id {
	case "totp:start":
		if !st.started {
			return st.begin()
		}
	case "totp:skip":
		if st.offer {
			return st.f.next()
		}
	case "totp:confirm":
		return st.confirm()
	default:
		st.focus.set(id)
		st.refocus()
	}
	return nil
}

func (st *totpEnrolStep) begun(msg totpBegunMsg) tea.Cmd {
	if msg.err != nil {
		r, _ := explain(st.f.c, msg.err)
		return st.f.stop(r)
	}
	qrs, err := renderQR(st.f.c.Styles.QR, msg.enr.URI)
	if err != nil {
		// Without a QR the key still works; say why the picture is missing.
		st.qrErr = "The QR code could not be drawn: add the account in your app with the key below."
	}
	st.enr, st.qrs, st.key = msg.enr, qrs, totp.GroupKey(msg.enr.Secret)
	return nil
}

func (st *totpEnrolStep) confirm() tea.Cmd {
	if st.enr.Secret == "" || !checkCode(st.code) {
		return nil
	}
	enr, code := st.enr, st.code.value()
	return tea.Batch(st.spin.start(st.f.c, "Checking the code…"),
		st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
			acct, err := a.ConfirmTOTP(ctx, enr, code)
			return totpConfirmedMsg{acct: acct, err: err}
		}))
}

func (st *totpEnrolStep) confirmed(msg totpConfirmedMsg) tea.Cmd {
	st.code.reset()
	if msg.err == nil {
		st.f.acct = msg.acct
		st.f.enrolledNow = true
		return st.f.next()
	}
	r, final := explain(st.f.c, msg.err)
	if final {
		return st.f.stop(r)
	}
	if errors.Is(msg.err, store.ErrTOTPWrong) {
		st.tries++
		if st.tries >= totpTries {
			return st.f.stop(refusal{"Two-factor authentication not set up", fmt.Sprintf(
				"The code was wrong %d times, so 2FA was not set up. Your password is set. "+
					"To try again, choose Change Network Password from the main menu: it offers 2FA after the new password.", totpTries)})
		}
		r.body = fmt.Sprintf("That code is not correct: %s left.", triesLeft(totpTries-st.tries))
	}
	st.code.err = r.body
	return nil
}

func triesLeft(n int) string {
	if n == 1 {
		return "1 try"
	}
	return fmt.Sprintf("%d tries", n)
}

// wipe drops the secret, its QR code and its key.
func (st *totpEnrolStep) wipe() {
	st.enr = store.Enrolment{}
	st.qrs, st.key = nil, ""
	st.code.reset()
}

func (st *totpEnrolStep) view(width, height int) string {
	if !st.started {
		return st.offerView(width)
	}
	c := st.f.c
	s := c.Styles
	img, ok := st.pickQR(width, height)
	if !ok && len(st.qrs) > 0 {
		return s.Warning.Render("Please enlarge the window to show the QR code.")
	}
	rw := width - img.w - 2
	if len(st.qrs) == 0 {
		rw = min(width, 60)
	}
	head := c.Styles.Progress.Render(st.f.kind.String())
	if p := st.f.progress(); p != "" && lipgloss.Width(head+" · "+p) <= rw {
		head += s.Progress.Render(" · " + p)
	} else if p != "" {
		head = s.Progress.Render(p)
	}
	right := []string{head, s.Title.Width(rw).Render(st.title()), "",
		wrap(c, rw, "Scan the QR code with your authenticator app (such as Microsoft Authenticator), or type this key into it:")}
	switch {
	case st.spin.active && st.key == "":
		right = append(right, st.spin.view(c))
	default:
		right = append(right, s.Muted.Render("Key: ")+s.Key.Render(fitKey(st.key, rw-5)))
	}
	right = append(right, "", st.code.view(c, min(rw, 24), rw, st.focus.cur() == "totp:code"))
	if st.spin.active && st.key != "" {
		right = append(right, st.spin.view(c))
	}
	cur := st.focus.cur()
	enabled := !st.spin.active
	buttons := []string{button(c, "totp:confirm", "Confirm", cur == "totp:confirm", enabled)}
	if st.offer {
		buttons = append(buttons, button(c, "totp:skip", "Not now", cur == "totp:skip", enabled))
	}
	right = append(right, buttonRow(buttons...))
	col := lipgloss.JoinVertical(lipgloss.Left, right...)
	if img.text == "" {
		return lipgloss.JoinVertical(lipgloss.Left, s.Error.Width(rw).Render(st.qrErr), col)
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, img.text, "  ", col)
}

// Right of the QR code: room for the key on one line ("Key: " and eight
// groups), or at least for the instructions with the key on two lines.
const keyColumn, narrowColumn = 44, 33

// pickQR chooses the QR rendering: the best one that leaves the key on one
// line, else the best one that fits at all.
func (st *totpEnrolStep) pickQR(width, height int) (qrImage, bool) {
	if img, ok := pickQR(st.qrs, width-keyColumn-2, height); ok {
		return img, true
	}
	return pickQR(st.qrs, width-narrowColumn-2, height)
}

// fitKey breaks the grouped key into lines of whole groups no wider than w.
func fitKey(key string, w int) string {
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
	return strings.Join(lines, "\n     ")
}

func (st *totpEnrolStep) offerView(width int) string {
	c := st.f.c
	cur := st.focus.cur()
	return lipgloss.JoinVertical(lipgloss.Left,
		wrap(c, min(width, 72), "Your account does not have two-factor authentication (2FA) yet. With 2FA, a stolen password "+
			"alone cannot open your account: signing in also needs a code from an app on your phone."),
		"", wrap(c, min(width, 72), "It takes a minute. Have your phone ready."), "",
		buttonRow(button(c, "totp:start", "Set up 2FA now", cur == "totp:start", true),
			button(c, "totp:skip", "Not now", cur == "totp:skip", true)))
}

func (st *totpEnrolStep) help() []key.Binding {
	k := st.f.c.Keys
	return []key.Binding{k.Next, k.Select}
}

func (st *totpEnrolStep) minSize() (int, int) {
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
	f     *flow
	code  *field
	tries int
	focus ring
	spin  busy
}

type totpVerifiedMsg struct{ err error }

func newTOTPVerify(f *flow) step {
	st := &totpVerifyStep{f: f, code: codeField()}
	st.focus.reorder("totp:code", "totp:verify", "totp:lost")
	st.refocus()
	return st
}

func (st *totpVerifyStep) init() tea.Cmd { return nil }

func (st *totpVerifyStep) title() string { return "Two-factor authentication" }

func (st *totpVerifyStep) busy() bool { return st.spin.active }

func (st *totpVerifyStep) refocus() { st.code.setFocus(st.focus.cur() == "totp:code") }

func (st *totpVerifyStep) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case busyTickMsg:
		return st.spin.update(st.f.c, msg)
	case totpVerifiedMsg:
		st.spin.stop()
		return st.verified(msg)
	}
	if st.spin.active {
		return nil
	}
	k := st.f.c.Keys
	switch msg := msg.(type) {
	case pressMsg:
		return st.press(msg.id)
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, k.Next, k.Down, k.Right):
			st.focus.move(1)
		case key.Matches(msg, k.Prev, k.Up, k.Left):
			st.focus.move(-1)
		case key.Matches(msg, k.Select):
			id := st.focus.cur()
			if id == "totp:code" {
				id = "totp:verify"
			}
			return st.press(id)
		case st.focus.cur() == "totp:code":
			st.code.update(msg)
			st.code.err = ""
		}
	}
	st.refocus()
	return nil
}

func (st *totpVerifyStep) press(id string) tea.Cmd {
	switch id {
	case "totp:verify":
		if !checkCode(st.code) {
			return nil
		}
		name, code := st.f.acct.Name, st.code.value()
		return tea.Batch(st.spin.start(st.f.c, "Checking the code…"),
			st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
				return totpVerifiedMsg{err: a.VerifyTOTP(ctx, name, code)}
			}))
	case "totp:lost":
		return st.f.stop(lostAuthenticator(st.f.c))
	default:
		st.focus.set(id)
		st.refocus()
	}
	return nil
}

func (st *totpVerifyStep) verified(msg totpVerifiedMsg) tea.Cmd {
	st.code.reset()
	if msg.err == nil {
		return st.f.next()
	}
	r, final := explain(st.f.c, msg.err)
	if final {
		return st.f.stop(r)
	}
	if errors.Is(msg.err, store.ErrTOTPWrong) {
		st.tries++
		if st.tries >= totpTries {
			lost := lostAuthenticator(st.f.c)
			return st.f.stop(refusal{"Too many wrong codes", fmt.Sprintf(
				"The code was wrong %d times, so the password was not changed. Check that you use the entry for this account in your app and try again later. %s",
				totpTries, lost.body)})
		}
		r.body = fmt.Sprintf("That code is not correct: %s left.", triesLeft(totpTries-st.tries))
	}
	st.code.err = r.body
	return nil
}

func (st *totpVerifyStep) wipe() { st.code.reset() }

func (st *totpVerifyStep) view(width, height int) string {
	c := st.f.c
	w := min(width, 72)
	cur := st.focus.cur()
	rows := []string{
		wrap(c, w, "Open your authenticator app and type the 6-digit code it shows for "+st.f.acct.Name+"."), "",
		st.code.view(c, 24, w, cur == "totp:code"),
	}
	if st.spin.active {
		rows = append(rows, st.spin.view(c))
	} else {
		rows = append(rows, "")
	}
	rows = append(rows, buttonRow(
		button(c, "totp:verify", "Verify", cur == "totp:verify", !st.spin.active),
		button(c, "totp:lost", "Lost your phone or app?", cur == "totp:lost", !st.spin.active)))
	return lipgloss.JoinVertical(lipgloss.Left, rows...)
}

func (st *totpVerifyStep) help() []key.Binding {
	k := st.f.c.Keys
	return []key.Binding{k.Next, k.Select}
}

func (st *totpVerifyStep) minSize() (int, int) { return 60, 14 }
