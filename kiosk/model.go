package kiosk

import (
	"github.com/expressstation/kiosk/store/text"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk/clock"
	"github.com/expressstation/kiosk/kiosk/touch"
)

// Model is the station's root model (soft-serve's ui.UI): the main menu or
// one running flow, the idle timer, and the header and footer around them.
type Model struct {
	c     *Common
	menu  *menu
	flow  *flow // nil on the main menu
	flows int   // flow ids, so late results of an ended flow are dropped
	idle  idle
	link  LinkState
	help  help.Model
	// maintenance: students see the out-of-service screen (staff.go).
	maintenance bool
	// notReady: a synced station's replica holds no accounts yet, so
	// students see the not-ready screen; filled: it was seen holding some;
	// polling: a readyPoll timer is armed (ready.go).
	notReady, filled, polling bool

	mu       sync.Mutex
	buttons  []touch.Button // of the last View
	quitting bool

	// What a keystroke does not change, rendered once (cache.go): the
	// header, the footer, and the last frame with its buttons, so an
	// unchanged frame is not scanned again.
	header memo[headerKey]
	footer memo[footerKey]
	last   struct {
		raw, frame string
		buttons    []touch.Button
	}
}

type headerKey struct {
	look
	staff, button bool
}

type footerKey struct {
	look
	status, keys string
}

// pressMsg is a tap on the button with this id.
type pressMsg struct{ id string }

type footerTickMsg struct{}

// New builds the station's screens.
func New(opt Options) *Model {
	opt = opt.withDefaults()
	c := &Common{Opt: opt, Width: 80, Height: 24, Styles: DefaultStyles(), Keys: DefaultKeyMap(opt.Dev)}
	c.Keys.Staff.SetKeys(opt.StaffKey)
	c.Keys.Staff.SetEnabled(opt.Staff != nil)
	h := help.New()
	h.Styles = c.Styles.Help
	m := &Model{c: c, menu: &menu{c: c}, help: h}
	m.pollLink()
	return m
}

// Init starts the footer's clock and reads whether the station is out of
// service or not ready yet.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.footerTick(), m.loadMaintenance(), checkAccounts(m.c), m.readyPoll())
}

// footerTick redraws the footer when its clock (HH:MM) next changes. The
// link state does not wait for it: the sync loop sends RefreshMsg. It is a
// redraw timer (clock.Refresh), so a tape's Advance 4800h costs one redraw,
// not one a minute.
func (m *Model) footerTick() tea.Cmd {
	now := m.c.Now()
	next := now.Truncate(time.Minute).Add(time.Minute)
	return clock.Refresh(m.c.Opt.Clock, next.Sub(now), func(time.Time) tea.Msg { return footerTickMsg{} })
}

// pollLink reads the link state: at start, and whenever the sync loop says
// a round ended (RefreshMsg), so the footer follows it at once.
func (m *Model) pollLink() {
	m.link = LinkState{Mode: LinkStandalone}
	if m.c.Opt.Link != nil {
		m.link = m.c.Opt.Link()
	}
}

// Quitting reports whether the model decided to quit (see Filter).
func (m *Model) Quitting() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.quitting
}

func (m *Model) quit() tea.Cmd {
	m.mu.Lock()
	m.quitting = true
	m.mu.Unlock()
	return tea.Quit
}

// Buttons returns the touchable buttons of the last rendered View.
func (m *Model) Buttons() []touch.Button {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]touch.Button(nil), m.buttons...)
}

// Update routes a message: size and timers to whoever owns them, input to
// the idle warning, the main menu or the running flow.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.c.invalidate()
		return m, nil
	case ShutdownMsg:
		return m, m.quit()
	case footerTickMsg:
		return m, m.footerTick()
	case readyPollMsg:
		m.polling = false
		return m, tea.Batch(m.pollAccounts(), m.readyPoll())
	case accountsMsg:
		return m, m.onAccounts(msg)
	case RefreshMsg:
		// A sync round ended: the footer shows the link as it is now, and
		// an open staff panel reads its figures again (pending, cursor,
		// last error) instead of going stale while the outbox drains.
		m.pollLink()
		m.c.invalidate()
		cmds := []tea.Cmd{m.pollAccounts()}
		if m.inStaffMode() {
			cmds = append(cmds, m.toFlow(msg))
		}
		return m, tea.Batch(cmds...)
	case idleCheckMsg:
		return m, m.idle.onCheck(m.c, msg)
	case idleCountMsg:
		cmd, expired := m.idle.onCount(m.c, msg)
		if expired {
			cmd = m.endFlow()
		}
		return m, cmd
	case maintenanceMsg:
		return m, m.onMaintenance(msg)
	case flowMsg:
		if m.flow == nil || msg.id != m.flow.id {
			return m, nil // the flow that asked has ended
		}
		return m, m.toFlow(msg.msg)
	case busyTickMsg:
		if m.flow == nil {
			return m, nil
		}
		return m, m.toFlow(msg)
	case tea.KeyMsg:
		return m, m.key(msg)
	case tea.MouseMsg:
		return m, m.mouse(msg)
	case LanguageMsg:
		return m, m.switchLang(msg.Language())
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Ignored):
		return nil // kiosk mode: no leaving, no suspending
	case key.Matches(msg, k.Staff):
		return m.openStaff()
	case key.Matches(msg, k.Language):
		return m.switchLang(m.c.otherLang())
	case m.tooSmall():
		return nil // the step behind "Please enlarge the window" is not seen: it takes no keys
	}
	clean := sanitize(msg)
	if clean == nil {
		return nil
	}
	return m.input(clean)
}

// mouse turns a left press into a tap on the button under it (touch screens
// may never send the release), and passes the wheel to the flow.
func (m *Model) mouse(msg tea.MouseMsg) tea.Cmd {
	if msg.Action != tea.MouseActionPress || m.tooSmall() {
		return nil // nothing behind "Please enlarge the window" can be touched
	}
	switch msg.Button {
	case tea.MouseButtonLeft:
		m.mu.Lock()
		b, ok := touch.Hit(m.buttons, msg.X, msg.Y)
		m.mu.Unlock()
		if ok && b.ID == langButtonID {
			return m.switchLang(m.c.otherLang())
		}
		if !ok {
			if m.idle.warning { // a tap anywhere answers "Still there?"
				return m.input(pressMsg{})
			}
			return nil
		}
		return m.input(pressMsg{id: b.ID})
	case tea.MouseButtonWheelUp, tea.MouseButtonWheelDown:
		return m.input(msg)
	}
	return nil
}

// input is anything the student did. While "Still there?" shows, it only
// answers the question.
func (m *Model) input(msg tea.Msg) tea.Cmd {
	if m.idle.warning {
		return m.idle.arm(m.c)
	}
	if m.flow == nil {
		if m.closed() {
			return nil // out of service or not ready: no flow starts
		}
		m.idle.input(m.c) // a menu in the language a student chose waits for them (switchLang)
		kind, ok := m.menu.update(msg)
		if !ok {
			return nil
		}
		return m.startFlow(kind)
	}
	m.idle.input(m.c)
	return m.toFlow(msg)
}

func (m *Model) startFlow(kind flowKind) tea.Cmd {
	m.flows++
	m.flow = newFlow(m.c, m.flows, kind)
	return tea.Batch(m.idle.arm(m.c), m.toFlow(nil))
}

// toFlow passes msg to the flow (nil starts it) and returns to the menu
// when the flow is over.
func (m *Model) toFlow(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	if msg == nil {
		cmd = m.flow.start()
	} else {
		cmd = m.flow.update(msg)
	}
	if m.flow.over {
		then, ok := m.flow.then, m.flow.handOver
		lang := m.c.lang
		bye := m.endFlow()
		if ok { // the flow sent the student to another one (flow.switchTo), in the language they chose
			m.c.lang = lang
			return tea.Batch(bye, m.startFlow(then))
		}
		return bye
	}
	return cmd
}

// endFlow drops the flow and everything typed in it, and shows the menu. It
// returns what the flow must still do on its way out (farewell).
func (m *Model) endFlow() tea.Cmd {
	var bye tea.Cmd
	if m.flow != nil {
		m.flow.wipe()
		bye = m.flow.farewell()
	}
	m.flow = nil
	m.idle.disarm()
	m.menu.focus = 0
	m.c.lang = ""    // the next student meets the station's language
	m.c.invalidate() // nothing drawn for this student outlives the flow
	return bye
}

// View draws header, body and footer at the terminal's size, then records
// where the buttons ended up.
func (m *Model) View() string {
	if m.Quitting() {
		return ""
	}
	if !m.c.fresh {
		m.c.nextFrame()
	}
	w := m.c.Width
	_, bodyH := m.c.bodySize()
	frame := m.headerView(w) + "\n" + m.c.place(w, bodyH, m.bodyView()) + "\n" + m.footerView(w)
	raw := frame
	var buttons []touch.Button
	if !m.c.fresh && raw == m.last.raw {
		frame, buttons = m.last.frame, m.last.buttons // nothing moved: the buttons are where they were
	} else {
		frame, buttons = touch.Scan(frame)
	}
	if !m.c.fresh {
		m.last.raw, m.last.frame, m.last.buttons = raw, frame, buttons
	}
	m.mu.Lock()
	m.buttons = buttons
	m.mu.Unlock()
	return frame
}

// ViewFresh is View rendered without any cached rendering, for tests that
// prove the caches never draw a stale frame: it must equal View at any
// moment. It leaves the caches as they were.
func (m *Model) ViewFresh() string {
	m.c.fresh = true
	defer func() { m.c.fresh = false }()
	return m.View()
}

// place centres a block in w x h cells, cutting what does not fit. It
// measures each line once: measuring is most of the cost of a frame, and
// lipgloss.Place plus MaxWidth/MaxHeight would measure every line four times.
func (c *Common) place(w, h int, block string) string {
	lines := strings.Split(block, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	widths := make([]int, len(lines))
	bw := 0
	for i, l := range lines {
		widths[i] = c.measure(l)
		if widths[i] > w {
			lines[i], widths[i] = ansi.Truncate(l, w, ""), w
		}
		bw = max(bw, widths[i])
	}
	left := (w - bw) / 2
	top := (h - len(lines)) / 2
	blank := strings.Repeat(" ", w)
	var b strings.Builder
	b.Grow((w + 1) * h * 2)
	for y := range h {
		if y > 0 {
			b.WriteByte('\n')
		}
		i := y - top
		if i < 0 || i >= len(lines) {
			b.WriteString(blank)
			continue
		}
		b.WriteString(blank[:left])
		b.WriteString(lines[i])
		b.WriteString(blank[:w-left-widths[i]])
	}
	return b.String()
}

// Minimum body every screen needs (80x24 terminal less header and footer);
// a step may ask for more (the QR code).
const minBodyW, minBodyH = 60, 18

// need is the body the current screen needs.
func (m *Model) need() (w, h int) {
	w, h = minBodyW, minBodyH
	switch {
	case m.flow != nil:
		fw, fh := m.flow.minSize()
		w, h = max(w, fw), max(h, fh)
	case !m.closed():
		h = max(h, menuMinHeight())
	}
	return w, h
}

// tooSmall reports whether the terminal is too small for the current screen,
// which then shows only "Please enlarge the window".
func (m *Model) tooSmall() bool {
	needW, needH := m.need()
	return m.c.Width < needW || m.c.Height-chromeLines < needH
}

func (m *Model) bodyView() string {
	needW, needH := m.need()
	if m.tooSmall() {
		return wrapStyle(m.c.Styles.Warning, min(m.c.Width, 40),
			m.c.tr("screen.enlarge", text.Data{"Width": needW, "Height": needH + 2}))
	}
	cw, ch := m.c.bodySize()
	switch {
	case m.idle.warning:
		return m.idleView(cw)
	case m.flow != nil:
		return m.flow.view()
	case m.closed():
		return m.outOfServiceView(cw)
	default:
		return m.menu.view(cw, ch)
	}
}

func (m *Model) idleView(width int) string {
	s := m.c.Styles
	body := lipgloss.JoinVertical(lipgloss.Center,
		s.Title.Render(m.c.tr("screen.idle.title", nil)), "",
		s.Text.Render(m.c.tr("screen.idle.body", nil)),
		s.Warning.Render(m.c.printer().N("screen.idle.seconds", m.idle.remaining(m.c), nil)), "",
		s.Muted.Render(m.c.tr("screen.idle.hint", nil)), "",
		button(m.c, "idle:continue", m.c.tr("screen.idle.button", nil), true, true))
	return s.Panel.Width(min(width, 60)).Align(lipgloss.Center).Render(body)
}

// headerView is the title bar, drawn once for its look (the station's
// names come from the options).
func (m *Model) headerView(w int) string {
	staff := m.inStaffMode()
	button := m.langSwitchable() && !m.tooSmall() // top right, on every student screen; nothing is touchable behind "Please enlarge"
	return m.header.get(m.c, headerKey{m.c.look(), staff, button}, func() string {
		s := m.c.Styles
		o := m.c.Opt
		title := o.ServiceName
		if o.Institution != "" {
			title += " · " + o.Institution
		}
		station := s.HeaderStation.Render(o.StationName)
		if staff {
			station = s.HeaderStation.Render(m.c.tr("screen.header.staff", text.Data{"Station": o.StationName}))
		}
		if button {
			station += m.langButton()
		}
		room := max(0, w-lipgloss.Width(station))
		left := s.Header.Render(ansi.Truncate(title, max(0, room-2), "…"))
		gap := s.Header.Padding(0).Render(strings.Repeat(" ", max(0, room-lipgloss.Width(left))))
		return ansi.Truncate(left+gap+station, w, "")
	})
}

// footerView is the status line and the keys' help, drawn again only when
// the clock's minute, the link or the keys change.
func (m *Model) footerView(w int) string {
	status := m.c.Opt.StationID
	if status != "" {
		status += " · "
	}
	status += m.c.Now().Format("15:04") + " · " + m.linkText()
	bindings := m.footerKeys()
	var keys strings.Builder
	for _, b := range bindings {
		if b.Enabled() {
			keys.WriteString(b.Help().Key + "\x00" + b.Help().Desc + "\x00")
		}
	}
	return m.footer.get(m.c, footerKey{m.c.look(), status, keys.String()}, func() string {
		m.help.Width = max(0, w-lipgloss.Width(status)-4)
		keys := m.help.ShortHelpView(bindings)
		gap := strings.Repeat(" ", max(1, w-2-lipgloss.Width(status)-lipgloss.Width(keys)))
		return m.c.Styles.Footer.Render(ansi.Truncate(status+gap+keys, max(0, w-2), ""))
	})
}

// footerKeys are the keys the footer's help shows, in the screens' language.
func (m *Model) footerKeys() []key.Binding {
	var bindings []key.Binding
	switch {
	case m.idle.warning:
		bindings = []key.Binding{m.c.Keys.StillHere}
	case m.flow != nil:
		bindings = m.flow.help()
	case m.closed():
		bindings = nil // nothing a student can do here
	default:
		bindings = m.menu.help()
	}
	if m.langSwitchable() {
		lang := m.c.Keys.Language
		lang.SetHelp(lang.Help().Key, text.Name(m.c.otherLang()))
		return append(m.c.localHelp(bindings), lang)
	}
	return m.c.localHelp(bindings)
}

func (m *Model) linkText() string {
	switch m.link.Mode {
	case LinkConnecting:
		return m.c.tr("screen.link.connecting", nil)
	case LinkOnline:
		return m.c.tr("screen.link.online", nil)
	case LinkOffline:
		s := m.c.tr("screen.link.offline", nil)
		if !m.link.Since.IsZero() {
			s = m.c.tr("screen.link.offline-since", text.Data{"Since": m.link.Since.In(m.c.Now().Location()).Format("15:04")})
		}
		return m.c.Styles.FooterOffline.Render(s)
	default:
		return m.c.tr("screen.link.standalone", nil)
	}
}
