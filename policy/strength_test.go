package policy

import "testing"

func TestStrength(t *testing.T) {
	tests := []struct {
		pw       string
		min, max int
		hint     string
	}{
		{"", 0, 0, "Longer pass phrases are stronger"},
		{"password", 0, 0, "Common passwords are guessed first — choose something of your own"},
		{"LeaveMeAlone", 0, 0, "Common passwords are guessed first — choose something of your own"},
		{"abc", 0, 1, "Add another word, or mix in capitals, digits or symbols"},
		{"Xy7!", 0, 1, "Longer pass phrases are stronger"},
		{"Tr0ub4dor&3", 1, 1, "Longer pass phrases are stronger"},
		{"aaaaaaaaaaaaaaaaaaaa", 0, 0, ""},
		{"twinS /w9 *s", 3, 3, "Good — another word would make it stronger"},
		{"correct horse battery staple", 4, 4, "Strong password"},
		{"陳大文的新密碼是很長的哦", 3, 4, ""},
	}
	for _, tt := range tests {
		score, hint := Strength(tt.pw)
		if score < tt.min || score > tt.max || hint == "" || (tt.hint != "" && hint != tt.hint) {
			t.Errorf("Strength(%q) = %d, %q; want %d..%d, %q", tt.pw, score, hint, tt.min, tt.max, tt.hint)
		}
	}
}
