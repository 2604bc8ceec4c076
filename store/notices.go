package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
)

// Notices are the e-mails the station owes students: the start of grace, the
// expiry date, an extension, a password more than six months old, and a
// password, activation or 2FA change ("if this wasn't you..."). A notice is
// written in the same transaction as what it tells of, so it is never lost
// nor sent for a change that did not happen. store/mail sends them when
// [mail] is configured; otherwise they are kept for staff to list. Only
// accounts that were activated get notices: nobody reads a mailbox that was
// never opened.

// NoticeKind names what a notice tells.
type NoticeKind string

const (
	NoticeGraceStarts     NoticeKind = "grace_starts"     // student services end on <date>
	NoticeExpired         NoticeKind = "expired"          // the expiry date: alumni or terminated
	NoticeExtended        NoticeKind = "extended"         // a supervisor's extension
	NoticePasswordAge     NoticeKind = "password_age"     // unchanged for more than six months
	NoticePasswordChanged NoticeKind = "password_changed" // wasn't me?
	NoticeTOTPChanged     NoticeKind = "totp_changed"     // wasn't me?
	NoticeActivated       NoticeKind = "activated"        // wasn't me?
)

// NoticeState is where a notice stands.
type NoticeState string

const (
	NoticePending NoticeState = "pending" // waiting to be sent
	NoticeSent    NoticeState = "sent"
	NoticeKept    NoticeState = "kept" // not sent (no [mail], or refused for good): listed for staff
)

// Notice is one notice to a student. It holds no secret.
type Notice struct {
	ID        int64       `json:"id"`
	CreatedAt time.Time   `json:"created_at"`
	Account   string      `json:"account"`
	Kind      NoticeKind  `json:"kind"`
	To        string      `json:"to"` // the personal e-mail when set, else the account's
	Subject   string      `json:"subject"`
	Body      string      `json:"body"`
	State     NoticeState `json:"state"`
	SentAt    time.Time   `json:"sent_at,omitzero"`
	Error     string      `json:"error,omitempty"` // the last delivery error, or why it is kept
	Attempts  int         `json:"attempts"`
}

// securityNotice is the notice a station's own change sends, by op kind:
// the student hears of every new password, activation and 2FA enrolment,
// so one made by someone else does not go unnoticed.
func securityNotice(k OpKind) NoticeKind {
	switch k {
	case OpSetPassword:
		return NoticePasswordChanged
	case OpEnrolTOTP:
		return NoticeTOTPChanged
	case OpActivate, OpActivateAlumni:
		return NoticeActivated
	}
	return ""
}

// queueChangeNotice queues the notice a change sends (its own, or the one
// its op kind sends), inside the change's transaction. It reads the account
// as the change left it.
func (r *Replica) queueChangeNotice(ctx context.Context, tx *sql.Tx, c *change) error {
	kind := c.Notice
	if kind == "" {
		kind = securityNotice(c.Kind)
	}
	if kind == "" {
		return nil
	}
	a, err := loadRow(ctx, tx, "name", c.Account)
	if err != nil {
		return fmt.Errorf("notice %s for %s: %w", kind, c.Account, err)
	}
	return r.queueNotice(ctx, tx, a, kind, c.At)
}

// queueNotice writes one notice about a (as it is now) inside tx. Accounts
// never activated get none.
func (r *Replica) queueNotice(ctx context.Context, tx *sql.Tx, a row, kind NoticeKind, at time.Time) error {
	if !a.activated() {
		return nil
	}
	subject, body := ComposeNotice(kind, r.noticeFacts(a, at))
	return QueueNotice(ctx, tx, Notice{CreatedAt: at, Account: a.Name, Kind: kind,
		To: NoticeAddress(a.Name, a.PersonalEmail, r.opt.EmailDomain), Subject: subject, Body: body})
}

// NoticeAddress is where notices about an account go: the personal e-mail
// when set, else the account's own address.
func NoticeAddress(account, personalEmail, emailDomain string) string {
	if personalEmail != "" {
		return personalEmail
	}
	return policy.Email(account, emailDomain)
}

// NoticeFacts are what ComposeNotice may say of an account. Station names
// where a security change was made; a notice of the central store has none.
type NoticeFacts struct {
	Account, FullName, Email, Station, ServiceDesk string
	Status                                         policy.Status
	Category                                       policy.Category
	ServicesEnd, PasswordChangedAt, At             time.Time
}

func (r *Replica) noticeFacts(a row, at time.Time) NoticeFacts {
	return NoticeFacts{
		Account: a.Name, FullName: strings.TrimSpace(a.GivenNames + " " + a.Surname),
		Email: policy.Email(a.Name, r.opt.EmailDomain), Station: r.opt.StationID, ServiceDesk: r.opt.ServiceDesk,
		Status: a.Status, Category: a.Category, ServicesEnd: policy.StudentServicesEnd(a.Completion, a.Extended),
		PasswordChangedAt: a.PasswordChangedAt, At: at,
	}
}

// ComposeNotice writes the subject and plain-text body of a notice of kind,
// as a station and the central store both send it.
func ComposeNotice(kind NoticeKind, f NoticeFacts) (subject, body string) {
	var b strings.Builder
	fmt.Fprintf(&b, "Dear %s,\n\n", f.FullName)
	end := policy.FormatDate(f.ServicesEnd)
	when := f.At.Local().Format("2 Jan 2006 at 15:04 MST")
	switch kind {
	case NoticeGraceStarts:
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
	case NoticeExpired:
		subject, body = expiryNotice(f, end)
		b.WriteString(body)
	case NoticeExtended:
		subject = "Your student network services are extended to " + end
		fmt.Fprintf(&b, "At your academic supervisor's request, student services for your network account %s "+
			"now end on %s.\n", f.Account, end)
	case NoticePasswordAge:
		subject = "Your network password is more than six months old"
		fmt.Fprintf(&b, "The password of your network account %s was last changed on %s, more than %d months ago. "+
			"For your security, please change it: at any Express Station choose Change Network Password.\n",
			f.Account, policy.FormatDate(f.PasswordChangedAt), policy.PasswordReminderMonths)
	case NoticePasswordChanged:
		subject = "The password of your network account was changed"
		fmt.Fprintf(&b, "The password of your network account %s was changed at Express Station %s on %s.\n\n",
			f.Account, f.Station, when)
		b.WriteString(wasntMe(f, "someone else may know your identity details or your password"))
	case NoticeTOTPChanged:
		subject = "Two-factor authentication was set up for your network account"
		fmt.Fprintf(&b, "A new authenticator app was registered for two-factor authentication (2FA) of your "+
			"network account %s at Express Station %s on %s.\n\n", f.Account, f.Station, when)
		b.WriteString(wasntMe(f, "someone else may be able to sign in as you"))
	case NoticeActivated:
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
func expiryNotice(f NoticeFacts, end string) (subject, body string) {
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
func wasntMe(f NoticeFacts, risk string) string {
	return fmt.Sprintf("If this was you, there is nothing to do.\n"+
		"If this wasn't you, contact %s at once: %s. Do not reply to this message.\n", f.ServiceDesk, risk)
}

// Notices lists notices in a state ("" for all): see NoticeBox.Notices.
func (r *Replica) Notices(ctx context.Context, state NoticeState, limit int) ([]Notice, error) {
	return r.notices().Notices(ctx, state, limit)
}

// NoticesFor lists the newest notices about one account, for staff.
func (r *Replica) NoticesFor(ctx context.Context, account string, limit int) ([]Notice, error) {
	return r.notices().NoticesFor(ctx, account, limit)
}

// MarkNoticeSent records that a pending notice was sent.
func (r *Replica) MarkNoticeSent(ctx context.Context, id int64) error {
	return r.notices().MarkNoticeSent(ctx, id)
}

// MarkNoticeFailed records a failed attempt to send a pending notice; keep
// gives up on it and keeps it for staff.
func (r *Replica) MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error {
	return r.notices().MarkNoticeFailed(ctx, id, reason, keep)
}

// KeepNotice keeps a pending notice unsent, with why (no [mail] server).
func (r *Replica) KeepNotice(ctx context.Context, id int64, reason string) error {
	return r.notices().KeepNotice(ctx, id, reason)
}

// notices is the replica's notices table.
func (r *Replica) notices() NoticeBox { return NoticeBox{R: r.r, W: r.w, Now: r.now} }
