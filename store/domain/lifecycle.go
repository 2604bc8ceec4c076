package domain

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/notice"
)

// The lifecycle rules a standalone station (store: RunLifecycle, Extend,
// QueuePasswordReminders) and the central store (store/central) both apply:
// pure functions of what an account's lifecycle depends on, so that both
// move an account, refuse an extension and remind of an old password alike,
// with the same notice.

// LifecycleFacts are what the lifecycle rules read of an account: from a
// station's row (row.lifecycle) or from a central snapshot (Snapshot.Lifecycle).
type LifecycleFacts struct {
	Account              string
	Status               policy.Status // as stored
	Category             policy.Category
	Completion, Extended time.Time // UTC midnight; zero when none
	Activated            bool      // ever given a password: only then are notices sent
}

// LifecycleReport says what a run of the lifecycle did (a standalone
// station's or the central store's).
type LifecycleReport struct {
	Checked     int          // accounts the search found that may be due to move
	Transitions []Transition // what moved, in account name order
	Notices     int          // notices queued (activated accounts only)
}

// Transition is one account's move along the lifecycle.
type Transition struct {
	Account     string
	From, To    policy.Status
	ServicesEnd time.Time
	Notice      notice.Kind // the notice it sends; "" for an account never activated
}

// Count is how many transitions went to status to.
func (rep LifecycleReport) Count(to policy.Status) int {
	n := 0
	for _, t := range rep.Transitions {
		if t.To == to {
			n++
		}
	}
	return n
}

// Add counts a transition made.
func (rep *LifecycleReport) Add(t Transition) {
	rep.Transitions = append(rep.Transitions, t)
	if t.Notice != "" {
		rep.Notices++
	}
}

// Lifecycle is the snapshot's lifecycle facts.
func (s *Snapshot) Lifecycle() LifecycleFacts {
	completion, _ := time.Parse(time.DateOnly, s.CompletionDate)
	extended, _ := time.Parse(time.DateOnly, s.ExtendedUntil)
	return LifecycleFacts{Account: s.Name, Status: s.Status, Category: s.Category,
		Completion: completion, Extended: extended, Activated: s.Activated()}
}

// StatusAt is the status the account has at t (policy.LifecycleStatus).
func (f LifecycleFacts) StatusAt(t time.Time) policy.Status {
	return policy.LifecycleStatus(f.Status, f.Category, f.Completion, f.Extended, t)
}

// ServicesEnd is when student services end (zero without a completion date).
func (f LifecycleFacts) ServicesEnd() time.Time {
	return policy.StudentServicesEnd(f.Completion, f.Extended)
}

// Due is the transition due at now, if any: to grace on the completion date
// (the notice of grace starting), to alumni or terminated at the end of
// grace or of an extension (the notice of the expiry date). An account never
// activated moves without a notice.
func (f LifecycleFacts) Due(now time.Time) (Transition, bool) {
	to := f.StatusAt(now)
	if to == f.Status {
		return Transition{}, false
	}
	t := Transition{Account: f.Account, From: f.Status, To: to, ServicesEnd: f.ServicesEnd()}
	switch {
	case !f.Activated:
	case to == policy.StatusGrace:
		t.Notice = notice.GraceStarts
	default:
		t.Notice = notice.Expired
	}
	return t, true
}

// Detail is the transition as an audit row says it.
func (t Transition) Detail() string {
	return fmt.Sprintf("%s -> %s; student services end %s", t.From, t.To, DateString(t.ServicesEnd))
}

// maxReasonLen bounds an extension's reason (it goes into the audit).
const maxReasonLen = 500

// ExtensionReason checks a supervisor's justification for an extension: one
// line of plain text, not empty, whitespace collapsed.
func ExtensionReason(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case s == "":
		return "", errors.New("give the reason for the extension, as the supervisor stated it")
	case len(s) > maxReasonLen:
		return "", fmt.Errorf("the reason is too long: at most %d characters", maxReasonLen)
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", errors.New("the reason must be plain text")
	}
	return s, nil
}

// ExtensionDate is the calendar date of t, in t's own zone, as the UTC
// midnight that stored dates are.
func ExtensionDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CheckExtension says why the account's student services cannot be
// extended until the date until (an ExtensionDate) at now; nil when they
// can. The studies must have a completion date; services that have ended
// (alumni, terminated) are final and cannot be reopened; the extension must
// end after the grace period, and after today.
func (f LifecycleFacts) CheckExtension(until, now time.Time) error {
	if f.Completion.IsZero() {
		return fmt.Errorf("%s has no completion date in the registry: an extension applies after completion of study", f.Account)
	}
	if eff := f.StatusAt(now); eff == policy.StatusAlumni || eff == policy.StatusTerminated {
		return fmt.Errorf("student services of %s already ended on %s (now %s): an extension cannot reopen them",
			f.Account, policy.FormatDate(f.ServicesEnd()), eff)
	}
	if graceEnd := policy.GraceEnd(f.Completion); !until.After(graceEnd) {
		return fmt.Errorf("the extension must end after the grace period, which ends on %s", policy.FormatDate(graceEnd))
	}
	if !until.After(now) {
		return fmt.Errorf("the extension date %s has passed: give a date after today", policy.FormatDate(until))
	}
	return nil
}

// ReminderDue says whether a password reminder is due at now (seed
// "netid"): the password was set more than six months ago, the account can
// still sign in, and the last reminder (zero if none) is more than six
// months old too.
func (f LifecycleFacts) ReminderDue(passwordChanged, lastReminder, now time.Time) bool {
	switch {
	case !f.Activated || !policy.PasswordReminderDue(passwordChanged, now):
		return false
	case f.StatusAt(now) == policy.StatusTerminated:
		return false
	}
	return lastReminder.IsZero() || policy.PasswordReminderDue(lastReminder, now)
}

// ExtensionDetail is an extension as an audit row says it.
func ExtensionDetail(until time.Time, reason string) string {
	return fmt.Sprintf("student services until %s: %s", DateString(until), reason)
}
