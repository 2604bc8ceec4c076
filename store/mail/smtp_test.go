package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer is a scripted SMTP server on one end of a net.Pipe: no network.
type fakeServer struct {
	tls      *tls.Config // nil: STARTTLS is not offered
	rcptCode int         // 0: 250
	stall    bool        // never greet (for cancellation)

	mu       sync.Mutex
	commands []string // as received, AUTH arguments blanked
	authTLS  bool     // AUTH came over TLS
	data     string
}

func (f *fakeServer) dial(ctx context.Context, addr string) (net.Conn, error) {
	client, server := net.Pipe()
	go f.serve(server)
	return client, nil
}

func (f *fakeServer) serve(conn net.Conn) {
	defer conn.Close()
	if f.stall {
		buf := make([]byte, 1)
		conn.Read(buf) // until the client gives up
		return
	}
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 mail.test ESMTP fake")
	secure := false
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.Fields(line + " x")[0])
		f.mu.Lock()
		if cmd == "AUTH" {
			f.commands, f.authTLS = append(f.commands, "AUTH"), secure
		} else {
			f.commands = append(f.commands, line)
		}
		f.mu.Unlock()
		switch cmd {
		case "EHLO":
			if f.tls != nil && !secure {
				tp.PrintfLine("250-mail.test")
				tp.PrintfLine("250-STARTTLS")
			} else {
				tp.PrintfLine("250-mail.test")
			}
			tp.PrintfLine("250 AUTH PLAIN")
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(conn, f.tls)
			if tc.Handshake() != nil {
				return
			}
			conn, tp, secure = tc, textproto.NewConn(tc), true
		case "AUTH":
			tp.PrintfLine("235 accepted")
		case "MAIL":
			tp.PrintfLine("250 ok")
		case "RCPT":
			if f.rcptCode != 0 {
				tp.PrintfLine("%d no such mailbox", f.rcptCode)
				continue
			}
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go on")
			b, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.data = string(b)
			f.mu.Unlock()
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 unknown")
		}
	}
}

func (f *fakeServer) log() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.commands, " | ")
}

// testTLS is a self-signed certificate for mail.test: the server's config
// and a client config that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		DNSNames: []string{"mail.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool, ServerName: "mail.test"}
}

var testMessage = Message{To: "student@example.org", Subject: "Your password was changed",
	Body: "Dear Tai Man,\n.\nIf this wasn't you, contact the desk.\n", Date: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC),
	ID: "notice-1@express-station"}

func TestSMTPWithoutTLS(t *testing.T) {
	f := &fakeServer{}
	s := &SMTP{Addr: "mail.test:25", From: "noreply@example.edu", HelloName: "station-1", dial: f.dial}
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatal(err)
	}
	want := "EHLO station-1 | MAIL FROM:<noreply@example.edu> | RCPT TO:<student@example.org> | DATA | QUIT"
	if got := f.log(); got != want {
		t.Errorf("conversation %q", got)
	}
	if !strings.Contains(f.data, "Subject: Your password was changed\n") ||
		!strings.Contains(f.data, "\nDear Tai Man,\n.\nIf this wasn't you") {
		t.Errorf("data (dot-stuffing undone by the server):\n%s", f.data)
	}
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	f := &fakeServer{tls: serverTLS}
	s := &SMTP{Addr: "mail.test:587", From: "noreply@example.edu", Username: "station", Password: "s3cret",
		TLSConfig: clientTLS, dial: f.dial}
	if err := s.Send(context.Background(), testMessage); err != nil {
		t.Fatal(err)
	}
	got := f.log()
	if !strings.HasPrefix(got, "EHLO localhost | STARTTLS | EHLO localhost | AUTH | MAIL FROM") || !f.authTLS {
		t.Errorf("conversation %q (AUTH over TLS: %v)", got, f.authTLS)
	}
}

func TestSMTPRefusals(t *testing.T) {
	serverTLS, _ := testTLS(t)
	tests := []struct {
		name      string
		server    *fakeServer
		smtp      SMTP
		want      error
		permanent bool
	}{
		{"credentials never sent without TLS", &fakeServer{}, SMTP{Username: "station", Password: "s3cret"}, ErrNoTLS, false},
		{"TLS required, not offered", &fakeServer{}, SMTP{RequireTLS: true}, ErrNoTLS, false},
		{"untrusted certificate", &fakeServer{tls: serverTLS}, SMTP{}, nil, false},
		{"no such mailbox", &fakeServer{rcptCode: 550}, SMTP{}, nil, true},
		{"mailbox busy", &fakeServer{rcptCode: 450}, SMTP{}, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.smtp
			s.Addr, s.From, s.dial = "mail.test:25", "noreply@example.edu", tc.server.dial
			err := s.Send(context.Background(), testMessage)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if IsPermanent(err) != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v", err, !tc.permanent)
			}
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(tc.server.log(), "AUTH") {
				t.Errorf("credentials leaked: %v; %s", err, tc.server.log())
			}
			if strings.Contains(tc.server.log(), "DATA") {
				t.Errorf("message sent: %s", tc.server.log())
			}
		})
	}
}

func TestSMTPCancel(t *testing.T) {
	f := &fakeServer{stall: true}
	s := &SMTP{Addr: "mail.test:25", From: "noreply@example.edu", dial: f.dial}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Send(ctx, testMessage) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Send did not return after cancel")
	}
}
