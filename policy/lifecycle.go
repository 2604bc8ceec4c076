package policy

import "time"

// GraceMonths is how long student services last after completion of study.
const GraceMonths = 4

// GraceEnd is when the grace period after completion ends.
func GraceEnd(completion time.Time) time.Time {
	return completion.AddDate(0, GraceMonths, 0)
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
	end := GraceEnd(completion)
	if extendedUntil.After(end) {
		end = extendedUntil
	}
	switch {
	case now.Before(end):
		return StatusGrace
	case AlumniEligible(cat):
		return StatusAlumni
	default:
		return StatusTerminated
	}
}
