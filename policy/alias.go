package policy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// An alumni e-mail alias is the part before the @ of a lifelong address such
// as peter.chan@alumni.example.edu (seed "alumni-accounts-faq").
const (
	AliasMinLen = 3
	AliasMaxLen = 30
)

// Kinds of alias error, for errors.Is.
var (
	ErrAlias         = errors.New("an alias uses letters a–z and digits, with one dot or hyphen between parts, like peter.chan")
	ErrAliasReserved = errors.New("this alias is kept for university services: choose another, like peter.chan")
)

// reservedAliases name role mailboxes and services: an alias that is one of
// them, spells one without its dots and hyphens (no.reply), or starts with
// one as its first part (admin2, support.team) could pass for the
// university itself. A reserved word later in the alias is a name like any
// other ("amanda.root").
var reservedAliases = map[string]bool{
	"abuse": true, "admin": true, "administrator": true, "alumni": true, "help": true, "helpdesk": true,
	"hostmaster": true, "info": true, "itsc": true, "mailerdaemon": true, "noreply": true, "nobody": true,
	"postmaster": true, "registrar": true, "root": true, "security": true, "staff": true, "student": true,
	"students": true, "support": true, "sysadmin": true, "system": true, "test": true, "webmaster": true,
}

// ParseAlias checks an alias as a student types it and returns it in its
// stored form. Upper case is accepted and lowered (addresses ignore case);
// everything else must already be right: 3 to 30 characters, letters a–z
// and digits in parts joined by one dot or hyphen, starting with a letter
// (so it never looks like a student ID), and not a reserved word.
func ParseAlias(s string) (string, error) {
	a := strings.ToLower(strings.TrimSpace(s))
	if a == "" {
		return "", inputError(ErrAlias, "input.alias-empty", "please choose an alias, like peter.chan", nil)
	}
	if strings.Contains(a, "@") {
		return "", inputError(ErrAlias, "input.alias-at", "type only the part before the @, like peter.chan", nil)
	}
	if p := aliasCharProblem(a); p.msg != "" {
		return "", p.err(ErrAlias)
	}
	if p := aliasShapeProblem(a); p.msg != "" {
		return "", p.err(ErrAlias)
	}
	if aliasReserved(a) {
		return "", inputError(ErrAliasReserved, "input.alias-reserved-word",
			fmt.Sprintf("%q is kept for university services: choose another, like peter.chan", a), map[string]any{"Alias": a})
	}
	return a, nil
}

// aliasCharProblem names the first character an alias may not have.
func aliasCharProblem(a string) problem {
	for _, r := range a {
		switch {
		case isAliasLetter(r) || isAliasDigit(r) || isAliasSep(r):
		case r == ' ' || r == '\t':
			return problem{"input.alias-space", "an alias has no spaces: join the parts with a dot or hyphen, like peter.chan", nil}
		case r == '_':
			return problem{"input.alias-underscore", "use a dot or hyphen between parts, not an underscore, like peter.chan", nil}
		case r >= 0x80:
			return problem{"input.alias-script", fmt.Sprintf("an alias uses plain letters a–z (no accents or other scripts): %q cannot be used", r),
				map[string]any{"Char": r}}
		default:
			return problem{"input.alias-char", fmt.Sprintf("an alias uses letters a–z, digits and a dot or hyphen between parts: %q cannot be used", r),
				map[string]any{"Char": r}}
		}
	}
	return problem{}
}

// aliasShapeProblem checks length and where the separators are.
func aliasShapeProblem(a string) problem {
	switch n := len(a); {
	case n < AliasMinLen || n > AliasMaxLen:
		return problem{"input.alias-length", fmt.Sprintf("an alias has %d to %d characters; this has %d", AliasMinLen, AliasMaxLen, n),
			map[string]any{"Min": AliasMinLen, "Max": AliasMaxLen, "Count": n}}
	case !isAliasLetter(rune(a[0])):
		return problem{"input.alias-start", "an alias starts with a letter, like peter.chan", nil}
	case isAliasSep(rune(a[n-1])):
		return problem{"input.alias-end", "an alias cannot end with a dot or hyphen", nil}
	}
	for i := 1; i < len(a); i++ {
		if isAliasSep(rune(a[i])) && isAliasSep(rune(a[i-1])) {
			return problem{"input.alias-separators", "use only one dot or hyphen between parts, like peter.chan", nil}
		}
	}
	return problem{}
}

// aliasReserved applies the reserved words (see reservedAliases).
func aliasReserved(a string) bool {
	joined := strings.Map(func(r rune) rune {
		if isAliasSep(r) {
			return -1
		}
		return r
	}, a)
	first := strings.TrimRight(aliasParts(a)[0], "0123456789")
	return reservedAliases[joined] || reservedAliases[first]
}

// aliasParts splits an alias at its dots and hyphens.
func aliasParts(a string) []string {
	return strings.FieldsFunc(a, isAliasSep)
}

func isAliasLetter(r rune) bool { return r >= 'a' && r <= 'z' }
func isAliasDigit(r rune) bool  { return r >= '0' && r <= '9' }
func isAliasSep(r rune) bool    { return r == '.' || r == '-' }

// aliasNumbers is how far AliasSuggestions counts (peter.chan2 ... peter.chan99).
const aliasNumbers = 99

// AliasSuggestions offers up to n free aliases like base (which is taken):
// first base with a number (peter.chan2), then the other shapes of the same
// name (p.chan, peterchan, peter-chan, chan.peter), then more numbers. Each
// is a valid alias that taken reports free. A base that is not a valid alias
// gives none.
func AliasSuggestions(base string, taken func(string) bool, n int) []string {
	base, err := ParseAlias(base)
	if err != nil || n <= 0 {
		return nil
	}
	stem := strings.TrimRight(base, "0123456789")
	seen := map[string]bool{base: true}
	var out []string
	offer := func(c string) bool {
		if seen[c] {
			return len(out) >= n
		}
		seen[c] = true
		if ok, err := ParseAlias(c); err == nil && ok == c && !taken(c) {
			out = append(out, c)
		}
		return len(out) >= n
	}
	if offer(stem + "2") {
		return out
	}
	for _, c := range aliasShapes(stem) {
		if offer(c) {
			return out
		}
	}
	for i := 3; i <= aliasNumbers; i++ {
		if offer(stem + strconv.Itoa(i)) {
			return out
		}
	}
	return out
}

// aliasShapes are other spellings of the same name: the first part cut to
// its initial, the parts run together, the other separator, and the first
// and last parts swapped.
func aliasShapes(stem string) []string {
	parts := aliasParts(stem)
	if len(parts) < 2 {
		return nil
	}
	sep, other := ".", "-"
	if !strings.Contains(stem, ".") {
		sep, other = "-", "."
	}
	rest := strings.Join(parts[1:], sep)
	swapped := append([]string{parts[len(parts)-1]}, parts[1:len(parts)-1]...)
	swapped = append(swapped, parts[0])
	return []string{
		parts[0][:1] + sep + rest,
		strings.Join(parts, ""),
		strings.Join(parts, other),
		strings.Join(swapped, sep),
	}
}
