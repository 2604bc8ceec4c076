package tape

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

func parseOne(t *testing.T, line string) Command {
	t.Helper()
	tp, err := Parse(strings.NewReader(line))
	if err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	if len(tp.Commands) != 1 {
		t.Fatalf("Parse(%q) gave %d commands, want 1", line, len(tp.Commands))
	}
	return tp.Commands[0]
}

func TestParseCommands(t *testing.T) {
	tests := []struct {
		line  string
		name  string
		args  []string
		check func(Command) bool
	}{
		{`Set Width 120`, "Set Width", []string{"Width", "120"}, func(c Command) bool { return c.number == 120 }},
		{`Set Height 24`, "Set Height", []string{"Height", "24"}, func(c Command) bool { return c.number == 24 }},
		{`Set Timeout 1m30s`, "Set Timeout", []string{"Timeout", "1m30s"}, func(c Command) bool { return c.dur == 90*time.Second }},
		{`Set Clock 2025-09-01T09:00:00+08:00`, "Set Clock", []string{"Clock", "2025-09-01T09:00:00+08:00"},
			func(c Command) bool { return c.at.Equal(time.Date(2025, 9, 1, 1, 0, 0, 0, time.UTC)) }},
		{`Type "陳大文 é"`, "Type", []string{"陳大文 é"}, func(c Command) bool { return c.text == "陳大文 é" && c.expand }},
		{`Type "say \"hi\"\t\\"`, "Type", []string{"say \"hi\"\t\\"}, nil},
		{`Type 'C:\path ${X}'`, "Type", []string{`C:\path ${X}`}, func(c Command) bool { return !c.expand }},
		{"Type `back`", "Type", []string{"back"}, nil},
		{`Paste "a\u200bb"`, "Paste", []string{"a\u200bb"}, func(c Command) bool { return c.text == "a\u200bb" && c.expand }},
		{`Type "a # not a comment" # a comment`, "Type", []string{"a # not a comment"}, nil},
		{`Enter`, "Enter", nil, func(c Command) bool { return c.count == 1 && c.key.Type == tea.KeyEnter }},
		{`Backspace 12`, "Backspace", []string{"12"}, func(c Command) bool { return c.count == 12 && c.key.Type == tea.KeyBackspace }},
		{`Down 3`, "Down", []string{"3"}, func(c Command) bool { return c.count == 3 && c.key.Type == tea.KeyDown }},
		{`Space`, "Space", nil, func(c Command) bool { return c.key.Type == tea.KeySpace && string(c.key.Runes) == " " }},
		{`Esc`, "Esc", nil, func(c Command) bool { return c.key.Type == tea.KeyEscape }},
		{`Shift+Tab`, "Shift+Tab", nil, func(c Command) bool { return c.key.Type == tea.KeyShiftTab }},
		{`PageDown 2`, "PageDown", []string{"2"}, func(c Command) bool { return c.key.Type == tea.KeyPgDown }},
		{`Ctrl+C`, "Ctrl+C", nil, func(c Command) bool { return c.key.Type == tea.KeyCtrlC }},
		{`Ctrl+z`, "Ctrl+z", nil, func(c Command) bool { return c.key.Type == tea.KeyCtrlZ }},
		{`Ctrl+\`, `Ctrl+\`, nil, func(c Command) bool { return c.key.Type == tea.KeyCtrlBackslash }},
		{`Alt+x`, "Alt+x", nil, func(c Command) bool { return c.key.Alt && string(c.key.Runes) == "x" }},
		{`F1`, "F1", nil, func(c Command) bool { return c.key.Type == tea.KeyF1 }},
		{`F12`, "F12", nil, func(c Command) bool { return c.key.Type == tea.KeyF12 }},
		{`Click "Forgot"`, "Click", []string{"Forgot"}, func(c Command) bool { return c.text == "Forgot" }},
		{`Sleep 500ms`, "Sleep", []string{"500ms"}, func(c Command) bool { return c.dur == 500*time.Millisecond }},
		{`Advance 90s`, "Advance", []string{"90s"}, func(c Command) bool { return c.dur == 90*time.Second }},
		{`Expect "Done"`, "Expect", []string{"Done"}, func(c Command) bool { return c.re == nil && c.text == "Done" }},
		{`Expect /locked until \d\d:\d\d/`, "Expect", []string{`locked until \d\d:\d\d`},
			func(c Command) bool { return c.re.MatchString("locked until 09:15") }},
		{`ExpectNot /a\/b/`, "ExpectNot", []string{"a/b"}, func(c Command) bool { return c.re.MatchString("a/b") }},
		{`Capture KEY /Key: ([A-Z2-7 ]+)/`, "Capture", []string{"KEY", "Key: ([A-Z2-7 ]+)"},
			func(c Command) bool { return c.vname == "KEY" && c.re.NumSubexp() == 1 }},
		{`CaptureMail CODE /\b([0-9]{6})\b/`, "CaptureMail", []string{"CODE", `\b([0-9]{6})\b`},
			func(c Command) bool { return c.vname == "CODE" && c.re.NumSubexp() == 1 }},
		{`TOTP "jbsw y3dp ehpk 3pxp"`, "TOTP", []string{"jbsw y3dp ehpk 3pxp"}, func(c Command) bool { return c.vname == "" }},
		{`Sync`, "Sync", nil, nil},
		{`Set Language zh-HK`, "Set Language", []string{"Language", "zh-HK"}, func(c Command) bool { return c.text == "zh-HK" }},
		{`Set Language en`, "Set Language", []string{"Language", "en"}, func(c Command) bool { return c.text == "en" }},
		{"  Screen   # print it", "Screen", nil, func(c Command) bool { return c.Source == "Screen" }},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c := parseOne(t, tt.line)
			if c.Name != tt.name || fmt.Sprint(c.Args) != fmt.Sprint(tt.args) || c.Line != 1 {
				t.Fatalf("got %q %q line %d, want %q %q line 1", c.Name, c.Args, c.Line, tt.name, tt.args)
			}
			if tt.check != nil && !tt.check(c) {
				t.Fatalf("parsed values wrong: %+v", c)
			}
		})
	}
}

func TestParseSkipsCommentsAndBlankLines(t *testing.T) {
	src := "\ufeff# tape\r\n\r\n   \n\tEnter # go\r\nTOTP_LIKE_NAME_IS_NOT_A_COMMAND_HERE_NO # x\n"
	_, err := Parse(strings.NewReader(src))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 5 || pe.Col != 1 {
		t.Fatalf("err = %v, want an unknown command at line 5, column 1", err)
	}
	tp, err := Parse(strings.NewReader(src[:strings.Index(src, "TOTP_")]))
	if err != nil || len(tp.Commands) != 1 || tp.Commands[0].Line != 4 || tp.Commands[0].Source != "Enter" {
		t.Fatalf("got %+v, %v; want Enter on line 4", tp, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		reason    string
	}{
		{"Enter\nTpye \"x\"", 2, 1, `unknown command "Tpye"`},
		{"type \"x\"", 1, 1, `unknown command "type" (did you mean Type?)`},
		{"expectnot \"x\"", 1, 1, `(did you mean ExpectNot?)`},
		{"Ctrl+Shift+Q", 1, 1, `unknown command "Ctrl+Shift+Q"`},
		{"F0", 1, 1, `unknown command "F0"`},
		{"F21", 1, 1, `unknown command "F21"`},
		{"\"Type\"", 1, 1, "a line must start with a command"},
		{"Sleep 5", 1, 7, `bad duration "5"`},
		{"Advance -3s", 1, 9, `bad duration "-3s"`},
		{"Sleep \"1s\"", 1, 7, `bad duration "1s"`},
		{"Advance", 1, 8, "Advance needs a duration"},
		{"Set Timeout 0s", 1, 13, "above zero"},
		{"Set Timeout soon", 1, 13, `bad duration "soon"`},
		{"Type \"abc", 1, 6, "unterminated string"},
		{"Type 'abc", 1, 6, "unterminated string"},
		{"Expect \"a\\\"", 1, 8, "unterminated string"},
		{"   Type \"a\\q\"", 1, 9, "bad escape in string"},
		{"Type \"x\"y", 1, 9, "expected a space after the string"},
		{"Type abc", 1, 6, "Type needs a quoted string"},
		{"Type", 1, 5, "Type needs a quoted string"},
		{"Paste", 1, 6, "Paste needs a quoted string"},
		{"Type \"a\" \"b\"", 1, 10, "unexpected argument to Type"},
		{"Expect /a(b/", 1, 8, "bad regex: missing closing ): `a(b`"},
		{"Expect /[z-a]/", 1, 8, "bad regex: invalid character class range"},
		{"Expect /abc", 1, 8, "unterminated regex"},
		{"ExpectNot abc", 1, 11, "needs a quoted string or a /regex/"},
		{"Capture KEY /no group/", 1, 13, "needs a (group)"},
		{"Capture KEY \"(x)\"", 1, 13, "Capture needs a /regex/"},
		{"Capture 1KEY /(x)/", 1, 9, "Capture needs a NAME"},
		{"CaptureMail CODE \"(x)\"", 1, 18, "CaptureMail needs a /regex/"},
		{"CaptureMail CODE /no group/", 1, 18, "CaptureMail's regex needs a (group)"},
		{"TOTP KEY", 1, 6, "KEY is not captured by an earlier line"},
		{"TOTP \"-- --\"", 1, 6, "TOTP needs a base32 key"},
		{"TOTP", 1, 5, "TOTP needs the NAME of a captured key, or a quoted key"},
		{"Type \"${PW}\"", 1, 6, "${PW} is not captured by an earlier line"},
		{"Type \"x\"\nCapture PW /(x)/\nSet Clock 2025-01-01T00:00:00Z", 3, 5, "Set Clock must come before"},
		{"Set Clock tomorrow", 1, 11, `bad time "tomorrow"`},
		{"Set Width 5", 1, 11, "Set Width needs a number from 10 to 1000"},
		{"Set Height x", 1, 12, "Set Height needs a number"},
		{"Set FontSize 14", 1, 5, `unknown setting "FontSize"`},
		{"Set Language fr", 1, 14, `unknown language "fr"`},
		{"Set Language", 1, 13, "a language"},
		{"Set", 1, 4, "Set needs a setting"},
		{"Backspace 0", 1, 11, "Backspace needs a number from 1 to 10000"},
		{"Enter 2 3", 1, 9, "unexpected argument to Enter"},
		{"Screen now", 1, 8, "unexpected argument to Screen"},
		{"Type \"陳大文\" x", 1, 12, "unexpected argument"},
		{"Type \"\xff\"", 1, 7, "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || pe.Col != tt.col || !strings.Contains(pe.Reason, tt.reason) {
				t.Fatalf("got %v, want line %d, column %d: …%s…", pe, tt.line, tt.col, tt.reason)
			}
			if want := fmt.Sprintf("line %d, column %d: ", tt.line, tt.col); !strings.HasPrefix(pe.Error(), want) {
				t.Fatalf("Error() = %q, want it to start with %q", pe.Error(), want)
			}
		})
	}
}

func TestParseLineTooLong(t *testing.T) {
	src := "Enter\nType \"" + strings.Repeat("x", maxLine+10) + "\"\n"
	_, err := Parse(strings.NewReader(src))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Col != 1 || !strings.Contains(pe.Reason, "longer than") {
		t.Fatalf("err = %v, want line 2 too long", err)
	}
}

// Set Clock may follow other settings; Capture makes a NAME usable below it.
func TestParseOrderRules(t *testing.T) {
	src := "Set Width 80\nSet Clock 2025-09-01T09:00:00Z\nCapture K /(x)/\nTOTP K\nType \"${K}${K}\"\n"
	tp, err := Parse(strings.NewReader(src))
	if err != nil || len(tp.Commands) != 5 {
		t.Fatalf("Parse: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"Set Width 100\nSet Height 30\nSet Timeout 5s\n",
		"Type \"20231234\"\nEnter\nExpect \"Account\"\n",
		"Capture KEY /Key: ([A-Z2-7 ]+)/\nTOTP KEY\nType \"${KEY}\"\n",
		"Click \"Forgot\" # touch\nAdvance 90s\nExpectNot /Still there\\?/\n",
		"Ctrl+C\nF12\nBackspace 3\nAlt+x\nShift+Tab\n",
		"Type 'raw ${X}'\nType `back`\nSleep 10ms\nSync\nScreen\n",
		"Type \"陳大文 é\\u00e9\"\n",
		"Expect \"unterminated\n",
		"Expect /a(b/\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := Parse(strings.NewReader(src))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Line < 1 || pe.Col < 1 || pe.Reason == "" {
				t.Fatalf("error without a position or reason: %+v", pe)
			}
			if lines := strings.Count(src, "\n") + 1; pe.Line > lines+1 {
				t.Fatalf("error at line %d of a %d-line tape", pe.Line, lines)
			}
			return
		}
		// Every command's source text parses again to the same command.
		var again strings.Builder
		last := 0
		for _, c := range tp.Commands {
			if c.Line <= last || c.Source == "" || c.Name == "" {
				t.Fatalf("bad command %+v after line %d", c, last)
			}
			last = c.Line
			again.WriteString(c.Source + "\n")
		}
		tp2, err := Parse(strings.NewReader(again.String()))
		if err != nil {
			t.Fatalf("re-parsing the sources failed: %v\n%q", err, again.String())
		}
		if len(tp2.Commands) != len(tp.Commands) {
			t.Fatalf("re-parse gave %d commands, want %d", len(tp2.Commands), len(tp.Commands))
		}
		for i, c := range tp2.Commands {
			if c.Name != tp.Commands[i].Name || fmt.Sprint(c.Args) != fmt.Sprint(tp.Commands[i].Args) {
				t.Fatalf("re-parse of %q gave %q %q, want %q %q", c.Source, c.Name, c.Args, tp.Commands[i].Name, tp.Commands[i].Args)
			}
		}
	})
}
