package policy

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Person is whose names a password must not contain. ChineseName is the
// registry's optional name in Chinese characters (陳大文), or "".
type Person struct{ AccountName, Surname, GivenNames, ChineseName string }

// Password length limits, in runes. The maximum protects the hasher.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// CheckState is how one checklist item stands while the student types.
type CheckState int

const (
	CheckUnknown CheckState = iota // nothing typed yet, or only the store can tell
	CheckMet
	CheckUnmet
)

func (s CheckState) String() string {
	switch s {
	case CheckMet:
		return "met"
	case CheckUnmet:
		return "unmet"
	default:
		return "unknown"
	}
}

// CheckItem is one line of the live password checklist: Label in English,
// LabelID and Data for the screens' catalog.
type CheckItem struct {
	Rule    RuleID
	Label   string
	State   CheckState
	LabelID string
	Data    map[string]any
}

// rule is one password rule. check returns a zero problem when the
// password keeps the rule, else the message to show; it is nil for reuse,
// which only the store can decide.
type rule struct {
	id      RuleID
	labelID string
	label   string
	data    map[string]any
	check   func(c *candidate) problem
}

// rules in the order the checklist shows them and CheckPassword reports them.
var rules = []rule{
	{RuleMinLength, "rule.min-length.label", fmt.Sprintf("At least %d characters", MinPasswordLen),
		map[string]any{"Count": MinPasswordLen}, checkMinLength},
	{RuleName, "rule.name.label", "Not your name or account name", nil, checkName},
	{RuleAlpha, "rule.alpha.label", "At least one letter", nil, checkAlpha},
	{RuleSequentialDigits, "rule.sequential-digits.label", "No 3 digits in sequence, like 123 or 987", nil, checkSequentialDigits},
	{RuleRepeatedChars, "rule.repeated-chars.label", "No character 3 times in a row, like aaa", nil, checkRepeatedChars},
	{RuleReuse, "rule.reuse.label", "Not one of your last ten passwords — checked when you submit", nil, nil},
	{RuleCommon, "rule.common.label", "Not a commonly used password", nil, checkCommon},
	{RuleCharset, "rule.charset.label", "No control or invisible characters", nil, checkCharset},
	{RuleMaxLength, "rule.max-length.label", fmt.Sprintf("At most %d characters", MaxPasswordLen),
		map[string]any{"Count": MaxPasswordLen}, checkMaxLength},
}

// candidate is a password with what several rules need worked out once.
type candidate struct {
	pw    string
	runes int
	who   Person
}

// CheckPassword returns every rule pw breaks for this person, in checklist
// order. It never reports "reuse": only the store knows old passwords.
func CheckPassword(pw string, who Person) []Violation {
	c := &candidate{pw: pw, runes: utf8.RuneCountInString(pw), who: who}
	var vs []Violation
	for _, r := range rules {
		if r.check == nil {
			continue
		}
		if p := r.check(c); p.msg != "" {
			vs = append(vs, Violation{Rule: r.id, Message: p.msg, ID: p.id, Data: p.data})
		}
	}
	return vs
}

// Checklist gives one item per rule, ticking as the student types. Nothing is
// met or unmet before the first character, and "reuse" stays unknown until
// the store checks it on submit.
func Checklist(pw string, who Person) []CheckItem {
	broken := map[RuleID]bool{}
	for _, v := range CheckPassword(pw, who) {
		broken[v.Rule] = true
	}
	items := make([]CheckItem, len(rules))
	for i, r := range rules {
		items[i] = CheckItem{Rule: r.id, Label: r.label, LabelID: r.labelID, Data: r.data}
		switch {
		case pw == "" || r.check == nil:
			items[i].State = CheckUnknown
		case broken[r.id]:
			items[i].State = CheckUnmet
		default:
			items[i].State = CheckMet
		}
	}
	return items
}

// ReuseViolation is what the store reports when a new password matches one of
// the last ten, so that every screen words it the same way.
func ReuseViolation() Violation {
	return Violation{Rule: RuleReuse, ID: "rule.reuse.message",
		Message: "Choose a password you have not used before — this is one of your last ten"}
}

func checkMinLength(c *candidate) problem {
	if c.runes < MinPasswordLen {
		return problem{"rule.min-length.message",
			fmt.Sprintf("Use at least %d characters — a short phrase with spaces is fine", MinPasswordLen),
			map[string]any{"Count": MinPasswordLen}}
	}
	return problem{}
}

func checkMaxLength(c *candidate) problem {
	if c.runes > MaxPasswordLen {
		return problem{"rule.max-length.message", fmt.Sprintf("Use at most %d characters", MaxPasswordLen),
			map[string]any{"Count": MaxPasswordLen}}
	}
	return problem{}
}

func checkAlpha(c *candidate) problem {
	if strings.IndexFunc(c.pw, unicode.IsLetter) < 0 {
		return problem{"rule.alpha.message", "Include at least one letter", nil}
	}
	return problem{}
}

func checkCommon(c *candidate) problem {
	if IsCommonPassword(c.pw) {
		return problem{"rule.common.message", "This is one of the most common passwords — choose something less predictable", nil}
	}
	return problem{}
}

// checkCharset refuses what cannot be seen or typed the same way twice:
// invalid UTF-8, control characters (Cc), format characters such as
// zero-width and bidi controls (Cf), private-use and unassigned code points,
// and line separators. Letters, marks, digits, punctuation, symbols and
// spaces of any script are fine.
func checkCharset(c *candidate) problem {
	if !utf8.ValidString(c.pw) || strings.IndexFunc(c.pw, isRefused) >= 0 {
		return problem{"rule.charset.message", "Remove control or invisible characters, such as tabs or zero-width spaces", nil}
	}
	return problem{}
}

func isRefused(r rune) bool { return !TextRune(r) }

func checkRepeatedChars(c *candidate) problem {
	prev, n := rune(-1), 0
	for _, r := range c.pw {
		if r != prev {
			prev, n = r, 0
		}
		if n++; n > 2 {
			return problem{"rule.repeated-chars.message", "Avoid typing the same character 3 times in a row, like aaa", nil}
		}
	}
	return problem{}
}

// checkSequentialDigits refuses a run of three or more digits each one up
// (123) or each one down (987) from the last. 9 and 0 do not wrap.
func checkSequentialDigits(c *candidate) problem {
	prev, step, run := -1, 0, 1
	for _, r := range c.pw {
		d, ok := digitValue(r)
		switch {
		case !ok:
			prev, step, run = -1, 0, 1
			continue
		case prev >= 0 && (d-prev == 1 || d-prev == -1):
			if d-prev == step {
				run++
			} else {
				step, run = d-prev, 2
			}
		default:
			step, run = 0, 1
		}
		if run > 2 {
			return problem{"rule.sequential-digits.message", "Avoid 3 or more digits in sequence, like 123 or 987", nil}
		}
		prev = d
	}
	return problem{}
}

// digitValue gives the value of a decimal digit in any script (1, ١, １).
// Unicode keeps every script's digits 0-9 in consecutive code points, and
// each Nd range starts at a zero.
func digitValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if r < utf8.RuneSelf || !unicode.IsDigit(r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

// checkName refuses a password that contains, in folded lower case and even
// inside a longer word, the surname, a given name of 3+ letters, the
// account name, or the Chinese name or any two characters of it in a row
// (a Chinese surname and a given name are one or two characters each, so
// two in a row is already a name: 陳大, 大文). The message says which,
// without echoing the password.
func checkName(c *candidate) problem {
	pw := fold(c.pw)
	for _, n := range surnameForms(c.who.Surname) {
		if containsName(pw, n) {
			return problem{"rule.name.surname", "Leave your surname out of the password, even inside a longer word", nil}
		}
	}
	for _, n := range longWords(words(fold(c.who.GivenNames))) {
		if strings.Contains(pw, n) {
			return problem{"rule.name.given", "Leave your given names out of the password, even inside a longer word", nil}
		}
	}
	if a := fold(strings.TrimSpace(c.who.AccountName)); a != "" && strings.Contains(pw, a) {
		return problem{"rule.name.account", "Leave your account name out of the password", nil}
	}
	if containsChineseName(pw, c.who.ChineseName) {
		return problem{"rule.name.chinese", "Leave your Chinese name out of the password, even two characters of it", nil}
	}
	return problem{}
}

// containsChineseName reports whether folded pw holds the whole Chinese
// name or any two of its characters in a row (spaces in the name ignored).
func containsChineseName(pw, name string) bool {
	r := []rune(strings.Join(strings.Fields(fold(name)), ""))
	switch {
	case len(r) == 0:
		return false
	case len(r) == 1:
		return strings.ContainsRune(pw, r[0])
	}
	for i := 0; i+1 < len(r); i++ {
		if strings.Contains(pw, string(r[i:i+2])) {
			return true
		}
	}
	return false
}

// containsName reports whether folded pw contains name. A name of 3+ letters
// counts anywhere, even inside a longer word; a two-letter surname (Ho, Ng,
// Li) counts only as a word of its own, or it would refuse "phone" and "long".
// Chinese names have no word breaks, so a Han surname (陳) counts anywhere.
func containsName(pw, name string) bool {
	if utf8.RuneCountInString(name) >= 3 || strings.IndexFunc(name, isHan) >= 0 {
		return strings.Contains(pw, name)
	}
	for _, w := range words(pw) {
		if w == name {
			return true
		}
	}
	return false
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// surnameForms is the surname as one word, of any length ("au yeung" ->
// "auyeung"), and for a surname of several words each word of 3+ letters.
func surnameForms(surname string) []string {
	ws := words(fold(surname))
	if len(ws) == 0 {
		return nil
	}
	forms := []string{strings.Join(ws, "")}
	if len(ws) > 1 {
		forms = append(forms, longWords(ws)...)
	}
	return forms
}

// longWords keeps the words of at least 3 letters.
func longWords(ws []string) []string {
	var out []string
	for _, w := range ws {
		if utf8.RuneCountInString(w) >= 3 {
			out = append(out, w)
		}
	}
	return out
}
