package touch

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

func box(label string) string {
	return lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 2).Render(label)
}

func TestScanFindsButtonsThroughLayout(t *testing.T) {
	a := Mark("a", "Alpha", box("Alpha"))
	b := Mark("b", "Beta", box("Beta\nsecond line"))
	row := lipgloss.JoinHorizontal(lipgloss.Top, a, "   ", b)
	frame := lipgloss.Place(60, 12, lipgloss.Center, lipgloss.Center,
		lipgloss.JoinVertical(lipgloss.Left, "title", row))
	frame = lipgloss.NewStyle().Border(lipgloss.NormalBorder()).Render(frame)

	clean, buttons := Scan(frame)
	if strings.Contains(clean, "touch:") || strings.Contains(clean, "\x1b_") {
		t.Fatalf("markers left in frame:\n%q", clean)
	}
	if ansi.StringWidth(strings.Split(clean, "\n")[0]) != 62 {
		t.Fatalf("frame width changed: %q", strings.Split(clean, "\n")[0])
	}
	if len(buttons) != 2 {
		t.Fatalf("got %d buttons, want 2: %+v", len(buttons), buttons)
	}
	lines := strings.Split(ansi.Strip(clean), "\n")
	for _, btn := range buttons {
		// The rectangle must frame the rounded border of the box exactly.
		top := []rune(lines[btn.Y])
		bottom := []rune(lines[btn.Y+btn.H-1])
		if top[btn.X] != '╭' || top[btn.X+btn.W-1] != '╮' || bottom[btn.X] != '╰' || bottom[btn.X+btn.W-1] != '╯' {
			t.Errorf("%s: rectangle %+v does not match the drawn box:\n%s", btn.ID, btn, ansi.Strip(clean))
		}
		x, y := btn.Center()
		if hit, ok := Hit(buttons, x, y); !ok || hit.ID != btn.ID {
			t.Errorf("Hit(center of %s) = %+v, %v", btn.ID, hit, ok)
		}
	}
	if buttons[0].H != 3 || buttons[1].H != 4 {
		t.Errorf("heights = %d, %d; want 3, 4", buttons[0].H, buttons[1].H)
	}
	if _, ok := Hit(buttons, 0, 0); ok {
		t.Error("corner of the frame should hit nothing")
	}
}

// Labels outside ASCII must not change how lipgloss measures a marked block.
func TestMarkKeepsWidthWithUnicodeLabels(t *testing.T) {
	a := Mark("up", "▲ Page up", box("▲ Page up"))
	b := Mark("dn", "陳大文 é", box("x"))
	row := lipgloss.JoinHorizontal(lipgloss.Top, a, "  ", b)
	clean, buttons := Scan(row)
	for i, line := range strings.Split(ansi.Strip(clean), "\n") {
		if w := ansi.StringWidth(line); w != lipgloss.Width(box("▲ Page up"))+2+lipgloss.Width(box("x")) {
			t.Errorf("line %d is %d wide: %q", i, w, line)
		}
	}
	if len(buttons) != 2 || buttons[0].Label != "▲ Page up" || buttons[1].Label != "陳大文 é" || buttons[1].X != 17 {
		t.Errorf("buttons = %+v", buttons)
	}
}

func TestScanWideCharactersAndStyles(t *testing.T) {
	styled := lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#ff0000")).Render("陳大文")
	frame := "ab" + styled + " " + Mark("x", "陳 button", "[é]") + "\nnext"
	clean, buttons := Scan(frame)
	if len(buttons) != 1 {
		t.Fatalf("buttons = %+v", buttons)
	}
	want := Button{ID: "x", Label: "陳 button", X: 9, Y: 0, W: 3, H: 1}
	if buttons[0] != want {
		t.Errorf("got %+v, want %+v", buttons[0], want)
	}
	if ansi.Strip(clean) != "ab陳大文 [é]\nnext" {
		t.Errorf("clean = %q", ansi.Strip(clean))
	}
}

func TestScanEdgeCases(t *testing.T) {
	tests := []struct {
		name, frame, clean string
		n                  int
	}{
		{"no markers", "plain\ntext", "plain\ntext", 0},
		{"missing end", strings.TrimSuffix(Mark("a", "A", "x"), tagEnd+encode("a")+apcClose), "x", 0},
		{"unterminated marker", "ab\x1b_touch:s:a", "ab", 0},
		{"end without start", "a" + tagEnd + "q" + apcClose + "b", "ab", 0},
		{"label with controls", Mark("i\x1bd", "L\x07a\nb", "z"), "z", 1},
		{"bad hex", tagStart + "zz;zz" + apcClose + "z" + tagEnd + "zz" + apcClose, "z", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clean, buttons := Scan(tt.frame)
			if clean != tt.clean || len(buttons) != tt.n {
				t.Errorf("Scan(%q) = %q, %d buttons; want %q, %d", tt.frame, clean, len(buttons), tt.clean, tt.n)
			}
		})
	}
}

func TestFind(t *testing.T) {
	bs := []Button{{ID: "1", Label: "Student A/C Activation"}, {ID: "2", Label: "Change Network Password"}}
	if b, ok := Find(bs, "Change"); !ok || b.ID != "2" {
		t.Errorf("Find(Change) = %+v, %v", b, ok)
	}
	if _, ok := Find(bs, "Nope"); ok {
		t.Error("Find(Nope) found a button")
	}
}

func BenchmarkScan(b *testing.B) {
	var rows []string
	for i := 0; i < 30; i++ {
		rows = append(rows, strings.Repeat("x", 40)+Mark("id", "label", box("button"))+strings.Repeat("y", 20))
	}
	frame := strings.Join(rows, "\n")
	b.ReportAllocs()
	for b.Loop() {
		Scan(frame)
	}
}
