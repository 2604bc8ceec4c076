package store

import (
	"context"
	"crypto/hmac"
	"errors"
)

// ErrNoIdentity says neither an HK ID card number, a date of birth nor a
// passport number was given.
var ErrNoIdentity = newError("error.no-identity", "enter your HK ID card number or your date of birth")

// VerifyIdentity checks a Student ID with one identity verifier: the HKID
// when given, else the date of birth, else the passport number. It returns
// the account whatever its status (the screen shows it).
//
// A record that holds an HKID is verified with it and nothing else (DESIGN
// "Identity proofing"; seed: the date of birth is "if you do not have a HK
// ID Card"). Every refusal is the same ErrIdentityMismatch: a wrong value,
// the date of birth or a passport for a record with an HKID, and a Student
// ID that is not on record, so the answer tells neither who studies here nor
// which documents a record holds. Each is a failed proof and counts alike:
// towards the account's lockout (or the unknown ID's, which is locked the
// same way) and towards the station's limit (identity_rate.go). Both paths
// compute the keyed hash and write one transaction, so they take as long.
func (r *Replica) VerifyIdentity(ctx context.Context, id Identity) (Account, error) {
	kind, value := id.verifier()
	if kind == "" {
		return Account{}, ErrNoIdentity
	}
	subject := r.subjectOf("student_id", id.StudentID)
	if err := r.checkHolds(ctx, subject); err != nil {
		return Account{}, err
	}
	typed := r.opt.Keys.IdentityHash(kind, value)
	a, err := r.byStudentID(ctx, id.StudentID)
	if errors.Is(err, ErrNotFound) {
		hmac.Equal(typed, unknownRecord[:]) // the compare a record would get
		return Account{}, r.failUnknown(ctx, subject, "identity: unknown student ID")
	}
	if err != nil {
		return Account{}, err
	}
	if err := r.checkLock(a); err != nil {
		return Account{}, err
	}
	stored := a.verifier(kind)
	if kind != "hkid" && a.HKIDHash != nil {
		stored = unknownRecord[:] // a record with an HKID is verified with it only
	}
	if !hmac.Equal(typed, stored) {
		return Account{}, r.recordIdentityFailure(ctx, a, true)
	}
	acct := r.account(a)
	acct.Proof = Proof{Account: a.Name, Kind: kind}
	return acct, nil
}

// unknownRecord stands for the stored hash where there is none to compare
// with: no keyed hash is all zeros.
var unknownRecord [32]byte

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
