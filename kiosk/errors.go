package kiosk

import (
	"context"
	"errors"
	"strings"
	"unicode"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/text"
)

// refusal is what a student reads when a flow cannot go on: a title and what
// to do next.
type refusal struct {
	title string
	body  string
}

// telling is how to word a refusal in the screens' language: the end
// screen keeps it rather than the sentences, so a language switch rewords it.
type telling func(c *Common) refusal

// explained is explain's refusal for err, as a telling.
func explained(err error) telling {
	return func(c *Common) refusal { r, _ := explain(c, err); return r }
}

// explain turns a store error into words a student can act on, in the
// station's language (store/text). final reports whether the flow has to
// stop (the student can do nothing more here) rather than let them correct
// what they typed.
func explain(c *Common, err error) (r refusal, final bool) {
	if r, ok := explainAlumni(c, err); ok {
		return r, true
	}
	p := c.printer()
	desk := text.Data{"Desk": c.desk()}
	var locked *store.LockedError
	var paused *store.IdentityPausedError
	var pol *store.PolicyError
	var typed *policy.Error
	switch {
	case errors.As(err, &paused): // may come with a lock: the pause is the wider answer
		at := text.Data{"Until": paused.Until.In(c.Now().Location()).Format("15:04"), "Desk": c.desk()}
		return refusal{p.T("refusal.paused.title", nil), p.T("refusal.paused.body", at)}, true
	case errors.As(err, &locked):
		at := text.Data{"Until": locked.Until.In(c.Now().Location()).Format("15:04"), "Desk": c.desk()}
		return refusal{p.T("refusal.locked.title", nil), p.T("refusal.locked.body", at)}, true
	case errors.As(err, &pol):
		var lines []string
		for _, v := range pol.Violations {
			lines = append(lines, violationText(c, v))
		}
		return refusal{p.T("refusal.password.title", nil), strings.Join(lines, "\n")}, false
	case errors.Is(err, store.ErrNotFound):
		return refusal{p.T("refusal.not-found.title", nil), p.T("refusal.not-found.body", desk)}, false
	case errors.Is(err, store.ErrIdentityMismatch):
		return refusal{p.T("refusal.mismatch.title", nil), identityMismatch(c)}, false
	case errors.Is(err, store.ErrWrongPassword):
		return refusal{p.T("refusal.wrong-password.title", nil), p.T("refusal.wrong-password.body", nil)}, false
	case errors.Is(err, store.ErrNotActivated):
		return refusal{p.T("refusal.not-activated.title", nil), p.T("refusal.not-activated.body", nil)}, true
	case errors.Is(err, store.ErrAlreadyActive):
		return refusal{p.T("refusal.already-active.title", nil), p.T("refusal.already-active.body", nil)}, true
	case errors.Is(err, store.ErrTerminated):
		// Only non-degree, exchange-in and visiting students reach this
		// status (degree graduates continue as alumni), and a closed account
		// cannot be extended any more: say what is still possible.
		return refusal{p.T("refusal.terminated.title", nil), p.T("refusal.terminated.body", desk)}, true
	case errors.Is(err, store.ErrNotEligible):
		return refusal{p.T("refusal.not-eligible.title", nil), p.T("refusal.not-eligible.body", desk)}, true
	case errors.Is(err, store.ErrTOTPWrong):
		return refusal{p.T("refusal.totp-wrong.title", nil), p.T("refusal.totp-wrong.body", nil)}, false
	case errors.Is(err, store.ErrTOTPReplay):
		return refusal{p.T("refusal.totp-replay.title", nil), p.T("refusal.totp-replay.body", nil)}, false
	case errors.Is(err, store.ErrTOTPClock):
		return refusal{p.T("refusal.totp-clock.title", nil), p.T("refusal.totp-clock.body", nil)}, false
	case errors.Is(err, store.ErrPassWrong), errors.Is(err, store.ErrPassFormat):
		return refusal{p.T("refusal.pass.title", nil), errorText(c, err)}, false
	case errors.Is(err, store.ErrPassNone), errors.Is(err, store.ErrPassExpired), errors.Is(err, store.ErrPassUsed):
		return refusal{p.T("refusal.pass.title", nil), errorText(c, err)}, true
	case errors.Is(err, store.ErrCodeNotSent):
		return refusal{p.T("refusal.code.title", nil), p.T("refusal.code-not-sent.body", desk)}, false
	case errors.Is(err, store.ErrCodeWrong), errors.Is(err, store.ErrCodeExpired), errors.Is(err, store.ErrNoVerifiedMail),
		errors.As(err, new(*store.CodeTooSoonError)):
		return refusal{p.T("refusal.code.title", nil), errorText(c, err)}, false
	case errors.Is(err, store.ErrProofMismatch):
		return refusal{p.T("refusal.proof-mismatch.title", nil), p.T("refusal.proof-mismatch.body", desk)}, true
	case errors.As(err, &typed): // the store's own check of an address or alias
		return refusal{p.T("refusal.input.title", nil), errorText(c, err)}, false
	case errors.Is(err, context.DeadlineExceeded):
		return refusal{p.T("refusal.busy.title", nil), p.T("refusal.busy.body", desk)}, false
	}
	return refusal{p.T("refusal.unknown.title", nil), p.T("refusal.unknown.body", desk)}, false
}

// identityMismatch is the one answer to a Student ID and details that do
// not prove who someone is (DESIGN "Identity proofing"): a wrong value, an
// unknown Student ID, and the date of birth for a record that holds an HK ID
// card number. So it says what a student with a card should do without
// telling anyone which Student IDs or documents are on record.
func identityMismatch(c *Common) string { return c.printer().T("refusal.mismatch.body", nil) }

// explainAlumni words the refusals of Alumni Account Activation, the alias
// and the profile (seed "alumni-accounts-faq"); each ends the flow. It
// reports false for any other error. The store's errors match general kinds
// too (ErrNotEligible, ErrAlreadyActive), so these come first.
func explainAlumni(c *Common, err error) (refusal, bool) {
	p := c.printer()
	desk := text.Data{"Desk": c.desk()}
	notEligible := p.T("refusal.alumni-not-eligible.title", nil)
	switch {
	case errors.Is(err, store.ErrAlumniNonDegree):
		return refusal{notEligible, p.T("refusal.alumni-non-degree.body", desk)}, true
	case errors.Is(err, store.ErrAlumniExchange):
		return refusal{notEligible, p.T("refusal.alumni-exchange.body", desk)}, true
	case errors.Is(err, store.ErrAlumniVisiting):
		return refusal{notEligible, p.T("refusal.alumni-visiting.body", desk)}, true
	case errors.Is(err, store.ErrAlumniAlreadyActive):
		return refusal{p.T("refusal.alumni-already-active.title", nil), p.T("refusal.alumni-already-active.body", nil)}, true
	case errors.Is(err, store.ErrAlumniNotGraduated):
		return refusal{p.T("refusal.alumni-not-graduated.title", nil), p.T("refusal.alumni-not-graduated.body", nil)}, true
	case errors.Is(err, store.ErrAlumniNotActivated):
		return refusal{p.T("refusal.alumni-not-activated.title", nil), p.T("refusal.alumni-not-activated.body", nil)}, true
	case errors.Is(err, store.ErrAliasNotEligible):
		return refusal{p.T("refusal.alias-not-eligible.title", nil), p.T("refusal.alias-not-eligible.body", nil)}, true
	case errors.Is(err, store.ErrFullNameAliasSet):
		return refusal{p.T("refusal.full-name-alias-set.title", nil), p.T("refusal.full-name-alias-set.body", desk)}, true
	case errors.Is(err, store.ErrAliasAlreadySet):
		return refusal{p.T("refusal.alias-already-set.title", nil), p.T("refusal.alias-already-set.body", desk)}, true
	}
	return refusal{}, false
}

// errorText is a policy or store error as one sentence for the screen, in
// the station's language: policy.Error and store.Message by their catalog
// id, anything else by its English text. Steps use it where they show an
// error under a field.
func errorText(c *Common, err error) string {
	var typed *policy.Error
	if errors.As(err, &typed) && typed.ID != "" {
		return sentence(c.printer().T(typed.ID, typed.Data))
	}
	if id, data, ok := store.MessageOf(err); ok {
		return sentence(c.printer().T(id, data))
	}
	return sentence(err.Error())
}

// violationText is a broken password rule in the station's language.
func violationText(c *Common, v policy.Violation) string {
	if v.ID == "" {
		return v.Message
	}
	return c.printer().T(v.ID, v.Data)
}

// sentence capitalises a message from the store or policy for the screen
// and ends it with a full stop (a Chinese one after Chinese text).
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	if strings.IndexFunc(msg, isHan) >= 0 { // Chinese has no capitals; "peter.chan 已被使用" stays so
		if !strings.HasSuffix(msg, "。") {
			msg += "。"
		}
		return msg
	}
	r := []rune(msg)
	r[0] = unicode.ToUpper(r[0])
	s := string(r)
	switch {
	case strings.HasSuffix(s, "."):
	default:
		s += "."
	}
	return s
}

// lostAuthenticator is said, in place of any way around 2FA, to a student who
// has lost the authenticator.
func lostAuthenticator(c *Common) refusal {
	p := c.printer()
	return refusal{p.T("refusal.lost-authenticator.title", nil),
		p.T("refusal.lost-authenticator.body", text.Data{"Desk": c.desk()})}
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }
