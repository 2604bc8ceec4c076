package kiosk

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// Chinese wraps between characters, by cells, never inside a Latin word and
// never with closing punctuation at the start of a line; English wraps as
// before.
func TestCJKWrap(t *testing.T) {
	s := "你的網絡帳戶讓你使用大學的電郵（@Connect）、Wi-Fi、圖書館電子資源、打印、教學系統及其他資訊科技服務。" +
		"請用你的驗證應用程式（例如 Microsoft Authenticator）掃描 QR 碼，或輸入以下金鑰："
	for _, w := range []int{16, 20, 30, 41} {
		out := cjkWrap(s, w)
		if strings.ReplaceAll(strings.ReplaceAll(out, "\n", ""), " ", "") != strings.ReplaceAll(s, " ", "") {
			t.Fatalf("width %d: text lost or changed:\n%s", w, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: line %q is %d cells", w, l, ansi.StringWidth(l))
			}
			if r := []rune(l); len(r) > 0 && strings.ContainsRune(noLineStart, r[0]) {
				t.Errorf("width %d: line %q starts with closing punctuation", w, l)
			}
		}
		for _, word := range []string{"Wi-Fi", "@Connect", "Microsoft", "Authenticator"} {
			if !strings.Contains(out, word) {
				t.Errorf("width %d: %q was broken:\n%s", w, word, out)
			}
		}
	}
	if got := wordwrap("Not one of your last ten passwords", 12); got != "Not one of\nyour last\nten\npasswords" {
		t.Errorf("English wraps differently now: %q", got)
	}
	if got := hanging("✓ ", "不可與你最近十個密碼相同，提交時檢查", 12); len(got) < 2 || !strings.HasPrefix(got[1], "  ") {
		t.Errorf("hanging indent: %q", got)
	}
}
