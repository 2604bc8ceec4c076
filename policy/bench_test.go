package policy

import (
	"strings"
	"testing"
)

func BenchmarkCheckPassword(b *testing.B) {
	commonSet() // the one-off list load is measured separately
	for _, bc := range []struct{ name, pw string }{
		{"seed12", "twinS /w9 *s"},
		{"phrase40", "correct horse battery staple and a lemon"},
		{"max128", strings.Repeat("Ab3 ", 32)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				CheckPassword(bc.pw, chanTaiMan)
			}
		})
	}
}

func BenchmarkChecklist(b *testing.B) {
	commonSet()
	for b.Loop() {
		Checklist("twinS /w9 *s", chanTaiMan)
	}
}

func BenchmarkStrength(b *testing.B) {
	commonSet()
	for b.Loop() {
		Strength("twinS /w9 *s")
	}
}

// BenchmarkLoadCommon is the first-use cost of the common-password list.
func BenchmarkLoadCommon(b *testing.B) {
	for b.Loop() {
		loadCommon()
	}
}

func BenchmarkParseHKID(b *testing.B) {
	for b.Loop() {
		ParseHKID("CA182361(1)")
	}
}
