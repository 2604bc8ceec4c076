package policy

import "testing"

func TestAccountBase(t *testing.T) {
	tests := []struct{ surname, given, want string }{
		{"CHAN", "Tai Man", "tmchan"},
		{"Chan", "Tai-Man", "tmchan"},
		{" chan ", "  tai   man ", "tmchan"},
		{"CHAN", "Tai Man, Peter", "tmpchan"},
		{"NGUYỄN", "Văn An", "vanguyen"},
		{"Nguye\u0302\u0303n", "Va\u0306n An", "vanguyen"}, // decomposed accents
		{"MÜLLER", "Anna", "amuller"},
		{"O'BRIEN", "Mary-Jane", "mjobrien"},
		{"D’ARCY", "Zoë", "zdarcy"},
		{"AU YEUNG", "Ka Ho", "khauyeung"},
		{"ÆLFRIC", "Þóra", "taelfric"},
		{"STRAẞE", "Łukasz", "lstrasse"},
		{"陳", "Tai Man", "tm"},
		{"陳", "大文", "user"},
		{"", "", "user"},
		{"123", "!!", "user"},
		{"LEE", "", "lee"},
		{"", "Ka Yan", "ky"},
	}
	for _, tt := range tests {
		if got := AccountBase(tt.surname, tt.given); got != tt.want {
			t.Errorf("AccountBase(%q, %q) = %q, want %q", tt.surname, tt.given, got, tt.want)
		}
	}
}

func TestAccountName(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{-1, "tmchan"}, {0, "tmchan"}, {1, "tmchan"}, {2, "tmchan2"}, {3, "tmchan3"}, {12, "tmchan12"}}
	for _, tt := range tests {
		if got := AccountName("tmchan", tt.n); got != tt.want {
			t.Errorf("AccountName(tmchan, %d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestEmail(t *testing.T) {
	for _, domain := range []string{"connect.example.edu", "@connect.example.edu", " connect.example.edu "} {
		if got := Email("tmchan2", domain); got != "tmchan2@connect.example.edu" {
			t.Errorf("Email(tmchan2, %q) = %q", domain, got)
		}
	}
}
