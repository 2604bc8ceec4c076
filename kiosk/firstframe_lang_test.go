package kiosk_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store/text"
)

// firstFrameChildEnv makes TestFirstFrameParsesOwnLanguageOnly run its
// station in this process (a fresh catalog, nothing parsed yet).
const firstFrameChildEnv = "KIOSK_TEST_FIRST_FRAME_CHILD"

// The first frame parses only the station's language (issue 17: the other
// file is 10 ms of the start), yet its language button names the other
// language in that language's own words. The catalog is per process, so
// the station starts in a child process of this test binary.
func TestFirstFrameParsesOwnLanguageOnly(t *testing.T) {
	if os.Getenv(firstFrameChildEnv) != "" {
		s := newScreen(t, nil)
		screen := s.screen()
		if !strings.Contains(screen, "中文") || !strings.Contains(screen, "Student A/C Activation") {
			t.Fatalf("first frame without the menu or the language button:\n%s", screen)
		}
		if !text.Loaded(text.English) {
			t.Fatal("English is not parsed after the first frame")
		}
		for _, l := range text.Languages()[1:] {
			if text.Loaded(l) {
				t.Fatalf("the first frame parsed %s.toml", l)
			}
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFirstFrameParsesOwnLanguageOnly$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), firstFrameChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestFirstFrameParsesOwnLanguageOnly") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
