package kiosk

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/clock"
)

// A synced station whose replica holds no accounts yet (the first start
// before the bootstrap finished, a Reset station with an upstream, an
// unreachable upstream) would refuse every student with "we could not find
// you". Until accounts arrive it shows students a not-ready screen instead
// of the menu, the way maintenance does; staff mode still opens (Sync now).
// A standalone station with no accounts keeps its menu: it may be waiting
// for an import.

// RefreshMsg tells the station that a sync round ended (in the sync loop,
// or a tape's Sync): the footer reads the link state, a not-ready station
// looks at its replica again, an open staff panel reloads its figures.
type RefreshMsg struct{}

// readyPollMsg is readyPoll's timer: look at the replica again.
type readyPollMsg struct{}

// notReadyPoll is how often a synced station not known to hold accounts
// looks again, besides after each sync round.
const notReadyPoll = 5 * time.Second

// accountsMsg is how many accounts the replica holds: read at start, every
// notReadyPoll and after each sync round until there are some, and after
// staff's Sync now or Reset.
type accountsMsg struct {
	n   int
	err error
}

// checkAccounts asks the replica for its account count; nil on a standalone
// station, which is never "not ready". The answer goes to the root.
func checkAccounts(c *Common) tea.Cmd {
	if c.Opt.Link == nil || c.Opt.Accounts == nil {
		return nil
	}
	return call(func(ctx context.Context, a Accounts) tea.Msg {
		st, err := a.Status(ctx)
		if st.Bootstrapping {
			st.Accounts = 0 // not ready until the walk reaches the head
		}
		return accountsMsg{n: st.Accounts, err: err}
	}, c.Opt.Accounts)
}

// pollAccounts re-checks until the replica was seen holding accounts; after
// that only a reset can empty it, and the panel asks again then.
func (m *Model) pollAccounts() tea.Cmd {
	if m.filled {
		return nil
	}
	return checkAccounts(m.c)
}

// readyPoll arms the next look at the replica while it is not known to hold
// accounts; one timer at a time. A redraw timer (clock.Refresh): a tape's
// long Advance looks once, at its end.
func (m *Model) readyPoll() tea.Cmd {
	if m.filled || m.polling || m.c.Opt.Link == nil || m.c.Opt.Accounts == nil {
		return nil
	}
	m.polling = true
	return clock.Refresh(m.c.Opt.Clock, notReadyPoll, func(time.Time) tea.Msg { return readyPollMsg{} })
}

// onAccounts switches between the not-ready screen and the menu, and keeps
// looking while there are no accounts (after a reset, again). A failed read
// changes nothing: the next look asks again.
func (m *Model) onAccounts(msg accountsMsg) tea.Cmd {
	if msg.err != nil {
		return nil
	}
	m.filled = msg.n > 0
	m.notReady = !m.filled
	return m.readyPoll()
}

// closed reports whether students see an out-of-service screen (staff.go)
// instead of the menu: maintenance, or a synced station not ready yet.
func (m *Model) closed() bool { return m.maintenance || m.notReady }

// notReadyText is the not-ready screen's title and paragraph.
func notReadyText(c *Common) (title, text string) {
	return c.tr("screen.ready.title", nil), c.tr("screen.ready.body", nil)
}
