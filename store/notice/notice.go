package notice

import (
	"fmt"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// Package notice is the e-mails a station or the central store owes
// students: their kinds, their words (Compose, ComposeRefusal) and the
// notices table both stores keep them in (Box).
//
// Notices are the e-mails the station owes students: the start of grace, the
// expiry date, an extension, a password more than six months old, and a
// password, activation or 2FA change ("if this wasn't you..."). A notice is
// written in the same transaction as what it tells of, so it is never lost
// nor sent for a change that did not happen. store/mail sends them when
// [mail] is configured; otherwise they are kept for staff to list. Only
// accounts that were activated get notices: nobody reads a mailbox that was
// never opened.

// Kind names what a notice tells.
type Kind string

const (
	GraceStarts     Kind = "grace_starts"     // student services end on <date>
	Expired         Kind = "expired"          // the expiry date: alumni or terminated
	Extended        Kind = "extended"         // a supervisor's extension
	PasswordAge     Kind = "password_age"     // unchanged for more than six months
	PasswordChanged Kind = "password_changed" // wasn't me?
	TOTPChanged     Kind = "totp_changed"     // wasn't me?
	Activated       Kind = "activated"        // wasn't me?
	// ChangeRefused tells a student that a change made at a station was
	// refused afterwards by the central store (ComposeRefusal).
	ChangeRefused Kind = "change_refused"
)

// State is where a notice stands.
type State string

const (
	Pending State = "pending" // waiting to be sent
	Sent    State = "sent"
	Kept    State = "kept" // not sent (no [mail], or refused for good): listed for staff
)

// Notice is one notice to a student. It holds no secret.
type Notice struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	Account   string    `json:"account"`
	Kind      Kind      `json:"kind"`
	To        string    `json:"to"` // the personal e-mail when set, else the account's
	Subject   string    `json:"subject"`
	Body      string    `json:"body"`
	State     State     `json:"state"`
	SentAt    time.Time `json:"sent_at,omitzero"`
	Error     string    `json:"error,omitempty"` // the last delivery error, or why it is kept
	Attempts  int       `json:"attempts"`
}

// Address is where notices about an account go: the personal e-mail
// when set, else the account's own address.
func Address(account, personalEmail, emailDomain string) string {
	if personalEmail != "" {
		return personalEmail
	}
	return policy.Email(account, emailDomain)
}

// Facts are what Compose may say of an account. Station names
// where a security change was made; a notice of the central store has none.
type Facts struct {
	Account, FullName, Email, Station, ServiceDesk string
	Status                                         policy.Status
	Category                                       policy.Category
	ServicesEnd, PasswordChangedAt, At             time.Time
}

// Compose writes the subject and plain-text body of a notice of kind,
// as a station and the central store both send it.
func Compose(kind Kind, f Facts) (subject, body string) {
	var b strings.Builder
	fmt.Fprintf(&b, "Dear %s,\n\n", f.FullName)
	end := policy.FormatDate(f.ServicesEnd)
	when := f.At.Local().Format("2 Jan 2006 at 15:04 MST")
	switch kind {
	case GraceStarts:
		subject = "Your student network services end on " + end
		fmt.Fprintf(&b, "Your studies are completed. Your network account %s stays in service for a grace period "+
			"of %d months: student services end on %s.\n\n", f.Account, policy.GraceMonths, end)
		if policy.AlumniEligible(f.Category) {
			fmt.Fprintf(&b, "After that your e-mail address %s continues for life as your alumni account; "+
				"other student services end.\n\n", f.Email)
		} else {
			fmt.Fprintf(&b, "After that the account is terminated. Back up the files you want to keep, or move them "+
				"to another account, before %s.\n\n", end)
		}
		fmt.Fprintf(&b, "If you need the account for academic work after that date, ask your academic supervisor "+
			"to request an extension from %s, stating the period and the reason.\n", f.ServiceDesk)
	case Expired:
		subject, body = expiryNotice(f, end)
		b.WriteString(body)
	case Extended:
		subject = "Your student network services are extended to " + end
		fmt.Fprintf(&b, "At your academic supervisor's request, student services for your network account %s "+
			"now end on %s.\n", f.Account, end)
	case PasswordAge:
		subject = "Your network password is more than six months old"
		fmt.Fprintf(&b, "The password of your network account %s was last changed on %s, more than %d months ago. "+
			"For your security, please change it: at any Express Station choose Change Network Password.\n",
			f.Account, policy.FormatDate(f.PasswordChangedAt), policy.PasswordReminderMonths)
	case PasswordChanged:
		subject = "The password of your network account was changed"
		fmt.Fprintf(&b, "The password of your network account %s was changed at Express Station %s on %s.\n\n",
			f.Account, f.Station, when)
		b.WriteString(wasntMe(f, "someone else may know your identity details or your password"))
	case TOTPChanged:
		subject = "Two-factor authentication was set up for your network account"
		fmt.Fprintf(&b, "A new authenticator app was registered for two-factor authentication (2FA) of your "+
			"network account %s at Express Station %s on %s.\n\n", f.Account, f.Station, when)
		b.WriteString(wasntMe(f, "someone else may be able to sign in as you"))
	case Activated:
		subject = "Your network account " + f.Account + " was activated"
		fmt.Fprintf(&b, "Your network account %s (%s) was activated at Express Station %s on %s.\n\n",
			f.Account, f.Email, f.Station, when)
		b.WriteString(wasntMe(f, "someone else may know your identity details"))
	default:
		subject = "About your network account " + f.Account
	}
	return subject, b.String()
}

// expiryNotice is the notice of the expiry date: alumni keep their e-mail,
// everyone else's account is terminated.
func expiryNotice(f Facts, end string) (subject, body string) {
	if f.Status == policy.StatusAlumni {
		return "Your student services have ended: " + f.Account + " is now your alumni account",
			fmt.Sprintf("Student services for your network account %s ended on %s. Your e-mail address %s "+
				"continues for life as your alumni account, with the same password and two-factor authentication.\n",
				f.Account, end, f.Email)
	}
	return "Your network account " + f.Account + " has expired",
		fmt.Sprintf("Your network account %s expired on %s and has been terminated: it can no longer be used "+
			"to sign in. If you did not back up files you need, or you still need the account for academic "+
			"work, contact %s as soon as possible.\n", f.Account, end, f.ServiceDesk)
}

// wasntMe is the end of a security notice.
func wasntMe(f Facts, risk string) string {
	return fmt.Sprintf("If this was you, there is nothing to do.\n"+
		"If this wasn't you, contact %s at once: %s. Do not reply to this message.\n", f.ServiceDesk, risk)
}

// ComposeRefusal writes the notice that the central store refused a change
// the student made at a station: what they did (domain.OpKind.Refused),
// the store's reason, and whether what followed at that visit was refused
// with it.
func ComposeRefusal(f Facts, what, reason string, followed bool) (subject, body string) {
	then := ""
	if followed {
		then = " What you did after it at that visit was not kept either."
	}
	return "A change you made at an Express Station was not kept",
		fmt.Sprintf("Dear %s,\n\nAt an Express Station (%s) you %s. The central account store refused this change afterwards: %s.%s\n\n"+
			"If you need help, please visit %s.\n",
			f.FullName, f.Station, what, reason, then, f.ServiceDesk)
}
