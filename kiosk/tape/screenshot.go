package tape

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// inColour makes the station's styles render in true colour for a dark
// terminal, as a tape that takes screenshots needs: the runner has no
// terminal to ask, and lipgloss would otherwise detect standard output (no
// colour when it is a pipe) and the background (anything, per terminal).
// The setting is the process's lipgloss default, which every screen of this
// process uses; the runner's own checks look at the text without styles,
// so other tapes in the same process are not affected.
var inColour = sync.OnceFunc(func() {
	lipgloss.SetColorProfile(termenv.TrueColor)
	lipgloss.SetHasDarkBackground(true)
})

// screenshot writes the current screen as SVG to the command's file
// (relative to the tape's folder).
func (r *runner) screenshot(c Command) *failure {
	if err := r.alive(); err != nil {
		return &failure{reason: err.Error()}
	}
	f := r.host.rendered()
	path := c.text
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.dir, path)
	}
	if err := os.WriteFile(path, svgScreen(f.view, f.width, f.height), 0o644); err != nil {
		return fail("cannot write the screenshot: %v", err)
	}
	return nil
}
