// Package registry parses the Academic Registry CSV that both the station
// import and `accountd import` read (DESIGN.md "Registry CSV"). It checks
// every field with the policy package, streams good rows to a callback and
// reports each bad row with its line number without stopping.
//
// Reasons never quote an HKID, date of birth or passport number: import
// reports are printed and may end up in logs.
package registry

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/expressstation/kiosk/policy"
)

// Columns is the required header, in order; PassportColumn may follow it,
// and ChineseNameColumn may follow that.
var Columns = []string{
	"student_id", "surname", "given_names", "hkid", "date_of_birth",
	"department", "level", "category", "completion_date",
}

// The optional trailing columns, in order.
const (
	PassportColumn    = "passport_no"
	ChineseNameColumn = "chinese_name"
)

// optional are the optional trailing columns, in the order they may follow.
var optional = []string{PassportColumn, ChineseNameColumn}

// maxTextLen limits free-text fields (runes, for names and department), so
// a broken export cannot flood the screens.
const maxTextLen = 200

// Record is one good registry row, normalised.
type Record struct {
	Line           int // where the row starts in the file (1-based; the header is line 1)
	StudentID      string
	Surname        string
	GivenNames     string
	HKID           string // normalised ("A1234563"), "" when the file gives none
	DateOfBirth    string // "YYYY-MM-DD", a real date before Options.Today
	Department     string
	Level          policy.Level
	Category       policy.Category
	CompletionDate string // "YYYY-MM-DD" or ""
	PassportNo     string // upper case without spaces, or ""
	ChineseName    string // name in Chinese characters (陳大文), or ""
}

// RowError is a bad row. Reason names the column(s):
// "hkid: the check digit does not match".
type RowError struct {
	Line   int
	Reason string
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Reason) }

// Options tune Parse.
type Options struct {
	StudentIDLength int       // digits in a student ID; 0 means policy.DefaultStudentIDLen (8)
	Today           time.Time // dates of birth must be before this day; zero means now
}

// ErrHeader says the file does not start with the registry header.
var ErrHeader = errors.New("registry header")

// Parse reads a registry CSV from r. fn is called for each good row in file
// order; each bad row becomes a RowError and parsing goes on. A missing or
// wrong header, or a read error, stops Parse with an error. If fn returns an
// error Parse stops and returns it, along with the row errors so far.
//
// Accepted: a UTF-8 byte order mark, CRLF line ends, blank lines (skipped,
// as are rows of empty fields). Reported: a wrong number of fields, invalid
// field values, invalid UTF-8, a student ID seen before in the file, and a
// last line that is cut off.
func Parse(r io.Reader, opt Options, fn func(Record) error) (rowErrs []RowError, err error) {
	p, err := newParser(r, opt)
	if err != nil {
		return nil, err
	}
	for {
		rec, err := p.next()
		switch {
		case err == io.EOF:
			return p.rowErrs, nil
		case err != nil:
			return p.rowErrs, err
		}
		if err := fn(rec); err != nil {
			return p.rowErrs, err
		}
	}
}

// parser holds the state of one Parse.
type parser struct {
	csv     *csv.Reader
	opt     Options
	today   time.Time // UTC midnight of opt.Today's date
	extra   int       // how many optional columns the header has (passport_no, chinese_name)
	seen    map[string]int
	rowErrs []RowError
	pending *pendingError // an error that reads differently on the last row
}

// pendingError waits for the next read: if that is the end of the file,
// lastReason (the file looks cut off) replaces reason.
type pendingError struct {
	line               int
	reason, lastReason string
}

// newParser strips a BOM, reads the header and checks it.
func newParser(r io.Reader, opt Options) (*parser, error) {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\uFEFF")) {
		br.Discard(3)
	}
	c := csv.NewReader(br)
	c.FieldsPerRecord = -1 // counts are checked per row, with a better message
	c.ReuseRecord = true
	if opt.StudentIDLength <= 0 {
		opt.StudentIDLength = policy.DefaultStudentIDLen
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	y, m, d := opt.Today.Date()
	p := &parser{csv: c, opt: opt, today: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), seen: map[string]int{}}
	header, err := c.Read()
	if err != nil {
		return nil, headerReadError(err)
	}
	if p.extra, err = checkHeader(header); err != nil {
		return nil, err
	}
	return p, nil
}

// headerReadError explains why no header row could be read.
func headerReadError(err error) error {
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		return fmt.Errorf("%w: the file is empty; the first row must be: %s", ErrHeader, strings.Join(Columns, ","))
	case errors.As(err, &pe):
		return fmt.Errorf("%w: the first row is not valid CSV (%v); it must be: %s", ErrHeader, pe.Err, strings.Join(Columns, ","))
	}
	return fmt.Errorf("reading the registry file: %w", err)
}

// checkHeader compares the header with Columns (case and surrounding space
// ignored) and reports how many optional columns follow them. Column
// values are not quoted back: a file without a header has personal data in
// its first row.
func checkHeader(h []string) (extra int, err error) {
	want := strings.Join(Columns, ",") + " (optionally followed by ," + PassportColumn + " and then ," + ChineseNameColumn + ")"
	if len(h) < len(Columns) || len(h) > len(Columns)+len(optional) {
		return 0, fmt.Errorf("%w: the first row has %d columns; it must be: %s", ErrHeader, len(h), want)
	}
	for i, got := range h {
		if !strings.EqualFold(strings.TrimSpace(got), names(i)) {
			return 0, fmt.Errorf("%w: column %d should be %q; the first row must be: %s", ErrHeader, i+1, names(i), want)
		}
	}
	return len(h) - len(Columns), nil
}

// next returns the next good row, recording bad rows on the way, or io.EOF.
func (p *parser) next() (Record, error) {
	for {
		fields, err := p.csv.Read()
		p.flushPending(err == io.EOF)
		var pe *csv.ParseError
		switch {
		case err == io.EOF:
			return Record{}, io.EOF
		case errors.As(err, &pe):
			p.pending = csvError(pe)
			continue
		case err != nil:
			return Record{}, fmt.Errorf("reading the registry file: %w", err)
		}
		line, _ := p.csv.FieldPos(0)
		if blank(fields) {
			continue
		}
		if len(fields) != p.columns() {
			p.pending = &pendingError{
				line:       line,
				reason:     fmt.Sprintf("has %d fields; the header has %d", len(fields), p.columns()),
				lastReason: fmt.Sprintf("has %d fields; the header has %d (the file looks cut off here)", len(fields), p.columns()),
			}
			continue
		}
		rec, problems := p.record(line, fields)
		if len(problems) > 0 {
			p.rowErrs = append(p.rowErrs, RowError{Line: line, Reason: strings.Join(problems, "; ")})
			continue
		}
		p.seen[rec.StudentID] = line
		return rec, nil
	}
}

// columns is the number of fields every row must have.
func (p *parser) columns() int { return len(Columns) + p.extra }

// flushPending records a waiting error, worded for the last row if atEOF.
func (p *parser) flushPending(atEOF bool) {
	if p.pending == nil {
		return
	}
	reason := p.pending.reason
	if atEOF {
		reason = p.pending.lastReason
	}
	p.rowErrs = append(p.rowErrs, RowError{Line: p.pending.line, Reason: reason})
	p.pending = nil
}

// csvError words a CSV syntax error. A quote error on the last record is
// almost always a file cut off inside a quoted field.
func csvError(pe *csv.ParseError) *pendingError {
	e := &pendingError{line: pe.StartLine}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		e.reason = `has a quote (") inside a field that does not start with one: quote the whole field and double the inner quote`
		e.lastReason = e.reason
	case errors.Is(pe.Err, csv.ErrQuote):
		e.reason = fmt.Sprintf(`a quoted field is not closed properly on line %d (a quote inside quotes must be doubled "")`, pe.Line)
		e.lastReason = "a quoted field is never closed: the file looks cut off here"
	default:
		e.reason = "is not valid CSV: " + pe.Err.Error()
		e.lastReason = e.reason
	}
	return e
}

// blank reports whether every field is empty or white space.
func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// record checks and normalises one row of the right width. problems lists
// what is wrong, each naming its column.
func (p *parser) record(line int, f []string) (Record, []string) {
	var problems []string
	bad := func(col int, msg string) { problems = append(problems, names(col)+": "+msg) }
	for i, v := range f {
		if !utf8.ValidString(v) {
			bad(i, "is not valid UTF-8 (save the file as UTF-8)")
		} else if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			bad(i, "contains a control character (a line break or tab inside the field?)")
		}
	}
	if len(problems) > 0 {
		return Record{}, problems // the values cannot be trusted further
	}
	rec := Record{Line: line}
	check := checkFn(bad)
	rec.StudentID = p.studentID(f[0], check)
	rec.Surname = text(f[1], true, 1, check)
	rec.GivenNames = text(f[2], false, 2, check)
	rec.HKID = hkid(f[3], check)
	rec.DateOfBirth = p.dateOfBirth(f[4], check)
	rec.Department = text(f[5], false, 5, check)
	rec.Level = level(f[6], check)
	rec.Category = category(f[7], check)
	rec.CompletionDate = completion(f[8], rec.DateOfBirth, check)
	if p.extra >= 1 {
		rec.PassportNo = passport(f[9], check)
	}
	if p.extra >= 2 {
		rec.ChineseName = chineseName(f[10], check)
	}
	return rec, problems
}

// names is the column name of index i.
func names(i int) string {
	if i < len(Columns) {
		return Columns[i]
	}
	return optional[i-len(Columns)]
}

// checkFn records a problem in a column.
type checkFn func(col int, msg string)

// studentID validates the ID and refuses one already delivered.
func (p *parser) studentID(s string, check checkFn) string {
	if strings.TrimSpace(s) == "" {
		check(0, "is empty")
		return ""
	}
	id, err := policy.ParseStudentID(s, p.opt.StudentIDLength)
	if err != nil { // policy's wording speaks to a student at the station
		check(0, fmt.Sprintf("should be %d digits (0-9)", p.opt.StudentIDLength))
		return ""
	}
	if first, dup := p.seen[id]; dup {
		check(0, fmt.Sprintf("%s appears again (first on line %d)", id, first))
		return ""
	}
	return id
}

// text trims a name or department and collapses inner white space.
func text(s string, required bool, col int, check checkFn) string {
	t := strings.Join(strings.Fields(s), " ")
	switch {
	case t == "" && required:
		check(col, "is empty")
	case utf8.RuneCountInString(t) > maxTextLen:
		check(col, fmt.Sprintf("is longer than %d characters", maxTextLen))
	}
	return t
}

// hkid normalises an HKID; empty is allowed (that student uses the date of
// birth). The number itself is never put in the message.
func hkid(s string, check checkFn) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	h, err := policy.ParseHKID(s)
	switch {
	case errors.Is(err, policy.ErrHKIDCheckDigit):
		check(3, "the check digit does not match")
	case err != nil:
		check(3, err.Error())
	}
	return h.String()
}

// dateOfBirth requires a real date from 1900 on, before today.
func (p *parser) dateOfBirth(s string, check checkFn) string {
	if strings.TrimSpace(s) == "" {
		check(4, "is empty")
		return ""
	}
	d, err := policy.ParseDate(s)
	switch {
	case errors.Is(err, policy.ErrNoSuchDate):
		check(4, "is not a real calendar date") // policy's wording would repeat the date
	case err != nil:
		check(4, dateProblem(err))
	case d.Year() < 1900:
		check(4, "is before 1900")
	case !d.Before(p.today):
		check(4, "is not in the past")
	default:
		return d.Format(time.DateOnly)
	}
	return ""
}

// completion is an optional date, not before the date of birth.
func completion(s, dob string, check checkFn) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	d, err := policy.ParseDate(s)
	if err != nil {
		check(8, dateProblem(err))
		return ""
	}
	c := d.Format(time.DateOnly)
	if dob != "" && c <= dob {
		check(8, "is not after date_of_birth")
	}
	return c
}

// dateProblem words a policy date error without repeating the value.
func dateProblem(err error) string {
	if errors.Is(err, policy.ErrDateFormat) {
		return "should be YYYY-MM-DD, like 2004-07-31"
	}
	return err.Error() // "there is no 30 February"
}

func level(s string, check checkFn) policy.Level {
	l, err := policy.ParseLevel(s)
	if err != nil {
		check(6, "should be UG or PG")
	}
	return l
}

func category(s string, check checkFn) policy.Category {
	c, err := policy.ParseCategory(s)
	if err != nil {
		check(7, "should be degree, non-degree, exchange or visiting")
	}
	return c
}

// chineseName is an optional name in Chinese characters, spaces dropped
// (陳 大文 -> 陳大文). It must hold Han characters (and may hold the middle
// dot of transliterated names, ·), nothing a screen could not show.
func chineseName(s string, check checkFn) string {
	n := strings.Join(strings.Fields(s), "")
	if n == "" {
		return ""
	}
	switch {
	case utf8.RuneCountInString(n) > 20:
		check(10, "is longer than 20 characters")
	case strings.IndexFunc(n, func(r rune) bool { return !unicode.Is(unicode.Han, r) && r != '·' && r != '‧' }) >= 0:
		check(10, "should be Chinese characters only (or empty)")
	}
	return n
}

// passport is the passport number as policy.ParsePassport normalises it
// (the station reads a typed one the same way), or "" for none.
func passport(s string, check checkFn) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	n, err := policy.ParsePassport(s)
	if err != nil {
		check(9, fmt.Sprintf("should be %d to %d letters and digits", policy.PassportMinLen, policy.PassportMaxLen))
		return ""
	}
	return n
}
