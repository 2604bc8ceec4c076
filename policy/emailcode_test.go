package policy

import (
	"testing"
	"time"
)

func TestParseEmailCode(t *testing.T) {
	for in, want := range map[string]string{"123456": "123456", " 123 456 ": "123456", "12345": "", "1234567": "",
		"12a456": "", "１２３４５６": "", "": ""} {
		got, ok := ParseEmailCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("ParseEmailCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{"chan.tm@gmail.com": "c•••@gmail.com", "x@y.org": "x•••@y.org",
		"@y.org": "•••", "nothing": "•••"} {
		if got := MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestEmailReviewDue(t *testing.T) {
	v := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
	if EmailReviewDue(v, v.AddDate(0, 11, 0)) || !EmailReviewDue(v, v.AddDate(1, 0, 1)) || EmailReviewDue(time.Time{}, v) {
		t.Error("EmailReviewDue: want due only after a year, never unverified")
	}
}
