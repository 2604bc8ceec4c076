package policy

import (
	"errors"
	"strings"
)

// A postgraduate's full-name alias (seed "student-user-accounts": "full
// name email alias that's available to postgraduate students") is an
// alias (ParseAlias) at the university's own mail domain, made of the
// student's own names as the registry spells them: tai.man.chan for
// CHAN, Tai Man. It shares the alumni alias's namespace, so no two
// accounts ever hold the same alias, whichever use it was chosen for.

// ErrAliasNotName refuses a full-name alias that is not made of the
// student's names.
var ErrAliasNotName = errors.New("a full-name alias is made of your own names, like tai.man.chan")

// maxNameWords bounds the words a full-name alias is matched against (a
// registry name has a handful; the search below is exponential in it).
const maxNameWords = 12

// FullNameAliasOpen reports whether an account of level l with status s
// (as it is now) may choose a full-name alias: a postgraduate while a
// student. A graduate chooses the alumni alias instead.
func FullNameAliasOpen(l Level, s Status) bool { return l == LevelPG && s == StatusActive }

// FullNameAlias is the alias a student is first offered: the given names
// and the surname in lower-case ASCII joined by dots ("CHAN", "Tai Man" ->
// "tai.man.chan"); when that is longer than AliasMaxLen, the given names'
// initials ("t.m.chan"). "" when the names give no valid alias (no Latin
// letters, or a reserved word).
func FullNameAlias(surname, givenNames string) string {
	given, sur := aliasNameWords(givenNames), aliasNameWords(surname)
	if len(sur) == 0 {
		return ""
	}
	for _, short := range []bool{false, true} {
		var parts []string
		for _, g := range given {
			if short {
				g = g[:1]
			}
			parts = append(parts, g)
		}
		a := strings.Join(append(parts, sur...), ".")
		if ok, err := ParseAlias(a); err == nil && ok == a {
			return a
		}
	}
	return ""
}

// ParseFullNameAlias is ParseAlias for a full-name alias: it must also be
// made of the student's names. Each of its parts (between dots and
// hyphens) is one or more of the names, each a whole word or its initial,
// each used once, in any order; every word of the surname is there in full
// and, when the registry gives given names, at least one of them; a number
// may end it (tai.man.chan2). So the clash suggestions of tai.man.chan
// (t.man.chan, taimanchan, tai-man-chan, chan.tai.man) all pass.
func ParseFullNameAlias(s, surname, givenNames string) (string, error) {
	a, err := ParseAlias(s)
	if err != nil {
		return "", err
	}
	if !isFullNameAlias(a, aliasNameWords(surname), aliasNameWords(givenNames)) {
		return "", inputError(ErrAliasNotName, "input.alias-not-your-name", "a full-name alias is made of your own names, like "+FullNameAlias(surname, givenNames),
			map[string]any{"Example": FullNameAlias(surname, givenNames)})
	}
	return a, nil
}

// aliasNameWords are a registry name's words as an alias spells them.
func aliasNameWords(name string) []string {
	var out []string
	for _, w := range words(fold(name)) {
		if l := asciiLetters(w); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// isFullNameAlias applies ParseFullNameAlias's rule to a parsed alias.
func isFullNameAlias(a string, sur, given []string) bool {
	names := append(append([]string{}, sur...), given...)
	if len(sur) == 0 || len(names) > maxNameWords {
		return false
	}
	parts := aliasParts(strings.TrimRight(a, "0123456789"))
	var need uint // the surname's words: each must be used in full
	for i := range sur {
		need |= 1 << i
	}
	// failed remembers the states already searched in vain, so that names
	// that repeat a word cannot make the search try every order of them.
	type state struct {
		part, pos  int
		used, full uint
	}
	failed := map[state]bool{}
	var match func(st state) bool
	match = func(st state) bool {
		if st.part == len(parts) {
			return st.full&need == need && (len(given) == 0 || st.used&^need != 0)
		}
		if failed[st] {
			return false
		}
		p := parts[st.part]
		if st.pos == len(p) {
			return match(state{st.part + 1, 0, st.used, st.full})
		}
		for i, w := range names {
			bit := uint(1) << i
			if st.used&bit != 0 {
				continue
			}
			if strings.HasPrefix(p[st.pos:], w) && match(state{st.part, st.pos + len(w), st.used | bit, st.full | bit}) {
				return true
			}
			if p[st.pos] == w[0] && len(w) > 1 && match(state{st.part, st.pos + 1, st.used | bit, st.full}) {
				return true
			}
		}
		failed[st] = true
		return false
	}
	return match(state{})
}
