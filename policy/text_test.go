package policy

import (
	"errors"
	"testing"
)

func TestTextRune(t *testing.T) {
	for _, r := range []rune{'a', 'Z', '7', ' ', '-', '\'', 'é', '陳', 'ς', '\u00a0', '\u3000', '€', '😀', '\u0301'} {
		if !TextRune(r) {
			t.Errorf("TextRune(%U) = false, want true", r)
		}
	}
	// Invisible and direction-changing characters, and their classes.
	for _, r := range []rune{
		'\u202e', '\u202a', '\u2066', '\u2069', '\u200e', '\u200f', '\u061c', // bidi controls (Cf)
		'\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', // zero-width and soft hyphen (Cf)
		'\u2028', '\u2029', // line and paragraph separators (Zl, Zp)
		'\x00', '\t', '\n', '\x1b', '\x7f', '\u0085', // controls (Cc)
		'\ue000', '\U000f0000', // private use
		'\U000e0001', '\U0001d173', // tag and musical format characters (Cf)
		'\ufffd', // what is left of bytes that were not text
	} {
		if TextRune(r) {
			t.Errorf("TextRune(%U) = true, want false", r)
		}
	}
}

func TestNarrowRune(t *testing.T) {
	tests := map[rune]rune{'Ａ': 'A', 'ｚ': 'z', '１': '1', '（': '(', '）': ')', '\u3000': ' ', '～': '~', '！': '!',
		'a': 'a', '陳': '陳', '٢': '٢', '\uff5f': '\uff5f'}
	for in, want := range tests {
		if got := NarrowRune(in); got != want {
			t.Errorf("NarrowRune(%U) = %U, want %U", in, got, want)
		}
	}
}

func TestParsePassport(t *testing.T) {
	tests := []struct{ in, want string }{
		{"K38562719", "K38562719"},
		{" k385 62719 ", "K38562719"},
		{"Ｋ３８５６２７１９", "K38562719"},
		{"ｋ３８５\u3000６２７１９", "K38562719"},
		{"C01X00T47", "C01X00T47"},
		{"K385", ""},                    // too short
		{"K3856271912345678901234", ""}, // too long
		{"K3856-2719", ""},
		{"К38562719", ""}, // Cyrillic К
		{"", ""},
	}
	for _, tt := range tests {
		got, err := ParsePassport(tt.in)
		if got != tt.want || (tt.want == "") != (err != nil) {
			t.Errorf("ParsePassport(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err != nil && !errors.Is(err, ErrPassport) {
			t.Errorf("ParsePassport(%q): error %v is not ErrPassport", tt.in, err)
		}
	}
}

func TestCheckFullName(t *testing.T) {
	for _, ok := range []string{"CHAN Tai Man", "Chan, Tai-Man", "O'Brien Mary", "NGUYỄN Văn An", "ＣＨＡＮ\u3000Ｔａｉ Ｍａｎ",
		"Łukasiewicz Jan", "Weiß Anna", "İbrahim Yılmaz", "Chan Tai Man 2"} {
		if err := CheckFullName(ok); err != nil {
			t.Errorf("CheckFullName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"陳大文", "陳 大文", "Chan 大文", "Παπαδόπουλος Νίκος", "Иванов Иван", "김민준", "12345", "", " - "} {
		err := CheckFullName(bad)
		if !errors.Is(err, ErrFullNameLetters) || err.Error() != "type your name in English letters exactly as on your HK ID card or passport" {
			t.Errorf("CheckFullName(%q) = %v, want ErrFullNameLetters", bad, err)
		}
	}
}
