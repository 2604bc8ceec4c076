package text

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	gotoml "github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

// raw reads one language file as id -> plural form -> template.
func raw(t *testing.T, fsys fs.FS, name string) map[string]map[string]string {
	t.Helper()
	buf, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]map[string]string
	if err := toml.Unmarshal(buf, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

// gaps lists, for every language of c, the keys of English it lacks and
// the keys it has that English does not.
func gaps(c *Catalog) []string {
	var out []string
	base := c.Keys(English)
	for _, l := range c.Languages()[1:] {
		have := c.Keys(l)
		for _, k := range base {
			if !slices.Contains(have, k) {
				out = append(out, l+": missing "+k)
			}
		}
		for _, k := range have {
			if !slices.Contains(base, k) {
				out = append(out, l+": not in en.toml: "+k)
			}
		}
	}
	return out
}

func TestEveryKeyInEveryLanguage(t *testing.T) {
	c := Default()
	if got := c.Languages(); !slices.Equal(got, []string{"en", "zh-HK"}) {
		t.Fatalf("languages %v, want [en zh-HK]", got)
	}
	if len(c.Keys(English)) < 100 {
		t.Fatalf("only %d keys in en.toml", len(c.Keys(English)))
	}
	for _, g := range gaps(c) {
		t.Error(g)
	}
}

var placeholder = regexp.MustCompile(`\.([A-Z][A-Za-z]*)`)

// placeholders is the set of named values the templates of a message use.
func placeholders(forms map[string]string) []string {
	set := map[string]bool{}
	for _, tmpl := range forms {
		for _, m := range placeholder.FindAllStringSubmatch(tmpl, -1) {
			set[m[1]] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func TestPlaceholdersSameInEveryLanguage(t *testing.T) {
	en := raw(t, files, "en.toml")
	for _, l := range Languages()[1:] {
		other := raw(t, files, l+".toml")
		for id, forms := range en {
			if want, got := placeholders(forms), placeholders(other[id]); !slices.Equal(want, got) {
				t.Errorf("%s %s uses %v, en uses %v", l, id, got, want)
			}
		}
	}
}

// A plural message must give English "one" and "other", and every form of
// the language's own CLDR plural rule; Chinese has only "other".
func TestPluralForms(t *testing.T) {
	en := raw(t, files, "en.toml")
	zh := raw(t, files, "zh-HK.toml")
	for id, forms := range en {
		if _, one := forms["one"]; one {
			if _, other := forms["other"]; !other {
				t.Errorf("en %s has one but no other", id)
			}
		}
		if _, ok := zh[id]["other"]; !ok || len(zh[id]) != 1 {
			t.Errorf("zh-HK %s: want only the form other, have %v", id, slices.Sorted(maps.Keys(zh[id])))
		}
	}
}

// idLiteral is the shape of a message id in Go source: one of the
// catalog's sections, a dot, and lower-case words (see the package doc).
var idLiteral = regexp.MustCompile(`^(rule|input|error|refusal|notice|screen)\.[a-z0-9-]+(\.[a-z0-9-]+)*$`)

// usedIDs scans the module's Go files (tests excluded) for string
// literals shaped like message ids.
func usedIDs(t *testing.T) map[string][]string {
	t.Helper()
	root := filepath.Join("..", "..")
	used := map[string][]string{}
	fset := token.NewFileSet()
	for _, dir := range []string{"cmd", "kiosk", "policy", "store"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil && idLiteral.MatchString(s) {
						used[s] = append(used[s], fset.Position(lit.Pos()).String())
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return used
}

func TestEveryKeyUsedAndEveryUsedKeyDefined(t *testing.T) {
	used := usedIDs(t)
	keys := Default().Keys(English)
	for id, where := range used {
		if !slices.Contains(keys, id) {
			t.Errorf("%s: id %q is not in en.toml", where[0], id)
		}
	}
	for _, k := range keys {
		if _, ok := used[k]; !ok {
			t.Errorf("en.toml key %q is used nowhere in the code", k)
		}
	}
}

func TestRender(t *testing.T) {
	cases := []struct {
		lang, id string
		data     Data
		want     string
	}{
		{"en", "rule.min-length.label", Data{"Count": 12}, "At least 12 characters"},
		{"en", "rule.min-length.label", Data{"Count": 1}, "At least 1 character"},
		{"zh-HK", "rule.min-length.label", Data{"Count": 12}, "最少 12 個字元"},
		{"zh-HK", "rule.min-length.label", Data{"Count": 1}, "最少 1 個字元"},
		{"en", "error.locked", Data{"Until": "14:05"}, "too many failed attempts: self-service is locked until 14:05"},
		{"zh-HK", "error.locked", Data{"Until": "14:05"}, "失敗次數過多：自助服務已鎖定至 14:05"},
		{"en", "input.no-such-day", Data{"Day": 30, "Month": time.February}, "there is no 30 February"},
		{"zh-HK", "input.no-such-day", Data{"Day": 30, "Month": time.February}, "沒有 2 月 30 日"},
		{"en", "notice.extended.subject", Data{"End": time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)},
			"Your student network services are extended to 31 Mar 2027"},
		{"zh-HK", "notice.extended.subject", Data{"End": time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)},
			"你的學生網絡服務已延期至 2027年3月31日"},
		{"xx", "error.terminated", nil, "this account has been terminated"}, // unknown language: English
		{"en", "no.such.id", nil, "no.such.id"},
	}
	for _, c := range cases {
		if got := T(c.lang, c.id, c.data); got != c.want {
			t.Errorf("T(%s, %s) = %q, want %q", c.lang, c.id, got, c.want)
		}
	}
	if got := N("en", "input.alias-length", 2, Data{"Min": 3, "Max": 30}); got != "an alias has 3 to 30 characters; this has 2" {
		t.Errorf("N = %q", got)
	}
}

// A third language is one more file: Load finds it by its name, and the
// same checks report what it lacks.
func TestThirdLanguageIsOneFile(t *testing.T) {
	fr, err := os.ReadFile(filepath.Join("testdata", "fr.toml"))
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"fr.toml": {Data: fr}}
	for _, name := range []string{"en.toml", "zh-HK.toml"} {
		b, _ := fs.ReadFile(files, name)
		fsys[name] = &fstest.MapFile{Data: b}
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Languages(); !slices.Equal(got, []string{"en", "fr", "zh-HK"}) || !c.Has("fr") {
		t.Fatalf("languages %v", got)
	}
	p := c.Printer("fr")
	if got := p.T("refusal.locked.title", nil); got != "Libre-service verrouillé" {
		t.Errorf("fr title %q", got)
	}
	if got := p.T("rule.min-length.label", Data{"Count": 12}); got != "Au moins 12 caractères" {
		t.Errorf("fr plural %q", got)
	}
	if got := p.T("refusal.locked.body", Data{"Until": "14:05", "Desk": "le guichet"}); !strings.Contains(got, "jusqu'à 14:05") {
		t.Errorf("fr body %q", got)
	}
	if g := gaps(c); len(g) == 0 || !strings.HasPrefix(g[0], "fr: missing ") {
		t.Errorf("an incomplete fr.toml is not reported: %v", g)
	}
}

// The password checklist renders nine labels per keystroke.
func BenchmarkChecklistLabels(b *testing.B) {
	ids := []string{"rule.min-length.label", "rule.name.label", "rule.alpha.label", "rule.sequential-digits.label",
		"rule.repeated-chars.label", "rule.reuse.label", "rule.common.label", "rule.charset.label", "rule.max-length.label"}
	for _, lang := range Languages() {
		b.Run(lang, func(b *testing.B) {
			p := For(lang)
			for b.Loop() {
				for _, id := range ids {
					p.T(id, Data{"Count": 12})
				}
			}
		})
	}
}

// The shipped catalog parses a language when it is first asked for (a
// station's start parses only its own), concurrently safe, and a language
// loaded late falls back to English as before.
func TestLanguagesLoadWhenAsked(t *testing.T) {
	c, err := open(files)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.printers.Load(English); ok {
		t.Fatal("English was parsed before anyone asked for it")
	}
	if !c.Has("zh-HK") || !slices.Equal(c.Languages(), []string{"en", "zh-HK"}) {
		t.Fatalf("languages %v", c.Languages())
	}
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			got[i] = c.Printer("zh-HK").T("rule.alpha.label", nil) + c.Printer("en").T("rule.alpha.label", nil)
		})
	}
	wg.Wait()
	for _, s := range got {
		if s != "最少一個字母"+T(English, "rule.alpha.label", nil) {
			t.Fatalf("rendered %q", s)
		}
	}
	if c.Printer("fr").Lang() != English || c.Printer("zh-HK").T("no.such.id", nil) != "no.such.id" {
		t.Fatal("unknown language or id")
	}
	if len(c.Keys("zh-HK")) != len(c.Keys(English)) {
		t.Fatalf("zh-HK has %d keys, en %d", len(c.Keys("zh-HK")), len(c.Keys(English)))
	}
}

// The table of the languages' own names, which the first frame's language
// button reads instead of parsing the other language, says what each
// shipped file says: a new language file fails here until it is added.
func TestOwnNames(t *testing.T) {
	for _, l := range Languages() {
		want := raw(t, files, l+".toml")["screen.lang.button"]["other"]
		if got, ok := ownNames[l]; !ok || got != want {
			t.Errorf("ownNames[%q] = %q, %s.toml says %q: add it to ownNames", l, got, l, want)
		}
		if got := Name(l); got != want {
			t.Errorf("Name(%q) = %q, want %q", l, got, want)
		}
	}
	for l := range ownNames {
		if !Has(l) {
			t.Errorf("ownNames has %q, which has no file", l)
		}
	}
}

// The catalog reads its files with go-toml (a third of BurntSushi's parse
// time, issue 17); every message of every shipped file must come out as
// BurntSushi, the reference decoder elsewhere, reads it.
func TestCatalogDecoderAgrees(t *testing.T) {
	for _, l := range Languages() {
		name := l + ".toml"
		buf, err := fs.ReadFile(files, name)
		if err != nil {
			t.Fatal(err)
		}
		var got []*i18n.Message
		for _, un := range []i18n.UnmarshalFunc{toml.Unmarshal, gotoml.Unmarshal} {
			b := i18n.NewBundle(language.English)
			b.RegisterUnmarshalFunc("toml", un)
			mf, err := b.ParseMessageFileBytes(buf, name)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			msgs := slices.SortedFunc(slices.Values(mf.Messages), func(a, b *i18n.Message) int { return strings.Compare(a.ID, b.ID) })
			if got != nil && len(got) != len(msgs) {
				t.Fatalf("%s: the decoders read %d and %d messages", name, len(got), len(msgs))
			}
			if got != nil {
				for i := range got {
					if !reflect.DeepEqual(got[i], msgs[i]) {
						t.Fatalf("%s: the decoders disagree: %+v, %+v", name, got[i], msgs[i])
					}
				}
			}
			got = msgs
		}
		if len(got) != len(raw(t, files, name)) {
			t.Fatalf("%s: %d messages, the file has %d", name, len(got), len(raw(t, files, name)))
		}
	}
}

// BenchmarkParseLanguage is one language's parse, as a station's start
// does it for its own language before the first frame.
func BenchmarkParseLanguage(b *testing.B) {
	for _, l := range Languages() {
		b.Run(l, func(b *testing.B) {
			for b.Loop() {
				c, err := open(files)
				if err != nil {
					b.Fatal(err)
				}
				c.Printer(l)
			}
		})
	}
}
