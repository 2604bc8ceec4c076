package domain

import (
	"slices"

	"github.com/expressstation/kiosk/store/notice"
)

// The op kinds. Each is declared once, in kinds below: a new kind is its
// constant, its payload type (payloads.go), one entry and the functions the
// entry names (apply.go, check.go). Nothing else switches on a kind, and
// neither store's tables list them (the replica's outbox takes the
// declared kinds since migration 0008).
const (
	OpActivate       OpKind = "activate"
	OpSetPassword    OpKind = "set_password"
	OpEnrolTOTP      OpKind = "enrol_totp"
	OpTOTPStep       OpKind = "totp_step"
	OpDirectory      OpKind = "directory"
	OpFailure        OpKind = "failure"
	OpLifecycle      OpKind = "lifecycle" // a standalone station moved the status
	OpExtend         OpKind = "extend"    // a supervisor's extension
	OpActivateAlumni OpKind = "activate_alumni"
	OpAlias          OpKind = "alias"
	OpPersonalEmail  OpKind = "personal_email"
	OpUsePass        OpKind = "use_pass" // a service-desk access pass was used: 2FA reset follows
	OpDisplayName    OpKind = "display_name"
)

var kinds = map[OpKind]kind{
	OpActivate: {handlers: handle(applyActivate, checkActivate), gate: gateSelfService,
		notice: notice.Activated, refused: "notice.refused.what.activate", activates: true},
	OpSetPassword: {handlers: handle(applySetPassword, checkSetPassword), gate: gateActivated,
		notice:  notice.PasswordChanged,
		refused: "notice.refused.what.password", needs2FA: true},
	OpEnrolTOTP: {handlers: handle(applyEnrolTOTP, checkEnrolTOTP), gate: gateActivated,
		notice:  notice.TOTPChanged,
		refused: "notice.refused.what.totp", provesTOTP: true, needs2FA: true},
	OpTOTPStep:  {handlers: handle(applyTOTPStep, checkTOTPStep), gate: gateActivated, provesTOTP: true},
	OpDirectory: {handlers: handle[DirectoryPayload](applyDirectory, nil), gate: gateSelfService, needs2FA: true},
	OpFailure:   {handlers: handle[FailurePayload](applyFailure, nil), gate: gateCounted},
	OpLifecycle: {handlers: handle(applyLifecycle, checkLifecycle), gate: gateRecords},
	OpExtend:    {handlers: handle(applyExtend, checkExtend), gate: gateRecords},
	OpActivateAlumni: {handlers: handle(applyActivateAlumni, checkActivateAlumni), gate: gateSelfService,
		notice: notice.Activated, refused: "notice.refused.what.activate", activates: true, graduate: true},
	OpAlias: {handlers: handle(applyAlias, checkAlias), gate: gateActivated,
		refused: "notice.refused.what.alias", needs2FA: true},
	OpPersonalEmail: {handlers: handle(applyPersonalEmail, checkPersonalEmail), gate: gateActivated, needs2FA: true},
	OpUsePass: {handlers: handle(applyUsePass, checkUsePass), gate: gateActivated, notice: notice.TOTPReset,
		refused: "notice.refused.what.pass", provesPass: true},
	OpDisplayName: {handlers: handle(applyDisplayName, checkDisplayName), gate: gateActivated, needs2FA: true},
}

// kind is what the stores need to know of an op kind.
type kind struct {
	handlers
	gate gate
	// notice is what a station's change of this kind tells the student
	// ("if this wasn't you..."); "" for none.
	notice notice.Kind
	// refused says what the student did, in the notice that the central
	// store refused it, for the kinds whose refusal a student would
	// otherwise meet unexplained (a password that does not work, a 2FA or
	// alias that is not there); "" for no notice.
	refused string
	// provesTOTP: a 2FA code was accepted or an enrolment confirmed, so the
	// visit's next changes are made with ProofTOTP.
	provesTOTP bool
	// needs2FA: on an account with 2FA, the change needs a 2FA code (or
	// enrolment) earlier in the visit.
	needs2FA bool
	// provesPass: a service-desk access pass was accepted, so the visit's
	// next changes are made with ProofPass, which stands for a 2FA code
	// (the desk checked the student in person).
	provesPass bool
	// activates: the account's first password.
	activates bool
	// graduate: a graduate's own op, so a passport number must be used to
	// verify it where the record holds one.
	graduate bool
}

// handlers are a kind's functions on its payload type.
type handlers struct {
	decode func(Op) (any, error)
	apply  func(*Snapshot, any)
	check  func(*checking, any) *Rejection // nil: the gate is the whole check
}

// handle types a kind's functions to its payload P.
func handle[P any](apply func(*Snapshot, P), check func(*checking, P) *Rejection) handlers {
	h := handlers{
		decode: func(op Op) (any, error) { return decodeStrict[P](op) },
		apply:  func(s *Snapshot, p any) { apply(s, p.(P)) },
	}
	if check != nil {
		h.check = func(c *checking, p any) *Rejection { return check(c, p.(P)) }
	}
	return h
}

// Kinds lists the declared kinds, in name order.
func Kinds() []OpKind {
	out := make([]OpKind, 0, len(kinds))
	for k := range kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Known reports whether k is a declared kind.
func (k OpKind) Known() bool { _, ok := kinds[k]; return ok }

// Notice is the notice a station's change of kind k sends; "" for none.
func (k OpKind) Notice() notice.Kind { return kinds[k].notice }

// Refused says what the student did, for the notice that the central store
// refused a change of kind k; "" when its refusal sends no notice.
func (k OpKind) Refused() string { return kinds[k].refused }

// ProvesTOTP reports whether a change of kind k accepted a 2FA code (or
// confirmed an enrolment): the visit's next changes carry ProofTOTP.
func (k OpKind) ProvesTOTP() bool { return kinds[k].provesTOTP }

// ProvesPass reports whether a change of kind k accepted an access pass:
// the visit's next changes carry ProofPass, which a change that needs 2FA
// accepts.
func (k OpKind) ProvesPass() bool { return kinds[k].provesPass }

// Needs2FA reports whether a change of kind k to an account with 2FA needs
// a 2FA code earlier in its visit.
func (k OpKind) Needs2FA() bool { return kinds[k].needs2FA }

// Activates reports whether kind k gives an account its first password.
func (k OpKind) Activates() bool { return kinds[k].activates }

// Graduate reports whether kind k is a graduate's own change, which a
// passport number verifies where the record holds one.
func (k OpKind) Graduate() bool { return kinds[k].graduate }
