package kiosk

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// refusalErrors is every error explain words, with a name for the test log.
func refusalErrors() map[string]error {
	until := time.Date(2026, 9, 1, 14, 5, 0, 0, time.UTC)
	_, typed := policy.ParseStudentID("123", 8)
	return map[string]error{
		"paused": &store.IdentityPausedError{Until: until}, "locked": &store.LockedError{Until: until},
		"policy":    &store.PolicyError{Violations: append(policy.CheckPassword("aaa", policy.Person{}), policy.ReuseViolation())},
		"not-found": store.ErrNotFound, "mismatch": store.ErrIdentityMismatch, "wrong-password": store.ErrWrongPassword,
		"not-activated": store.ErrNotActivated, "already-active": store.ErrAlreadyActive, "terminated": store.ErrTerminated,
		"not-eligible": store.ErrNotEligible, "totp-wrong": store.ErrTOTPWrong, "totp-replay": store.ErrTOTPReplay,
		"totp-clock": store.ErrTOTPClock, "proof": store.ErrProofMismatch, "typed": typed,
		"busy": context.DeadlineExceeded, "unknown": errors.New("disk on fire"),
		"alumni-non-degree": store.ErrAlumniNonDegree, "alumni-exchange": store.ErrAlumniExchange,
		"alumni-visiting": store.ErrAlumniVisiting, "alumni-already-active": store.ErrAlumniAlreadyActive,
		"alumni-not-graduated": store.ErrAlumniNotGraduated, "alumni-not-activated": store.ErrAlumniNotActivated,
		"alias-not-eligible": store.ErrAliasNotEligible, "alias-already-set": store.ErrAliasAlreadySet,
	}
}

func langCommon(lang string) *Common {
	at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	return &Common{Opt: Options{Language: lang, Clock: clock.NewVirtual(at), ServiceDesk: "the IT Service Desk"}.withDefaults()}
}

// latinWord is an English word on a Chinese screen; what may stay in Latin
// letters is the service desk's name (configured in English), 2FA and the
// brand's "@connect".
var latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)

func allowedLatin(s string) string {
	for _, ok := range []string{"the IT Service Desk", "@connect", "Tab", "aaa", "peter.chan"} {
		s = strings.ReplaceAll(s, ok, "")
	}
	return s
}

// Every refusal renders in Chinese from the catalog, with the same facts
// (time, service desk) as in English; English stays what it was.
func TestRefusalsInChinese(t *testing.T) {
	en, zh := langCommon("en"), langCommon("zh-HK")
	for name, err := range refusalErrors() {
		re, finalEN := explain(en, err)
		rz, finalZH := explain(zh, err)
		if finalEN != finalZH {
			t.Errorf("%s: final %v in English, %v in Chinese", name, finalEN, finalZH)
		}
		for _, s := range []string{rz.title, rz.body} {
			if strings.IndexFunc(s, isHan) < 0 {
				t.Errorf("%s: not Chinese: %q", name, s)
			}
			if w := latinWord.FindString(allowedLatin(s)); w != "" && name != "unknown" {
				t.Errorf("%s: English word %q on a Chinese refusal: %q", name, w, s)
			}
		}
		if strings.Contains(re.body, "14:05") != strings.Contains(rz.body, "14:05") ||
			strings.Contains(re.body, "IT Service Desk") != strings.Contains(rz.body, "IT Service Desk") {
			t.Errorf("%s: the facts differ:\n%s\n%s", name, re.body, rz.body)
		}
	}
	if r, _ := explain(en, &store.LockedError{Until: time.Date(2026, 9, 1, 14, 5, 0, 0, time.UTC)}); r.title != "Self-service is locked" ||
		!strings.Contains(r.body, "self-service is locked until 14:05. Please come back after 14:05, or ask for help at the IT Service Desk.") {
		t.Errorf("English locked refusal changed: %+v", r)
	}
	if r, _ := explain(zh, &store.LockedError{Until: time.Date(2026, 9, 1, 14, 5, 0, 0, time.UTC)}); r.title != "自助服務已鎖定" ||
		!strings.Contains(r.body, "自助服務已鎖定至 14:05") {
		t.Errorf("Chinese locked refusal: %+v", r)
	}
	if r := lostAuthenticator(zh); !strings.Contains(r.body, "雙重認證") {
		t.Errorf("lost authenticator: %+v", r)
	}
}

// Errors shown under a field, and the checklist labels, follow the language.
func TestFieldErrorsAndChecklistInChinese(t *testing.T) {
	en, zh := langCommon("en"), langCommon("zh-HK")
	_, err := policy.ParseStudentID("1234567", 8)
	if got := errorText(en, err); got != "Student ID should be 8 digits; this has 7." {
		t.Errorf("en: %q", got)
	}
	if got := errorText(zh, err); got != "學生編號應有 8 位數字，你輸入了 7 位。" {
		t.Errorf("zh: %q", got)
	}
	taken := &store.AliasTakenError{Alias: "peter.chan", Suggestions: []string{"peter.chan2"}}
	if got := errorText(zh, taken); got != "peter.chan 已有人使用，可試試 peter.chan2。" {
		t.Errorf("zh alias taken: %q", got)
	}
	if got := errorText(zh, store.ErrNoIdentity); got != "請輸入香港身份證號碼或出生日期。" {
		t.Errorf("zh no identity: %q", got)
	}
	if got := errorText(en, store.ErrNoIdentity); got != "Enter your HK ID card number or your date of birth." {
		t.Errorf("en no identity: %q", got)
	}
	items := policy.Checklist("x", policy.Person{})
	for i, it := range items {
		if got := checkLabel(en, it); got != it.Label {
			t.Errorf("en label %d: %q, want %q", i, got, it.Label)
		}
		if got := checkLabel(zh, it); strings.IndexFunc(got, isHan) < 0 {
			t.Errorf("zh label %d: %q", i, got)
		}
	}
	if got := checkLabel(zh, items[0]); got != "最少 12 個字元" {
		t.Errorf("zh min-length label %q", got)
	}
}

// Every refusal as the end screen shows it, in both languages at 80x24 and
// 100x30: no line is wider than the screen, and the Chinese screen has no
// English word but what the allow-list names (the service desk is
// configured in English). A switch on the end screen rewords it.
func TestRefusalScreensFitInBothLanguages(t *testing.T) {
	allow := regexp.MustCompile(`Express Station|Test University|Hall 1|ES-T1|English|\b(enter|esc|tab|f2)\b`)
	for name, err := range refusalErrors() {
		for _, size := range [][2]int{{80, 24}, {100, 30}} {
			for _, lang := range []string{"en", "zh-HK"} {
				at := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
				m := New(Options{Language: lang, Clock: clock.NewVirtual(at), ServiceDesk: "the IT Service Desk",
					Institution: "Test University", StationID: "ES-T1", StationName: "Hall 1"})
				m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
				m.startFlow(flowActivate)
				m.flow.stop(explained(err))
				scr := ansi.Strip(m.View())
				for i, l := range strings.Split(scr, "\n") {
					if ansi.StringWidth(l) > size[0] {
						t.Fatalf("%s %s %dx%d: line %d too wide:\n%s", name, lang, size[0], size[1], i, scr)
					}
				}
				if lang == "zh-HK" && name != "unknown" { // an unknown error says its own English words
					if w := latinWord.FindString(allowedLatin(allow.ReplaceAllString(scr, ""))); w != "" {
						t.Fatalf("%s %dx%d: English word %q on a Chinese screen:\n%s", name, size[0], size[1], w, scr)
					}
					m.Update(tea.KeyMsg{Type: tea.KeyF2})
					lines := strings.Split(ansi.Strip(m.View()), "\n")
					if body := strings.Join(lines[1:len(lines)-1], "\n"); strings.IndexFunc(body, isHan) >= 0 { // the header and footer offer 中文
						t.Fatalf("%s: the switch to English left Chinese on the end screen:\n%s", name, body)
					}
				}
			}
		}
	}
}
