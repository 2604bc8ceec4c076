package policy

import "time"

// GraceMonths is how long student services last after completion of study.
const GraceMonths = 4

// GraceEnd is when the grace period after completion ends.
func GraceEnd(completion time.Time) time.Time {
	return completion.AddDate(0, GraceMonths, 0)
}

// StudentServicesEnd is when student services end: the end of grace, or a
// supervisor's extension when that is later. A zero completion gives zero
// (no end is known yet).
func StudentServicesEnd(completion, extendedUntil time.Time) time.Time {
	if completion.IsZero() {
		return time.Time{}
	}
	end := GraceEnd(completion)
	if extendedUntil.After(end) {
		return extendedUntil
	}
	return end
}

// FormatDate is how dates read on screens and in notices: "30 Oct 2027".
// The zero time gives "".
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 Jan 2006")
}

// AlumniEligible reports whether a category keeps an alumni account after
// grace: degree graduates only, not non-degree, exchange-in or visiting students.
func AlumniEligible(c Category) bool { return c == CategoryDegree }

// LifecycleStatus is the status an account should have at now. Registered
// and active accounts stay so until completion; from completion until the
// end of grace (postponed to extendedUntil when that is later) they are in
// grace; after that degree graduates become alumni and others terminated.
// Terminated and alumni are final, and a zero completion changes nothing.
// A grace account stays in grace until its end even if completion moves
// later: whether it was ever activated is not known here.
func LifecycleStatus(cur Status, cat Category, completion, extendedUntil, now time.Time) Status {
	switch {
	case cur != StatusRegistered && cur != StatusActive && cur != StatusGrace:
		return cur
	case completion.IsZero():
		return cur
	case now.Before(completion) && cur != StatusGrace:
		return cur
	}
	switch {
	case now.Before(StudentServicesEnd(completion, extendedUntil)):
		return StatusGrace
	case AlumniEligible(cat):
		return StatusAlumni
	default:
		return StatusTerminated
	}
}
