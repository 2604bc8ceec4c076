package tape

import (
	"fmt"
	"strings"
	"time"

	"github.com/expressstation/kiosk/store/totp"
)

// report prints one command's result: "ok" or "FAIL", the tape's line number
// and the command as written; a failure adds the reason and the screen as it
// was. Only the source text is printed, never an expanded ${NAME} or a code.
func (r *runner) report(c Command, f *failure) {
	status := "ok  "
	if f != nil {
		status = "FAIL"
	}
	fmt.Fprintf(r.out, "%s %*d  %s\n", status, r.lineWidth, c.Line, c.Source)
	switch {
	case f != nil:
		indent := strings.Repeat(" ", 5+r.lineWidth+2)
		for _, l := range strings.Split(f.reason, "\n") {
			fmt.Fprintf(r.out, "%s%s\n", indent, l)
		}
		r.printScreen()
	case c.Name == "Screen":
		r.printScreen()
	}
}

// printScreen draws the virtual screen as it is now, framed, every line of
// it (a short frame leaves the rest of the terminal blank).
func (r *runner) printScreen() {
	if r.host == nil {
		return
	}
	s, _ := r.host.current()
	fmt.Fprintf(r.out, "  ┌─ screen %dx%d\n", s.width, s.height)
	for i := 0; i < s.height; i++ {
		line := ""
		if i < len(s.lines) {
			line = s.lines[i]
		}
		fmt.Fprintf(r.out, "  │%s\n", line)
	}
	fmt.Fprintln(r.out, "  └─")
}

// totpCode is the code an authenticator shows for secret at now.
func totpCode(secret string, now time.Time) (string, error) {
	if secret == "" {
		return "", fmt.Errorf("the captured value is empty")
	}
	return totp.Code(secret, totp.Step(now))
}
