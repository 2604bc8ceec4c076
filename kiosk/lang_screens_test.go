package kiosk_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/kiosk/kiosktest"
	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
)

// Issue 13 acceptance: every screen in both languages fits the terminal in
// display cells, a Chinese screen has no English word but those on the
// allow-list, and the language button (F2, or a tap on 中文/English)
// keeps the step, the focus and what was typed.

// latinAllowed is what may stay in Latin letters on a Chinese screen:
// names and account names, e-mail addresses, key names, the brand and what
// the station's configuration names in English (institution, station,
// service desk), and product names students see on their phones.
var latinAllowed = []*regexp.Regexp{
	// The 2FA key's groups first: a random key may hold "QR" or "PIN",
	// which a later pattern would cut out of a group, leaving letters.
	regexp.MustCompile(`\b[A-Z2-7]{4}\b`),
	regexp.MustCompile(`[\w.+-]+@[\w.-]+`),                         // e-mail addresses
	regexp.MustCompile(`@Connect|Express Station|Test University`), // the brand, the institution
	regexp.MustCompile(`Hall 1|ES-T1|the IT Service Desk, Room 4001`),
	regexp.MustCompile(`English`), // the language button
	regexp.MustCompile(`\b(tab|enter|esc|space|shift|pgup|pgdn|end|f2|Esc|Tab)\b`),
	regexp.MustCompile(`Microsoft|Google|Authenticator|Wi.Fi|QR|PIN|A123456\(3\)`),
	regexp.MustCompile(`\b(CHAN|Tai|Man|WONG|Siu|Ling|LEE|Ka|Yan|LAU|Chi|Keung|CHEUNG|Mei)\b`), // names
	regexp.MustCompile(`\b(tmchan|kylee|cklau|mlcheung|peter\.chan|meiling\.cheung)\b`),        // account names, aliases
	regexp.MustCompile(`kiosk import|kiosk hash-pin|accountd pass issue|kiosk\.toml|pin_hash|\baaa\b|版本 +dev`),
	regexp.MustCompile(`學系 +[A-Za-z ,&]+`), // the department, as the registry names it
}

var latinWord = regexp.MustCompile(`[A-Za-z]{2,}`)

// checkScreen asserts that no line is wider than w cells and, in Chinese,
// that no English word shows but the allowed ones.
func (s *station) checkScreen(w int, zh bool) {
	s.t.Helper()
	scr := s.screen()
	for i, l := range strings.Split(scr, "\n") {
		if n := ansi.StringWidth(l); n > w {
			s.t.Fatalf("line %d is %d cells wide, the screen %d:\n%s", i, n, w, scr)
		}
	}
	if !zh {
		return
	}
	rest := scr
	for _, re := range latinAllowed {
		rest = re.ReplaceAllString(rest, "")
	}
	if words := latinWord.FindAllString(rest, -1); len(words) > 0 {
		s.t.Fatalf("English on a Chinese screen: %q\n%s", words, scr)
	}
}

// both checks the current screen in English and in Chinese (switching by
// F2 twice), and leaves it in the language it was in.
func (s *station) both(w int) {
	s.t.Helper()
	header := strings.TrimSpace(strings.SplitN(s.screen(), "\n", 2)[0])
	zh := strings.HasSuffix(header, "English") // the button offers the other language
	s.checkScreen(w, zh)
	s.press(tea.KeyF2)
	s.checkScreen(w, !zh)
	s.press(tea.KeyF2)
	s.checkScreen(w, zh)
}

// keyOnScreen is the 2FA key after prefix. The key wraps beside the QR
// code on a small screen, so it is read on a wide one, and the size is put
// back (a resize keeps everything).
func (s *station) keyOnScreen(prefix string, w, h int) string {
	s.t.Helper()
	s.send(tea.WindowSizeMsg{Width: 200, Height: 60})
	defer s.send(tea.WindowSizeMsg{Width: w, Height: h})
	group := regexp.MustCompile(regexp.QuoteMeta(prefix) + `([A-Z2-7]{4}(?: [A-Z2-7]{4})+)`)
	if m := group.FindStringSubmatch(s.screen()); m != nil {
		return m[1]
	}
	s.t.Fatalf("no %q on screen:\n%s", prefix, s.screen())
	return ""
}

var sizes = [][2]int{{80, 24}, {100, 30}}

// Activation, step by step: each step is checked in both languages and
// switched in the middle of typing.
func TestLanguageActivationSteps(t *testing.T) {
	for _, size := range sizes {
		w := size[0]
		s := newStation(t, size[0], size[1])
		t.Run("menu", func(t *testing.T) {
			s.t = t
			s.both(w)
			s.press(tea.KeyDown) // the focus is on the second button
			s.press(tea.KeyF2)
			s.expect("歡迎", "啟用學生帳戶", "English")
			s.press(tea.KeyEnter) // starts the focused flow: the focus was kept
			s.expect("更改網絡密碼", "以現有密碼登入")
			s.press(tea.KeyEsc) // the end of a flow returns to the station's language
			s.expect("Welcome", "中文")
		})
		t.Run("aup", func(t *testing.T) {
			s.t = t
			s.typ("1")
			s.press(tea.KeyPgDown)
			s.expectNot("0% read")
			s.click("中文") // the header's button
			s.expect("資訊科技資源使用守則", "已閱讀")
			s.expectNot("已閱讀 0%") // the reading position was kept
			s.both(w)
			s.press(tea.KeyEnd)
			s.expect("你已閱讀至最後")
			s.press(tea.KeyF2)
			s.expect("You have read to the end")
			s.press(tea.KeyEnter)
		})
		t.Run("identity", func(t *testing.T) {
			s.t = t
			s.typ("2026")
			s.press(tea.KeyF2)
			s.expect("你的學生編號及香港身份證", "學生編號", "2026")
			s.typ("1001") // the Student ID field still has the focus
			s.expect("20261001")
			s.press(tea.KeyTab)
			s.typ("A12")
			s.press(tea.KeyF2)
			s.expect("Your Student ID and HK ID card", "20261001", "A12")
			s.typ("3456(3)")
			s.press(tea.KeyF2)
			s.expect("A123456(3)", "檢查碼正確")
			s.both(w)
			s.press(tea.KeyEnter)
		})
		t.Run("summary", func(t *testing.T) {
			s.t = t
			s.expect("你的帳戶", "帳戶名稱", "tmchan")
			s.both(w)
			s.press(tea.KeyF2)
			s.expect("Your account", "Account name")
			s.press(tea.KeyF2)
			s.press(tea.KeyEnter) // Continue still has the focus
		})
		t.Run("password", func(t *testing.T) {
			s.t = t
			s.expect("為 tmchan 設定密碼", "密碼要求")
			s.typ("correct horse")
			s.press(tea.KeyF2)
			s.expect("Choose a password for tmchan", strings.Repeat("•", 13))
			s.typ(" battery staple")
			s.press(tea.KeyF2)
			s.expect(strings.Repeat("•", 20), "強度") // the field shows the tail of a long password
			s.both(w)
			s.press(tea.KeyEnter)
			s.typ("correct horse battery staple")
			s.press(tea.KeyF2)
			s.press(tea.KeyF2)
			s.expect("兩次輸入的密碼相同")
			s.press(tea.KeyEnter)
		})
		t.Run("2fa", func(t *testing.T) {
			s.t = t
			s.expect("設定雙重認證")
			key := s.keyOnScreen("金鑰： ", size[0], size[1])
			code := s.code(key)
			s.typ(code[:3])
			s.press(tea.KeyF2)
			s.expect("Set up two-factor authentication", "Key: ", code[:3])
			s.typ(code[3:])
			s.both(w)
			s.press(tea.KeyEnter)
		})
		t.Run("directory", func(t *testing.T) {
			s.t = t
			s.expect("Your entry in the University Directory")
			s.press(tea.KeySpace) // untick
			s.press(tea.KeyF2)
			s.expect("你在大學通訊錄中的資料", "[ ] 公開")
			s.both(w)
			s.press(tea.KeyEnter)
		})
		t.Run("done", func(t *testing.T) {
			s.t = t
			s.expect("你的帳戶已準備就緒", "tmchan@connect.ust.hk")
			s.both(w)
			s.press(tea.KeyEnter)
			s.expect("Welcome") // back in the station's language
		})
	}
}

// Change Password with 2FA, Forgot Password by date of birth, Alumni
// activation and My Account: each step switched while typing.
func TestLanguageOtherFlowsSteps(t *testing.T) {
	for _, size := range sizes {
		w := size[0]
		s := newStation(t, size[0], size[1])
		t.Run("login", func(t *testing.T) {
			s.t = t
			s.typ("2")
			s.typ("ckl")
			s.press(tea.KeyF2)
			s.expect("以現有密碼登入", "帳戶名稱", "ckl")
			s.typ("au")
			s.press(tea.KeyTab)
			s.typ(demo.TOTPPassword)
			s.press(tea.KeyF2)
			s.expect("cklau", strings.Repeat("•", len([]rune(demo.TOTPPassword))))
			s.both(w)
			s.press(tea.KeyEnter)
		})
		t.Run("2fa-verify", func(t *testing.T) {
			s.t = t
			s.expect("Two-factor authentication", "Lost your phone or app?")
			code := s.code(demo.TOTPSecret)
			s.typ(code[:2])
			s.press(tea.KeyF2)
			s.expect("雙重認證", "遺失手機或應用程式？", code[:2])
			s.typ(code[2:])
			s.both(w)
			s.press(tea.KeyEnter)
			s.expect("為 cklau 設定新密碼")
			s.press(tea.KeyEsc)
			s.expect("Welcome")
		})
		t.Run("identity-dob", func(t *testing.T) {
			s.t = t
			s.typ("3")
			s.typ(siuLing)
			s.click("No HK ID card? Use Date of Birth")
			s.typ("2007")
			s.press(tea.KeyF2)
			s.expect("你的學生編號及出生日期", "出生日期", "2007", siuLing)
			s.typ("07") // the month: the picker kept its focus and column
			s.expect("07 7月")
			s.both(w)
			s.press(tea.KeyEsc)
			s.expect("Welcome")
		})
		t.Run("alumni-identity", func(t *testing.T) {
			s.t = t
			s.typ("4")
			s.press(tea.KeyEnd)
			s.press(tea.KeyEnter)
			s.typ("CHEUNG Mei")
			s.press(tea.KeyF2)
			s.expect("你的英文全名及香港身份證", "CHEUNG Mei")
			s.typ(" Ling")
			s.expect("CHEUNG Mei Ling")
			s.both(w)
			s.press(tea.KeyTab)
			s.typ(meiLingHKID)
			s.press(tea.KeyEnter)
			s.expect("你的帳戶")
			s.both(w)
			s.press(tea.KeyEsc)
			s.expect("Welcome")
		})
		t.Run("my-account", func(t *testing.T) {
			s.t = t
			s.openAccount("kylee", demo.ActivePassword)
			s.expect("does not have it yet")
			s.press(tea.KeyF2)
			s.expect("使用「我的帳戶」須先設定雙重認證", "立即設定雙重認證")
			s.both(w)
			s.press(tea.KeyEsc)
			s.expect("Welcome")
			s.openAccount("cklau", demo.TOTPPassword)
			s.advance(30 * time.Second) // the code of the Change Password step is spent
			s.typ(s.code(demo.TOTPSecret))
			s.press(tea.KeyEnter)
			s.expect("Account name  cklau")
			s.press(tea.KeyF2)
			s.expect("帳戶名稱", "中文姓名", "通知寄往")
			s.both(w)
			s.click("更改通知電郵")
			s.typ("x")
			s.press(tea.KeyF2)
			s.expect("Personal e-mail for notices")
			s.press(tea.KeyF2)
			s.expect("接收通知的個人電郵")
			s.both(w)
		})
	}
}

// The idle warning answers the language button too; the idle wipe returns
// to the station's language; staff mode follows the station's language.
func TestLanguageIdleAndStaff(t *testing.T) {
	s := newStation(t, 80, 24)
	s.typ("1")
	s.press(tea.KeyF2)
	s.expect("資訊科技資源使用守則")
	s.advance(91 * time.Second)
	s.expect("你還在嗎？", "我還在")
	s.checkScreen(80, true)
	s.press(tea.KeyF2) // switches, and answers the question
	s.expect("Acceptable Use Policy")
	s.expectNot("Still there?")
	s.press(tea.KeyF2)
	s.advance(5 * time.Minute) // nobody there: wiped
	s.expect("Welcome", "中文")
	s.expectNot("歡迎")

	// Switched on the menu and left there: the menu returns to English too.
	s.press(tea.KeyF2)
	s.expect("歡迎")
	s.advance(2 * time.Minute)
	s.expect("Welcome", "中文")
}

// Staff mode follows the station's language: on a Chinese station the PIN
// screen and the panel are Chinese and fit 80x24, and have no language
// button (F2 does nothing there); a student's switch does not carry over.
func TestLanguageStaffFollowsStation(t *testing.T) {
	ok := func(context.Context) error { return nil }
	staff := &kiosktest.Staff{
		StaffSignInFunc:   func(context.Context, string, string) error { return nil },
		StaffAuditFunc:    func(context.Context, string, string) error { return nil },
		MaintenanceFunc:   func(context.Context) (bool, error) { return false, nil },
		StationReportFunc: func(context.Context, int) (store.StationReport, error) { return store.StationReport{}, nil },
	}
	for _, lang := range []string{"zh-HK", "en"} {
		s := &station{t: t, clk: &testClock{now: termStart}}
		s.m = kiosk.New(kiosk.Options{Accounts: &kiosktest.Accounts{}, Staff: staff, StaffPINHash: "x", Sync: ok,
			Clock: s.clk, Language: lang, Institution: "Test University", StationID: "ES-T1", StationName: "Hall 1",
			ServiceDesk: "the IT Service Desk, Room 4001"})
		s.run(s.m.Init())
		s.send(tea.WindowSizeMsg{Width: 80, Height: 24})
		zh := lang == "zh-HK"
		s.press(tea.KeyF2) // a student switches on the menu...
		s.press(tea.KeyF12)
		want := map[bool][]string{true: {"職員登入", "職員 PIN"}, false: {"Staff sign-in", "Staff PIN"}}[zh]
		s.expect(want...) // ...staff mode speaks the station's language
		s.expectNot("中文 ", "English ")
		s.checkScreen(80, zh)
		s.typ("1234")
		s.press(tea.KeyF2)
		s.expect(want...)
		s.press(tea.KeyEnter)
		s.expect(map[bool]string{true: "職員控制台", false: "Staff panel"}[zh])
		s.checkScreen(80, zh)
	}
}

// A Chinese screen names the service desk as the station names it in
// Chinese ([station] service_desk_in), and the English one in English.
func TestServiceDeskInTheScreensLanguage(t *testing.T) {
	s := &station{t: t, clk: &testClock{now: termStart}}
	staff := &kiosktest.Staff{MaintenanceFunc: func(context.Context) (bool, error) { return true, nil }}
	s.m = kiosk.New(kiosk.Options{Accounts: &kiosktest.Accounts{}, Staff: staff, StaffPINHash: "x", Clock: s.clk,
		Language: "zh-HK", Institution: "Test University", StationID: "ES-T1",
		ServiceDesk: "the IT Service Desk, Room 4001", ServiceDeskIn: map[string]string{"zh-HK": "資訊科技服務台（4001 室）"}})
	s.run(s.m.Init())
	s.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	s.expect("資訊科技服務台（4001 室）")
	s.expectNot("the IT Service Desk")
	s.press(tea.KeyF2)
	s.expect("ask at the IT Service", "Desk, Room 4001")
	s.expectNot("資訊科技服務台")
}
