package kiosk

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// refusal is what a student reads when a flow cannot go on: a title and what
// to do next.
type refusal struct {
	title string
	body  string
}

// explain turns a store error into words a student can act on. final reports
// whether the flow has to stop (the student can do nothing more here) rather
// than let them correct what they typed.
func explain(c *Common, err error) (r refusal, final bool) {
	if r, ok := explainAlumni(c, err); ok {
		return r, true
	}
	desk := c.Opt.ServiceDesk
	var locked *store.LockedError
	var paused *store.IdentityPausedError
	var pol *store.PolicyError
	var typed *policy.Error
	switch {
	case errors.As(err, &paused): // may come with a lock: the pause is the wider answer
		at := paused.Until.In(c.Now().Location()).Format("15:04")
		return refusal{"Identity checks paused", fmt.Sprintf(
			"There were too many failed identity checks at this station, so for security it does not check "+
				"Student IDs and identity documents until %s. Please come back after %s, or ask for help at %s.",
			at, at, desk)}, true
	case errors.As(err, &locked):
		at := locked.Until.In(c.Now().Location()).Format("15:04")
		return refusal{"Self-service is locked", fmt.Sprintf(
			"There were too many failed attempts for this account, so for your security self-service is locked until %s. "+
				"Please come back after %s, or ask for help at %s.", at, at, desk)}, true
	case errors.As(err, &pol):
		var lines []string
		for _, v := range pol.Violations {
			lines = append(lines, v.Message)
		}
		return refusal{"Choose another password", strings.Join(lines, "\n")}, false
	case errors.Is(err, store.ErrNotFound):
		return refusal{"Student not found", fmt.Sprintf(
			"We could not find a student with this Student ID. Check the number on your student card. "+
				"If you registered in the last few days, your record may not be here yet: try again tomorrow, or ask at %s.", desk)}, false
	case errors.Is(err, store.ErrIdentityMismatch):
		return refusal{"Details do not match", identityMismatch}, false
	case errors.Is(err, store.ErrWrongPassword):
		return refusal{"Not signed in", "The account name or password is not correct. " +
			"After 5 failed attempts self-service is locked for 15 minutes."}, false
	case errors.Is(err, store.ErrNotActivated):
		return refusal{"Account not activated yet", "This account has not been activated yet. " +
			"Go back to the main menu and choose Student A/C Activation."}, true
	case errors.Is(err, store.ErrAlreadyActive):
		return refusal{"Already activated", "This account is already activated. To set a new password, " +
			"choose Change Network Password if you know your current password, or Forgot Password if you do not."}, true
	case errors.Is(err, store.ErrTerminated):
		// Only non-degree, exchange-in and visiting students reach this
		// status (degree graduates continue as alumni), and a closed account
		// cannot be extended any more: say what is still possible.
		return refusal{"Account terminated", fmt.Sprintf(
			"This network account was closed when your student services ended, four months after your studies "+
				"were completed. Non-degree, exchange-in and visiting students do not keep an account afterwards, "+
				"and a closed account cannot be reopened: an extension is only possible before it closes. "+
				"If you think this is wrong, or need help with a university service, ask at %s.", desk)}, true
	case errors.Is(err, store.ErrNotEligible):
		return refusal{"Not eligible", fmt.Sprintf(
			"This account cannot be activated: your studies have ended, and non-degree, exchange-in and visiting "+
				"students do not keep an account afterwards. If you think this is wrong, ask at %s.", desk)}, true
	case errors.Is(err, store.ErrTOTPWrong):
		return refusal{"Wrong code", "That code is not correct. Type the 6-digit code your authenticator app shows now."}, false
	case errors.Is(err, store.ErrTOTPReplay):
		return refusal{"Code already used", "That code has already been used. Wait for the next code (a new one appears every 30 seconds)."}, false
	case errors.Is(err, store.ErrTOTPClock):
		return refusal{"Check your phone's clock", "That code is from a different time: your phone's clock seems to be wrong. " +
			"Set it to update automatically (Settings, Date & Time), then type the new code."}, false
	case errors.Is(err, store.ErrProofMismatch):
		return refusal{"Please start again", fmt.Sprintf(
			"This step could not be saved: the central account store refused an earlier step of this visit "+
				"(for example, the account was activated at another station meanwhile). "+
				"Please start again from the main menu, or ask at %s.", desk)}, true
	case errors.As(err, &typed): // the store's own check of an address or alias
		return refusal{"Check what you typed", sentence(err.Error())}, false
	case errors.Is(err, context.DeadlineExceeded):
		return refusal{"The station is busy", fmt.Sprintf(
			"The station took too long to answer. Please try again in a minute; if it keeps happening, ask at %s.", desk)}, false
	}
	return refusal{"Something went wrong", fmt.Sprintf(
		"The station could not finish this just now. Please try again; if it keeps happening, ask at %s.", desk)}, false
}

// identityMismatch is the one answer to a Student ID and details that do
// not prove who someone is (DESIGN "Identity proofing"): a wrong value, an
// unknown Student ID, and the date of birth for a record that holds an HK ID
// card number. So it says what a student with a card should do without
// telling anyone which Student IDs or documents are on record.
const identityMismatch = "These details do not match our records: check the Student ID and what you entered. " +
	"If you have a Hong Kong Identity Card, please use it: the date of birth is only for students without one. " +
	"After 5 failed attempts self-service is locked for 15 minutes."

// explainAlumni words the refusals of Alumni Account Activation, the alias
// and the profile (seed "alumni-accounts-faq"); each ends the flow. It
// reports false for any other error. The store's errors match general kinds
// too (ErrNotEligible, ErrAlreadyActive), so these come first.
func explainAlumni(c *Common, err error) (refusal, bool) {
	desk := c.Opt.ServiceDesk
	notEligible := func(who string) refusal {
		return refusal{"Not eligible for an alumni account", fmt.Sprintf(
			"Our records show that you were %s. Non-degree graduates of short-term courses, former exchange students "+
				"and visiting scholars are not eligible for an alumni e-mail account. If you think our records are wrong, "+
				"ask at %s with your degree, year of graduation and HK ID card or passport.", who, desk)}
	}
	switch {
	case errors.Is(err, store.ErrAlumniNonDegree):
		return notEligible("a student of a short-term non-degree course"), true
	case errors.Is(err, store.ErrAlumniExchange):
		return notEligible("an exchange student"), true
	case errors.Is(err, store.ErrAlumniVisiting):
		return notEligible("a visiting scholar or visiting student"), true
	case errors.Is(err, store.ErrAlumniAlreadyActive):
		return refusal{"Your account is already activated", "You activated your @connect account as a student, and it " +
			"continues as your alumni account: sign in with it as before. To set a new password, choose Change Network " +
			"Password, or Forgot Password if you do not know it."}, true
	case errors.Is(err, store.ErrAlumniNotGraduated):
		return refusal{"Your studies have not ended yet", "Alumni Account Activation is for graduates. Go back to the " +
			"main menu and choose Student A/C Activation: your student account continues as your alumni account " +
			"after graduation."}, true
	case errors.Is(err, store.ErrAlumniNotActivated):
		return refusal{"Account not activated yet", "You have graduated, and this account was never activated. " +
			"Go back to the main menu and choose Alumni Account Activation."}, true
	case errors.Is(err, store.ErrAliasNotEligible):
		return refusal{"No alumni alias yet", "An alumni e-mail alias is for degree graduates: you can choose one " +
			"in My Account once your studies are completed."}, true
	case errors.Is(err, store.ErrAliasAlreadySet):
		return refusal{"Alias already chosen", fmt.Sprintf("Your alumni e-mail alias is already chosen, and it is "+
			"for life. To correct it, ask at %s.", desk)}, true
	}
	return refusal{}, false
}

// sentence capitalises a message from the store or policy for the screen.
func sentence(msg string) string {
	if msg == "" {
		return msg
	}
	r := []rune(msg)
	r[0] = unicode.ToUpper(r[0])
	s := string(r)
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// lostAuthenticator is said, in place of any way around 2FA, to a student who
// has lost the authenticator.
func lostAuthenticator(c *Common) refusal {
	return refusal{"Help in person", fmt.Sprintf(
		"Two-factor authentication protects your account, so the station cannot reset a password without a code "+
			"from your authenticator app. If you have lost your phone or the app, please go in person to %s "+
			"with your student card and HK ID card or passport: they will verify you and reset your 2FA.", c.Opt.ServiceDesk)}
}
