package policy

import "testing"

func TestFullNameMatches(t *testing.T) {
	tests := []struct {
		surname, given, typed string
		want                  bool
	}{
		{"CHAN", "Tai Man", "CHAN Tai Man", true},
		{"CHAN", "Tai Man", "Chan, Tai Man", true},
		{"CHAN", "Tai Man", "chan,tai man", true},
		{"CHAN", "Tai Man", "Tai Man CHAN", true},
		{"CHAN", "Tai Man", "  tai   man   chan ", true},
		{"CHAN", "Tai Man", "CHAN Tai-Man", true},
		{"CHAN", "Tai-Man", "Chan Tai Man", true},
		{"CHAN", "Tai Man", "Chan Taiman", false}, // words are not joined
		{"CHAN", "Tai Man", "Chan Tai", false},    // middle name missing
		{"CHAN", "Tai Man", "Chan T M", false},    // initials are not names
		{"CHAN", "Tai Man", "Man Tai Chan", false},
		{"CHAN", "Tai Man", "Tai Chan Man", false},
		{"CHAN", "Tai Man", "Chan Tai Man Peter", false},
		{"CHAN", "Tai Man, Peter", "CHAN Tai Man Peter", true},
		{"CHAN", "Tai Man, Peter", "Tai Man Peter Chan", true},
		{"CHAN", "Tai Man", "", false},
		{"", "", "", false},
		{"NGUYỄN", "Văn An", "Nguyen Van An", true},
		{"Nguyen", "Van An", "NGUYỄN Văn An", true},
		{"O'BRIEN", "Mary Jane", "Mary Jane OBrien", true},
		{"O'BRIEN", "Mary Jane", "Mary Jane O’Brien", true},
		{"AU YEUNG", "Ka Ho", "Au Yeung Ka Ho", true},
		{"AU YEUNG", "Ka Ho", "Ka Ho Au Yeung", true},
		{"AU YEUNG", "Ka Ho", "Auyeung Ka Ho", false},
		{"SUKARNO", "", "Sukarno", true}, // one name only
		{"陳", "大文", "陳大文", true},
		{"陳", "大文", "陳 大文", true},
		{"陳", "大文", "大文陳", true},
		{"陳", "大文", "陳大", false},
		{"김", "민준", "김민준", true},
	}
	for _, tt := range tests {
		if got := FullNameMatches(tt.surname, tt.given, tt.typed); got != tt.want {
			t.Errorf("FullNameMatches(%q, %q, %q) = %v, want %v", tt.surname, tt.given, tt.typed, got, tt.want)
		}
	}
}
