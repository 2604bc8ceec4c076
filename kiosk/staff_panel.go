package kiosk

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/kiosk/touch"
	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// staffPanel is the staff panel: the station's figures (the same as `kiosk
// status`) beside what staff can do. Reset station and Exit program ask
// first. Every action runs in a command and is audited by the store.
type staffPanel struct {
	form
	f       *flow
	report  store.StationReport
	loaded  bool
	note    string // what the last action did
	noteBad bool
	ask     string // the action waiting for confirmation ("" when none)
	// The access-pass form (issue 15, standalone only): the account and the
	// reason typed, and the pass issued, shown once until Done or wipe.
	passing           bool
	passAcct, passWhy *field
	issued, issuedFor string
	issuedUntil       time.Time
}

// Panel buttons, in focus order.
const (
	actSync        = "staff:sync"
	actMaintenance = "staff:maintenance"
	actReset       = "staff:reset"
	actExit        = "staff:exit"
	actLeave       = "staff:leave"
	askCancel      = "staff:ask-cancel"
	askConfirm     = "staff:ask-confirm"
	actPass        = "staff:pass"
	passAccount    = "staff:pass-account"
	passReason     = "staff:pass-reason"
	passIssue      = "staff:pass-issue"
	passDone       = "staff:pass-done"
)

// panelRejected is how many rejected ops the panel lists (newest first).
const panelRejected = 3

type (
	staffReportMsg struct {
		report store.StationReport
		err    error
	}
	staffSyncMsg struct{ err error }
	staffPassMsg struct {
		account, pass string
		until         time.Time
		err           error
	}
	staffResetMsg struct {
		report  store.ResetReport
		err     error
		syncErr error // the first sync after a reset for resync
	}
)

func newStaffPanel(f *flow) step {
	p := &staffPanel{f: f}
	p.passAcct = newField(passAccount, "screen.staff.pass-account", 64, false)
	p.passWhy = newField(passReason, "screen.staff.pass-reason", 200, false)
	p.form = newForm(f.c, p.passAcct, p.passWhy)
	p.enter[passReason] = passIssue
	p.refocus()
	if p.standalone() { // the usual first action, as before the pass button came
		p.focusOn(actMaintenance)
	}
	return p
}

func (p *staffPanel) init() tea.Cmd { return p.load() }

func (p *staffPanel) title() string { return p.f.c.tr("screen.staff.title", nil) }

func (p *staffPanel) ownHead() bool { return true }

func (p *staffPanel) standalone() bool { return p.f.c.Opt.Sync == nil }

// refocus sets the focus order for what is on screen.
func (p *staffPanel) refocus() {
	switch {
	case p.ask != "":
		p.order(askCancel, askConfirm)
		return
	case p.issued != "":
		p.order(passDone)
		return
	case p.passing:
		p.order(passAccount, passReason, askCancel, passIssue)
		return
	}
	ids := []string{actMaintenance, actReset, actExit, actLeave}
	if !p.standalone() {
		ids = append([]string{actSync}, ids...)
	} else {
		ids = append([]string{actPass}, ids...)
	}
	p.order(ids...)
}

func (p *staffPanel) load() tea.Cmd {
	return p.f.staffCall(storeTimeout, func(ctx context.Context, s Staff) tea.Msg {
		rep, err := s.StationReport(ctx, panelRejected)
		return staffReportMsg{report: rep, err: err}
	})
}

func (p *staffPanel) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case staffReportMsg:
		if msg.err != nil {
			p.say(true, "screen.staff.read-failed", textData{"Error": msg.err})
			return nil
		}
		p.report, p.loaded = msg.report, true
		return nil
	case maintenanceMsg:
		p.spin.stop()
		return p.onMaintenance(msg)
	case staffSyncMsg:
		p.spin.stop()
		if msg.err != nil {
			p.say(true, "screen.staff.sync-failed", textData{"Error": msg.err})
		} else {
			p.say(false, "screen.staff.synced", textData{"At": p.f.c.Now().Format("15:04")})
		}
		return tea.Batch(p.load(), checkAccounts(p.f.c)) // the root's not-ready screen
	case staffResetMsg:
		p.spin.stop()
		return p.onReset(msg)
	case staffPassMsg:
		p.spin.stop()
		if msg.err != nil {
			p.say(true, "screen.staff.pass-failed", textData{"Error": msg.err})
			p.focusOn(passAccount) // most often a mistyped account name
			return nil
		}
		p.passing, p.note = false, ""
		p.passAcct.reset()
		p.passWhy.reset()
		p.issued, p.issuedFor, p.issuedUntil = msg.pass, msg.account, msg.until
		p.refocus()
		return nil
	case RefreshMsg: // a sync round ended: the figures changed
		return p.load()
	}
	pressed, cmd := p.handle(msg)
	if pressed != "" {
		return p.press(pressed)
	}
	return cmd
}

// canBack: Esc on a confirmation goes back to the panel (flow.update), as
// Cancel does, instead of leaving staff mode.
func (p *staffPanel) canBack() bool { return p.ask != "" || p.passing || p.issued != "" }

func (p *staffPanel) back() { p.press(askCancel) }

// say sets the note under the panel: a catalog text in the station's
// language (staff mode does not switch language).
func (p *staffPanel) say(bad bool, id string, data textData) {
	p.note, p.noteBad = p.f.c.tr(id, data), bad
}

// press does what a button says; Reset station and Exit program only ask.
func (p *staffPanel) press(id string) tea.Cmd {
	switch id {
	case actSync:
		if !p.standalone() {
			return p.syncNow()
		}
	case actMaintenance:
		if p.loaded { // the switch goes from what the figures say
			return p.toggleMaintenance()
		}
	case actReset, actExit:
		p.ask = id
		p.refocus()
	case actLeave:
		p.f.finish()
	case actPass:
		if p.standalone() {
			p.passing, p.note = true, ""
			p.refocus()
			p.focusOn(passAccount)
		}
	case passIssue:
		return p.issuePass()
	case passDone: // the pass was read out: it goes for good
		p.issued, p.issuedFor = "", ""
		p.refocus()
		p.focusOn(actPass)
	case askCancel: // back to the button that asked
		act := p.ask
		if p.passing {
			act, p.passing, p.note = actPass, false, ""
			p.passAcct.reset()
			p.passWhy.reset()
		}
		if p.issued != "" {
			act, p.issued, p.issuedFor = actPass, "", ""
		}
		p.ask = ""
		p.refocus()
		p.focusOn(act)
	case askConfirm:
		act := p.ask
		p.ask = ""
		p.refocus()
		if act == actReset {
			return p.reset()
		}
		return p.exit()
	}
	return nil
}

// issuePass asks the replica for a pass for the account typed; the replica
// audits who (this station's staff panel), why and until when.
func (p *staffPanel) issuePass() tea.Cmd {
	account, reason := strings.TrimSpace(p.passAcct.value()), strings.TrimSpace(p.passWhy.value())
	if account == "" || reason == "" {
		p.say(true, "screen.staff.pass-missing", nil)
		if account == "" { // to the empty field, ready to type
			p.focusOn(passAccount)
		} else {
			p.focusOn(passReason)
		}
		return nil
	}
	by := "staff panel " + p.f.c.Opt.StationID
	return p.run("screen.staff.saving",
		p.f.staffCall(storeTimeout, func(ctx context.Context, s Staff) tea.Msg {
			pass, until, err := s.IssuePass(ctx, account, reason, by, policy.DefaultPassValid)
			return staffPassMsg{account: account, pass: pass, until: until, err: err}
		}))
}

func (p *staffPanel) syncNow() tea.Cmd {
	syncOnce := p.f.c.Opt.Sync
	return p.run("screen.staff.syncing",
		p.f.staffCall(syncTimeout, func(ctx context.Context, s Staff) tea.Msg {
			err := syncOnce(ctx)
			detail := "ok"
			if err != nil {
				detail = "failed: " + err.Error()
			}
			_ = s.StaffAudit(ctx, store.AuditStaffSync, detail)
			return staffSyncMsg{err: err}
		}))
}

// toggleMaintenance answers the root, not only this flow: the root shows
// students the out-of-service screen (and hands the answer back here).
func (p *staffPanel) toggleMaintenance() tea.Cmd {
	on := !p.report.Maintenance
	return p.run("screen.staff.saving",
		callFor(storeTimeout, func(ctx context.Context, s Staff) tea.Msg {
			return maintenanceMsg{on: on, err: s.SetMaintenance(ctx, on)}
		}, p.f.c.Opt.Staff))
}

func (p *staffPanel) onMaintenance(msg maintenanceMsg) tea.Cmd {
	switch {
	case msg.err != nil:
		p.say(true, "screen.staff.maintenance-failed", textData{"Error": msg.err})
	case msg.on:
		p.report.Maintenance = true
		p.say(false, "screen.staff.maintenance-on", nil)
	default:
		p.report.Maintenance = false
		p.say(false, "screen.staff.maintenance-off", nil)
	}
	return p.load() // since when
}

// reset rebuilds the replica (standalone: from its registry; otherwise the
// sync loop fetches it again, starting now).
func (p *staffPanel) reset() tea.Cmd {
	syncOnce := p.f.c.Opt.Sync
	return p.run("screen.staff.resetting",
		p.f.staffCall(resetTimeout, func(ctx context.Context, s Staff) tea.Msg {
			if syncOnce == nil {
				rep, err := s.RebuildFromRegistry(ctx)
				return staffResetMsg{report: rep, err: err}
			}
			rep, err := s.ResetForResync(ctx)
			if err != nil {
				return staffResetMsg{err: err}
			}
			return staffResetMsg{report: rep, syncErr: syncOnce(ctx)}
		}))
}

// onReset ends the staff session on the result: the station starts afresh.
func (p *staffPanel) onReset(msg staffResetMsg) tea.Cmd {
	if msg.err != nil {
		p.say(true, "screen.staff.reset-failed", textData{"Error": msg.err})
		return nil
	}
	r, standalone, syncErr := msg.report, p.standalone(), msg.syncErr
	done := func(c *Common) refusal {
		data := textData{"Source": r.Source, "Accounts": r.Accounts, "Replayed": r.Replayed,
			"Pending": r.Pending, "Rejected": r.Rejected}
		body := c.tr("screen.staff.rebuilt", data)
		if !standalone {
			body = c.tr("screen.staff.cleared", data)
			if syncErr != nil {
				body += " " + c.tr("screen.staff.unreachable", textData{"Error": syncErr})
			}
		}
		if r.BadRows > 0 {
			body += " " + c.printer().N("screen.staff.bad-rows", r.BadRows, nil)
		}
		return refusal{c.tr("screen.staff.reset-title", nil), body}
	}
	return tea.Batch(p.f.stop(done), checkAccounts(p.f.c)) // now empty?
}

// exit asks the root to quit, once the exit is in the audit.
func (p *staffPanel) exit() tea.Cmd {
	return p.run("screen.staff.exiting",
		callFor(storeTimeout, func(ctx context.Context, s Staff) tea.Msg {
			_ = s.StaffAudit(ctx, store.AuditStaffExit, "")
			return ShutdownMsg{}
		}, p.f.c.Opt.Staff))
}

func (p *staffPanel) view(width, height int) string {
	c := p.f.c
	s := c.Styles
	head := s.Title.Render(p.title()) + s.Muted.Render(" · "+c.Opt.StationID)
	var body string
	switch {
	case p.ask != "":
		body = p.askView(min(width, 72))
	case p.passing || p.issued != "":
		body = p.passView(min(width, 72))
	default:
		body = p.mainView(width)
	}
	var foot string
	switch {
	case p.spin.active:
		foot = p.spin.view(c)
	case p.note != "" && p.noteBad:
		foot = wrapStyle(s.Error, min(width, 76), p.note)
	case p.note != "":
		foot = wrapStyle(s.Success, min(width, 76), p.note)
	}
	return lipgloss.JoinVertical(lipgloss.Left, head, "", body, "", foot)
}

// staffButtonWidth fits the longest label ("Start maintenance") on one line.
const staffButtonWidth = 21

func (p *staffPanel) mainView(width int) string {
	c := p.f.c
	maint := c.tr("screen.staff.start-maintenance", nil)
	if p.report.Maintenance {
		maint = c.tr("screen.staff.end-maintenance", nil)
	}
	buttons := lipgloss.JoinVertical(lipgloss.Left,
		p.firstButton(),
		p.panelButton(actMaintenance, maint, p.loaded),
		p.panelButton(actReset, c.tr("screen.staff.reset", nil), true),
		p.panelButton(actExit, c.tr("screen.staff.exit", nil), true),
		p.panelButton(actLeave, c.tr("screen.staff.leave", nil), true))
	statusW := min(width, 100) - staffButtonWidth - 2
	return lipgloss.JoinHorizontal(lipgloss.Top, p.statusView(statusW), "  ", buttons)
}

// firstButton is Sync now on a station with an upstream, and in its place
// on a standalone station (which has nothing to sync with) Issue access pass.
func (p *staffPanel) firstButton() string {
	if p.standalone() {
		return p.panelButton(actPass, p.f.c.tr("screen.staff.issue-pass", nil), true)
	}
	return p.panelButton(actSync, p.f.c.tr("screen.staff.sync-now", nil), true)
}

// passView is the access-pass form, or the pass issued, shown once.
func (p *staffPanel) passView(width int) string {
	c := p.f.c
	s := c.Styles
	if p.issued != "" {
		data := textData{"Account": p.issuedFor, "Until": p.when(p.issuedUntil)}
		return lipgloss.JoinVertical(lipgloss.Left,
			s.Title.Render(c.tr("screen.staff.issue-pass", nil)), "",
			s.Muted.Render(c.tr("screen.staff.pass-label", nil)+": ")+s.Strong.Render(p.issued), "",
			wrap(c, width, c.tr("screen.staff.pass-issued", data)), "",
			buttonRow(p.button(passDone, c.tr("screen.button.done", nil))))
	}
	return lipgloss.JoinVertical(lipgloss.Left,
		s.Title.Render(c.tr("screen.staff.issue-pass", nil)),
		wrap(c, width, c.tr("screen.staff.pass-body", nil)), "", // lines kept few: an 80×24 terminal shows the note too
		p.field(passAccount, 32, width), p.field(passReason, 48, width),
		buttonRow(p.button(askCancel, c.tr("screen.button.cancel", nil)),
			p.button(passIssue, c.tr("screen.staff.pass-issue", nil))))
}

// panelButton is a button of the panel's column, all of one width.
func (p *staffPanel) panelButton(id, label string, enabled bool) string {
	style := buttonStyle(p.f.c, id == p.cur(), enabled).Padding(0, 1)
	out := style.Width(staffButtonWidth - style.GetHorizontalBorderSize()).Render(label)
	if !enabled {
		return out
	}
	return touch.Mark(id, label, out)
}

// statusView is the figures in a framed box width cells wide.
func (p *staffPanel) statusView(width int) string {
	c := p.f.c
	s := c.Styles
	inner := max(20, width-s.Panel.GetHorizontalFrameSize())
	if !p.loaded {
		return s.Panel.Width(width - s.Panel.GetHorizontalBorderSize()).Render(s.Muted.Render(c.tr("screen.staff.reading", nil)))
	}
	r := p.report
	valueW := inner - 13
	row := func(label, value string, style lipgloss.Style) string {
		return s.Muted.Render(padCells(label, 13)) + style.Render(ansi.Truncate(value, valueW, "…"))
	}
	mode := c.tr("screen.staff.mode-synced", nil)
	if p.standalone() {
		mode = c.tr("screen.staff.mode-standalone", nil)
	}
	lastErr, lastErrStyle := c.tr("screen.staff.none", nil), s.Text
	if r.LastSyncError != "" {
		lastErr, lastErrStyle = r.LastSyncError, s.Error
	}
	maint, maintStyle := c.tr("screen.staff.off", nil), s.Text
	if r.Maintenance {
		maint, maintStyle = c.tr("screen.staff.on", nil), s.Warning
		if r.MaintenanceSince != nil {
			maint = c.tr("screen.staff.on-since", textData{"Since": p.when(*r.MaintenanceSince)})
		}
	}
	outboxData := textData{"Pending": r.OutboxPending, "Rejected": r.OutboxRejected}
	outbox, outboxStyle := c.tr("screen.staff.outbox", outboxData), s.Text
	if p.standalone() {
		// Nothing drains a standalone station's outbox: say so, or "pending"
		// reads as a backlog waiting on a link.
		outbox = c.tr("screen.staff.outbox-standalone", outboxData)
	}
	if r.OutboxRejected > 0 {
		outboxStyle = s.Warning
	}
	rows := []string{
		row(c.tr("screen.staff.station", nil), c.Opt.StationID+" · "+mode, s.Strong),
		row(c.tr("screen.staff.version", nil), c.Opt.Version, s.Text),
		row(c.tr("screen.staff.replica", nil), shortPath(r.Path, valueW), s.Text),
		row(c.tr("screen.staff.database", nil), c.tr("screen.staff.database-value",
			textData{"Size": humanBytes(r.DatabaseBytes), "Schema": r.SchemaVersion}), s.Text),
		row(c.tr("screen.staff.accounts", nil), fmt.Sprint(r.Accounts), s.Text),
		row(c.tr("screen.staff.cursor", nil), fmt.Sprint(r.Cursor), s.Text),
		row(c.tr("screen.staff.last-sync", nil), p.lastSync(), s.Text),
		row(c.tr("screen.staff.last-error", nil), lastErr, lastErrStyle),
		row(c.tr("screen.staff.outbox-label", nil), outbox, outboxStyle),
	}
	if !p.standalone() && r.Upstream != "" { // the accountd in use ([sync] upstream may list several)
		rows = append(rows, row("Upstream", r.Upstream, s.Text))
	}
	if !p.standalone() { // every station receives the desk's passes from there
		rows = append(rows, row(c.tr("screen.staff.pass-label", nil), c.tr("screen.staff.pass-upstream", nil), s.Text))
	}
	for _, op := range r.Rejected {
		line := fmt.Sprintf("✗ %s %s %s: %s", p.when(op.CreatedAt), op.Kind, op.Account, op.Reason)
		rows = append(rows, s.Error.Render(ansi.Truncate("  "+line, inner, "…")))
	}
	rows = append(rows, row(c.tr("screen.staff.maintenance", nil), maint, maintStyle))
	return s.Panel.Width(width - s.Panel.GetHorizontalBorderSize()).Render(lipgloss.JoinVertical(lipgloss.Left, rows...))
}

func (p *staffPanel) lastSync() string {
	switch {
	case p.report.LastSync != nil:
		return p.when(*p.report.LastSync)
	case p.standalone():
		return p.f.c.tr("screen.staff.never-standalone", nil)
	}
	return p.f.c.tr("screen.staff.never", nil)
}

// when is a time as the station's clock shows it: the time of day, with
// the date when it is not today.
func (p *staffPanel) when(t time.Time) string {
	now := p.f.c.Now()
	t = t.In(now.Location())
	if t.Format(time.DateOnly) == now.Format(time.DateOnly) {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

func (p *staffPanel) askView(width int) string {
	c := p.f.c
	s := c.Styles
	r := p.report
	var title, body, label string
	switch p.ask {
	case actReset:
		title, label = c.tr("screen.staff.reset-ask", nil), c.tr("screen.staff.reset", nil)
		data := textData{"File": r.RegistrySource, "Pending": r.OutboxPending, "Rejected": r.OutboxRejected}
		switch {
		case !p.standalone():
			body = c.tr("screen.staff.reset-body-synced", data)
		case r.RegistrySource == store.DemoRegistrySource:
			body = c.tr("screen.staff.reset-body-demo", data)
		case r.RegistrySource != "":
			body = c.tr("screen.staff.reset-body-file", data)
		default:
			body = c.tr("screen.staff.reset-body-last", data)
		}
	default:
		title, label = c.tr("screen.staff.exit-ask", nil), c.tr("screen.staff.exit", nil)
		body = c.tr("screen.staff.exit-body", nil)
	}
	confirm := s.Button
	if p.cur() == askConfirm {
		confirm = s.ButtonDanger
	}
	return lipgloss.JoinVertical(lipgloss.Left,
		s.Warning.Render(title), "",
		wrap(c, width, body), "",
		buttonRow(p.button(askCancel, c.tr("screen.button.cancel", nil)),
			touch.Mark(askConfirm, label, confirm.Render(label))))
}

func (p *staffPanel) wipe() {
	p.report = store.StationReport{}
	p.note = ""
	p.issued, p.issuedFor = "", ""
	p.passAcct.reset()
	p.passWhy.reset()
}

func (p *staffPanel) help() []key.Binding {
	k := p.f.c.Keys
	choose := k.Select
	choose.SetHelp("enter", "choose")
	return []key.Binding{k.Up, choose}
}

func (p *staffPanel) minSize() (int, int) { return 72, 20 }

// shortPath keeps the end of a path (the folder and file staff look for).
func shortPath(path string, width int) string {
	if ansi.StringWidth(path) <= width {
		return path
	}
	dir, file := filepath.Split(path)
	short := "…/" + filepath.Base(filepath.Clean(dir)) + "/" + file
	if ansi.StringWidth(short) <= width {
		return short
	}
	return "…" + string([]rune(path)[len([]rune(path))-width+1:])
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %s", float64(n)/float64(div), strings.Split("KB MB GB TB", " ")[exp])
}
