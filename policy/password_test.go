package policy

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
)

var (
	chanTaiMan  = Person{AccountName: "tmchan", Surname: "CHAN", GivenNames: "Tai Man"}
	leeKaYan    = Person{AccountName: "kiwi7", Surname: "LEE", GivenNames: "Ka Yan"}
	chanChinese = Person{Surname: "陳", GivenNames: "大文"}
	nguyen      = Person{AccountName: "vanguyen", Surname: "NGUYỄN", GivenNames: "Văn An"}
	obrien      = Person{AccountName: "mjobrien", Surname: "O'BRIEN", GivenNames: "Mary-Jane"}
	auYeung     = Person{AccountName: "khauyeung", Surname: "AU YEUNG", GivenNames: "Ka Ho"}
	hoWingKei   = Person{AccountName: "wkho", Surname: "HO", GivenNames: "Wing Kei"}
	nobody      = Person{}
)

// ids lists the rules of a set of violations, in order.
func ids(vs []Violation) []RuleID {
	var out []RuleID
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

func rs(ids ...RuleID) []RuleID { return ids }

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		who  Person
		want []RuleID
	}{
		// the seed's own example and other good ones
		{"seed pass phrase", "twinS /w9 *s", chanTaiMan, nil},
		{"exactly 12", "quiet violin", chanTaiMan, nil},
		{"exactly 128", strings.Repeat("ab", 64), chanTaiMan, nil},
		{"128 Chinese characters", strings.Repeat("大文", 64), chanTaiMan, nil},
		{"no person known", "twinS /w9 *s", nobody, nil},

		// min-length, counted in runes
		{"empty", "", chanTaiMan, rs(RuleMinLength, RuleAlpha)},
		{"11 characters", "quiet violi", chanTaiMan, rs(RuleMinLength)},
		{"11 runes, 33 bytes", "大文學家的一句詩很美麗", nobody, rs(RuleMinLength)},
		{"12 runes of Chinese", "大文學家的一句詩很美麗呀", chanChinese, nil},

		// max-length
		{"129 characters", strings.Repeat("ab", 64) + "c", chanTaiMan, rs(RuleMaxLength)},

		// name: surname, given names of 3+ letters, account name; inside words
		{"surname", "chan loves tea", chanTaiMan, rs(RuleName)},
		{"surname upper case", "CHAN LOVES TEA", chanTaiMan, rs(RuleName)},
		{"surname inside a word", "a mechanic's wrench", chanTaiMan, rs(RuleName)},
		{"given name inside a word", "tailored jackets", chanTaiMan, rs(RuleName)},
		{"second given name", "batman & robin!", chanTaiMan, rs(RuleName)},
		{"account name", "my kiwi7 horse", leeKaYan, rs(RuleName)},
		{"short given names not checked", "kayak paddles", leeKaYan, nil},
		{"3-letter given name checked", "the yangtze river", leeKaYan, rs(RuleName)},
		{"short surname inside a word", "sleepy koalas", leeKaYan, rs(RuleName)},
		{"2-letter surname as a word", "mr ho likes tea", hoWingKei, rs(RuleName)},
		{"2-letter surname inside a word is fine", "red shoe shop", hoWingKei, nil},
		{"Chinese surname", "陳大文的新密碼是很長的哦", chanChinese, rs(RuleName)},
		{"Chinese 2-char given name not checked", "大文學家的一句詩很美麗呀", chanChinese, nil},
		{"accented surname typed plain", "nguyen rides bikes", nguyen, rs(RuleName)},
		{"accented surname typed accented", "Nguyễn rides bikes", nguyen, rs(RuleName)},
		{"accented given name", "caravan trips!", nguyen, rs(RuleName)},
		{"decomposed accents", "Nguye\u0302\u0303n rides bikes", nguyen, rs(RuleName)},
		{"apostrophe surname without it", "obrien drinks tea", obrien, rs(RuleName)},
		{"apostrophe surname with it", "o'brien drinks tea", obrien, rs(RuleName)},
		{"hyphenated given name part", "jane austen novels", obrien, rs(RuleName)},
		{"compound surname joined", "auyeung mountain", auYeung, rs(RuleName)},
		{"compound surname part", "yeung at heart!", auYeung, rs(RuleName)},
		{"2-letter part of compound not checked", "au revoir friend", auYeung, nil},

		// alpha: any Unicode letter counts
		{"no letter", "1357 2468 !?", nobody, rs(RuleAlpha)},
		{"accented letter counts", "1357 2468 !é", nobody, nil},
		{"Chinese letter counts", "1357 2468 !陳", nobody, nil},

		// sequential-digits: more than 2, up or down, no wrap
		{"ascending 3", "horse 123 battery", nobody, rs(RuleSequentialDigits)},
		{"descending 3", "horse 987 battery", nobody, rs(RuleSequentialDigits)},
		{"ascending 4", "horse battery 4567", nobody, rs(RuleSequentialDigits)},
		{"two in sequence", "horse 12 battery 89", nobody, nil},
		{"9 to 0 does not wrap", "horse 890 battery", nobody, nil},
		{"0 to 9 does not wrap", "horse 109 battery", nobody, nil},
		{"up then down", "horse 1212 battery", nobody, nil},
		{"separated digits", "horse 1 2 3 battery", nobody, nil},
		{"odd steps", "horse 13579 battery", nobody, nil},
		{"full-width digits", "horse １２３ battery", nobody, rs(RuleSequentialDigits)},
		{"Arabic-Indic digits", "horse ٣٢١ battery", nobody, rs(RuleSequentialDigits)},

		// repeated-chars: at most 2 identical adjacent
		{"two repeated", "horse aa battery", nobody, nil},
		{"three repeated", "horse aaa battery", nobody, rs(RuleRepeatedChars)},
		{"three symbols", "horse !!! battery", nobody, rs(RuleRepeatedChars)},
		{"three spaces", "horse   battery", nobody, rs(RuleRepeatedChars)},
		{"case differs", "horse AAa battery", nobody, nil},
		{"three Chinese", "horse 陳陳陳 battery", nobody, rs(RuleRepeatedChars)},
		{"three same digits", "horse 111 battery", nobody, rs(RuleRepeatedChars)},

		// common: whole password, any case
		{"common", "leavemealone", nobody, rs(RuleCommon)},
		{"common other case", "LeaveMeAlone", nobody, rs(RuleCommon)},
		{"common inside longer is fine", "leavemealone please", nobody, nil},
		{"short common", "password", nobody, rs(RuleMinLength, RuleCommon)},

		// charset: controls and invisible formatting refused, spaces and symbols fine
		{"tab", "horse\tbattery staple", nobody, rs(RuleCharset)},
		{"newline", "horse battery\n", nobody, rs(RuleCharset)},
		{"NUL", "horse\x00battery staple", nobody, rs(RuleCharset)},
		{"zero-width space", "horse\u200bbattery staple", nobody, rs(RuleCharset)},
		{"bidi override", "horse\u202ebattery staple", nobody, rs(RuleCharset)},
		{"invalid UTF-8", "horse battery \xff", nobody, rs(RuleCharset)},
		{"no-break space is a space", "horse\u00a0battery staple", nobody, nil},
		{"emoji", "horse 🐴 battery", nobody, nil},
		{"punctuation", "¿qué? «non» — 100%", nobody, nil},

		// several at once, in checklist order
		{"many", "zaaa456", chanTaiMan, rs(RuleMinLength, RuleSequentialDigits, RuleRepeatedChars)},
		{"everything but reuse", "\tchan\u200b", chanTaiMan, rs(RuleMinLength, RuleName, RuleCharset)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CheckPassword(tt.pw, tt.who)
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("CheckPassword(%q) = %v, want %v", tt.pw, ids(got), tt.want)
			}
			checkAgreement(t, tt.pw, tt.who)
		})
	}
}

func TestViolationMessages(t *testing.T) {
	got := CheckPassword("ab", chanTaiMan)
	if len(got) == 0 || got[0].Message != "Use at least 12 characters — a short phrase with spaces is fine" {
		t.Fatalf("first violation = %+v", got)
	}
	for pw, want := range map[string]string{
		"chan loves tea":   "surname",
		"tailored jackets": "given names",
	} {
		if v := CheckPassword(pw, chanTaiMan); len(v) != 1 || !strings.Contains(v[0].Message, want) {
			t.Errorf("CheckPassword(%q) = %+v, want a message about %s", pw, v, want)
		}
	}
	// a message never echoes the password itself
	for _, v := range CheckPassword("Zq\tchan 123aaa", chanTaiMan) {
		if strings.Contains(v.Message, "Zq") || v.Message == "" {
			t.Errorf("message %q", v.Message)
		}
	}
}

func TestChecklist(t *testing.T) {
	order := []RuleID{RuleMinLength, RuleName, RuleAlpha, RuleSequentialDigits, RuleRepeatedChars,
		RuleReuse, RuleCommon, RuleCharset, RuleMaxLength}
	states := func(items []CheckItem) map[RuleID]CheckState {
		m := map[RuleID]CheckState{}
		for _, it := range items {
			m[it.Rule] = it.State
		}
		return m
	}
	t.Run("empty: all unknown", func(t *testing.T) {
		items := Checklist("", chanTaiMan)
		var got []RuleID
		for _, it := range items {
			got = append(got, it.Rule)
			if it.State != CheckUnknown || it.Label == "" {
				t.Errorf("%+v", it)
			}
		}
		if !slices.Equal(got, order) {
			t.Errorf("order %v, want %v", got, order)
		}
	})
	t.Run("seed phrase: all met, reuse unknown", func(t *testing.T) {
		for id, s := range states(Checklist("twinS /w9 *s", chanTaiMan)) {
			want := CheckMet
			if id == RuleReuse {
				want = CheckUnknown
			}
			if s != want {
				t.Errorf("%s: %v, want %v", id, s, want)
			}
		}
	})
	t.Run("typing", func(t *testing.T) {
		got := states(Checklist("aaa1", chanTaiMan))
		want := map[RuleID]CheckState{
			RuleMinLength: CheckUnmet, RuleName: CheckMet, RuleAlpha: CheckMet,
			RuleSequentialDigits: CheckMet, RuleRepeatedChars: CheckUnmet, RuleReuse: CheckUnknown,
			RuleCommon: CheckMet, RuleCharset: CheckMet, RuleMaxLength: CheckMet,
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v\nwant %v", got, want)
		}
	})
	t.Run("reuse label", func(t *testing.T) {
		for _, it := range Checklist("x", nobody) {
			if it.Rule == RuleReuse && !strings.Contains(it.Label, "checked when you submit") {
				t.Errorf("reuse label %q", it.Label)
			}
		}
	})
}

// checkAgreement fails unless Checklist marks unmet exactly the rules
// CheckPassword reports, and nothing else breaks the contract.
func checkAgreement(t *testing.T, pw string, who Person) {
	t.Helper()
	vs := CheckPassword(pw, who)
	broken := map[RuleID]bool{}
	for _, v := range vs {
		if v.Rule == RuleReuse || v.Message == "" || broken[v.Rule] {
			t.Fatalf("bad violation %+v in %+v", v, vs)
		}
		broken[v.Rule] = true
	}
	items := Checklist(pw, who)
	if len(items) != len(rules) {
		t.Fatalf("Checklist has %d items, want %d", len(items), len(rules))
	}
	var unmet []RuleID
	for i, it := range items {
		if it.Rule != rules[i].id {
			t.Fatalf("item %d is %s, want %s", i, it.Rule, rules[i].id)
		}
		switch {
		case (pw == "" || it.Rule == RuleReuse) && it.State != CheckUnknown:
			t.Fatalf("%s is %v, want unknown", it.Rule, it.State)
		case it.State == CheckUnmet:
			unmet = append(unmet, it.Rule)
		}
	}
	if pw != "" && !slices.Equal(unmet, ids(vs)) {
		t.Fatalf("Checklist unmet %v, CheckPassword %v", unmet, ids(vs))
	}
}

func TestCheckStateString(t *testing.T) {
	for s, want := range map[CheckState]string{CheckUnknown: "unknown", CheckMet: "met", CheckUnmet: "unmet"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q", s, s.String())
		}
	}
}

func TestDigitValue(t *testing.T) {
	// every Unicode decimal digit range is whole decades starting at zero
	for r := rune(0); r <= 0x10FFFF; r++ {
		d, ok := digitValue(r)
		if ok != (r < 0x80 && r >= '0' && r <= '9' || r >= 0x80 && isNd(r)) || d < 0 || d > 9 {
			t.Fatalf("digitValue(%U) = %d, %v", r, d, ok)
		}
	}
	for _, tc := range []struct {
		r rune
		d int
	}{{'7', 7}, {'٣', 3}, {'０', 0}, {'９', 9}, {'𝟘', 0}, {'𝟡', 9}, {'𝟙', 1}} {
		if d, _ := digitValue(tc.r); d != tc.d {
			t.Errorf("digitValue(%c) = %d, want %d", tc.r, d, tc.d)
		}
	}
}

func TestIsCommonPassword(t *testing.T) {
	if n := len(commonSet()); n < 10000 {
		t.Fatalf("common list has %d entries, want >= 10000", n)
	}
	for pw, want := range map[string]bool{
		"password": true, "PASSWORD": true, "123456": true, "qazwsxedcrfv": true,
		"twinS /w9 *s": false, "": false, "password ": false,
	} {
		if got := IsCommonPassword(pw); got != want {
			t.Errorf("IsCommonPassword(%q) = %v", pw, got)
		}
	}
}

func isNd(r rune) bool { return unicode.Is(unicode.Nd, r) }

func TestReuseViolation(t *testing.T) {
	if v := ReuseViolation(); v.Rule != RuleReuse || !strings.Contains(v.Message, "last ten") {
		t.Errorf("ReuseViolation() = %+v", v)
	}
}

// The rule "not your name" also covers the Chinese name: the whole name,
// or any two of its characters in a row, anywhere in the password.
func TestPasswordChineseName(t *testing.T) {
	who := Person{AccountName: "tmchan", Surname: "CHAN", GivenNames: "Tai Man", ChineseName: "陳大文"}
	tests := []struct {
		pw   string
		name bool // refused by the name rule
	}{
		{"我是陳大文好開心嗎 river", true},
		{"abc陳大xyz-river", true},
		{"river大文stone9x", true},
		{"陳 大 文 river stone", false}, // split by spaces: no two in a row
		{"陳先生 river stone", false},   // one character alone is not the name
		{"文大陳 river stone", false},   // reversed is not in a row
		{"correct horse battery", false},
	}
	for _, tt := range tests {
		got := false
		for _, v := range CheckPassword(tt.pw, who) {
			if v.Rule == RuleName {
				got = true
				if v.ID != "rule.name.chinese" {
					t.Errorf("%q: id %q", tt.pw, v.ID)
				}
			}
		}
		if got != tt.name {
			t.Errorf("%q: name rule broken = %v, want %v", tt.pw, got, tt.name)
		}
	}
	if vs := CheckPassword("我是陳大文好開心嗎 river", Person{Surname: "CHAN", GivenNames: "Tai Man"}); len(vs) != 0 {
		t.Errorf("without a Chinese name: %+v", vs)
	}
	if vs := CheckPassword("陳大文 river stone", Person{ChineseName: "陳"}); len(vs) != 1 {
		t.Errorf("one-character name: %+v", vs)
	}
}
