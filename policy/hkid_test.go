package policy

import (
	"errors"
	"testing"
)

func TestParseHKID(t *testing.T) {
	tests := []struct {
		in, str, display string
	}{
		{"A123456(3)", "A1234563", "A123456(3)"},
		{"a1234563", "A1234563", "A123456(3)"},
		{"A123456 (3)", "A1234563", "A123456(3)"},
		{" a 123 456 ( 3 ) ", "A1234563", "A123456(3)"},
		{"Ａ１２３４５６（３）", "A1234563", "A123456(3)"},
		{"CA182361(1)", "CA1823611", "CA182361(1)"},
		{"ca1823611", "CA1823611", "CA182361(1)"},
		{"G123456(A)", "G123456A", "G123456(A)"},
		{"g123456a", "G123456A", "G123456(A)"},
		{"K305721(6)", "K3057216", "K305721(6)"},
		{"Y654321(7)", "Y6543217", "Y654321(7)"},
	}
	for _, tt := range tests {
		h, err := ParseHKID(tt.in)
		if err != nil {
			t.Errorf("ParseHKID(%q): %v", tt.in, err)
			continue
		}
		if h.String() != tt.str || h.Display() != tt.display {
			t.Errorf("ParseHKID(%q) = %s / %s, want %s / %s", tt.in, h, h.Display(), tt.str, tt.display)
		}
	}
}

func TestParseHKIDErrors(t *testing.T) {
	tests := []struct {
		in   string
		kind error
		msg  string
	}{
		{"A123456(4)", ErrHKIDCheckDigit, "the check digit (in brackets) does not match — please check the number"},
		{"CA182361(2)", ErrHKIDCheckDigit, ""},
		{"G123456(0)", ErrHKIDCheckDigit, ""},
		{"", ErrHKIDFormat, hkidEmpty},
		{"   ", ErrHKIDFormat, hkidEmpty},
		{"123456(3)", ErrHKIDFormat, hkidNeedLetters},
		{"ABC123456(3)", ErrHKIDFormat, hkidNeedLetters},
		{"A12345(3)", ErrHKIDFormat, hkidNeedDigits},
		{"A12345", ErrHKIDFormat, "HK ID card number should look like A123456(3)"},
		{"A123456", ErrHKIDFormat, "HK ID card number should look like A123456(3)"},
		{"A123456(3", ErrHKIDFormat, "HK ID card number should look like A123456(3)"},
		{"A1234567(3)", ErrHKIDFormat, hkidNothingAfter},
		{"A123456(3)4", ErrHKIDFormat, hkidNothingAfter},
		{"A123456(B)", ErrHKIDFormat, hkidNeedCheck},
		{"A123456-3", ErrHKIDFormat, hkidNeedCheck},
		{"A123456((3))", ErrHKIDFormat, hkidNeedCheck},
		{"A123456)3", ErrHKIDFormat, hkidNeedCheck},
		{"Ä123456(3)", ErrHKIDFormat, hkidNeedLetters},
	}
	for _, tt := range tests {
		h, err := ParseHKID(tt.in)
		if !errors.Is(err, tt.kind) || !h.IsZero() {
			t.Errorf("ParseHKID(%q) = %v, %v; want %v", tt.in, h, err, tt.kind)
			continue
		}
		if tt.msg != "" && err.Error() != tt.msg {
			t.Errorf("ParseHKID(%q) says %q, want %q", tt.in, err, tt.msg)
		}
	}
}

func TestHKIDCheckChar(t *testing.T) {
	// A123456: space(36)*9 + A(10)*8 + 1*7 + 2*6 + 3*5 + 4*4 + 5*3 + 6*2 = 481;
	// 481 mod 11 = 8, so the check value is 3.
	if got := checkChar("A", "123456"); got != '3' {
		t.Errorf("checkChar(A, 123456) = %c, want 3", got)
	}
	// exactly one of the eleven check characters is right for any number
	for _, n := range []struct{ prefix, digits string }{
		{"A", "123456"}, {"CA", "182361"}, {"Z", "000000"}, {"XY", "999999"}, {"M", "135790"},
	} {
		valid := 0
		for _, c := range "0123456789A" {
			if _, err := ParseHKID(n.prefix + n.digits + string(c)); err == nil {
				valid++
			}
		}
		if valid != 1 {
			t.Errorf("%s%s: %d valid check characters, want 1", n.prefix, n.digits, valid)
		}
	}
}

func TestHKIDZero(t *testing.T) {
	var h HKID
	if !h.IsZero() || h.String() != "" || h.Display() != "" {
		t.Errorf("zero HKID = %q / %q", h.String(), h.Display())
	}
}

func TestHKIDHint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", ""},
		{"CA", ""},
		{"A123", ""},
		{"A123456", ""},
		{"A123456(", ""},
		{"A123456 (3", ""},
		{"A123456(3)", ""},
		{"a1234563", ""},
		{"1", hkidNeedLetters},
		{"ABC", hkidNeedLetters},
		{"A12X", hkidNeedDigits},
		{"A123456B", hkidNeedCheck},
		{"A123456(3)X", hkidNothingAfter},
		{"A123456(4)", ErrHKIDCheckDigit.Error()},
		{"A1234564", ErrHKIDCheckDigit.Error()},
	}
	for _, tt := range tests {
		if got := HKIDHint(tt.in); got != tt.want {
			t.Errorf("HKIDHint(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
