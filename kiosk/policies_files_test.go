package kiosk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store/text"
)

// Every language of the station has every policy, as its own file (not
// English standing in), each a text the station would accept from staff,
// opening on a heading.
func TestEveryLanguageHasEveryPolicyFile(t *testing.T) {
	if got := len(PolicyFiles()); got != len(policySections)*len(text.Languages()) {
		t.Fatalf("%d policy files for %d sections in %v", got, len(policySections), text.Languages())
	}
	for _, s := range policySections {
		for _, lang := range text.Languages() {
			name := s.name + "." + lang + ".txt"
			b, err := builtinPolicyFiles.ReadFile("policies/" + name)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if err := checkPolicy(b); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			head, _, _ := strings.Cut(string(b), "\n")
			if strings.TrimSpace(head) == "" || listItem.MatchString(head) {
				t.Errorf("%s does not open on a heading: %q", name, head)
			}
			if lang != text.English && builtinPolicies.text(s.name, lang) == builtinPolicies.text(s.name, text.English) {
				t.Errorf("%s is the English text", name)
			}
		}
	}
	entries, _ := builtinPolicyFiles.ReadDir("policies")
	if len(entries) != len(PolicyFiles()) {
		t.Errorf("%d files in kiosk/policies, want %d (%v)", len(entries), len(PolicyFiles()), PolicyFiles())
	}
}

// policy_dir: a file there replaces the built-in text of that name, a
// missing one keeps it, a byte order mark and CRLF are fine; a file the
// students could not read, and a .txt file with no policy's name, stop the
// start with the file's path.
func TestLoadPolicies(t *testing.T) {
	write := func(dir, name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	dir := t.TempDir()
	write(dir, "aup.en.txt", "\uFEFFOUR RULES\r\n\r\n1. Be kind.\r\n")
	write(dir, "README.md", "not a policy: ignored")
	if err := os.Mkdir(filepath.Join(dir, "old"), 0o700); err != nil {
		t.Fatal(err)
	}
	p, err := LoadPolicies(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.text("aup", "en"); got != "OUR RULES\n\n1. Be kind." {
		t.Errorf("replaced aup.en.txt reads %q", got)
	}
	for _, kept := range []struct{ name, lang string }{{"aup", "zh-HK"}, {"access", "en"}, {"protect", "zh-HK"}} {
		if p.text(kept.name, kept.lang) != builtinPolicies.text(kept.name, kept.lang) {
			t.Errorf("%s.%s.txt is missing from policy_dir but not the built-in text", kept.name, kept.lang)
		}
	}
	if builtinPolicies.text("aup", "en") == p.text("aup", "en") {
		t.Error("loading changed the built-in texts")
	}
	if p, err := LoadPolicies(""); err != nil || p != BuiltinPolicies() {
		t.Errorf(`LoadPolicies("") = %v, %v`, p, err)
	}

	for _, bad := range []struct{ file, body, why string }{
		{"aup.en.txt", "", "is empty"},
		{"access.zh-HK.txt", " \n\n  \n", "is empty"},
		{"protect.en.txt", "PROTECT\n\nRing the \x07bell", "line 3 has a control or invisible character (U+0007)"},
		{"protect.en.txt", "PROTECT\n\nread \u202Eright to left", "U+202E"},
		{"aup.zh-HK.txt", "守則\n\xff\xfe", "line 2 is not UTF-8"},
		{"aup.en.txt", "RULES\n\tindented", "line 2 has a tab"},
		{"aup.en.txt", "RULES\rold Mac line end", "U+000D"},
		{"aup.zh-hk.txt", "守則", "not a policy file of the station"},
		{"aup.en.txt", strings.Repeat("x", maxPolicyBytes+1), "more than"},
	} {
		dir := t.TempDir()
		path := write(dir, bad.file, bad.body)
		_, err := LoadPolicies(dir)
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), bad.why) {
			t.Errorf("%s %q: err %v, want the path and %q", bad.file, bad.body[:min(len(bad.body), 30)], err, bad.why)
		}
	}
	if _, err := LoadPolicies(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a policy_dir that does not exist was accepted")
	}
}
