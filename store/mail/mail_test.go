package mail

import (
	"context"
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/notice"
)

// The replica is a Queue.
var _ Queue = (*store.Replica)(nil)

// fakeQueue is an in-memory notice table.
type fakeQueue struct{ notices []notice.Notice }

func (q *fakeQueue) Notices(_ context.Context, state notice.State, limit int) ([]notice.Notice, error) {
	var out []notice.Notice
	for _, n := range q.notices {
		if n.State == state && len(out) < limit {
			out = append(out, n)
		}
	}
	return out, nil
}

func (q *fakeQueue) find(id int64) *notice.Notice {
	for i := range q.notices {
		if q.notices[i].ID == id && q.notices[i].State == notice.Pending {
			return &q.notices[i]
		}
	}
	return nil
}

func (q *fakeQueue) MarkNoticeSent(_ context.Context, id int64) error {
	n := q.find(id)
	if n == nil {
		return fmt.Errorf("notice %d not pending", id)
	}
	n.State, n.Attempts = notice.Sent, n.Attempts+1
	return nil
}

func (q *fakeQueue) MarkNoticeFailed(_ context.Context, id int64, reason string, keep bool) error {
	n := q.find(id)
	if n == nil {
		return fmt.Errorf("notice %d not pending", id)
	}
	n.Error, n.Attempts = reason, n.Attempts+1
	if keep {
		n.State = notice.Kept
	}
	return nil
}

func (q *fakeQueue) KeepNotice(_ context.Context, id int64, reason string) error {
	n := q.find(id)
	if n == nil {
		return fmt.Errorf("notice %d not pending", id)
	}
	n.State, n.Error = notice.Kept, reason
	return nil
}

func (q *fakeQueue) states() string {
	var out []string
	for _, n := range q.notices {
		out = append(out, fmt.Sprintf("%s:%s/%d", n.To, n.State, n.Attempts))
	}
	return strings.Join(out, " ")
}

func queueOf(to ...string) *fakeQueue {
	q := &fakeQueue{}
	for i, t := range to {
		q.notices = append(q.notices, notice.Notice{ID: int64(i + 1), To: t, Subject: "s", Body: "b",
			State: notice.Pending, CreatedAt: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)})
	}
	return q
}

// fakeSender answers by recipient and records what it was given.
type fakeSender struct {
	answers map[string]error
	sent    []Message
}

func (s *fakeSender) Send(_ context.Context, m Message) error {
	if err := s.answers[m.To]; err != nil {
		return err
	}
	s.sent = append(s.sent, m)
	return nil
}

func refused(code int) error { return &RefusalError{Err: &textproto.Error{Code: code, Msg: "no"}} }

func TestDeliver(t *testing.T) {
	ctx := context.Background()
	down := errors.New("dial tcp: connection refused")
	tests := []struct {
		name    string
		to      []string
		answers map[string]error
		nilSend bool
		want    Report
		states  string
	}{
		{"all sent", []string{"a@x.org", "b@x.org"}, nil, false, Report{Sent: 2},
			"a@x.org:sent/1 b@x.org:sent/1"},
		{"no [mail]: kept", []string{"a@x.org", "b@x.org"}, nil, true, Report{Kept: 2},
			"a@x.org:kept/0 b@x.org:kept/0"},
		{"mailbox refused for good: kept, the rest go", []string{"a@x.org", "b@x.org"},
			map[string]error{"a@x.org": refused(550)}, false, Report{Sent: 1, Kept: 1}, "a@x.org:kept/1 b@x.org:sent/1"},
		{"mailbox busy: retried later, the rest go", []string{"a@x.org", "b@x.org"},
			map[string]error{"a@x.org": refused(452)}, false, Report{Sent: 1, Failed: 1}, "a@x.org:pending/1 b@x.org:sent/1"},
		{"server down: the step stops", []string{"a@x.org", "b@x.org"},
			map[string]error{"a@x.org": down}, false, Report{Failed: 1}, "a@x.org:pending/1 b@x.org:pending/0"},
		{"sign-in refused is not the message's fault", []string{"a@x.org", "b@x.org"},
			map[string]error{"a@x.org": &textproto.Error{Code: 535, Msg: "bad credentials"}}, false,
			Report{Failed: 1}, "a@x.org:pending/1 b@x.org:pending/0"},
		{"bad message: kept", []string{"a@x.org\r\nBcc: c@x.org", "b@x.org"},
			map[string]error{"a@x.org\r\nBcc: c@x.org": ErrBadMessage}, false, Report{Sent: 1, Kept: 1},
			"a@x.org\r\nBcc: c@x.org:kept/1 b@x.org:sent/1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := queueOf(tc.to...)
			var s Sender
			if !tc.nilSend {
				s = &fakeSender{answers: tc.answers}
			}
			rep, err := Deliver(ctx, q, s)
			if err != nil || rep != tc.want {
				t.Errorf("report %+v, %v; want %+v", rep, err, tc.want)
			}
			if got := q.states(); got != tc.states {
				t.Errorf("states %q, want %q", got, tc.states)
			}
		})
	}
}

func TestDeliverGivesUpAfterMaxAttempts(t *testing.T) {
	q := queueOf("a@x.org")
	q.notices[0].Attempts = MaxAttempts - 1
	rep, _ := Deliver(context.Background(), q, &fakeSender{answers: map[string]error{"a@x.org": refused(451)}})
	if rep.Kept != 1 || q.notices[0].State != notice.Kept || !strings.Contains(q.notices[0].Error, "451") {
		t.Errorf("report %+v, notice %+v", rep, q.notices[0])
	}
}

func TestDeliverMessage(t *testing.T) {
	q := queueOf("a@x.org")
	q.notices[0].ID, q.notices[0].Subject, q.notices[0].Body = 42, "Your password was changed", "Dear A,\n\nHello.\n"
	s := &fakeSender{}
	if _, err := Deliver(context.Background(), q, s); err != nil {
		t.Fatal(err)
	}
	want := Message{To: "a@x.org", Subject: "Your password was changed", Body: "Dear A,\n\nHello.\n",
		Date: q.notices[0].CreatedAt, ID: "notice-42.1788253200000@express-station"}
	if len(s.sent) != 1 || s.sent[0] != want {
		t.Errorf("sent %+v, want %+v", s.sent, want)
	}
}

func TestCompose(t *testing.T) {
	m := Message{To: "a@x.org", Subject: "Grüße: services end", Date: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC),
		ID: "n-1@express-station", Body: "Dear Zoë,\n.\nA line that is long enough to be wrapped by quoted-printable encoding at seventy-six characters.\n"}
	b, err := compose("Express Station <noreply@example.edu>", m)
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := strings.Cut(string(b), "\r\n\r\n")
	if !ok {
		t.Fatalf("no blank line after the header:\n%s", b)
	}
	wantHead := []string{
		"From: Express Station <noreply@example.edu>", "To: a@x.org", "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe:_services_end?=",
		"Date: Tue, 01 Sep 2026 09:00:00 +0000", "Message-ID: <n-1@express-station>", "MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable",
		"Auto-Submitted: auto-generated",
	}
	if got := strings.Split(head, "\r\n"); !slices.Equal(got, wantHead) {
		t.Errorf("header\n%q\nwant\n%q", got, wantHead)
	}
	if !strings.HasPrefix(body, "Dear Zo=C3=AB,\r\n.\r\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		t.Errorf("body not quoted-printable with CRLF:\n%q", body)
	}
	for _, bad := range []Message{{To: "a@x.org\r\nBcc: b@x.org"}, {To: "a@x.org", Subject: "x\nBcc: b@x.org"}} {
		if _, err := compose("s@x.org", bad); !errors.Is(err, ErrBadMessage) || !IsPermanent(err) {
			t.Errorf("compose(%q, %q): %v", bad.To, bad.Subject, err)
		}
	}
}
