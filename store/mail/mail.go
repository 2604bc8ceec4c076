// Package mail sends the notices the replica queues (notice.Notice): an SMTP
// sender behind the Sender interface, and Deliver, one step of the delivery
// loop. With no [mail] server configured, Deliver keeps the notices for
// staff to list instead. Nothing here ever sees a secret: notices hold none,
// and the SMTP password is only given to the server over TLS.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/textproto"
	"strings"
	"time"

	"github.com/expressstation/kiosk/store/notice"
)

// Message is one e-mail to one recipient.
type Message struct {
	To      string
	Subject string
	Body    string // plain text, "\n" line ends
	Date    time.Time
	ID      string // Message-ID without brackets; the same on every retry
}

// Sender sends one message. An error for which IsPermanent is true will not
// go away by retrying.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// RefusalError is the server's refusal of one message (its reply to RCPT
// or DATA): other messages may still go. Any other error (connection, TLS,
// sign-in, sender) is about the server or the configuration.
type RefusalError struct{ Err error }

func (e *RefusalError) Error() string { return "mail: message refused: " + e.Err.Error() }
func (e *RefusalError) Unwrap() error { return e.Err }

// IsPermanent reports whether a send error will not go away by retrying the
// message: a 5xx refusal of the message (no such mailbox) or a message that
// cannot be sent as it stands. A 5xx at sign-in is not: fixing the
// configuration fixes it.
func IsPermanent(err error) bool {
	var (
		ref *RefusalError
		tp  *textproto.Error
	)
	if errors.As(err, &ref) && errors.As(err, &tp) {
		return tp.Code >= 500
	}
	return errors.Is(err, ErrBadMessage)
}

// aboutMessage reports whether err concerns the message only.
func aboutMessage(err error) bool {
	var ref *RefusalError
	return errors.As(err, &ref) || errors.Is(err, ErrBadMessage)
}

// ErrBadMessage refuses a message whose header fields would break the mail
// format (a line break in an address or subject).
var ErrBadMessage = errors.New("the message cannot be sent: a header field holds a line break")

// compose writes the message in RFC 5322 form with CRLF line ends: UTF-8
// text as quoted-printable, the subject encoded when it is not ASCII.
func compose(from string, m Message) ([]byte, error) {
	for _, h := range []string{from, m.To, m.Subject, m.ID} {
		if strings.ContainsAny(h, "\r\n") {
			return nil, ErrBadMessage
		}
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from)
	header("To", m.To)
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", m.Date.Format(time.RFC1123Z))
	if m.ID != "" {
		header("Message-ID", "<"+m.ID+">")
	}
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(m.Body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Queue is what Deliver needs of the replica (*store.Replica has it).
type Queue interface {
	Notices(ctx context.Context, state notice.State, limit int) ([]notice.Notice, error)
	MarkNoticeSent(ctx context.Context, id int64) error
	MarkNoticeFailed(ctx context.Context, id int64, reason string, keep bool) error
	KeepNotice(ctx context.Context, id int64, reason string) error
}

// Delivery limits: a step sends at most Batch notices; a notice that failed
// MaxAttempts times is kept for staff instead of retried for ever.
const (
	Batch       = 50
	MaxAttempts = 10
)

// NoMailReason is why notices are kept when no mail server is configured:
// a station's [mail] section, or accountd serve --smtp.
const NoMailReason = "not sent: no mail server is configured ([mail] at a station, --smtp for accountd)"

// Report says what one Deliver step did.
type Report struct {
	Sent   int // delivered to the server
	Failed int // failed for now; retried at a later step
	Kept   int // given up (permanent refusal, too many attempts) or no [mail]: listed for staff
}

// Deliver is one step of the delivery loop: it sends up to Batch pending
// notices, oldest first, and records each outcome. A nil sender means no
// [mail] server: the notices are kept. An error that is not about the
// message itself (server unreachable, TLS, sign-in) ends the step, so a
// server that is down costs one attempt per step, not one per notice.
func Deliver(ctx context.Context, q Queue, s Sender) (Report, error) {
	var rep Report
	pending, err := q.Notices(ctx, notice.Pending, Batch)
	if err != nil {
		return rep, err
	}
	for _, n := range pending {
		if s == nil {
			if err := q.KeepNotice(ctx, n.ID, NoMailReason); err != nil {
				return rep, err
			}
			rep.Kept++
			continue
		}
		sendErr := s.Send(ctx, message(n))
		if sendErr == nil {
			rep.Sent++
			if err := q.MarkNoticeSent(ctx, n.ID); err != nil {
				return rep, err
			}
			continue
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		keep := IsPermanent(sendErr) || n.Attempts+1 >= MaxAttempts
		if err := q.MarkNoticeFailed(ctx, n.ID, sendErr.Error(), keep); err != nil {
			return rep, err
		}
		if keep {
			rep.Kept++
			continue
		}
		rep.Failed++
		if !aboutMessage(sendErr) {
			return rep, nil // the server or its configuration: try again at the next step
		}
	}
	return rep, nil
}

// message is the e-mail of a notice. Its Message-ID is derived from the
// notice, so a retry after a lost reply is recognisably the same message.
func message(n notice.Notice) Message {
	return Message{To: n.To, Subject: n.Subject, Body: n.Body, Date: n.CreatedAt,
		ID: fmt.Sprintf("notice-%d.%d@express-station", n.ID, n.CreatedAt.UnixMilli())}
}
