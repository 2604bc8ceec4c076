package store

import (
	"context"
	"crypto/hmac"
	"errors"
)

// ErrNoIdentity says neither an HK ID card number, a date of birth nor a
// passport number was given.
var ErrNoIdentity = errors.New("enter your HK ID card number or your date of birth")

// VerifyIdentity checks a Student ID with one identity verifier: the HKID
// when given, else the date of birth, else the passport number. It returns
// the account whatever its status (the screen shows it); a mismatch counts
// towards the lockout.
func (r *Replica) VerifyIdentity(ctx context.Context, id Identity) (Account, error) {
	kind, value := id.verifier()
	if kind == "" {
		return Account{}, ErrNoIdentity
	}
	a, err := r.byStudentID(ctx, id.StudentID)
	if err != nil {
		return Account{}, err
	}
	if err := r.checkLock(a); err != nil {
		return Account{}, err
	}
	if !hmac.Equal(r.opt.Keys.IdentityHash(kind, value), a.verifier(kind)) {
		return Account{}, r.recordFailure(ctx, a, failIdentity, ErrIdentityMismatch)
	}
	acct := r.account(a)
	acct.Proof = Proof{Account: a.Name, Kind: kind}
	return acct, nil
}

// verifier picks the one value this identity is checked with.
func (id Identity) verifier() (kind, value string) {
	switch {
	case id.HKID != "":
		return "hkid", id.HKID
	case id.DateOfBirth != "":
		return "dob", id.DateOfBirth
	case id.PassportNo != "":
		return "passport", id.PassportNo
	}
	return "", ""
}

// verifier is the stored hash of one kind (nil when the registry had none,
// which never matches).
func (a row) verifier(kind string) []byte {
	switch kind {
	case "hkid":
		return a.HKIDHash
	case "dob":
		return a.DOBHash
	case "passport":
		return a.PassportHash
	}
	return nil
}
