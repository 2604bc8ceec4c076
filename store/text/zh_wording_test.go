package text

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// withPolicies is the catalog entries zh and, as entries named by their
// path, the Chinese policy texts the station shows (kiosk/policies): they
// are held to the same wording.
func withPolicies(t *testing.T, zh map[string]map[string]string) map[string]map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "kiosk", "policies", "*.zh-HK.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Chinese policy texts in kiosk/policies: %v", err)
	}
	all := map[string]map[string]string{}
	for id, forms := range zh {
		all[id] = forms
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all[filepath.ToSlash(f)] = map[string]string{"other": string(b)}
	}
	return all
}

// TestChineseQuotedLabels: a Chinese sentence that tells the student to
// choose 「X」 must quote a label the student can actually see in Chinese
// (a button, flow or field text), not an English one or a near miss.
func TestChineseQuotedLabels(t *testing.T) {
	zh := raw(t, files, "zh-HK.toml")
	labels := map[string]bool{}
	for id, forms := range zh {
		if strings.HasPrefix(id, "screen.") {
			for _, v := range forms {
				labels[v] = true
			}
		}
	}
	quote := regexp.MustCompile(`「([^」]*)」`)
	for id, forms := range withPolicies(t, zh) {
		for _, v := range forms {
			for _, m := range quote.FindAllStringSubmatch(v, -1) {
				if strings.Contains(m[1], "{{") {
					continue
				}
				if !labels[m[1]] {
					t.Errorf("%s quotes 「%s」, which is no Chinese screen label", id, m[1])
				}
			}
		}
	}
}

// TestChineseWording: terms that read as translated or mainland Chinese to
// a Hong Kong student; each has the local word the catalogue uses instead.
func TestChineseWording(t *testing.T) {
	zh := raw(t, files, "zh-HK.toml")
	avoid := map[string]string{
		"主目錄":       "主選單 (the menu is called 主選單 on every key hint)",
		"已被使用":      "已有人使用 / 已經用過",
		"被拒絕":       "遭拒絕",
		"被更改":       "更改了",
		"被重設":       "已重設",
		"被終止":       "終止",
		"未被接受":      "不獲接受",
		"驗證程式":      "驗證應用程式 (one name for the authenticator app)",
		"核對數字":      "檢查碼 (as the HKID error messages say)",
		"數據":        "資料",
		"信息":        "資訊／訊息",
		"默認":        "預設",
		"網路":        "網絡",
		"軟體":        "軟件",
		"用戶":        "帳戶",
		"你毋須採取任何行動": "毋須理會本電郵",
		"被濫用":       "遭濫用",
		"被盜":        "遭盜用",
		"查問你的密碼":    "向你索取密碼",
		"寄出驗證碼":     "發送驗證碼 (mail is 寄往 an address; a code is 發送)",
		"寄出新的驗證碼":   "重新發送驗證碼",
		"你自己的名字":    "你的英文姓名 (名字 alone reads as the given name)",
		"看不見的字元":    "隱形字元 (as the password rules say)",
		"開始前請準備":    "開始之前 (the next line already says 請準備好)",
		"第二重驗證":     "額外核實身份, or 第二重認證 for the authenticator",
		"帳戶服務":      "中央帳戶系統 (the name the other texts use)",
	}
	for id, forms := range withPolicies(t, zh) {
		for _, v := range forms {
			for bad, good := range avoid {
				if strings.Contains(v, bad) {
					t.Errorf("%s: %q reads as a translation; use %s", id, bad, good)
				}
			}
		}
	}
}
