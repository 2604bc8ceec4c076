package tape

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/store/text"
)

// Tape is a parsed script: its commands in order, comments and blank lines dropped.
type Tape struct {
	Commands []Command
	// Dir is the folder a relative Screenshot file is written to: the
	// tape's own folder when it is read from a file, else the working
	// directory ("").
	Dir string
}

// Command is one line of a tape.
type Command struct {
	Line   int      // 1-based line number in the tape
	Source string   // the command as written, without comment or surrounding space
	Name   string   // "Type", "Expect", "Ctrl+C", "Set Width", ...
	Args   []string // arguments as values: strings unquoted, regexes without slashes

	count  int            // repeat count of a key (1 when not given)
	number int            // Set Width / Set Height
	dur    time.Duration  // Sleep, Advance, Set Timeout
	at     time.Time      // Set Clock
	text   string         // Type, Click, Expect(Not) text
	vname  string         // Capture, TOTP variable
	expand bool           // text is double-quoted: ${NAME} expands
	re     *regexp.Regexp // Expect(Not) /regex/, Capture
	key    tea.KeyMsg     // key commands
}

// ParseError says where and why a tape does not parse.
type ParseError struct {
	Line, Col int // 1-based; Col counts characters, not bytes
	Reason    string
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Reason)
}

// Limits that keep a typo from becoming a runaway tape.
const (
	maxLine   = 1 << 20
	maxCount  = 10000
	minWidth  = 10
	maxWidth  = 1000
	minHeight = 5
	maxHeight = 500
)

// Parse reads a whole tape. It stops at the first error, which is always a
// *ParseError with line and column.
func Parse(r io.Reader) (*Tape, error) {
	p := parser{captured: map[string]bool{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if err := p.line(line, text); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		reason := "cannot read the tape: " + err.Error()
		if errors.Is(err, bufio.ErrTooLong) {
			reason = fmt.Sprintf("line longer than %d bytes", maxLine)
		}
		return nil, &ParseError{Line: line + 1, Col: 1, Reason: reason}
	}
	return &Tape{Commands: p.commands}, nil
}

type parser struct {
	commands []Command
	captured map[string]bool // names captured by earlier lines
	driven   bool            // a command other than Set has been seen
}

func (p *parser) line(n int, text string) error {
	if i := invalidUTF8(text); i >= 0 {
		return &ParseError{Line: n, Col: utf8.RuneCountInString(text[:i]) + 1, Reason: "the line is not valid UTF-8"}
	}
	toks, end, err := lex(text)
	if err != nil {
		err.Line = n
		return err
	}
	if len(toks) == 0 {
		return nil
	}
	src := strings.TrimRightFunc(string([]rune(text)[:end]), unicode.IsSpace)
	c := Command{Line: n, Source: string([]rune(src)[toks[0].col-1:])}
	if err := p.command(&c, toks, utf8.RuneCountInString(src)+1); err != nil {
		err.Line = n
		return err
	}
	if !strings.HasPrefix(c.Name, "Set ") {
		p.driven = true
	}
	p.commands = append(p.commands, c)
	return nil
}

// invalidUTF8 returns the byte offset of the first invalid UTF-8 sequence
// in s, or -1.
func invalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return -1
}

// token kinds
const (
	word = iota
	quoted
	regex
)

type token struct {
	kind   int
	val    string // unquoted value
	col    int    // 1-based column of its first character
	expand bool   // double-quoted string
}

// lex splits a line into words, strings and regexes. end is the rune index
// where the command ends (a comment or the line's end).
func lex(line string) (toks []token, end int, err *ParseError) {
	rs := []rune(line)
	i := 0
	for i < len(rs) {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		if rs[i] == '#' {
			return toks, i, nil
		}
		var t token
		var next int
		switch rs[i] {
		case '"':
			t, next, err = lexString(rs, i)
		case '\'', '`':
			t, next, err = lexRaw(rs, i)
		case '/':
			t, next, err = lexRegex(rs, i)
		default:
			next = i
			for next < len(rs) && !unicode.IsSpace(rs[next]) {
				next++
			}
			t = token{kind: word, val: string(rs[i:next]), col: i + 1}
		}
		if err != nil {
			return nil, 0, err
		}
		if next < len(rs) && !unicode.IsSpace(rs[next]) && rs[next] != '#' {
			return nil, 0, &ParseError{Col: next + 1, Reason: "expected a space after " + describe(t)}
		}
		toks = append(toks, t)
		i = next
	}
	return toks, len(rs), nil
}

// closing finds the rune index of the quote that closes the literal opened at
// i, skipping backslash escapes when escapes is set; -1 when unterminated.
func closing(rs []rune, i int, q rune, escapes bool) int {
	for j := i + 1; j < len(rs); j++ {
		switch {
		case escapes && rs[j] == '\\':
			j++
		case rs[j] == q:
			return j
		}
	}
	return -1
}

func lexString(rs []rune, i int) (token, int, *ParseError) {
	j := closing(rs, i, '"', true)
	if j < 0 {
		return token{}, 0, &ParseError{Col: i + 1, Reason: "unterminated string: add the closing \""}
	}
	s, err := strconv.Unquote(string(rs[i : j+1]))
	if err != nil {
		return token{}, 0, &ParseError{Col: i + 1, Reason: "bad escape in string (use \\\" \\\\ \\n \\t or \\u00e9)"}
	}
	return token{kind: quoted, val: s, col: i + 1, expand: true}, j + 1, nil
}

// lexRaw reads a 'single-quoted' or `backquoted` string: no escapes, no ${NAME}.
func lexRaw(rs []rune, i int) (token, int, *ParseError) {
	j := closing(rs, i, rs[i], false)
	if j < 0 {
		return token{}, 0, &ParseError{Col: i + 1, Reason: "unterminated string: add the closing " + string(rs[i])}
	}
	return token{kind: quoted, val: string(rs[i+1 : j]), col: i + 1}, j + 1, nil
}

func lexRegex(rs []rune, i int) (token, int, *ParseError) {
	j := closing(rs, i, '/', true)
	if j < 0 {
		return token{}, 0, &ParseError{Col: i + 1, Reason: "unterminated regex: add the closing /"}
	}
	body := strings.ReplaceAll(string(rs[i+1:j]), `\/`, "/")
	return token{kind: regex, val: body, col: i + 1}, j + 1, nil
}

func describe(t token) string {
	switch t.kind {
	case quoted:
		return "the string"
	case regex:
		return "the regex"
	}
	return strconv.Quote(t.val)
}

// keyCommands are the named keys; each takes an optional repeat count.
var keyCommands = map[string]tea.KeyType{
	"Enter":     tea.KeyEnter,
	"Tab":       tea.KeyTab,
	"Shift+Tab": tea.KeyShiftTab,
	"Space":     tea.KeySpace,
	"Esc":       tea.KeyEscape,
	"Escape":    tea.KeyEscape,
	"Backspace": tea.KeyBackspace,
	"Delete":    tea.KeyDelete,
	"Up":        tea.KeyUp,
	"Down":      tea.KeyDown,
	"Left":      tea.KeyLeft,
	"Right":     tea.KeyRight,
	"Home":      tea.KeyHome,
	"End":       tea.KeyEnd,
	"PageUp":    tea.KeyPgUp,
	"PageDown":  tea.KeyPgDown,
}

// otherCommands lists the remaining names, for "did you mean" hints.
var otherCommands = []string{"Set", "Type", "Paste", "Click", "Sleep", "Advance", "Expect",
	"ExpectNot", "Capture", "CaptureMail", "TOTP", "Sync", "Screen", "Screenshot"}

func (p *parser) command(c *Command, toks []token, endCol int) *ParseError {
	name, args := toks[0], toks[1:]
	if name.kind != word {
		return &ParseError{Col: name.col, Reason: "a line must start with a command, e.g. Type or Expect"}
	}
	c.Name = name.val
	for _, a := range args {
		c.Args = append(c.Args, a.val)
	}
	a := argList{name: name.val, toks: args, endCol: endCol}
	switch name.val {
	case "Set":
		return p.set(c, a)
	case "Type", "Paste":
		return p.typeText(c, a)
	case "Click":
		return a.string(c, 0, false)
	case "Sleep", "Advance":
		return a.duration(c, 0)
	case "Expect", "ExpectNot":
		return a.pattern(c)
	case "Capture", "CaptureMail":
		return p.capture(c, a)
	case "TOTP":
		return p.totp(c, a)
	case "Sync", "Screen":
		return a.none(0)
	case "Screenshot":
		return a.svgFile(c)
	}
	key, ok := keyMsg(name.val)
	if !ok {
		return &ParseError{Col: name.col, Reason: unknown(name.val)}
	}
	c.key = key
	return a.count(c)
}

func unknown(name string) string {
	all := append([]string{}, otherCommands...)
	for k := range keyCommands {
		all = append(all, k)
	}
	for _, k := range all {
		if strings.EqualFold(k, name) {
			return fmt.Sprintf("unknown command %q (did you mean %s?)", name, k)
		}
	}
	return fmt.Sprintf("unknown command %q", name)
}

// keyMsg maps a key command (Enter, Ctrl+C, Alt+x, F5, ...) to its message.
func keyMsg(name string) (tea.KeyMsg, bool) {
	if t, ok := keyCommands[name]; ok {
		k := tea.KeyMsg{Type: t}
		if t == tea.KeySpace {
			k.Runes = []rune{' '}
		}
		return k, true
	}
	if rest, ok := strings.CutPrefix(name, "Ctrl+"); ok {
		return ctrlKey(rest)
	}
	if rest, ok := strings.CutPrefix(name, "Alt+"); ok && utf8.RuneCountInString(rest) == 1 {
		return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(rest), Alt: true}, true
	}
	if rest, ok := strings.CutPrefix(name, "F"); ok {
		n, err := strconv.Atoi(rest)
		if err == nil && n >= 1 && n <= 20 && rest[0] != '0' {
			return tea.KeyMsg{Type: tea.KeyF1 - tea.KeyType(n-1)}, true
		}
	}
	return tea.KeyMsg{}, false
}

// ctrlKeys are the control keys that are not a letter.
var ctrlKeys = map[string]tea.KeyType{
	"@": tea.KeyCtrlAt, "[": tea.KeyEscape, `\`: tea.KeyCtrlBackslash,
	"]": tea.KeyCtrlCloseBracket, "^": tea.KeyCtrlCaret, "_": tea.KeyCtrlUnderscore,
	"Up": tea.KeyCtrlUp, "Down": tea.KeyCtrlDown, "Left": tea.KeyCtrlLeft,
	"Right": tea.KeyCtrlRight, "Home": tea.KeyCtrlHome, "End": tea.KeyCtrlEnd,
	"PageUp": tea.KeyCtrlPgUp, "PageDown": tea.KeyCtrlPgDown,
}

func ctrlKey(rest string) (tea.KeyMsg, bool) {
	if t, ok := ctrlKeys[rest]; ok {
		return tea.KeyMsg{Type: t}, true
	}
	if len(rest) == 1 {
		r := unicode.ToLower(rune(rest[0]))
		if r >= 'a' && r <= 'z' {
			return tea.KeyMsg{Type: tea.KeyCtrlA + tea.KeyType(r-'a')}, true
		}
	}
	return tea.KeyMsg{}, false
}

// argList checks a command's arguments; endCol is where a missing one would go.
type argList struct {
	name   string
	toks   []token
	endCol int
}

func (a argList) missing(what string) *ParseError {
	return &ParseError{Col: a.endCol, Reason: fmt.Sprintf("%s needs %s", a.name, what)}
}

// none fails if there are more than n arguments.
func (a argList) none(n int) *ParseError {
	if len(a.toks) > n {
		return &ParseError{Col: a.toks[n].col, Reason: fmt.Sprintf("unexpected argument to %s", a.name)}
	}
	return nil
}

func (a argList) string(c *Command, i int, expand bool) *ParseError {
	if len(a.toks) <= i {
		return a.missing(`a quoted string, e.g. "text"`)
	}
	t := a.toks[i]
	if t.kind != quoted {
		return &ParseError{Col: t.col, Reason: fmt.Sprintf(`%s needs a quoted string, e.g. "text"`, a.name)}
	}
	c.text, c.expand = t.val, t.expand && expand
	return a.none(i + 1)
}

// svgFile reads Screenshot's file name: a quoted path ending in .svg.
func (a argList) svgFile(c *Command) *ParseError {
	if err := a.string(c, 0, false); err != nil {
		return err
	}
	if !strings.HasSuffix(strings.ToLower(c.text), ".svg") || len(c.text) == len(".svg") {
		return &ParseError{Col: a.toks[0].col, Reason: `Screenshot writes SVG: name the file, e.g. "menu.svg"`}
	}
	return nil
}

func (a argList) pattern(c *Command) *ParseError {
	if len(a.toks) == 0 {
		return a.missing(`a quoted string or a /regex/`)
	}
	t := a.toks[0]
	switch t.kind {
	case quoted:
		c.text = t.val
	case regex:
		re, err := compile(t)
		if err != nil {
			return err
		}
		c.re = re
	default:
		return &ParseError{Col: t.col, Reason: fmt.Sprintf(`%s needs a quoted string or a /regex/`, a.name)}
	}
	return a.none(1)
}

func compile(t token) (*regexp.Regexp, *ParseError) {
	re, err := regexp.Compile(t.val)
	if err != nil {
		reason := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			reason = fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
		}
		return nil, &ParseError{Col: t.col, Reason: "bad regex: " + reason}
	}
	return re, nil
}

func (a argList) duration(c *Command, i int) *ParseError {
	if len(a.toks) <= i {
		return a.missing("a duration, e.g. 500ms or 90s")
	}
	t := a.toks[i]
	d, err := time.ParseDuration(t.val)
	if t.kind != word || err != nil || d < 0 {
		return &ParseError{Col: t.col, Reason: fmt.Sprintf("bad duration %q: use a number with a unit, e.g. 500ms, 90s or 15m", t.val)}
	}
	c.dur = d
	return a.none(i + 1)
}

func (a argList) count(c *Command) *ParseError {
	c.count = 1
	if len(a.toks) == 0 {
		return nil
	}
	n, err := a.number(0, 1, maxCount)
	if err != nil {
		return err
	}
	c.count = n
	return a.none(1)
}

func (a argList) number(i, lo, hi int) (int, *ParseError) {
	if len(a.toks) <= i {
		return 0, a.missing(fmt.Sprintf("a number from %d to %d", lo, hi))
	}
	t := a.toks[i]
	n, err := strconv.Atoi(t.val)
	if t.kind != word || err != nil || n < lo || n > hi {
		return 0, &ParseError{Col: t.col, Reason: fmt.Sprintf("%s needs a number from %d to %d, not %q", a.name, lo, hi, t.val)}
	}
	return n, nil
}

func (p *parser) set(c *Command, a argList) *ParseError {
	if len(a.toks) == 0 {
		return a.missing("a setting: Width, Height, Timeout, Clock or Language")
	}
	setting := a.toks[0]
	c.Name = "Set " + setting.val
	a.name = c.Name
	switch setting.val {
	case "Width", "Height":
		lo, hi := minWidth, maxWidth
		if setting.val == "Height" {
			lo, hi = minHeight, maxHeight
		}
		n, err := a.number(1, lo, hi)
		if err != nil {
			return err
		}
		c.number = n
		return a.none(2)
	case "Timeout":
		if err := a.duration(c, 1); err != nil {
			return err
		}
		if c.dur == 0 {
			return &ParseError{Col: a.toks[1].col, Reason: "Set Timeout needs a duration above zero"}
		}
		return nil
	case "Clock":
		return p.setClock(c, a)
	case "Language":
		if len(a.toks) < 2 {
			return a.missing("a language: " + strings.Join(text.Languages(), " or "))
		}
		t := a.toks[1]
		if t.kind != word || !text.Has(t.val) {
			return &ParseError{Col: t.col, Reason: fmt.Sprintf("unknown language %q: use %s", t.val, strings.Join(text.Languages(), " or "))}
		}
		c.text = t.val
		return a.none(2)
	}
	return &ParseError{Col: setting.col, Reason: fmt.Sprintf("unknown setting %q: use Width, Height, Timeout, Clock or Language", setting.val)}
}

// setClock pins the virtual clock's start (RFC 3339), so a tape's screens and
// codes are the same on every run. The clock starts with the station, so it
// must come before any command that drives the station.
func (p *parser) setClock(c *Command, a argList) *ParseError {
	if p.driven {
		return &ParseError{Col: a.toks[0].col, Reason: "Set Clock must come before the first command that drives the station (use Advance to move time)"}
	}
	if len(a.toks) < 2 {
		return a.missing("a time, e.g. 2025-09-01T09:00:00+08:00")
	}
	t := a.toks[1]
	at, err := time.Parse(time.RFC3339, t.val)
	if err != nil {
		return &ParseError{Col: t.col, Reason: fmt.Sprintf("bad time %q: use RFC 3339, e.g. 2025-09-01T09:00:00+08:00", t.val)}
	}
	c.at = at
	return a.none(2)
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

func (p *parser) typeText(c *Command, a argList) *ParseError {
	if err := a.string(c, 0, true); err != nil {
		return err
	}
	if !c.expand {
		return nil
	}
	for _, m := range varRef.FindAllStringSubmatch(c.text, -1) {
		if !p.captured[m[1]] {
			return &ParseError{Col: a.toks[0].col, Reason: fmt.Sprintf("${%s} is not captured by an earlier line (Capture %s /.../)", m[1], m[1])}
		}
	}
	return nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (a argList) ident(what string) (string, *ParseError) {
	if len(a.toks) == 0 {
		return "", a.missing(what)
	}
	t := a.toks[0]
	if t.kind != word || !identifier.MatchString(t.val) {
		return "", &ParseError{Col: t.col, Reason: fmt.Sprintf("%s needs %s (letters, digits, _)", a.name, what)}
	}
	return t.val, nil
}

func (p *parser) capture(c *Command, a argList) *ParseError {
	name, err := a.ident("a NAME")
	if err != nil {
		return err
	}
	if len(a.toks) < 2 {
		return a.missing(`a /regex/ with a group, e.g. /Key: ([A-Z2-7 ]+)/`)
	}
	t := a.toks[1]
	if t.kind != regex {
		return &ParseError{Col: t.col, Reason: c.Name + ` needs a /regex/ with a group, e.g. /Key: ([A-Z2-7 ]+)/`}
	}
	re, err := compile(t)
	if err != nil {
		return err
	}
	if re.NumSubexp() == 0 {
		return &ParseError{Col: t.col, Reason: c.Name + "'s regex needs a (group) to store"}
	}
	c.vname, c.re = name, re
	p.captured[name] = true
	return a.none(2)
}

// totp takes the NAME of a captured key or, as an extension, a quoted key
// (e.g. a demo account's published key).
func (p *parser) totp(c *Command, a argList) *ParseError {
	if len(a.toks) > 0 && a.toks[0].kind == quoted {
		t := a.toks[0]
		if _, err := totpCode(normaliseKey(t.val), time.Unix(0, 0)); err != nil {
			return &ParseError{Col: t.col, Reason: "TOTP needs a base32 key (letters A-Z and digits 2-7)"}
		}
		c.text = t.val
		return a.none(1)
	}
	name, err := a.ident("the NAME of a captured key, or a quoted key")
	if err != nil {
		return err
	}
	if !p.captured[name] {
		return &ParseError{Col: a.toks[0].col, Reason: fmt.Sprintf("%s is not captured by an earlier line (Capture %s /.../)", name, name)}
	}
	c.vname = name
	return a.none(1)
}
