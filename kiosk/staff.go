package kiosk

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/expressstation/kiosk/store"
)

// Staff mode (DESIGN.md: the staff key, F12 by default, then the staff PIN)
// is a flow like the students' (flowStaff): the PIN step, then the panel.
// It shares their idle timeout, Esc and wiping, so leaving it by any road
// returns to the menu with nothing of staff left on screen. The root only
// opens it and, while maintenance is on, shows students the out-of-service
// screen instead of the menu.

// maintenanceMsg says whether the station is out of service for students:
// read at start, and sent again when the panel switches it.
type maintenanceMsg struct {
	on  bool
	err error
}

func (m *Model) inStaffMode() bool { return m.flow != nil && m.flow.kind == flowStaff }

// openStaff answers the staff key on any screen: a student's flow is wiped,
// as by the idle timeout, and the PIN is asked for.
func (m *Model) openStaff() tea.Cmd {
	if m.inStaffMode() {
		return nil
	}
	bye := m.endFlow()
	return tea.Batch(bye, m.startFlow(flowStaff))
}

func (m *Model) loadMaintenance() tea.Cmd {
	if m.c.Opt.Staff == nil {
		return nil
	}
	return callFor(storeTimeout, func(ctx context.Context, s Staff) tea.Msg {
		on, err := s.Maintenance(ctx)
		return maintenanceMsg{on: on, err: err}
	}, m.c.Opt.Staff)
}

// onMaintenance records the flag; the staff panel hears of it too.
func (m *Model) onMaintenance(msg maintenanceMsg) tea.Cmd {
	if msg.err == nil {
		m.maintenance = msg.on
	}
	if m.inStaffMode() {
		return m.toFlow(msg)
	}
	return nil
}

// outOfServiceView is what students see while maintenance is on, or while
// a synced station is not ready (ready.go). Nothing on it answers a
// student's keys or touches.
func (m *Model) outOfServiceView(width int) string {
	s := m.c.Styles
	w := min(width, 60)
	title, text := m.c.tr("screen.closed.title", nil), m.c.tr("screen.closed.body", textData{"Desk": m.c.desk()})
	if !m.maintenance {
		title, text = notReadyText(m.c)
	}
	body := lipgloss.JoinVertical(lipgloss.Center,
		s.Title.Render(title), "",
		wrapStyle(s.Text.Align(lipgloss.Center), w-6, text))
	return s.Panel.Width(w).Align(lipgloss.Center).Render(body)
}

// farewell is what a flow still does once it has ended: staff who signed in
// are signed out in the audit, however they left (Esc, idle, a reset).
func (f *flow) farewell() tea.Cmd {
	if !f.signedIn {
		return nil
	}
	f.signedIn = false
	return callFor(storeTimeout, func(ctx context.Context, s Staff) tea.Msg {
		_ = s.StaffAudit(ctx, store.AuditStaffSignOut, "")
		return nil
	}, f.c.Opt.Staff)
}

// staffCall runs a staff request for this flow, bounded by timeout; the
// result reaches this flow only.
func (f *flow) staffCall(timeout time.Duration, fn func(ctx context.Context, s Staff) tea.Msg) tea.Cmd {
	id := f.id
	inner := callFor(timeout, fn, f.c.Opt.Staff)
	return func() tea.Msg { return flowMsg{id: id, msg: inner()} }
}
