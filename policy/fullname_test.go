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

// Names are folded whole, with full Unicode case folding, on both sides:
// lower-casing one character at a time never gives a final ς, and the two
// sides of a comparison must not fold differently (FuzzFullNameMatches
// found ϖ against Π).
func TestFullNameMatchesFoldsWholeNames(t *testing.T) {
	tests := []struct {
		surname, given, typed string
		want                  bool
	}{
		// Greek: final sigma, accents, and symbol forms of letters.
		{"Παπαδόπουλος", "Νίκος", "ΠΑΠΑΔΌΠΟΥΛΟΣ ΝΊΚΟΣ", true},
		{"ΠΑΠΑΔΌΠΟΥΛΟΣ", "ΝΊΚΟΣ", "Νίκος Παπαδόπουλος", true},
		{"Παπαδόπουλος", "Νίκος", "παπαδοπουλοσ νικοσ", true},
		{"Παπαδόπουλος", "Νίκος", "Papadopoulos Nikos", false}, // folding is not transliteration
		{"ϖ", "0", "Π 0", true},
		// Turkish dotted and dotless i, upper and lower case.
		{"YILMAZ", "İbrahim", "Yılmaz İbrahim", true},
		{"Yılmaz", "İbrahim", "YILMAZ IBRAHIM", true},
		{"IŞIK", "Ayşe", "Işık Ayşe", true},
		{"IŞIK", "Ayşe", "isik ayse", true},
		// German sharp s, small and capital, and umlauts.
		{"STRAUß", "Jürgen", "Strauss Jurgen", true},
		{"Weiß", "Anna", "WEISS ANNA", true},
		{"WEIẞ", "Anna", "weiß anna", true},
		{"Müller", "Jürgen", "Muller Jürgen", true},
		{"Müller", "Jürgen", "Mueller Juergen", false}, // ü is u, not ue
		// Vietnamese: stacked accents, precomposed or typed as marks, and đ.
		{"NGUYỄN", "Thị Minh Khai", "Nguyen Thi Minh Khai", true},
		{"Nguyễn", "Thị Minh Khai", "Nguye\u0302\u0303n Thi\u0323 Minh Khai", true},
		{"TRẦN", "Đức Anh", "Tran Duc Anh", true},
		{"Trần", "Đức Anh", "TRẦN ĐỨC ANH", true},
		// Full-width Latin from a Chinese keyboard, ideographic spaces too.
		{"CHAN", "Tai Man", "ＣＨＡＮ　Ｔａｉ　Ｍａｎ", true},
		{"ＣＨＡＮ", "Ｔａｉ Ｍａｎ", "Chan, Tai Man", true},
		{"CHAN", "Tai Man", "ＣＨＡＮ Ｔａｉｍａｎ", false},
		// Other Latin letters without a decomposition.
		{"Ødegård", "Bjørn", "ODEGARD BJORN", true},
		{"Łukasiewicz", "Jan", "Jan Lukasiewicz", true},
	}
	for _, tt := range tests {
		if got := FullNameMatches(tt.surname, tt.given, tt.typed); got != tt.want {
			t.Errorf("FullNameMatches(%q, %q, %q) = %v, want %v", tt.surname, tt.given, tt.typed, got, tt.want)
		}
	}
}
