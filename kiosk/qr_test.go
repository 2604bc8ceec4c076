package kiosk

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"rsc.io/qr"
)

// modules reads a half-block rendering back into light/dark modules:
// the foreground (█ ▀ ▄) is light, the background dark.
func modules(text string) [][]bool {
	var rows [][]bool
	for _, line := range strings.Split(text, "\n") {
		top, bottom := []bool{}, []bool{}
		for _, r := range line {
			top = append(top, r == '█' || r == '▀')
			bottom = append(bottom, r == '█' || r == '▄')
		}
		rows = append(rows, top, bottom)
	}
	return rows
}

func TestQRDecodesToTheURI(t *testing.T) {
	uri := "otpauth://totp/HKUST:tmchan?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=HKUST"
	imgs, err := renderQR(lipgloss.NewStyle(), uri)
	if err != nil {
		t.Fatal(err)
	}
	for _, img := range imgs {
		code, err := qr.Encode(uri, img.level)
		if err != nil {
			t.Fatal(err)
		}
		light := modules(img.text)
		// qrterminal draws the code two module rows down and quiet modules in.
		oy, ox := 2, img.quiet
		for y := oy - img.quiet; y < oy+code.Size+img.quiet; y++ {
			for x := 0; x < code.Size+2*img.quiet; x++ {
				inCode := y >= oy && y < oy+code.Size && x >= ox && x < ox+code.Size
				if !inCode && !light[y][x] {
					t.Fatalf("level %v quiet %d: module (%d,%d) of the quiet zone is dark", img.level, img.quiet, x, y)
				}
			}
		}
		for y := range code.Size {
			for x := range code.Size {
				if light[oy+y][ox+x] == code.Black(x, y) {
					t.Fatalf("level %v: module (%d,%d) differs from the encoded code", img.level, x, y)
				}
			}
		}
		if img.w != code.Size+2*img.quiet {
			t.Errorf("level %v: width %d, want %d", img.level, img.w, code.Size+2*img.quiet)
		}
	}
	// Preferred renderings come first; an 80x24 body still gets one.
	if img, ok := pickQR(imgs, 76-narrowColumn-2, 22); !ok || img.h > 22 {
		t.Errorf("no QR fits an 80x24 terminal: %+v", imgs)
	}
}

func TestQRRefusesWhatDoesNotFit(t *testing.T) {
	if _, err := renderQR(lipgloss.NewStyle(), strings.Repeat("x", 3000)); err == nil {
		t.Fatal("a 3000-byte URI cannot be a QR code, yet no error")
	}
}
