package kiosk

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/text"
)

// step is one screen of a flow (one model per screen). Steps are shared:
// the identity step serves Activation and Forgot Password, the password
// step all three flows.
type step interface {
	init() tea.Cmd
	update(msg tea.Msg) tea.Cmd
	// view draws the step in a body of width x height cells (Common.stepSize).
	view(width, height int) string
	title() string
	help() []key.Binding
	// minSize is the smallest body the step can be drawn in.
	minSize() (w, h int)
}

// Optional step behaviour.
type (
	busyStep interface{ busy() bool } // a store call runs: Esc waits
	// backStep takes Esc itself while it has somewhere to go back to
	// within the step (a confirmation goes back to the staff panel).
	backStep interface {
		canBack() bool
		back()
	}
	wiper interface{ wipe() } // drops secrets when the step ends
	// headStep draws the flow name and title itself, to use the whole body,
	// every line and every column (Common.fullSize): the QR code needs every
	// line of an 80x24 terminal, and on a wide one the room beside it keeps
	// the key on one line. It keeps its own text to a readable width.
	headStep interface{ ownHead() bool }
)

type flowKind int

const (
	flowActivate flowKind = iota
	flowChange
	flowForgot
	flowAlumni  // a degree graduate who never activated (seed "alumni-accounts-faq")
	flowAccount // My Account: the profile after sign-in and 2FA
	flowStaff   // staff mode: the PIN, then the staff panel (staff*.go)
	flowPass    // lost authenticator: the service desk's access pass (step_pass.go)
)

// flowDef is what makes a flow, in one place: its name (its menu button and
// the head of its screens), its menu entry, and its plan. A new flow is one
// entry here; the shared steps it lists are configured by the plan, never by
// asking which flow they are in.
type flowDef struct {
	name string // a catalog id (screen.flow.*)
	// menuID and desc make its main-menu button; a flow without a menuID
	// is not on the menu (staff mode opens by its key); desc is a catalog id.
	menuID, desc string
	plan         func() []stage
}

// flowDefs holds every flow; menuFlows is the main menu's order.
var (
	flowDefs = map[flowKind]flowDef{
		flowActivate: {name: "screen.flow.activate", menuID: "menu:activate",
			desc: "screen.flow.activate.desc", plan: activationPlan},
		flowChange: {name: "screen.flow.change", menuID: "menu:change",
			desc: "screen.flow.change.desc", plan: changePlan},
		flowForgot: {name: "screen.flow.forgot", menuID: "menu:forgot",
			desc: "screen.flow.forgot.desc", plan: forgotPlan},
		flowAlumni: {name: "screen.flow.alumni", menuID: "menu:alumni",
			desc: "screen.flow.alumni.desc", plan: alumniPlan},
		flowAccount: {name: "screen.flow.account", menuID: "menu:account",
			desc: "screen.flow.account.desc", plan: accountPlan},
		flowStaff: {name: "screen.flow.staff", plan: staffPlan},
		// Reached from the 2FA code screens, not the menu.
		flowPass: {name: "screen.flow.pass", plan: passPlan},
	}
	menuFlows = []flowKind{flowActivate, flowChange, flowForgot, flowAlumni, flowAccount}
)

// String is the flow's English name, for logs and tests.
func (k flowKind) String() string {
	if d, ok := flowDefs[k]; ok {
		return text.T(text.English, d.name, nil)
	}
	return fmt.Sprintf("flow %d", int(k))
}

// What a flow's 2FA check protects, for the refusal after too many wrong
// codes: each picks whole sentences (step_totp.go).
const (
	guardsPassword  = "password"
	guardsMyAccount = "account"
)

// stage is one entry of a flow's plan: a step, shown only when its
// condition holds at the time the flow reaches it.
type stage struct {
	when func(f *flow) bool
	make func(f *flow) step
}

func enrolled(f *flow) bool    { return f.acct.TOTPEnrolled }
func notEnrolled(f *flow) bool { return !f.acct.TOTPEnrolled }

// The plans: each flow as a short list of shared steps, each configured
// here (DESIGN.md "The student's flows").

func activationPlan() []stage {
	return []stage{
		{make: aup("screen.aup.ready")},
		{make: identity(identityConf{})},
		{make: summary(summaryConf{check: activatable, graduateTo: flowAlumni,
			ready: "screen.summary.ready"})},
		{make: password(passwordConf{title: "screen.password.title-first", save: Accounts.Activate})},
		{make: totpEnrol(totpConf{later: true, next: "screen.totp.next-directory"})},
		{make: newDirectory},
		{make: done(activatedWords)},
	}
}

func alumniPlan() []stage {
	return []stage{
		{make: aup("screen.aup.ready-alumni")},
		{make: newAlumniIdentity},
		// VerifyAlumni only returns an account that can be activated: nothing to check.
		{make: summary(summaryConf{graduated: true,
			ready: "screen.summary.ready-alumni"})},
		{make: password(passwordConf{title: "screen.password.title-first", save: Accounts.ActivateAlumni})},
		{make: totpEnrol(totpConf{later: true, next: "screen.totp.next-alias"})},
		{make: newAlias},
		{make: done(alumniWords)},
	}
}

func accountPlan() []stage {
	return []stage{
		{make: newLogin},
		{when: enrolled, make: totpVerify(guardsMyAccount)},
		// My Account needs 2FA, except for the personal e-mail: the address
		// Forgot Password sends a code to when there is no 2FA (issue 19),
		// which no account without 2FA could verify otherwise.
		{when: notEnrolled, make: totpEnrol(totpConf{offer: true, required: true, guards: guardsMyAccount, emailOnly: true})},
		{make: newProfile},
	}
}

func staffPlan() []stage { return []stage{{make: newStaffPIN}, {make: newStaffPanel}} }

func changePlan() []stage {
	return []stage{
		{make: newLogin},
		{when: enrolled, make: totpVerify(guardsPassword)},
		{make: password(passwordConf{title: "screen.password.title-new", save: Accounts.SetPassword})},
		{when: notEnrolled, make: totpEnrol(totpConf{offer: true})}, // offered, may be skipped
		{make: done(passwordWords)},
	}
}

func forgotPlan() []stage {
	return []stage{
		{make: identity(identityConf{check: resettable})},
		// Issue 19: with [station] reset_needs_second_factor, an account with
		// neither 2FA nor a verified personal e-mail ends here (the desk).
		{when: noSecondFactor, make: newNoSecondFactor},
		{when: enrolled, make: totpVerify(guardsPassword)},
		// Without 2FA, a verified personal e-mail gets a code; the code, not
		// the identity check alone, opens the new password. It never stands
		// in for 2FA.
		{when: resetByEmail, make: emailCode},
		{make: password(passwordConf{title: "screen.password.title-new", save: Accounts.SetPassword})},
		{when: notEnrolled, make: totpEnrol(totpConf{offer: true})},
		{make: done(passwordWords)},
	}
}

// flow runs one student's visit through a plan. It holds the account the
// visit is about; when the flow ends the root drops it whole, so nothing
// the student typed outlives it.
type flow struct {
	c      *Common
	id     int
	kind   flowKind
	stages []stage
	at     int
	shown  int // stages shown so far, the current one included
	step   step
	acct   store.Account
	// enrolledNow is set when this visit enrolled 2FA (the done screen says so).
	enrolledNow bool
	// toMenu is set once nothing is left to cancel (the new password is
	// saved, or My Account shows): Esc only returns to the menu, and its help
	// says so.
	toMenu bool
	// signedIn is set when staff typed the right PIN (the end of the flow
	// signs them out: see farewell).
	signedIn bool
	over     bool
	// then is the flow to start when this one is over, if handOver is set
	// (switchTo: a graduate who chose Student A/C Activation).
	then     flowKind
	handOver bool
	// head is the flow's name, progress and the step's title, drawn once
	// for each step (cache.go).
	head memo[flowHeadKey]
}

type flowHeadKey struct {
	look
	step, steps int
	title       string
}

// flowMsg carries a command's result to the flow that asked for it; results
// for a flow that has ended are dropped.
type flowMsg struct {
	id  int
	msg tea.Msg
}

func newFlow(c *Common, id int, k flowKind) *flow {
	var stages []stage
	if d, ok := flowDefs[k]; ok {
		stages = d.plan()
	}
	return &flow{c: c, id: id, kind: k, stages: stages, at: -1}
}

func (f *flow) start() tea.Cmd { return f.next() }

// name is the flow's name in the screens' language, for the head of its screens.
func (f *flow) name() string { return f.c.tr(flowDefs[f.kind].name, nil) }

// next moves to the next stage whose condition holds.
func (f *flow) next() tea.Cmd {
	f.closeStep()
	for f.at++; f.at < len(f.stages); f.at++ {
		s := f.stages[f.at]
		if s.when == nil || s.when(f) {
			f.shown++
			f.step = s.make(f)
			return f.step.init()
		}
	}
	f.over = true
	return nil
}

// stop ends the flow with a message instead of its remaining steps.
func (f *flow) stop(r telling) tea.Cmd {
	f.closeStep()
	f.at = len(f.stages)
	f.step = newEnd(f, r, false)
	return f.step.init()
}

// finish returns the station to the main menu.
func (f *flow) finish() { f.over = true }

// switchTo ends this flow and starts k from its beginning, for a student who
// is in the wrong flow; nothing typed here is carried over.
func (f *flow) switchTo(k flowKind) {
	f.then, f.handOver = k, true
	f.finish()
}

func (f *flow) closeStep() {
	if w, ok := f.step.(wiper); ok {
		w.wipe()
	}
	f.step = nil
}

// wipe drops the current step's secrets; the root drops the flow itself.
func (f *flow) wipe() { f.closeStep() }

// call runs a store request for this flow.
func (f *flow) call(fn func(ctx context.Context, a Accounts) tea.Msg) tea.Cmd {
	id := f.id
	inner := call(fn, f.c.Opt.Accounts)
	return func() tea.Msg { return flowMsg{id: id, msg: inner()} }
}

// tick arms a timer whose message reaches this flow only.
func (f *flow) tick(d time.Duration, msg tea.Msg) tea.Cmd {
	id := f.id
	return f.c.Tick(d, func(time.Time) tea.Msg { return flowMsg{id: id, msg: msg} })
}

func (f *flow) busy() bool {
	b, ok := f.step.(busyStep)
	return ok && b.busy()
}

// stepDone is how a step reports to its flow (by message, through
// flow.report): the account as the step left it, and whether to move on.
type stepDone struct {
	at       int            // the stage that reported (set by report)
	acct     *store.Account // the account after the step's write; nil: unchanged
	proof    *store.Proof   // only the proof moved on (a verified 2FA code)
	next     bool           // the step is over: on to the next stage
	toMenu   bool           // nothing is left to cancel (the new password is saved)
	enrolled bool           // this visit enrolled 2FA (the done screen says so)
	signedIn bool           // staff typed the right PIN
}

// report returns the command that delivers d to this flow, from the stage
// now shown: a report from a stage the flow has left (a double tap on
// Continue reports twice) is dropped, so it never skips the next step.
func (f *flow) report(d stepDone) tea.Cmd {
	id := f.id
	d.at = f.at
	return func() tea.Msg { return flowMsg{id: id, msg: d} }
}

// moveOn reports that the step is over and the flow goes on with acct.
func (f *flow) moveOn(acct store.Account) tea.Cmd { return f.report(stepDone{acct: &acct, next: true}) }

// onDone takes a step's report.
func (f *flow) onDone(d stepDone) tea.Cmd {
	if d.at != f.at || f.step == nil {
		return nil
	}
	if d.acct != nil {
		f.acct = *d.acct
	}
	if d.proof != nil {
		f.acct.Proof = *d.proof
	}
	f.toMenu = f.toMenu || d.toMenu
	f.enrolledNow = f.enrolledNow || d.enrolled
	f.signedIn = f.signedIn || d.signedIn
	if d.next {
		return f.next()
	}
	return nil
}

func (f *flow) update(msg tea.Msg) tea.Cmd {
	if d, ok := msg.(stepDone); ok {
		return f.onDone(d)
	}
	if k, ok := msg.(tea.KeyMsg); ok && key.Matches(k, f.c.Keys.Back) && !f.busy() {
		if f.canBack() {
			f.step.(backStep).back()
		} else {
			f.finish()
		}
		return nil
	}
	return f.step.update(msg)
}

func (f *flow) canBack() bool {
	b, ok := f.step.(backStep)
	return ok && b.canBack()
}

// progress is "Step 2 of 6" over the stages shown so far and those ahead
// that apply now; empty on an end screen.
func (f *flow) progress() string {
	step, steps := f.steps()
	if steps == 0 {
		return ""
	}
	return f.c.tr("screen.flow.progress", text.Data{"Step": step, "Steps": steps})
}

// steps is the step shown and the number of steps, 0 of 0 on an end screen.
func (f *flow) steps() (step, steps int) {
	if f.at >= len(f.stages) {
		return 0, 0
	}
	n := f.shown
	for _, s := range f.stages[f.at+1:] {
		if s.when == nil || s.when(f) {
			n++
		}
	}
	return f.shown, n
}

func (f *flow) view() string {
	if f.ownsHead() {
		return f.step.view(f.c.fullSize())
	}
	step, steps := f.steps()
	title := f.step.title()
	head := f.head.get(f.c, flowHeadKey{f.c.look(), step, steps, title}, func() string {
		s := f.c.Styles
		head := s.Progress.Render(f.name())
		if p := f.progress(); p != "" {
			head += s.Progress.Render(" · " + p)
		}
		return head + "\n" + s.Title.Render(title)
	})
	body := f.step.view(f.c.stepSize())
	return head + "\n\n" + body // place() pads the lines
}

func (f *flow) ownsHead() bool {
	h, ok := f.step.(headStep)
	return ok && h.ownHead()
}

func (f *flow) minSize() (int, int) {
	w, h := f.step.minSize()
	if f.ownsHead() {
		return w, h
	}
	return w, h + flowHeadLines
}

func (f *flow) help() []key.Binding {
	hb := f.step.help()
	if _, end := f.step.(*endStep); !end && !f.busy() {
		back := f.c.Keys.Back
		switch {
		case f.canBack():
			back = f.c.Keys.GoBack
			if h, ok := f.step.(interface{ backHelp() string }); ok {
				back.SetHelp("esc", h.backHelp())
			}
		case f.signedIn:
			back = f.c.Keys.Leave
		case f.toMenu:
			back = f.c.Keys.ToMenu
		}
		hb = append(hb, back)
	}
	return hb
}
