package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseStudentID(t *testing.T) {
	tests := []struct {
		in     string
		length int
		want   string
		msg    string
	}{
		{"20261001", 8, "20261001", ""},
		{" 2026 1001 ", 0, "20261001", ""},
		{"２０２６１００１", 8, "20261001", ""},
		{"123456789", 9, "123456789", ""},
		{"", 8, "", "please enter your student ID (8 digits)"},
		{"2026100", 8, "", "student ID should be 8 digits; this has 7"},
		{"202610011", 0, "", "student ID should be 8 digits; this has 9"},
		{"2026100A", 8, "", "student ID has digits only (0–9), as printed on your student card"},
		{"-2026100", 8, "", "student ID has digits only (0–9), as printed on your student card"},
		{"٢٠٢٦١٠٠١", 8, "", "student ID has digits only (0–9), as printed on your student card"},
	}
	for _, tt := range tests {
		got, err := ParseStudentID(tt.in, tt.length)
		switch {
		case tt.msg == "" && (err != nil || got != tt.want):
			t.Errorf("ParseStudentID(%q, %d) = %q, %v; want %q", tt.in, tt.length, got, err, tt.want)
		case tt.msg != "" && (err == nil || err.Error() != tt.msg || !errors.Is(err, ErrStudentID)):
			t.Errorf("ParseStudentID(%q, %d) = %q, %v; want error %q", tt.in, tt.length, got, err, tt.msg)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		kind error
		msg  string
	}{
		{"2024-02-29", nil, ""},
		{"2000-02-29", nil, ""},
		{" 2026-06-30 ", nil, ""},
		{"2023-02-29", ErrNoSuchDate, "there is no 29 February in 2023: it is not a leap year"},
		{"1900-02-29", ErrNoSuchDate, "there is no 29 February in 1900: it is not a leap year"},
		{"2023-02-31", ErrNoSuchDate, "there is no 31 February"},
		{"2023-04-31", ErrNoSuchDate, "there is no 31 April"},
		{"2023-13-01", ErrNoSuchDate, "there is no month 13: months go from 1 to 12"},
		{"2023-00-10", ErrNoSuchDate, "there is no month 0: months go from 1 to 12"},
		{"2023-01-00", ErrNoSuchDate, "there is no day 0: days start at 1"},
		{"2023-4-1", ErrDateFormat, "date should look like 2004-07-31 (year-month-day)"},
		{"2023/04/01", ErrDateFormat, ""},
		{"01-04-2023", ErrDateFormat, ""},
		{"abcd-ef-gh", ErrDateFormat, ""},
		{"+023-04-01", ErrDateFormat, ""},
		{"", ErrDateFormat, ""},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if tt.kind == nil {
			want, _ := time.Parse(time.DateOnly, strings.TrimSpace(tt.in))
			if err != nil || !got.Equal(want) || got.Location() != time.UTC {
				t.Errorf("ParseDate(%q) = %v, %v", tt.in, got, err)
			}
			continue
		}
		if !errors.Is(err, tt.kind) || (tt.msg != "" && err.Error() != tt.msg) {
			t.Errorf("ParseDate(%q) = %v; want %v %q", tt.in, err, tt.kind, tt.msg)
		}
	}
}

func TestDateOfBirth(t *testing.T) {
	hk := time.FixedZone("HKT", 8*3600)
	today := time.Date(2026, 3, 1, 1, 0, 0, 0, hk) // still 28 February in UTC
	tests := []struct {
		y, m, d int
		want    string
		kind    error
	}{
		{2004, 2, 29, "2004-02-29", nil},
		{2006, 3, 14, "2006-03-14", nil},
		{1900, 1, 1, "1900-01-01", nil},
		{2026, 2, 28, "2026-02-28", nil},
		{2005, 2, 29, "", ErrNoSuchDate},
		{2005, 4, 31, "", ErrNoSuchDate},
		{2005, 13, 1, "", ErrNoSuchDate},
		{2026, 3, 1, "", ErrDateOfBirth},
		{2026, 3, 2, "", ErrDateOfBirth},
		{2030, 1, 1, "", ErrDateOfBirth},
		{1899, 12, 31, "", ErrDateOfBirth},
		{0, 0, 0, "", ErrDateOfBirth},
	}
	for _, tt := range tests {
		got, err := DateOfBirth(tt.y, tt.m, tt.d, today)
		if got != tt.want || !errors.Is(err, tt.kind) || (tt.kind == nil) != (err == nil) {
			t.Errorf("DateOfBirth(%d, %d, %d) = %q, %v; want %q, %v", tt.y, tt.m, tt.d, got, err, tt.want, tt.kind)
		}
	}
	if _, err := DateOfBirth(2030, 1, 1, today); err.Error() != "date of birth must be in the past" {
		t.Errorf("future date says %q", err)
	}
}

func TestParseLevelCategory(t *testing.T) {
	for in, want := range map[string]Level{"UG": LevelUG, "pg": LevelPG, " Ug ": LevelUG} {
		if got, err := ParseLevel(in); got != want || err != nil {
			t.Errorf("ParseLevel(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "UGR", "MPhil", "U G"} {
		if _, err := ParseLevel(in); !errors.Is(err, ErrUnknownLevel) {
			t.Errorf("ParseLevel(%q) = %v", in, err)
		}
	}
	for in, want := range map[string]Category{
		"degree": CategoryDegree, "Non-Degree": CategoryNonDegree,
		" exchange": CategoryExchange, "VISITING": CategoryVisiting,
	} {
		if got, err := ParseCategory(in); got != want || err != nil {
			t.Errorf("ParseCategory(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "alumni", "nondegree"} {
		if _, err := ParseCategory(in); !errors.Is(err, ErrUnknownCategory) {
			t.Errorf("ParseCategory(%q) = %v", in, err)
		}
	}
	if _, err := ParseLevel("MPhil"); err.Error() != `level "MPhil" should be UG or PG` {
		t.Errorf("message %q", err)
	}
}

// The one passport rule of the station's alumni screen and the registry
// import: what a student types there (ASCII letters, digits, spaces) and
// what a registry file holds read the same.
func TestParsePassportAsTypedAndFiled(t *testing.T) {
	tests := []struct{ in, want string }{
		{"K1234567", "K1234567"},
		{"k123 4567", "K1234567"},                        // as typed at the station
		{" K 12345 ", "K12345"},                          // five is the least
		{"Ｋ１２３４５６７", "K1234567"},                         // full width, from a Chinese keyboard or a registry export
		{"A2345678901234567890", "A2345678901234567890"}, // twenty is the most
		{"K123", ""},
		{"A23456789012345678901", ""},
		{"AB-12345", ""},
		{"Ä1234567", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		got, err := ParsePassport(tt.in)
		if got != tt.want || (tt.want == "") != (err != nil) || (err != nil && !errors.Is(err, ErrPassport)) {
			t.Errorf("ParsePassport(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
