package policy

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var aliasShape = regexp.MustCompile(`^[a-z][a-z0-9]*([.-][a-z0-9]+)*$`)

func FuzzParseAlias(f *testing.F) {
	for _, s := range []string{"peter.chan", "Peter-Chan2", "no.reply", "a..b", "josé", "x@y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAlias(s)
		if err != nil {
			if a != "" || err.Error() == "" || !errors.Is(err, ErrAlias) && !errors.Is(err, ErrAliasReserved) {
				t.Fatalf("ParseAlias(%q) = %q, %v", s, a, err)
			}
			return
		}
		if !aliasShape.MatchString(a) || len(a) < AliasMinLen || len(a) > AliasMaxLen {
			t.Fatalf("ParseAlias(%q) = %q: not an alias", s, a)
		}
		if again, err := ParseAlias(a); err != nil || again != a {
			t.Fatalf("%q does not round-trip: %q, %v", a, again, err)
		}
		for _, sug := range AliasSuggestions(a, func(string) bool { return false }, 5) {
			if got, err := ParseAlias(sug); err != nil || got != sug || sug == a {
				t.Fatalf("AliasSuggestions(%q) offered %q: %v", a, sug, err)
			}
		}
	})
}

func FuzzFullNameMatches(f *testing.F) {
	f.Add("CHAN", "Tai Man", "Chan, Tai Man")
	f.Add("陳", "大文", "大文陳")
	f.Fuzz(func(t *testing.T, surname, given, typed string) {
		got := FullNameMatches(surname, given, typed)
		if got && len(nameWords(typed)) == 0 {
			t.Fatalf("FullNameMatches(%q, %q, %q) with no words in what was typed", surname, given, typed)
		}
		if len(nameWords(surname+" "+given)) == 0 {
			return
		}
		for _, form := range []string{surname + " " + given, surname + ", " + given, given + " " + surname,
			strings.ToUpper(surname) + " " + given} {
			if !FullNameMatches(surname, given, form) {
				t.Fatalf("FullNameMatches(%q, %q, %q) = false for the name itself", surname, given, form)
			}
		}
	})
}

func FuzzParsePersonalEmail(f *testing.F) {
	for _, s := range []string{"peter@gmail.com", "a@b", "Peter <p@x.com>", "p@connect.example.edu"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParsePersonalEmail(s, "connect.example.edu")
		if err != nil {
			if e != "" || !errors.Is(err, ErrEmail) {
				t.Fatalf("ParsePersonalEmail(%q) = %q, %v", s, e, err)
			}
			return
		}
		if strings.ContainsAny(e, " \r\n<>") || !strings.Contains(e, "@") ||
			strings.HasSuffix(e, "@connect.example.edu") || strings.HasSuffix(e, ".connect.example.edu") {
			t.Fatalf("ParsePersonalEmail(%q) = %q", s, e)
		}
		if again, err := ParsePersonalEmail(e); err != nil || again != e {
			t.Fatalf("%q does not round-trip: %q, %v", e, again, err)
		}
	})
}
