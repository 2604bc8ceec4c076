package registry

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/expressstation/kiosk/policy"
)

// FuzzParse: Parse never panics, and every row it delivers is valid:
// lines increase, student IDs are unique 8-digit strings, identity fields
// are in normal form, dates are real and a date of birth is in the past.
// Seeds live in testdata/fuzz/FuzzParse; run with -fuzz=FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte(header + row("20230001", "A123456(3)")))
	f.Add(genRegistry(20))
	f.Fuzz(func(t *testing.T, data []byte) {
		seen := map[string]bool{}
		last := 1
		rowErrs, err := Parse(bytes.NewReader(data), Options{Today: today}, func(r Record) error {
			if r.Line <= last {
				t.Errorf("line %d after line %d", r.Line, last)
			}
			last = r.Line
			if seen[r.StudentID] {
				t.Errorf("student id %q delivered twice", r.StudentID)
			}
			seen[r.StudentID] = true
			checkRecord(t, r)
			return nil
		})
		if err != nil && rowErrs != nil {
			// Only a callback error returns both, and ours never fails.
			t.Errorf("error %v with %d row errors", err, len(rowErrs))
		}
		for i, e := range rowErrs {
			if e.Line < 2 || e.Reason == "" || (i > 0 && e.Line <= rowErrs[i-1].Line) {
				t.Errorf("row error %d: %v", i, e)
			}
		}
	})
}

// checkRecord fails t if r is not a valid, normalised registry row.
func checkRecord(t *testing.T, r Record) {
	t.Helper()
	if id, err := policy.ParseStudentID(r.StudentID, 8); err != nil || id != r.StudentID {
		t.Errorf("student id %q: %v", r.StudentID, err)
	}
	if r.HKID != "" {
		if h, err := policy.ParseHKID(r.HKID); err != nil || h.String() != r.HKID {
			t.Errorf("hkid %q: %v", r.HKID, err)
		}
	}
	dob, err := policy.ParseDate(r.DateOfBirth)
	if err != nil || dob.Format("2006-01-02") != r.DateOfBirth || !dob.Before(today) {
		t.Errorf("date of birth %q: %v", r.DateOfBirth, err)
	}
	if r.CompletionDate != "" {
		if c, err := policy.ParseDate(r.CompletionDate); err != nil || c.Format("2006-01-02") != r.CompletionDate {
			t.Errorf("completion date %q: %v", r.CompletionDate, err)
		}
	}
	if r.Level != policy.LevelUG && r.Level != policy.LevelPG {
		t.Errorf("level %q", r.Level)
	}
	switch r.Category {
	case policy.CategoryDegree, policy.CategoryNonDegree, policy.CategoryExchange, policy.CategoryVisiting:
	default:
		t.Errorf("category %q", r.Category)
	}
	if r.Surname == "" {
		t.Error("empty surname")
	}
	for _, s := range []string{r.Surname, r.GivenNames, r.Department} {
		if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 || s != strings.Join(strings.Fields(s), " ") {
			t.Errorf("text field %q is not clean", s)
		}
	}
	if strings.IndexFunc(r.PassportNo, func(c rune) bool { return !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') }) >= 0 {
		t.Errorf("passport %q", r.PassportNo)
	}
}
