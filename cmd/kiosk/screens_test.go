package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/expressstation/kiosk/cmd/kiosk/app"
	"github.com/expressstation/kiosk/kiosk/tape"
)

var update = flag.Bool("update", false, "TestScreens: rewrite the gallery's pictures in kiosk/tape/screens")

const screens = "../../kiosk/tape/screens"

// The README's gallery is current: every tape in kiosk/tape/screens, run on
// a fresh demo station, draws exactly the pictures committed beside it, each
// well-formed SVG and shown in README. Refresh after a change to a screen:
//
//	go test ./cmd/kiosk -run TestScreens -update
func TestScreens(t *testing.T) {
	tapes, err := filepath.Glob(filepath.Join(screens, "*.tape"))
	if err != nil || len(tapes) == 0 {
		t.Fatalf("no gallery tapes in %s: %v", screens, err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var drawn []string
	defer func() { app.SecretRand = nil }()
	for _, path := range tapes {
		tp := parseTape(t, path)
		out := t.TempDir()
		if *update {
			out = screens
		}
		tp.Dir = out
		// The staff panel shows the replica's size, which the station's
		// background jobs (the lifecycle run after the first frame, notice
		// delivery) may still change on a loaded machine: a tape whose
		// pictures differ is drawn again, twice at most, before they count
		// as stale.
		for attempt := 1; ; attempt++ {
			// The same 2FA key on every run, so the enrolment screen has a stable picture.
			app.SecretRand = rand.NewChaCha8([32]byte{'e', 'x', 'p', 'r', 'e', 's', 's'})
			var log bytes.Buffer
			if code := tape.Run(context.Background(), tp, starter(demoConfig(t)), &log); code != tape.ExitPass {
				t.Fatalf("%s: exit %d:\n%s", path, code, log.String())
			}
			if *update || attempt == 3 || !anyStale(tp, out) {
				break
			}
		}
		for _, c := range tp.Commands {
			if c.Name != "Screenshot" {
				continue
			}
			name := c.Args[0]
			if slices.Contains(drawn, name) {
				t.Errorf("%s: %s is drawn by two tapes", path, name)
			}
			drawn = append(drawn, name)
			got, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := wellFormed(got); err != nil {
				t.Errorf("%s is not well-formed XML: %v", name, err)
			}
			if want, err := os.ReadFile(filepath.Join(screens, name)); err != nil || !bytes.Equal(got, want) {
				t.Errorf("kiosk/tape/screens/%s is stale (the screen changed): refresh the gallery with\n\tgo test ./cmd/kiosk -run TestScreens -update", name)
			}
			if !bytes.Contains(readme, []byte("(kiosk/tape/screens/"+name+")")) {
				t.Errorf("README's gallery does not show kiosk/tape/screens/%s", name)
			}
		}
	}
	committed, _ := filepath.Glob(filepath.Join(screens, "*.svg"))
	for _, f := range committed {
		if !slices.Contains(drawn, filepath.Base(f)) {
			t.Errorf("no gallery tape draws kiosk/tape/screens/%s: delete it", filepath.Base(f))
		}
	}
}

// anyStale reports whether a picture the tape drew differs from the
// committed one.
func anyStale(tp *tape.Tape, out string) bool {
	for _, c := range tp.Commands {
		if c.Name != "Screenshot" {
			continue
		}
		got, err := os.ReadFile(filepath.Join(out, c.Args[0]))
		want, err2 := os.ReadFile(filepath.Join(screens, c.Args[0]))
		if err != nil || err2 != nil || !bytes.Equal(got, want) {
			return true
		}
	}
	return false
}

func parseTape(t *testing.T, path string) *tape.Tape {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tp, err := tape.Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tp
}

// wellFormed parses the whole document as XML with an <svg> root.
func wellFormed(doc []byte) error {
	d := xml.NewDecoder(bytes.NewReader(doc))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		return errors.New("the root element is <" + root + ">, not <svg>")
	}
	return nil
}
