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

// kindIDs are the message ids (store/text catalog) of each kind's own text.
var kindIDs = map[error]string{
	ErrHKIDFormat:      "input.hkid-format",
	ErrHKIDCheckDigit:  "input.hkid-check-digit",
	ErrStudentID:       "input.student-id",
	ErrDateFormat:      "input.date-format",
	ErrNoSuchDate:      "input.no-such-date",
	ErrDateOfBirth:     "input.date-of-birth",
	ErrUnknownLevel:    "input.unknown-level",
	ErrUnknownCategory: "input.unknown-category",
	ErrPassport:        "input.passport",
	ErrFullNameLetters: "input.full-name-letters",
	ErrAlias:           "input.alias",
	ErrAliasReserved:   "input.alias-reserved",
	ErrEmail:           "input.email",
	ErrAliasNotName:    "input.alias-not-name",
	ErrDisplayName:     "input.display-name",
}

// KindID is the message id of an input error kind's own text, or "".
func KindID(kind error) string { return kindIDs[kind] }

// Error is a problem with something a person typed or a registry row holds.
// Error() is the English message (logs, import reports); a screen renders
// ID with Data through the catalog instead. Unwrap gives the Err* kind.
type Error struct {
	Kind error
	Msg  string
	ID   string         // message id, e.g. "input.student-id-length"
	Data map[string]any // its named values, e.g. {"Want": 8, "Got": 7}
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

// inputError builds an *Error of a kind with message id and its data; an
// empty msg uses the kind's own text and id.
func inputError(kind error, id, msg string, data map[string]any) error {
	if msg == "" {
		msg, id = kind.Error(), kindIDs[kind]
	}
	return &Error{Kind: kind, Msg: msg, ID: id, Data: data}
}

// problem is a message with its id and data, before it becomes an *Error.
type problem struct {
	id, msg string
	data    map[string]any
}

func (p problem) err(kind error) error { return inputError(kind, p.id, p.msg, p.data) }
