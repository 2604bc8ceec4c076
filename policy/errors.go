package policy

import "errors"

// Kinds of input error, for errors.Is. Their own text is a generic message;
// the *Error wrapping them usually says more.
var (
	ErrHKIDFormat      = errors.New("HK ID card number should look like A123456(3)")
	ErrHKIDCheckDigit  = errors.New("the check digit (in brackets) does not match — please check the number")
	ErrStudentID       = errors.New("student ID should be the digits printed on your student card")
	ErrDateFormat      = errors.New("date should look like 2004-07-31 (year-month-day)")
	ErrNoSuchDate      = errors.New("there is no such date")
	ErrDateOfBirth     = errors.New("date of birth must be in the past")
	ErrUnknownLevel    = errors.New("level should be UG or PG")
	ErrUnknownCategory = errors.New("category should be degree, non-degree, exchange or visiting")
	ErrPassport        = errors.New("a passport number has 5 to 20 letters and digits")
	ErrFullNameLetters = errors.New("type your name in English letters exactly as on your HK ID card or passport")
)

// Error is a problem with something a person typed or a registry row holds.
// Error() is the message to show; Unwrap gives the Err* kind.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// inputError builds an *Error of a kind; an empty msg uses the kind's own text.
func inputError(kind error, msg string) error {
	if msg == "" {
		msg = kind.Error()
	}
	return &Error{Kind: kind, Msg: msg}
}
