package kiosk

import (
	"bytes"
	"errors"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/mdp/qrterminal/v3"
	"rsc.io/qr"

	"github.com/expressstation/kiosk/kiosk/cells"
)

// qrImage is an otpauth URI drawn as a QR code in half blocks (two modules
// per cell), ready to place in the layout.
type qrImage struct {
	text  string
	w, h  int
	level qr.Level
	quiet int
}

// qrPreference lists the renderings in order of preference: a wider quiet
// zone first (scanners need it more than redundancy), then the strongest
// error correction.
var qrPreference = []struct {
	quiet int
	level qr.Level
}{
	{2, qr.H}, {2, qr.Q}, {2, qr.M}, {2, qr.L},
	{1, qr.H}, {1, qr.Q}, {1, qr.M}, {1, qr.L},
}

var errQRTooLong = errors.New("the QR code cannot hold this link")

// renderQR draws uri at every level that can hold it, never to the terminal:
// qrterminal writes into a buffer. qrterminal ignores encoding errors, so
// each level is tried with qr.Encode first.
func renderQR(style lipgloss.Style, uri string) ([]qrImage, error) {
	var out []qrImage
	for _, p := range qrPreference {
		if _, err := qr.Encode(uri, p.level); err != nil {
			continue // the URI does not fit at this level
		}
		var buf bytes.Buffer
		qrterminal.GenerateWithConfig(uri, qrterminal.Config{
			Level:      p.level,
			Writer:     &buf,
			HalfBlocks: true,
			QuietZone:  p.quiet,
		})
		lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
		for i, l := range lines {
			lines[i] = style.Render(l)
		}
		out = append(out, qrImage{
			text: strings.Join(lines, "\n"), w: lipgloss.Width(lines[0]), h: len(lines),
			level: p.level, quiet: p.quiet,
		})
	}
	if len(out) == 0 {
		return nil, errQRTooLong
	}
	return out, nil
}

// besideQR is lipgloss.JoinHorizontal(lipgloss.Top, img.text, gap, block)
// without measuring the QR code's lines again: each is img.w cells wide.
func (c *Common) besideQR(img qrImage, gap, block string) string {
	if c.fresh {
		return lipgloss.JoinHorizontal(lipgloss.Top, img.text, gap, block)
	}
	qr := strings.Split(img.text, "\n")
	lines := strings.Split(block, "\n")
	widths := make([]int, len(lines))
	bw := 0
	for i, l := range lines {
		widths[i] = cells.Width(l)
		bw = max(bw, widths[i])
	}
	gw := cells.Width(gap)
	var sb strings.Builder
	sb.Grow(len(img.text) + len(block) + max(len(qr), len(lines))*(len(gap)+bw+img.w))
	for y := range max(len(qr), len(lines)) {
		if y > 0 {
			sb.WriteByte('\n')
		}
		if y < len(qr) {
			sb.WriteString(qr[y])
		} else {
			pad(&sb, img.w)
		}
		if y == 0 {
			sb.WriteString(gap)
		} else {
			pad(&sb, gw) // lipgloss pads the one-line gap below its line
		}
		if y < len(lines) {
			sb.WriteString(lines[y])
			pad(&sb, bw-widths[y])
		} else {
			pad(&sb, bw)
		}
	}
	return sb.String()
}

// pickQR returns the most preferred rendering that fits in w x h.
func pickQR(imgs []qrImage, w, h int) (qrImage, bool) {
	for _, img := range imgs {
		if img.w <= w && img.h <= h {
			return img, true
		}
	}
	return qrImage{}, false
}

// smallestQR is the size the step needs at least.
func smallestQR(imgs []qrImage) (w, h int) {
	if len(imgs) == 0 {
		return 0, 0
	}
	w, h = imgs[0].w, imgs[0].h
	for _, img := range imgs[1:] {
		w, h = min(w, img.w), min(h, img.h)
	}
	return w, h
}
