package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/notice"
)

// A notice in both languages goes out as one UTF-8 e-mail that any mail
// reader decodes: an RFC 2047 subject, a charset and a transfer encoding.
func TestBilingualNoticeMessage(t *testing.T) {
	f := notice.Facts{Account: "tmchan", FullName: "Tai Man Chan", Email: "tmchan@connect.example.edu", Station: "LG1-01",
		ServiceDesk: "the IT Service Desk", Status: policy.StatusActive, At: time.Date(2026, 9, 1, 9, 30, 0, 0, time.UTC)}
	subject, body := notice.Compose(notice.Activated, f)
	n := notice.Notice{ID: 7, CreatedAt: f.At, To: "tmchan@connect.example.edu", Subject: subject, Body: body}
	raw, err := compose("Express Station <noreply@example.edu>", message(n))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rawSubject := msg.Header.Get("Subject")
	if strings.ContainsFunc(rawSubject, func(r rune) bool { return r > 0x7e }) || !strings.HasPrefix(rawSubject, "=?utf-8?") {
		t.Errorf("subject is not RFC 2047 encoded: %q", rawSubject)
	}
	got, err := new(mime.WordDecoder).DecodeHeader(rawSubject)
	if err != nil {
		t.Fatal(err)
	}
	if got != "Your network account tmchan was activated / 你的網絡帳戶 tmchan 已啟用" {
		t.Errorf("subject decodes to %q", got)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mediaType != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type %q", msg.Header.Get("Content-Type"))
	}
	if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding %q", cte)
	}
	decoded, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(decoded), "\r\n", "\n")
	for _, want := range []string{"Your network account tmchan (tmchan@connect.example.edu) was activated",
		"你的網絡帳戶 tmchan（tmchan@connect.example.edu）已於", "If this wasn't you", "請勿回覆本電郵"} {
		if !strings.Contains(text, want) {
			t.Errorf("body lacks %q:\n%s", want, text)
		}
	}
}
