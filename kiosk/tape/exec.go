package tape

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/touch"
)

// failure is why a command failed, in words a tester can act on.
type failure struct{ reason string }

func fail(format string, args ...any) *failure {
	return &failure{reason: fmt.Sprintf(format, args...)}
}

// configure applies a Set command to the runner's settings.
func (r *runner) configure(c Command) {
	switch c.Name {
	case "Set Width":
		r.width = c.number
	case "Set Height":
		r.height = c.number
	case "Set Timeout":
		r.timeout = c.dur
	case "Set Language":
		r.lang = c.text
	}
}

// exec runs one command on the running station.
func (r *runner) exec(ctx context.Context, c Command) *failure {
	r.ran++
	var err error
	switch c.Name {
	case "Set Width", "Set Height":
		r.configure(c)
		err = r.send(tea.WindowSizeMsg{Width: r.width, Height: r.height})
	case "Set Timeout", "Set Clock":
		r.configure(c)
	case "Set Language":
		err = r.send(languageMsg(c.text))
	case "Type":
		err = r.send(typed(r.expand(c))...)
	case "Paste":
		// A terminal with bracketed paste delivers a paste as one message.
		err = r.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(r.expand(c)), Paste: true})
	case "Click":
		return r.click(ctx, c.text)
	case "Sleep":
		err = sleep(ctx, c.dur)
	case "Advance":
		r.clk.Advance(c.dur)
		err = r.settle()
	case "Expect":
		return r.expect(ctx, c)
	case "ExpectNot":
		return r.expectNot(c)
	case "Capture":
		return r.capture(ctx, c)
	case "CaptureMail":
		return r.captureMail(ctx, c)
	case "TOTP":
		return r.totp(c)
	case "Sync":
		return r.sync(ctx)
	case "Screen":
		err = r.alive()
	case "Screenshot":
		return r.screenshot(c)
	default:
		err = r.send(repeat(c.key, c.count)...)
	}
	if err != nil {
		return &failure{reason: err.Error()}
	}
	return nil
}

// languageMsg switches the station's screens to a language, as the
// language button does: the station answers any message with a Language
// method (kiosk.LanguageMsg), so this package needs no import of kiosk.
type languageMsg string

func (l languageMsg) Language() string { return string(l) }

// expand replaces ${NAME} in a double-quoted Type string with captured values.
func (r *runner) expand(c Command) string {
	if !c.expand {
		return c.text
	}
	return varRef.ReplaceAllStringFunc(c.text, func(ref string) string {
		return r.vars[ref[2:len(ref)-1]]
	})
}

// typed turns text into the key messages a terminal produces for it: one
// KeyRunes message per character (so 陳大文 and é arrive as characters), and
// the matching key for space, newline, tab and other control characters.
func typed(text string) []tea.Msg {
	msgs := make([]tea.Msg, 0, len(text))
	for _, ch := range text {
		var k tea.KeyMsg
		switch {
		case ch == ' ':
			k = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		case ch == '\n' || ch == '\r':
			k = tea.KeyMsg{Type: tea.KeyEnter}
		case ch == 0x7f:
			k = tea.KeyMsg{Type: tea.KeyBackspace}
		case ch < 0x20:
			k = tea.KeyMsg{Type: tea.KeyType(ch)}
		default:
			k = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{ch}}
		}
		msgs = append(msgs, k)
	}
	return msgs
}

func repeat(k tea.KeyMsg, n int) []tea.Msg {
	msgs := make([]tea.Msg, n)
	for i := range msgs {
		msgs[i] = k
	}
	return msgs
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait polls the screen after every Update until ok holds or the tape's
// timeout passes (real time: store calls such as password hashing take a
// while). It returns the last screen seen and whether ok held.
func (r *runner) wait(ctx context.Context, ok func(screen) bool) (screen, bool, error) {
	limit := time.NewTimer(r.timeout)
	defer limit.Stop()
	for {
		s, changed := r.host.current()
		if ok(s) {
			return s, true, nil
		}
		select {
		case <-changed:
		case <-limit.C:
			return s, false, nil
		case <-ctx.Done():
			return s, false, ctx.Err()
		case <-r.done:
			return s, false, r.alive()
		case <-r.host.crashed:
			return s, false, r.alive()
		}
	}
}

// matcher is the text or regex of an Expect, with how to print it.
func matcher(c Command) (match func(string) bool, what string) {
	if c.re != nil {
		return c.re.MatchString, "/" + c.re.String() + "/"
	}
	return func(s string) bool { return strings.Contains(s, c.text) }, fmt.Sprintf("%q", c.text)
}

func (r *runner) expect(ctx context.Context, c Command) *failure {
	match, what := matcher(c)
	_, ok, err := r.wait(ctx, func(s screen) bool { return match(s.text) })
	switch {
	case err != nil:
		return fail("waiting for %s: %v", what, err)
	case !ok:
		return fail("the screen did not show %s within %v", what, r.timeout)
	}
	return nil
}

// expectNot looks at the screen as it is now: every message sent so far has
// been handled (results of store calls still running may come later).
func (r *runner) expectNot(c Command) *failure {
	if err := r.alive(); err != nil {
		return &failure{reason: err.Error()}
	}
	match, what := matcher(c)
	if s, _ := r.host.current(); match(s.text) {
		return fail("the screen shows %s", what)
	}
	return nil
}

func (r *runner) capture(ctx context.Context, c Command) *failure {
	var got string
	_, ok, err := r.wait(ctx, func(s screen) bool {
		m := c.re.FindStringSubmatch(s.text)
		if m == nil {
			return false
		}
		got = m[1]
		return true
	})
	switch {
	case err != nil:
		return fail("waiting for /%s/: %v", c.re, err)
	case !ok:
		return fail("the screen did not show /%s/ within %v", c.re, r.timeout)
	}
	r.vars[c.vname] = got
	return nil
}

// captureMail stores the first group of the match in the newest notice
// the station holds for delivery (an e-mail code, issue 19), waiting for it
// like Capture: the code is sent by a command the screen started.
func (r *runner) captureMail(ctx context.Context, c Command) *failure {
	if r.station.Mail == nil {
		return fail("CaptureMail: this station holds no notices it could show (a standalone station does)")
	}
	var got, last string
	_, ok, err := r.wait(ctx, func(screen) bool {
		body, err := r.station.Mail(ctx)
		if err != nil {
			return false
		}
		last = body
		if m := c.re.FindStringSubmatch(body); m != nil {
			got = m[1]
			return true
		}
		return false
	})
	switch {
	case err != nil:
		return fail("waiting for /%s/ in the newest notice: %v", c.re, err)
	case !ok && last == "":
		return fail("the station held no notice within %v", r.timeout)
	case !ok:
		return fail("the newest notice did not match /%s/ within %v", c.re, r.timeout)
	}
	r.vars[c.vname] = got
	return nil
}

// click touches the first visible button whose label contains text, waiting
// for it like Expect. It sends the left-button press a touch screen sends, at
// the button's centre, so the model's own hit-testing decides what it hits.
func (r *runner) click(ctx context.Context, text string) *failure {
	var b touch.Button
	s, ok, err := r.wait(ctx, func(s screen) bool {
		var found bool
		b, found = touch.Find(s.buttons, text)
		return found
	})
	switch {
	case err != nil:
		return fail("waiting for a button %q: %v", text, err)
	case !ok:
		return fail("no visible button contains %q within %v (buttons: %s)", text, r.timeout, labels(s.buttons))
	}
	x, y := b.Center()
	x, y = clamp(x, 0, s.width-1), clamp(y, 0, s.height-1)
	if err := r.send(tea.MouseMsg{X: x, Y: y, Action: tea.MouseActionPress,
		Button: tea.MouseButtonLeft, Type: tea.MouseLeft}); err != nil {
		return &failure{reason: err.Error()}
	}
	return nil
}

func clamp(v, lo, hi int) int {
	return max(lo, min(v, hi))
}

func labels(bs []touch.Button) string {
	if len(bs) == 0 {
		return "none"
	}
	q := make([]string, len(bs))
	for i, b := range bs {
		q[i] = fmt.Sprintf("%q", b.Label)
	}
	return strings.Join(q, ", ")
}

// totp types the current code for the base32 key captured as NAME (or
// given in quotes), as the student's authenticator would show it at the
// station's (virtual) time.
func (r *runner) totp(c Command) *failure {
	key := c.text
	if c.vname != "" {
		key = r.vars[c.vname]
	}
	code, err := totpCode(normaliseKey(key), r.clk.Now())
	if err != nil {
		return fail("%s does not hold a base32 key: %v", c.vname, err)
	}
	if err := r.send(typed(code)...); err != nil {
		return &failure{reason: err.Error()}
	}
	return nil
}

var notKey = regexp.MustCompile(`[^A-Z2-7]+`)

// normaliseKey keeps only the base32 alphabet: the spaces that group a key
// for reading are dropped, and so is whatever a capture spanning a wrapped
// key picked up between its lines (the QR code drawn beside it).
func normaliseKey(s string) string {
	return notKey.ReplaceAllString(strings.ToUpper(s), "")
}

// sync runs one sync round, bounded by the tape's timeout.
func (r *runner) sync(ctx context.Context) *failure {
	if r.station.Sync == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.station.Sync(ctx); err != nil {
		return fail("sync failed: %v", err)
	}
	if r.station.AfterSync != nil {
		if err := r.send(r.station.AfterSync); err != nil {
			return &failure{reason: err.Error()}
		}
	}
	if err := r.settle(); err != nil {
		return &failure{reason: err.Error()}
	}
	return nil
}
