package store

import "github.com/expressstation/kiosk/store/domain"

// Names of store/domain that store/lockout.go and store/alumni.go still use
// unqualified: those files are being changed on another branch at the same
// time (issue 12), so they keep their lines until that has merged. New code
// says domain.X; these go once those two files do.
const (
	OpFailure        = domain.OpFailure
	OpActivateAlumni = domain.OpActivateAlumni
)

type (
	FailurePayload        = domain.FailurePayload
	ActivateAlumniPayload = domain.ActivateAlumniPayload
)
