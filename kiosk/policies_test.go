package kiosk_test

import (
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// policyLang is what the policy step shows in one language: the tabs'
// labels and the headings in the text, in section order.
type policyLang struct {
	lang             string
	tabs, headings   [3]string
	ready, readyAlum []string // the "Before you start" part of activation and alumni
	scroll           string   // the note while "I accept" is off
}

var policyLangs = []policyLang{
	{lang: "en",
		tabs:      [3]string{"Acceptable Use Policy", "Access to User Accounts", "Protect My Account"},
		headings:  [3]string{"ACCEPTABLE USE POLICY", "ACCESS TO USER ACCOUNTS POLICY", "PROTECT MY ACCOUNT"},
		ready:     []string{"BEFORE YOU START", "takes a few minutes", "your Student ID (8 digits, on your student card)", "your HK ID card, or your date of birth", "authenticator app installed"},
		readyAlum: []string{"BEFORE YOU START", "takes a few minutes", "your full name exactly as on your HK ID card or passport", "passport number", "authenticator app installed"},
		scroll:    "Scroll to the end to enable"},
	{lang: "zh-HK",
		tabs:      [3]string{"資訊科技資源使用守則", "使用者帳戶存取政策", "保護我的帳戶"},
		headings:  [3]string{"資訊科技資源使用守則", "使用者帳戶存取政策", "保護我的帳戶"},
		ready:     []string{"開始之前", "只需數分鐘", "學生編號（8 位數字", "香港身份證", "出生日期", "已安裝驗證應用程式"},
		readyAlum: []string{"開始之前", "只需數分鐘", "英文全名，須與香港身份證", "護照號碼", "已安裝驗證應用程式"},
		scroll:    "請捲動至最後"},
}

// openPolicy starts the flow with menu key flow ("1" activation, "4"
// alumni) in pl's language at w x h.
func openPolicy(t *testing.T, pl policyLang, flow string, w, h int) *station {
	t.Helper()
	s := newScreen(t, nil, w, h)
	if pl.lang != "en" {
		s.press(tea.KeyF2)
	}
	s.typ(flow)
	return s
}

// textTop is the first line inside the policy's frame, trimmed.
func textTop(s *station) string {
	lines := strings.Split(s.screen(), "\n")
	for i, l := range lines {
		if strings.Contains(l, "╭─") && i+1 < len(lines) && strings.Contains(lines[i+1], "│") {
			row := strings.TrimSpace(lines[i+1])
			return strings.TrimSpace(strings.Trim(row, "│"))
		}
	}
	return ""
}

// boxShows reports whether a line inside the policy's frame starts with
// text (the heading in the text, not the tab of the same name).
func boxShows(s *station, text string) bool {
	return strings.Contains(s.screen(), "│ "+text)
}

// The policy step opens on what the flow needs (seed step 1: "Have your
// mobile device ready") together with the Acceptable Use Policy's heading,
// at 80x24 and 100x30, in both languages, for students and alumni.
func TestPolicyStepOpensOnBeforeYouStart(t *testing.T) {
	for _, size := range sizes {
		for _, pl := range policyLangs {
			for _, flow := range []string{"1", "4"} {
				t.Run(fmt.Sprintf("%dx%d/%s/%s", size[0], size[1], pl.lang, flow), func(t *testing.T) {
					s := openPolicy(t, pl, flow, size[0], size[1])
					ready := pl.ready
					if flow == "4" {
						ready = pl.readyAlum
					}
					s.expect(ready...)
					s.expect(pl.tabs[:]...)
					if top := textTop(s); top != ready[0] {
						t.Errorf("the text opens on %q, want %q", top, ready[0])
					}
					if !boxShows(s, pl.headings[0]) {
						t.Errorf("no %q heading in the text on the first screen:\n%s", pl.headings[0], s.screen())
					}
					if pl.lang == "en" {
						s.expect("Acceptable Use Policy") // what outside tapes wait for
					}
				})
			}
		}
	}
}

// Each section's tab, touched or pressed with Enter after Tab/Shift+Tab,
// puts its heading at the top of the text and marks the tab.
func TestPolicySectionTabsJump(t *testing.T) {
	for _, size := range sizes {
		for _, pl := range policyLangs {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], pl.lang), func(t *testing.T) {
				s := openPolicy(t, pl, "1", size[0], size[1])
				for _, i := range []int{1, 2, 0, 2, 1} { // any order
					s.click(pl.tabs[i])
					if top := textTop(s); top != pl.headings[i] {
						t.Fatalf("after %q the text opens on %q, want %q:\n%s", pl.tabs[i], top, pl.headings[i], s.screen())
					}
					s.expect("▸" + pl.tabs[i])
					s.expect("┃▸" + pl.tabs[i] + " ┃") // the touched tab has the focus
				}
				// Keys: Home, then Shift+Tab from "Page up" back onto the last
				// tab, Enter; Shift+Tab to the one before it, Enter.
				s.press(tea.KeyHome)
				s.click(map[string]string{"en": "Page up", "zh-HK": "上一頁"}[pl.lang])
				s.press(tea.KeyShiftTab, tea.KeyShiftTab, tea.KeyEnter)
				if top := textTop(s); top != pl.headings[2] {
					t.Fatalf("Enter on the last tab: the text opens on %q:\n%s", top, s.screen())
				}
				s.press(tea.KeyShiftTab, tea.KeyEnter)
				if top := textTop(s); top != pl.headings[1] {
					t.Fatalf("Enter on the middle tab: the text opens on %q:\n%s", top, s.screen())
				}
			})
		}
	}
}

// "I accept" stays off until the end of the last section has been on
// screen: jumping to the last section shows its heading, not its end, and
// jumping about in any order does not count; reading on to the end does.
func TestPolicyAcceptOnlyAfterTheEndOfTheLastSection(t *testing.T) {
	for _, size := range sizes {
		for _, pl := range policyLangs {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], pl.lang), func(t *testing.T) {
				s := openPolicy(t, pl, "1", size[0], size[1])
				off := func(where string) {
					t.Helper()
					for _, b := range s.m.Buttons() {
						if b.ID == "aup:accept" {
							t.Fatalf("%s: I accept is on:\n%s", where, s.screen())
						}
					}
					s.expect(pl.scroll)
				}
				off("at the start")
				s.click(pl.tabs[2])
				off("at the last section's heading")
				s.press(tea.KeyDown, tea.KeyDown)
				off("two lines into the last section")
				s.click(pl.tabs[0])
				s.click(pl.tabs[1])
				s.click(pl.tabs[2])
				off("after jumping about")
				read := map[string]string{"en": "✓ You have read to the end", "zh-HK": "✓ 你已閱讀至最後"}[pl.lang]
				for i := 0; i < 30 && !strings.Contains(s.screen(), read); i++ {
					s.click(pageDown(pl))
				}
				if !strings.Contains(s.screen(), read) {
					t.Fatalf("the end of the last section does not turn I accept on:\n%s", s.screen())
				}
				s.click(pl.tabs[0]) // going back keeps it on
				s.click(map[string]string{"en": "I accept", "zh-HK": "我接受"}[pl.lang])
				s.expect(map[string]string{"en": "Your Student ID and HK ID card", "zh-HK": "你的學生編號及香港身份證"}[pl.lang])
			})
		}
	}
}

func pageDown(pl policyLang) string {
	if pl.lang == "en" {
		return "Page down"
	}
	return "下一頁"
}
