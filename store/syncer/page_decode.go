package syncer

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// decodePage decodes a page of the change feed. A bootstrap reads tens of
// megabytes of pages, and encoding/json spends about a third of the
// bootstrap's CPU on them, so the shape the store sends is read by a small
// scanner. Anything it does not expect (an unknown field, null, a repeated
// key, a surrogate escape) sends the page to encoding/json, which defines
// the result: the two agree on every input the scanner accepts
// (FuzzDecodePage).
func decodePage(data []byte) (wire.Page, error) {
	var p wire.Page
	s := scanner{b: data}
	if s.page(&p) {
		return p, nil
	}
	p = wire.Page{}
	err := json.Unmarshal(data, &p)
	return p, err
}

// Snapshot fields by JSON key; a bit each, to refuse a repeated key.
const (
	fSeq = iota
	fName
	fStudentID
	fSurname
	fGivenNames
	fDepartment
	fLevel
	fCategory
	fCompletionDate
	fExtendedUntil
	fStatus
	fHKIDHash
	fDOBHash
	fPassportHash
	fPasswordHash
	fPasswordHistory
	fActivatedAt
	fPasswordChangedAt
	fTOTPSealed
	fTOTPLastStep
	fDirectoryPublic
	fLockedUntil
	fAlias
	fPersonalEmail
	fChineseName
	fPassHash
	fPassExpires
	fPassIssuedBy
	fAliasFullName
	fDisplayName
	fPersonalEmailVerifiedAt
)

var snapshotKeys = map[string]int{
	"seq": fSeq, "name": fName, "student_id": fStudentID, "surname": fSurname, "given_names": fGivenNames,
	"department": fDepartment, "level": fLevel, "category": fCategory, "completion_date": fCompletionDate,
	"extended_until": fExtendedUntil, "status": fStatus, "hkid_hash": fHKIDHash, "dob_hash": fDOBHash,
	"passport_hash": fPassportHash, "password_hash": fPasswordHash, "password_history": fPasswordHistory,
	"activated_at": fActivatedAt, "password_changed_at": fPasswordChangedAt, "totp_sealed": fTOTPSealed,
	"totp_last_step": fTOTPLastStep, "directory_public": fDirectoryPublic, "locked_until": fLockedUntil,
	"alias": fAlias, "personal_email": fPersonalEmail, "chinese_name": fChineseName,
	"pass_hash": fPassHash, "pass_expires": fPassExpires, "pass_issued_by": fPassIssuedBy,
	"alias_full_name": fAliasFullName, "display_name": fDisplayName,
	"personal_email_verified_at": fPersonalEmailVerifiedAt,
}

// scanner reads JSON from b; every method reports false for anything it
// does not handle, and the caller then gives up.
type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next consumes c (after whitespace) if it comes next.
func (s *scanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *scanner) page(p *wire.Page) bool {
	var seen uint
	ok := s.object(func(key string) bool {
		var bit uint
		ok := false
		switch key {
		case "epoch":
			bit = 1
			p.Epoch, ok = s.str()
		case "after":
			bit = 2
			p.After, ok = s.int()
		case "next":
			bit = 4
			p.Next, ok = s.int()
		case "head":
			bit = 8
			p.Head, ok = s.int()
		case "more":
			bit = 16
			p.More, ok = s.boolean()
		case "changes":
			bit = 32
			p.Changes, ok = s.changes()
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
	s.ws()
	return ok && s.i == len(s.b)
}

// object reads {"key": value, ...}: member is called with each key once
// its colon is read, and reads the value. Anything unexpected is false, and
// the caller falls back to encoding/json.
func (s *scanner) object(member func(key string) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return true
	}
	for {
		key, ok := s.str()
		if !ok || !s.next(':') || !member(key) {
			return false
		}
		if !s.next(',') {
			return s.next('}')
		}
	}
}

// array reads [elem, ...], calling elem to read each element.
func (s *scanner) array(elem func() bool) bool {
	if !s.next('[') {
		return false
	}
	if s.next(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if !s.next(',') {
			return s.next(']')
		}
	}
}

func (s *scanner) changes() ([]domain.Snapshot, bool) {
	out := make([]domain.Snapshot, 0, 256)
	ok := s.array(func() bool {
		out = append(out, domain.Snapshot{})
		return s.snapshot(&out[len(out)-1])
	})
	return out, ok
}

func (s *scanner) snapshot(v *domain.Snapshot) bool {
	var seen uint64
	return s.object(func(key string) bool {
		f, known := snapshotKeys[key]
		if !known || seen&(1<<f) != 0 {
			return false
		}
		seen |= 1 << f
		return s.field(v, f)
	})
}

func (s *scanner) field(v *domain.Snapshot, f int) (ok bool) {
	switch f {
	case fSeq:
		v.Seq, ok = s.int()
	case fTOTPLastStep:
		v.TOTPLastStep, ok = s.int()
	case fDirectoryPublic:
		v.DirectoryPublic, ok = s.boolean()
	case fAliasFullName:
		v.AliasFullName, ok = s.boolean()
	case fHKIDHash:
		v.HKIDHash, ok = s.bytes()
	case fDOBHash:
		v.DOBHash, ok = s.bytes()
	case fPassportHash:
		v.PassportHash, ok = s.bytes()
	case fTOTPSealed:
		v.TOTPSealed, ok = s.bytes()
	case fActivatedAt:
		v.ActivatedAt, ok = s.time()
	case fPasswordChangedAt:
		v.PasswordChangedAt, ok = s.time()
	case fLockedUntil:
		v.LockedUntil, ok = s.time()
	case fPassExpires:
		v.PassExpires, ok = s.time()
	case fPersonalEmailVerifiedAt:
		v.PersonalEmailVerifiedAt, ok = s.time()
	case fPasswordHistory:
		v.PasswordHistory, ok = s.strings()
	default:
		var str string
		if str, ok = s.str(); ok {
			*stringField(v, f) = str
		}
	}
	return ok
}

// stringField is the plain string field f names.
func stringField(v *domain.Snapshot, f int) *string {
	switch f {
	case fName:
		return &v.Name
	case fStudentID:
		return &v.StudentID
	case fSurname:
		return &v.Surname
	case fGivenNames:
		return &v.GivenNames
	case fDepartment:
		return &v.Department
	case fLevel:
		return (*string)(&v.Level)
	case fCategory:
		return (*string)(&v.Category)
	case fCompletionDate:
		return &v.CompletionDate
	case fExtendedUntil:
		return &v.ExtendedUntil
	case fStatus:
		return (*string)(&v.Status)
	case fPasswordHash:
		return &v.PasswordHash
	case fAlias:
		return &v.Alias
	case fChineseName:
		return &v.ChineseName
	case fPassHash:
		return &v.PassHash
	case fPassIssuedBy:
		return &v.PassIssuedBy
	case fDisplayName:
		return &v.DisplayName
	}
	return &v.PersonalEmail
}

// raw returns the bytes of a string without escapes, quotes included.
func (s *scanner) raw() ([]byte, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			r := s.b[s.i : j+1]
			s.i = j + 1
			return r, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// str reads a string: valid UTF-8, escapes other than surrogates decoded.
func (s *scanner) str() (string, bool) {
	if r, ok := s.raw(); ok {
		body := r[1 : len(r)-1]
		return string(body), utf8.Valid(body)
	}
	return s.escaped()
}

// escaped reads a string that holds escapes.
func (s *scanner) escaped() (string, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	out := make([]byte, 0, 32)
	for j := s.i + 1; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c == '"':
			s.i = j + 1
			return string(out), utf8.Valid(out)
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			continue
		}
		if j+1 >= len(s.b) {
			return "", false
		}
		j++
		switch e := s.b[j]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if j+4 >= len(s.b) {
				return "", false
			}
			n, err := strconv.ParseUint(string(s.b[j+1:j+5]), 16, 32)
			if err != nil || (n >= 0xD800 && n <= 0xDFFF) {
				return "", false
			}
			out = utf8.AppendRune(out, rune(n))
			j += 4
		default:
			return "", false
		}
	}
	return "", false
}

func (s *scanner) strings() ([]string, bool) {
	out := []string{}
	ok := s.array(func() bool {
		str, ok := s.str()
		out = append(out, str)
		return ok
	})
	return out, ok
}

// bytes reads base64, as encoding/json writes a []byte.
func (s *scanner) bytes() ([]byte, bool) {
	r, ok := s.raw()
	if !ok {
		return nil, false
	}
	b, err := base64.StdEncoding.DecodeString(string(r[1 : len(r)-1]))
	return b, err == nil
}

// time reads a timestamp the way time.Time's UnmarshalJSON does.
func (s *scanner) time() (*time.Time, bool) {
	r, ok := s.raw()
	if !ok {
		return nil, false
	}
	var t time.Time
	if err := t.UnmarshalJSON(r); err != nil {
		return nil, false
	}
	return &t, true
}

// int reads an integer literal (no fraction or exponent).
func (s *scanner) int() (int64, bool) {
	s.ws()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || (s.b[digits] == '0' && s.i-digits > 1) || !s.delimited() {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return n, err == nil
}

func (s *scanner) boolean() (bool, bool) {
	s.ws()
	for _, lit := range []string{"true", "false"} {
		if len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit {
			s.i += len(lit)
			return lit == "true", s.delimited()
		}
	}
	return false, false
}

// delimited reports whether a literal ends here.
func (s *scanner) delimited() bool {
	if s.i == len(s.b) {
		return true
	}
	switch s.b[s.i] {
	case ' ', '\t', '\n', '\r', ',', '}', ']':
		return true
	}
	return false
}
