package notice

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/text"
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
	TOTPReset       Kind = "totp_reset"       // 2FA reset with a service-desk pass: wasn't me?
	Activated       Kind = "activated"        // wasn't me?
	// EmailCode carries a one-time code to a personal e-mail (issue 19):
	// to verify the address, or to reset a forgotten password. Its body
	// holds the code only until it is sent or the code expires (MaskCodes).
	EmailCode Kind = "email_code"
	// EmailReplaced tells the old verified address that another replaced it.
	EmailReplaced Kind = "email_replaced"
	// EmailAdded tells the account's own mailbox that a first personal
	// address was verified: from then on notices and reset codes go there.
	EmailAdded Kind = "email_added"
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
// when set and verified (a code sent to it was typed back), else the
// account's own address. An address set before codes stays on record but
// gets no notices until it is verified.
func Address(account, personalEmail string, verified bool, emailDomain string) string {
	if personalEmail != "" && verified {
		return personalEmail
	}
	return policy.Email(account, emailDomain)
}

// DefaultLanguages are the languages of every notice when the
// configuration names none: one e-mail, English first, then Hong Kong
// Chinese.
var DefaultLanguages = []string{"en", "zh-HK"}

// Facts are what Compose may say of an account. Station names
// where a security change was made; a notice of the central store has none.
// Languages are the notice's languages in order ([notices] languages;
// nil is DefaultLanguages).
type Facts struct {
	Account, FullName, Email, Station, ServiceDesk string
	Status                                         policy.Status
	Category                                       policy.Category
	ServicesEnd, PasswordChangedAt, At             time.Time
	Languages                                      []string
	// An EmailCode notice: the code, what it is for (CodeVerify or
	// CodeReset) and when it expires. An EmailReplaced or EmailAdded notice: NewAddress,
	// masked (policy.MaskEmail).
	Code, Purpose, NewAddress string
	Expires                   time.Time
}

// What an EmailCode is for (Facts.Purpose; the stores' purposes).
const (
	CodeVerify = "verify_email"
	CodeReset  = "reset"
)

// codeRun is how a code stands in an EmailCode body: six digits on their own.
var codeRun = regexp.MustCompile(`\b[0-9]{6}\b`)

// MaskCodes hides the codes of an EmailCode body: what a body keeps once the
// code is sent, used, replaced or expired, and what every listing shows.
func MaskCodes(body string) string { return codeRun.ReplaceAllString(body, "••••••") }

// Masked is n as staff may see it: an EmailCode's code hidden.
func Masked(n Notice) Notice {
	if n.Kind == EmailCode {
		n.Body = MaskCodes(n.Body)
	}
	return n
}

// langSeparator divides the languages of one notice's body; subjects are
// joined with " / ".
const langSeparator = "\n--------------------------------------------------\n\n"

// CheckLanguages refuses a list of notice languages that names a language
// the catalog does not have, or one twice; nil is the default.
func CheckLanguages(langs []string) error {
	for i, l := range langs {
		if !text.Has(l) || slices.Index(langs, l) != i {
			return fmt.Errorf("notice language %q: not one of %s, or named twice", l, strings.Join(text.Languages(), ", "))
		}
	}
	return nil
}

// languages are the catalog languages a notice is written in.
func (f Facts) languages() []string {
	var out []string
	for _, l := range f.Languages {
		if text.Has(l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return DefaultLanguages
	}
	return out
}

// both writes a notice once per language and joins the versions: the
// subjects with " / ", the bodies one after another.
func both(f Facts, write func(p *text.Printer) (subject, body string)) (subject, body string) {
	var subjects, bodies []string
	for _, l := range f.languages() {
		s, b := write(text.For(l))
		subjects, bodies = append(subjects, s), append(bodies, b)
	}
	return strings.Join(subjects, " / "), strings.Join(bodies, langSeparator)
}

// Compose writes the subject and plain-text body of a notice of kind,
// as a station and the central store both send it, in every language of
// f.Languages (store/text).
func Compose(kind Kind, f Facts) (subject, body string) {
	return both(f, func(p *text.Printer) (string, string) { return compose(p, kind, f) })
}

// compose writes a notice in one language.
func compose(p *text.Printer, kind Kind, f Facts) (subject, body string) {
	var b strings.Builder
	b.WriteString(p.T("notice.greeting", text.Data{"Name": f.FullName}))
	d := text.Data{"Account": f.Account, "Email": f.Email, "Station": f.Station, "Desk": f.ServiceDesk,
		"End": f.ServicesEnd, "At": f.At.Local(), "Changed": f.PasswordChangedAt}
	with := func(k string, v any) text.Data {
		c := maps.Clone(d)
		c[k] = v
		return c
	}
	switch kind {
	case GraceStarts:
		subject = p.T("notice.grace-starts.subject", d)
		b.WriteString(p.T("notice.grace-starts.body", with("Count", policy.GraceMonths)))
		if policy.AlumniEligible(f.Category) {
			b.WriteString(p.T("notice.grace-starts.alumni", d))
		} else {
			b.WriteString(p.T("notice.grace-starts.terminate", d))
		}
		b.WriteString(p.T("notice.grace-starts.extension", d))
	case Expired:
		if f.Status == policy.StatusAlumni {
			subject = p.T("notice.expired-alumni.subject", d)
			b.WriteString(p.T("notice.expired-alumni.body", d))
		} else {
			subject = p.T("notice.expired.subject", d)
			b.WriteString(p.T("notice.expired.body", d))
		}
	case Extended:
		subject = p.T("notice.extended.subject", d)
		b.WriteString(p.T("notice.extended.body", d))
	case PasswordAge:
		subject = p.T("notice.password-age.subject", d)
		b.WriteString(p.T("notice.password-age.body", with("Count", policy.PasswordReminderMonths)))
	case PasswordChanged:
		subject = p.T("notice.password-changed.subject", d)
		b.WriteString(p.T("notice.password-changed.body", d))
		b.WriteString(p.T("notice.password-changed.wasnt-me", d))
	case TOTPChanged:
		subject = p.T("notice.totp-changed.subject", d)
		b.WriteString(p.T("notice.totp-changed.body", d))
		b.WriteString(p.T("notice.totp-changed.wasnt-me", d))
	case TOTPReset:
		subject = p.T("notice.totp-reset.subject", d)
		b.WriteString(p.T("notice.totp-reset.body", d))
		b.WriteString(p.T("notice.totp-changed.wasnt-me", d))
	case EmailCode:
		d["Code"], d["Expires"] = f.Code, f.Expires.Local()
		if f.Purpose == CodeReset {
			subject = p.T("notice.email-code.reset.subject", d)
			b.WriteString(p.T("notice.email-code.reset.body", d))
		} else {
			subject = p.T("notice.email-code.verify.subject", d)
			b.WriteString(p.T("notice.email-code.verify.body", d))
		}
		b.WriteString(p.T("notice.email-code.wasnt-me", d))
	case EmailReplaced:
		subject = p.T("notice.email-replaced.subject", d)
		b.WriteString(p.T("notice.email-replaced.body", with("NewAddress", f.NewAddress)))
	case EmailAdded:
		subject = p.T("notice.email-added.subject", d)
		b.WriteString(p.T("notice.email-added.body", with("NewAddress", f.NewAddress)))
	case Activated:
		subject = p.T("notice.activated.subject", d)
		b.WriteString(p.T("notice.activated.body", d))
		b.WriteString(p.T("notice.activated.wasnt-me", d))
	default:
		subject = p.T("notice.other.subject", d)
	}
	return subject, b.String()
}

// ComposeRefusal writes the notice that the central store refused a change
// the student made at a station: what they did (domain.OpKind.Refused),
// the store's reason, and whether what followed at that visit was refused
// with it. what and reason are the store's English words in every language.
func ComposeRefusal(f Facts, what, reason string, followed bool) (subject, body string) {
	return both(f, func(p *text.Printer) (string, string) {
		d := text.Data{"Name": f.FullName, "Station": f.Station, "What": p.T(what, nil),
			"Reason": refusalReason(p, reason), "Desk": f.ServiceDesk}
		if followed {
			return p.T("notice.refused.subject", nil), p.T("notice.refused.body-followed", d)
		}
		return p.T("notice.refused.subject", nil), p.T("notice.refused.body", d)
	})
}

// refusalReasons word the central store's refusal codes for a student in
// every language but English, where the store's own message (which may
// name a station and a time) is kept.
var refusalReasons = map[string]string{
	"activated_elsewhere": "notice.refused.reason.activated-elsewhere",
	"totp_replay":         "notice.refused.reason.totp-replay",
	"chain":               "notice.refused.reason.chain",
	"identity_proof":      "notice.refused.reason.identity-proof",
	"2fa_required":        "notice.refused.reason.2fa-required",
	"locked":              "notice.refused.reason.locked",
	"terminated":          "notice.refused.reason.terminated",
	"reuse":               "notice.refused.reason.reuse",
	"pass_used":           "notice.refused.reason.pass-used",
	"pass_expired":        "notice.refused.reason.pass-expired",
	"alias_taken":         "notice.refused.reason.alias-taken",
	"email_code":          "notice.refused.reason.email-code",
	"email_unverified":    "notice.refused.reason.email-unverified",
}

// refusalReason is the reason of a refusal ("code: message") in p's
// language: English keeps the message; others say the code's sentence,
// or the message when the code has none.
func refusalReason(p *text.Printer, reason string) string {
	code, msg, ok := strings.Cut(reason, ": ")
	if !ok {
		return reason
	}
	if id, known := refusalReasons[code]; known && p.Lang() != text.English {
		return p.T(id, nil)
	}
	return msg
}
