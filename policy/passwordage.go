package policy

import "time"

// PasswordReminderMonths is how old a password may get before the student is
// reminded to change it (seed "NetID": a reminder is sent when the password
// has not been changed for more than six months).
const PasswordReminderMonths = 6

// PasswordReminderFrom is the instant after which a password set at changedAt
// is overdue for a change. The zero time gives zero (no password).
func PasswordReminderFrom(changedAt time.Time) time.Time {
	if changedAt.IsZero() {
		return time.Time{}
	}
	return changedAt.AddDate(0, PasswordReminderMonths, 0)
}

// PasswordReminderDue reports whether a password set at changedAt is more
// than six months old at now. An account without a password is never due.
func PasswordReminderDue(changedAt, now time.Time) bool {
	return !changedAt.IsZero() && now.After(PasswordReminderFrom(changedAt))
}

// PasswordAgeMonths is the number of whole calendar months from changedAt to
// now, for "changed 7 months ago". Zero for no password or a future date.
func PasswordAgeMonths(changedAt, now time.Time) int {
	if changedAt.IsZero() || !now.After(changedAt) {
		return 0
	}
	months := (now.Year()-changedAt.Year())*12 + int(now.Month()-changedAt.Month())
	if changedAt.AddDate(0, months, 0).After(now) {
		months--
	}
	return max(months, 0)
}
