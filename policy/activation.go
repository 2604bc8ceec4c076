package policy

import "time"

// Activation is what Student A/C Activation can do for an account, or why
// it cannot (seed "student activation"): a station tells the student on the
// summary, before a password is typed, and the store refuses the same way.
type Activation int

const (
	ActivationOpen       Activation = iota // registered, studies going on: activate it
	ActivationDone                         // activated already: Change Network Password or Forgot Password
	ActivationTerminated                   // the account was terminated
	ActivationGraduate                     // a degree graduate who never activated: Alumni Account Activation
	ActivationClosed                       // studies ended before the account was activated: not eligible
)

// CanActivate says whether Student A/C Activation may give an account its
// first password. status is the account's status at now, already moved
// along the lifecycle (LifecycleStatus); activated is whether the account
// ever had a password (the lifecycle moves accounts never activated too,
// so the status alone does not tell); completion is the registry's
// completion date (zero for none).
//
// An account never activated that is terminated while its studies go on
// was closed by the university (terminated); one whose studies ended
// first missed activation (closed), unless it is a degree graduate's, who
// activates it as an alumni account.
func CanActivate(status Status, category Category, completion time.Time, activated bool, now time.Time) Activation {
	switch {
	case activated && status == StatusTerminated:
		return ActivationTerminated
	case activated:
		return ActivationDone
	case status == StatusRegistered:
		return ActivationOpen
	case AlumniEligible(category) && (status == StatusGrace || status == StatusAlumni):
		return ActivationGraduate
	case status == StatusTerminated && (completion.IsZero() || now.Before(completion)):
		return ActivationTerminated
	}
	return ActivationClosed
}
