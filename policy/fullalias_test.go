package policy

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFullNameAlias(t *testing.T) {
	tests := []struct{ surname, given, want string }{
		{"CHAN", "Tai Man", "tai.man.chan"},
		{"Chan", "Tai-man", "tai.man.chan"},
		{"AU YEUNG", "Wing Sze", "wing.sze.au.yeung"},
		{"NGUYỄN", "Thị Minh", "thi.minh.nguyen"},
		{"O'BRIEN", "Sean", "sean.obrien"},
		{"WOLFESCHLEGELSTEINHAUSEN", "Hubert Blaine", "h.b.wolfeschlegelsteinhausen"},
		{"陳", "大文", ""},
		{"CHAN", "", "chan"},
	}
	for _, tt := range tests {
		if got := FullNameAlias(tt.surname, tt.given); got != tt.want {
			t.Errorf("FullNameAlias(%q, %q) = %q, want %q", tt.surname, tt.given, got, tt.want)
		}
	}
}

func TestParseFullNameAlias(t *testing.T) {
	tests := []struct {
		in, want string
		kind     error
	}{
		{"tai.man.chan", "tai.man.chan", nil},
		{"Tai.Man.Chan", "tai.man.chan", nil},
		{"tai.man.chan2", "tai.man.chan2", nil},
		{"t.man.chan", "t.man.chan", nil},
		{"t.m.chan", "t.m.chan", nil},
		{"taimanchan", "taimanchan", nil},
		{"tai-man-chan", "tai-man-chan", nil},
		{"chan.tai.man", "chan.tai.man", nil},
		{"tai.chan", "tai.chan", nil},
		{"tm.chan", "tm.chan", nil},
		{"chan.t", "chan.t", nil},
		{"chan", "", ErrAliasNotName},           // a given name too
		{"tai.man", "", ErrAliasNotName},        // the surname in full
		{"tai.man.c", "", ErrAliasNotName},      // not its initial
		{"tai.tai.chan", "", ErrAliasNotName},   // each name once
		{"peter.chan", "", ErrAliasNotName},     // someone else's name
		{"ta.imanchan", "", ErrAliasNotName},    // a part breaks a name
		{"tai.man.chan.x", "", ErrAliasNotName}, // nothing else
		{"tai man chan", "", ErrAlias},          // ParseAlias first
	}
	for _, tt := range tests {
		got, err := ParseFullNameAlias(tt.in, "CHAN", "Tai Man")
		if got != tt.want || !errors.Is(err, tt.kind) || (tt.kind == nil) != (err == nil) {
			t.Errorf("ParseFullNameAlias(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.kind)
		}
	}
	var e *Error
	if _, err := ParseFullNameAlias("peter.chan", "CHAN", "Tai Man"); !errors.As(err, &e) || e.ID != "input.alias-not-your-name" || e.Data["Example"] != "tai.man.chan" {
		t.Errorf("refusal = %#v, want input.alias-not-your-name with the example tai.man.chan", err)
	}
}

// Every clash suggestion of a full-name alias is a full-name alias too, so
// the screen can offer the store's suggestions as they come.
func TestFullNameAliasSuggestionsAreNames(t *testing.T) {
	taken := func(string) bool { return false }
	for _, s := range AliasSuggestions("tai.man.chan", taken, 8) {
		if _, err := ParseFullNameAlias(s, "CHAN", "Tai Man"); err != nil {
			t.Errorf("suggestion %q: %v", s, err)
		}
	}
}

func TestParseDisplayName(t *testing.T) {
	tests := []struct{ in, want, id string }{
		{"Tai Man CHAN", "Tai Man CHAN", ""},
		{"  Tai   Man\tCHAN ", "Tai Man CHAN", ""},
		{"陳大文", "陳大文", ""},
		{"CHAN Tai Man 陳大文 (PhD)", "CHAN Tai Man 陳大文 (PhD)", ""},
		{"", "", ""},
		{"   ", "", ""},
		{"tmchan@connect.example.edu", "", "input.display-name-address"},
		{"Tai <boss>", "", "input.display-name-address"},
		{"Tai\u202eMan", "", "input.display-name-char"},
		{"12345", "", "input.display-name-letter"},
		{strings.Repeat("名", DisplayNameMaxLen), strings.Repeat("名", DisplayNameMaxLen), ""},
		{strings.Repeat("名", DisplayNameMaxLen+1), "", "input.display-name-length"},
	}
	for _, tt := range tests {
		got, err := ParseDisplayName(tt.in)
		var e *Error
		switch {
		case tt.id == "" && (err != nil || got != tt.want):
			t.Errorf("ParseDisplayName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.id != "" && (!errors.As(err, &e) || e.ID != tt.id || !errors.Is(err, ErrDisplayName)):
			t.Errorf("ParseDisplayName(%q) error = %v, want %s", tt.in, err, tt.id)
		}
	}
	if got := DefaultDisplayName("Chan", " Tai  Man "); got != "Tai Man CHAN" {
		t.Errorf("DefaultDisplayName = %q", got)
	}
}

func FuzzParseFullNameAlias(f *testing.F) {
	f.Add("tai.man.chan", "CHAN", "Tai Man")
	f.Add("a.a.a.a.a.a.a.a.a.a.a.a", "A A A A A A", "A A A A A A A")
	f.Fuzz(func(t *testing.T, s, surname, given string) {
		a, err := ParseFullNameAlias(s, surname, given)
		if err != nil {
			return
		}
		if b, err := ParseAlias(a); err != nil || b != a {
			t.Fatalf("%q passed as a full-name alias but ParseAlias gives %q, %v", a, b, err)
		}
	})
}

// Names that repeat a word do not make the check try every order of them.
func TestParseFullNameAliasRepeatedWords(t *testing.T) {
	many := strings.TrimSpace(strings.Repeat("A ", maxNameWords-1))
	done := make(chan bool)
	go func() {
		_, err := ParseFullNameAlias("aaaaaaaaaaaaaaaaaaaaaaaaaaab", "A", many)
		done <- err != nil
	}()
	select {
	case refused := <-done:
		if !refused {
			t.Error("an alias with a letter not in the names passed")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the check did not finish within 5 s")
	}
}
