package policy

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultStudentIDLen is the student ID length when the configuration sets none.
const DefaultStudentIDLen = 8

// ParseStudentID checks a student ID: digits only, exactly length of them
// (DefaultStudentIDLen when length <= 0). Spaces are ignored.
func ParseStudentID(s string, length int) (string, error) {
	if length <= 0 {
		length = DefaultStudentIDLen
	}
	id := compact(s)
	switch {
	case id == "":
		return "", inputError(ErrStudentID, "input.student-id-empty", fmt.Sprintf("please enter your student ID (%d digits)", length),
			map[string]any{"Count": length})
	case strings.IndexFunc(id, func(r rune) bool { return r < '0' || r > '9' }) >= 0:
		return "", inputError(ErrStudentID, "input.student-id-digits", "student ID has digits only (0–9), as printed on your student card", nil)
	case len(id) != length:
		return "", inputError(ErrStudentID, "input.student-id-length", fmt.Sprintf("student ID should be %d digits; this has %d", length, len(id)),
			map[string]any{"Count": length, "Got": len(id)})
	}
	return id, nil
}

// Passport numbers as the registry keeps them: ASCII letters and digits,
// upper case, spaces dropped.
const (
	PassportMinLen = 5
	PassportMaxLen = 20
)

// ParsePassport normalises a passport number as typed (spaces dropped,
// full-width forms narrowed, upper case) and checks its shape.
func ParsePassport(s string) (string, error) {
	p := compact(s)
	if len(p) < PassportMinLen || len(p) > PassportMaxLen ||
		strings.IndexFunc(p, func(r rune) bool { return !('A' <= r && r <= 'Z' || '0' <= r && r <= '9') }) >= 0 {
		return "", inputError(ErrPassport, "", "", nil)
	}
	return p, nil
}

// ParseDate reads "YYYY-MM-DD", a real calendar date, as UTC midnight.
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, inputError(ErrDateFormat, "", "", nil)
	}
	y, errY := strconv.ParseUint(s[:4], 10, 16)
	m, errM := strconv.ParseUint(s[5:7], 10, 8)
	d, errD := strconv.ParseUint(s[8:], 10, 8)
	if errY != nil || errM != nil || errD != nil {
		return time.Time{}, inputError(ErrDateFormat, "", "", nil)
	}
	if err := checkDate(int(y), int(m), int(d)); err != nil {
		return time.Time{}, err
	}
	return time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC), nil
}

// DateOfBirth checks a date of birth picked as year, month and day: a real
// date, from 1900 on, before today. It returns it as "YYYY-MM-DD".
func DateOfBirth(y, m, d int, today time.Time) (string, error) {
	if y < 1900 {
		return "", inputError(ErrDateOfBirth, "input.birth-year", "year of birth should be 1900 or later", nil)
	}
	if err := checkDate(y, m, d); err != nil {
		return "", err
	}
	ty, tm, td := today.Date()
	born := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if !born.Before(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return "", inputError(ErrDateOfBirth, "", "", nil)
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), nil
}

// checkDate says why y-m-d is not on the calendar, or nil if it is.
func checkDate(y, m, d int) error {
	if m < 1 || m > 12 {
		return inputError(ErrNoSuchDate, "input.no-month", fmt.Sprintf("there is no month %d: months go from 1 to 12", m),
			map[string]any{"Month": m})
	}
	month := time.Month(m)
	last := daysIn(y, month)
	switch {
	case d < 1:
		return inputError(ErrNoSuchDate, "input.no-day", fmt.Sprintf("there is no day %d: days start at 1", d), map[string]any{"Day": d})
	case d > last && month == time.February && d == 29:
		return inputError(ErrNoSuchDate, "input.no-leap-day", fmt.Sprintf("there is no 29 February in %d: it is not a leap year", y),
			map[string]any{"Year": y})
	case d > last:
		return inputError(ErrNoSuchDate, "input.no-such-day", fmt.Sprintf("there is no %d %s", d, month),
			map[string]any{"Day": d, "Month": month})
	}
	return nil
}

// daysIn is the number of days in a month of a year.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// ParseLevel reads a registry level, UG or PG, in any case.
func ParseLevel(s string) (Level, error) {
	switch l := Level(strings.ToUpper(strings.TrimSpace(s))); l {
	case LevelUG, LevelPG:
		return l, nil
	}
	return "", inputError(ErrUnknownLevel, "input.level", fmt.Sprintf("level %q should be UG or PG", s), map[string]any{"Value": s})
}

// ParseCategory reads a registry category (degree, non-degree, exchange or
// visiting) in any case.
func ParseCategory(s string) (Category, error) {
	switch c := Category(strings.ToLower(strings.TrimSpace(s))); c {
	case CategoryDegree, CategoryNonDegree, CategoryExchange, CategoryVisiting:
		return c, nil
	}
	return "", inputError(ErrUnknownCategory, "input.category",
		fmt.Sprintf("category %q should be degree, non-degree, exchange or visiting", s), map[string]any{"Value": s})
}
