package tape

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/store/totp"
)

// dummy is a tiny station for testing the runner on its own: a menu of
// buttons, a text field, an idle timer on the station clock, a TOTP step and
// a store call that answers asynchronously, like the real root model.
type dummy struct {
	clk      clock.Clock
	w, h     int
	page     string // "menu", "name", "hello", "totp", "enrolled"
	name     []rune
	status   string
	gen      int
	buttons  []touch.Button
	secret   string
	lastStep int64
	tall     bool // render more lines than the screen has

	lastMouse tea.MouseMsg
	quitting  bool          // the model decided to quit (kiosk.Quitter)
	latency   time.Duration // of the pretend store call
	views     int           // View calls, to count the frames the runner draws
}

func (d *dummy) Quitting() bool { return d.quitting }

const dummySecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func newDummy(clk clock.Clock) *dummy {
	return &dummy{clk: clk, page: "menu", secret: dummySecret}
}

type idleMsg struct{ gen int }

type greetedMsg struct{ greeting string }

func (d *dummy) arm() tea.Cmd {
	d.gen++
	gen := d.gen
	return d.clk.Tick(90*time.Second, func(time.Time) tea.Msg { return idleMsg{gen} })
}

func (d *dummy) Init() tea.Cmd { return d.arm() }

func (d *dummy) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		d.w, d.h = msg.Width, msg.Height
	case idleMsg:
		if msg.gen == d.gen {
			d.page, d.name, d.status = "menu", nil, "Timed out"
		}
	case greetedMsg:
		d.page, d.status = "hello", msg.greeting
	case tea.MouseMsg:
		d.lastMouse = msg
		if msg.Action != tea.MouseActionPress || msg.Button != tea.MouseButtonLeft {
			return d, nil
		}
		if b, ok := touch.Hit(d.buttons, msg.X, msg.Y); ok {
			return d, tea.Batch(d.arm(), d.press(b.ID))
		}
	case tea.KeyMsg:
		return d, tea.Batch(d.arm(), d.key(msg))
	}
	return d, nil
}

func (d *dummy) press(id string) tea.Cmd {
	switch id {
	case "name":
		d.page, d.status = "name", ""
	case "totp":
		d.page, d.status = "totp", ""
	case "quit":
		d.quitting = true
		return tea.Quit
	case "tall":
		d.tall = !d.tall
	}
	return nil
}

func (d *dummy) key(k tea.KeyMsg) tea.Cmd {
	if k.String() == "!" {
		panic("boom")
	}
	switch d.page {
	case "menu", "hello":
		switch k.String() {
		case "1":
			return d.press("name")
		case "2":
			return d.press("totp")
		case "ctrl+c":
			return tea.Quit
		}
	case "name", "totp":
		return d.field(k)
	}
	return nil
}

func (d *dummy) field(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		d.name = append(d.name, k.Runes...)
	case tea.KeyBackspace:
		if len(d.name) > 0 {
			d.name = d.name[:len(d.name)-1]
		}
	case tea.KeyEscape:
		d.page, d.name = "menu", nil
	case tea.KeyEnter:
		input := string(d.name)
		d.name = nil
		if d.page == "totp" {
			return d.verify(input)
		}
		// Like a store call: answered later, from another goroutine, inside a
		// sequence and a batch as real screens compose their commands.
		return tea.Sequence(tea.Batch(d.slow(greetedMsg{"Hello, " + input + "!"}), nil), nil)
	}
	return nil
}

// slow delivers msg after a store call's latency.
func (d *dummy) slow(msg tea.Msg) tea.Cmd {
	return func() tea.Msg {
		<-time.After(d.latency)
		return msg
	}
}

func (d *dummy) verify(code string) tea.Cmd {
	step, r := totp.Verify(d.secret, code, d.clk.Now(), d.lastStep)
	if r == totp.Accepted {
		d.page, d.lastStep, d.status = "enrolled", step, "Enrolled"
		return nil
	}
	d.status = "Wrong code: " + r.String()
	return nil
}

func button(id, label string) string {
	return touch.Mark(id, label, lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1).Render(label))
}

func (d *dummy) View() string {
	d.views++
	var b strings.Builder
	fmt.Fprintf(&b, "Dummy station %dx%d  %s\n", d.w, d.h, d.clk.Now().UTC().Format("15:04:05"))
	switch d.page {
	case "menu":
		b.WriteString(lipgloss.JoinHorizontal(lipgloss.Top,
			button("name", "Say hello"), " ", button("totp", "Enrol 2FA"), " ",
			button("quit", "Quit"), " ", button("tall", "Tall")) + "\n")
	case "name":
		fmt.Fprintf(&b, "Your name: %s_\n", string(d.name))
	case "totp":
		fmt.Fprintf(&b, "Key: %s\nCode: %s_\n", totp.GroupKey(d.secret), string(d.name))
	}
	if d.status != "" {
		b.WriteString(d.status + "\n")
	}
	if d.tall {
		for i := range 50 {
			fmt.Fprintf(&b, "filler %d\n", i)
		}
		b.WriteString(button("tall", "Short") + "\n")
	}
	frame, buttons := touch.Scan(b.String())
	d.buttons = buttons
	return frame
}

func (d *dummy) Buttons() []touch.Button { return d.buttons }
