package notice

import (
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
)

func facts(langs ...string) Facts {
	return Facts{Account: "tmchan", FullName: "Tai Man Chan", Email: "tmchan@connect.example.edu", Station: "LG1-01",
		ServiceDesk: "the IT Service Desk", Status: policy.StatusGrace, Category: policy.CategoryDegree,
		ServicesEnd: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), At: time.Date(2026, 9, 1, 9, 30, 0, 0, time.UTC),
		PasswordChangedAt: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Languages: langs}
}

// English alone is word for word what the notices said before they were
// bilingual.
func TestComposeEnglishUnchanged(t *testing.T) {
	subject, body := Compose(GraceStarts, facts("en"))
	if subject != "Your student network services end on 31 Dec 2026" {
		t.Errorf("subject %q", subject)
	}
	want := "Dear Tai Man Chan,\n\nYour studies are completed. Your network account tmchan stays in service for a grace period " +
		"of 4 months: student services end on 31 Dec 2026.\n\nAfter that your e-mail address tmchan@connect.example.edu continues " +
		"for life as your alumni account; other student services end.\n\nIf you need the account for academic work after that " +
		"date, ask your academic supervisor to request an extension from the IT Service Desk, stating the period and the reason.\n"
	if body != want {
		t.Errorf("body\n%q\nwant\n%q", body, want)
	}
	_, body = Compose(PasswordChanged, facts("en"))
	if !strings.Contains(body, "was changed at Express Station LG1-01 on 1 Sep 2026 at ") ||
		!strings.Contains(body, "If this wasn't you, contact the IT Service Desk at once: someone else may know your identity details or your password.") {
		t.Errorf("password changed body %q", body)
	}
}

// By default a notice is in English and then Chinese; the configuration
// sets the order; an unknown language is ignored.
func TestComposeBothLanguages(t *testing.T) {
	for _, kind := range []Kind{GraceStarts, Expired, Extended, PasswordAge, PasswordChanged, TOTPChanged, TOTPReset, Activated, "other"} {
		subject, body := Compose(kind, facts())
		en, zh := strings.Index(body, "Dear Tai Man Chan,"), strings.Index(body, "Tai Man Chan 你好：")
		if en != 0 || zh < 0 || !strings.Contains(subject, " / ") || !strings.Contains(subject, "帳戶") && !strings.Contains(subject, "服務") && !strings.Contains(subject, "密碼") && !strings.Contains(subject, "雙重認證") {
			t.Errorf("%s: not English then Chinese:\n%s\n%s", kind, subject, body)
		}
	}
	subject, body := Compose(Extended, facts("zh-HK", "en", "xx"))
	if subject != "你的學生網絡服務已延期至 2026年12月31日 / Your student network services are extended to 31 Dec 2026" {
		t.Errorf("subject %q", subject)
	}
	if !strings.HasPrefix(body, "Tai Man Chan 你好：\n\n應你的學術導師要求") || !strings.Contains(body, "\n\nDear Tai Man Chan,") {
		t.Errorf("body %q", body)
	}
	subject, body = ComposeRefusal(facts(), "changed your password", "the account was locked", true)
	if !strings.Contains(subject, "Express Station 作出的更改未獲保留") || !strings.Contains(body, "was not kept either") ||
		!strings.Contains(body, "亦未獲保留") {
		t.Errorf("refusal %q\n%s", subject, body)
	}
}

func TestCheckLanguages(t *testing.T) {
	for _, ok := range [][]string{nil, {"en"}, {"zh-HK", "en"}} {
		if err := CheckLanguages(ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, bad := range [][]string{{"fr"}, {"en", "en"}, {""}, {"en", "zh_HK"}} {
		if err := CheckLanguages(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// A refusal notice says what was refused and why in each language: the
// Chinese part in Chinese (the kind's words and the refusal code's), the
// English part with the central store's own message.
func TestComposeRefusalInBothLanguages(t *testing.T) {
	_, body := ComposeRefusal(facts(), "notice.refused.what.password",
		"totp_replay: the 2FA code had already been used (at this or another station)", false)
	for _, want := range []string{
		"you set a new password (your previous password is still the one in use)",
		"refused this change afterwards: the 2FA code had already been used (at this or another station).",
		"設定新密碼（原來的密碼仍然有效）", "該驗證碼已經用過",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	if zh := body[strings.Index(body, "你好："):]; strings.Contains(zh, "2FA code") || strings.Contains(zh, "new password") {
		t.Errorf("English in the Chinese part:\n%s", zh)
	}
}
