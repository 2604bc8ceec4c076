package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"time"
)

// SMTP sends mail through an SMTP server (net/smtp). It upgrades the
// connection with STARTTLS whenever the server offers it, and gives the
// username and password (AUTH PLAIN) only over TLS. One connection per
// message: notices are few.
type SMTP struct {
	Addr       string        // host:port, e.g. "smtp.example.edu:587"
	From       string        // sender address, envelope and header
	Username   string        // "" = no authentication
	Password   string        // never logged; sent only over TLS
	HelloName  string        // EHLO name; default "localhost"
	Timeout    time.Duration // per message; default 30 s
	RequireTLS bool          // refuse to send when the server does not offer STARTTLS
	TLSConfig  *tls.Config   // nil: verify the server's certificate against the host of Addr

	// dial opens the connection; tests replace it (no network).
	dial func(ctx context.Context, addr string) (net.Conn, error)
}

// ErrNoTLS refuses to send credentials, or anything when RequireTLS is
// set, to a server that does not offer STARTTLS.
var ErrNoTLS = errors.New("the mail server does not offer STARTTLS: " +
	"not sending (set the [mail] server to one that supports TLS)")

const (
	defaultHello   = "localhost"
	defaultTimeout = 30 * time.Second
)

// Send delivers one message. A refusal of the message is a *RefusalError
// (see IsPermanent); no error text holds the password.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	if s.Addr == "" || s.From == "" {
		return errors.New("mail: the [mail] server address and sender address must both be set")
	}
	msg, err := compose(s.From, m)
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := s.connect(ctx)
	if err != nil {
		return fmt.Errorf("mail: connecting to %s: %w", s.Addr, err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() }) // net/smtp knows no context
	defer stop()
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	if err := s.session(conn, m.To, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mail: %s: %w", s.Addr, ctx.Err())
		}
		return err
	}
	return nil
}

func (s *SMTP) connect(ctx context.Context) (net.Conn, error) {
	if s.dial != nil {
		return s.dial(ctx, s.Addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.Addr)
}

// session runs one SMTP conversation on conn.
func (s *SMTP) session(conn net.Conn, to string, msg []byte) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("mail: server address %q should be host:port: %w", s.Addr, err)
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	hello := s.HelloName
	if hello == "" {
		hello = defaultHello
	}
	if err := c.Hello(hello); err != nil {
		return err
	}
	if err := s.secure(c, host); err != nil {
		return err
	}
	if err := c.Mail(s.From); err != nil {
		return err
	}
	if err := c.Rcpt(to); err != nil {
		return refusal(err)
	}
	w, err := c.Data()
	if err != nil {
		return refusal(err)
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil { // the server's reply to the message
		return refusal(err)
	}
	_ = c.Quit() // the message is accepted; a lost goodbye does not undo it
	return nil
}

// refusal marks a server reply about the message; other errors pass.
func refusal(err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return &RefusalError{Err: err}
	}
	return err
}

// secure upgrades to TLS when offered and authenticates over it.
func (s *SMTP) secure(c *smtp.Client, host string) error {
	offered, _ := c.Extension("STARTTLS")
	if offered {
		cfg := s.TLSConfig
		if cfg == nil {
			cfg = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
		}
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("mail: STARTTLS with %s: %w", s.Addr, err)
		}
	}
	if !offered && (s.RequireTLS || s.Username != "") {
		return ErrNoTLS
	}
	if s.Username == "" {
		return nil
	}
	if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
		return fmt.Errorf("mail: signing in to %s as %s: %w", s.Addr, s.Username, err)
	}
	return nil
}
