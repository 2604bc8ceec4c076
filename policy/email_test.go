package policy

import (
	"errors"
	"strings"
	"testing"
)

func TestParsePersonalEmail(t *testing.T) {
	own := []string{"connect.example.edu", "@alumni.example.edu", "example.edu"}
	tests := []struct{ in, want, says string }{
		{"peter@gmail.com", "peter@gmail.com", ""},
		{" Peter.Chan@Gmail.COM ", "Peter.Chan@gmail.com", ""},
		{"p+notices@mail.example.org", "p+notices@mail.example.org", ""},
		{"a@b.co", "a@b.co", ""},
		{"a@sub-domain.example.hk", "a@sub-domain.example.hk", ""},
		{"", "", "please enter"},
		{"peter", "", "look like"},
		{"peter@", "", "look like"},
		{"@gmail.com", "", "look like"},
		{"peter@@gmail.com", "", "look like"},
		{"peter@localhost", "", "domain like example.com"},
		{"peter@[127.0.0.1]", "", "domain like example.com"},
		{"peter@-gmail.com", "", "domain like example.com"},
		{"peter@gmail..com", "", "look like"},
		{"peter@gmail.com.", "", "look like"},
		{"Peter <peter@gmail.com>", "", "no spaces"},
		{"<peter@gmail.com>", "", "look like"},
		{"peter chan@gmail.com", "", "no spaces"},
		{"pé@gmail.com", "", "plain letters"},
		{"peter@gmail.com\r\nBcc: x@y.z", "", "no spaces"},
		{"tmchan@connect.example.edu", "", "outside the university"},
		{"tmchan@CONNECT.example.edu", "", "outside the university"},
		{"peter.chan@alumni.example.edu", "", "outside the university"},
		{"x@mail.example.edu", "", "outside the university"},
		{"x@notexample.edu", "x@notexample.edu", ""},
		{strings.Repeat("a", 65) + "@gmail.com", "", "before the @ is too long"},
		{"a@" + strings.Repeat("b", 250) + ".com", "", "too long"},
	}
	for _, tt := range tests {
		got, err := ParsePersonalEmail(tt.in, own...)
		switch {
		case tt.says == "" && (err != nil || got != tt.want):
			t.Errorf("ParsePersonalEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		case tt.says != "" && (!errors.Is(err, ErrEmail) || got != ""):
			t.Errorf("ParsePersonalEmail(%q) = %q, %v; want an ErrEmail", tt.in, got, err)
		case tt.says != "" && !strings.Contains(err.Error(), tt.says):
			t.Errorf("ParsePersonalEmail(%q): message %q does not say %q", tt.in, err, tt.says)
		}
	}
}
