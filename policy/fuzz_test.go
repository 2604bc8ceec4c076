package policy

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Seed corpora for the first two targets live in testdata/fuzz/.

func FuzzCheckPassword(f *testing.F) {
	f.Add("twinS /w9 *s", "CHAN", "Tai Man", "tmchan")
	f.Fuzz(func(t *testing.T, pw, surname, given, account string) {
		who := Person{AccountName: account, Surname: surname, GivenNames: given}
		checkAgreement(t, pw, who)
		if score, hint := Strength(pw); score < 0 || score > 4 || hint == "" {
			t.Fatalf("Strength(%q) = %d, %q", pw, score, hint)
		}
	})
}

var normalHKID = regexp.MustCompile(`^[A-Z]{1,2}[0-9]{6}[0-9A]$`)

func FuzzParseHKID(f *testing.F) {
	f.Add("A123456(3)")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := ParseHKID(s)
		hint := HKIDHint(s)
		if err != nil {
			if !h.IsZero() || err.Error() == "" ||
				!errors.Is(err, ErrHKIDFormat) && !errors.Is(err, ErrHKIDCheckDigit) {
				t.Fatalf("ParseHKID(%q) = %#v, %v", s, h, err)
			}
			return
		}
		if hint != "" {
			t.Fatalf("HKIDHint(%q) = %q for a valid number", s, hint)
		}
		if !normalHKID.MatchString(h.String()) {
			t.Fatalf("ParseHKID(%q).String() = %q", s, h)
		}
		for _, form := range []string{h.String(), h.Display()} {
			if again, err := ParseHKID(form); err != nil || again != h {
				t.Fatalf("%q does not round-trip: %#v, %v", form, again, err)
			}
		}
	})
}

func FuzzAccountBase(f *testing.F) {
	f.Add("NGUYỄN", "Văn An")
	f.Add("陳", "大文")
	f.Fuzz(func(t *testing.T, surname, given string) {
		got := AccountBase(surname, given)
		if got == "" || strings.Trim(got, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Fatalf("AccountBase(%q, %q) = %q", surname, given, got)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	f.Add("2024-02-29")
	f.Add("2023-02-29")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("ParseDate(%q): empty message", s)
			}
			return
		}
		if d.Format(time.DateOnly) != strings.TrimSpace(s) || d.Location() != time.UTC {
			t.Fatalf("ParseDate(%q) = %v", s, d)
		}
	})
}
