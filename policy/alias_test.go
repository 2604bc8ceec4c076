package policy

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseAlias(t *testing.T) {
	tests := []struct {
		in, want string
		kind     error
		says     string // part of the message
	}{
		{"peter.chan", "peter.chan", nil, ""},
		{"Peter.Chan", "peter.chan", nil, ""},
		{"  peter-chan ", "peter-chan", nil, ""},
		{"peterchan", "peterchan", nil, ""},
		{"peter.k.chan", "peter.k.chan", nil, ""},
		{"p.chan2", "p.chan2", nil, ""},
		{"abc", "abc", nil, ""},
		{"a23456789012345678901234567890", "a23456789012345678901234567890", nil, ""},
		{"amanda.root", "amanda.root", nil, ""}, // a reserved word later on is a name
		{"", "", ErrAlias, "please choose"},
		{"ab", "", ErrAlias, "3 to 30"},
		{"a234567890123456789012345678901", "", ErrAlias, "this has 31"},
		{"peter chan", "", ErrAlias, "no spaces"},
		{"peter_chan", "", ErrAlias, "underscore"},
		{"peter.chan@alumni.example.edu", "", ErrAlias, "before the @"},
		{"josé.chan", "", ErrAlias, "no accents"},
		{"陳大文", "", ErrAlias, "no accents"},
		{"peter+chan", "", ErrAlias, "'+'"},
		{".peter", "", ErrAlias, "starts with a letter"},
		{"2peter", "", ErrAlias, "starts with a letter"},
		{"peter.", "", ErrAlias, "cannot end"},
		{"peter-", "", ErrAlias, "cannot end"},
		{"peter..chan", "", ErrAlias, "only one"},
		{"peter.-chan", "", ErrAlias, "only one"},
		{"admin", "", ErrAliasReserved, `"admin" is kept`},
		{"Postmaster", "", ErrAliasReserved, "kept"},
		{"no-reply", "", ErrAliasReserved, "kept"},
		{"no.reply", "", ErrAliasReserved, "kept"},
		{"admin2", "", ErrAliasReserved, "kept"},
		{"support.team", "", ErrAliasReserved, "kept"},
		{"help-desk", "", ErrAliasReserved, "kept"},
		{"itsc", "", ErrAliasReserved, "kept"},
		{"alumni.office", "", ErrAliasReserved, "kept"},
		{"test123", "", ErrAliasReserved, "kept"},
	}
	for _, tt := range tests {
		got, err := ParseAlias(tt.in)
		switch {
		case tt.kind == nil && (err != nil || got != tt.want):
			t.Errorf("ParseAlias(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.kind != nil && (!errors.Is(err, tt.kind) || got != ""):
			t.Errorf("ParseAlias(%q) = %q, %v; want a %v", tt.in, got, err, tt.kind)
		case tt.kind != nil && !strings.Contains(err.Error(), tt.says):
			t.Errorf("ParseAlias(%q): message %q does not say %q", tt.in, err, tt.says)
		}
	}
}

func TestAliasSuggestions(t *testing.T) {
	takenSet := func(names ...string) func(string) bool {
		return func(s string) bool { return slices.Contains(names, s) }
	}
	tests := []struct {
		name  string
		base  string
		taken func(string) bool
		n     int
		want  []string
	}{
		{"first choices", "peter.chan", takenSet("peter.chan"), 3, []string{"peter.chan2", "p.chan", "peterchan"}},
		{"all shapes", "peter.chan", takenSet("peter.chan"), 6,
			[]string{"peter.chan2", "p.chan", "peterchan", "peter-chan", "chan.peter", "peter.chan3"}},
		{"taken ones skipped", "peter.chan", takenSet("peter.chan", "peter.chan2", "p.chan"), 3,
			[]string{"peterchan", "peter-chan", "chan.peter"}},
		{"hyphen base", "peter-chan", takenSet(), 3, []string{"peter-chan2", "p-chan", "peterchan"}},
		{"numbered base counts on", "peter.chan2", takenSet("peter.chan"), 2, []string{"p.chan", "peterchan"}},
		{"one part", "peterchan", takenSet("peterchan2"), 2, []string{"peterchan3", "peterchan4"}},
		{"three parts", "peter.k.chan", takenSet(), 5,
			[]string{"peter.k.chan2", "p.k.chan", "peterkchan", "peter-k-chan", "chan.k.peter"}},
		{"reserved shapes skipped", "root.amanda", takenSet(), 3, nil}, // the base itself is reserved
		{"invalid base", "peter chan", takenSet(), 3, nil},
		{"none wanted", "peter.chan", takenSet(), 0, nil},
		{"too long for numbers", "abcdefghij.klmnopqrst.uvwxyzab", takenSet(), 2,
			[]string{"a.klmnopqrst.uvwxyzab", "abcdefghijklmnopqrstuvwxyzab"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AliasSuggestions(tt.base, tt.taken, tt.n)
			if !slices.Equal(got, tt.want) {
				t.Errorf("AliasSuggestions(%q) = %q, want %q", tt.base, got, tt.want)
			}
			for _, s := range got {
				if a, err := ParseAlias(s); err != nil || a != s || tt.taken(s) {
					t.Errorf("suggested %q: %v", s, err)
				}
			}
		})
	}
	t.Run("everything taken", func(t *testing.T) {
		if got := AliasSuggestions("peter.chan", func(string) bool { return true }, 3); len(got) != 0 {
			t.Errorf("got %q", got)
		}
	})
}
