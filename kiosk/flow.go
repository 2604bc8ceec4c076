package kiosk

import (
	"context"
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/store"
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
)

func (k flowKind) String() string {
	return [...]string{"Student A/C Activation", "Change Network Password", "Forgot Password",
		"Alumni Account Activation", "My Account", "Staff mode"}[k]
}

// activates reports whether the flow sets an account's first password: 2FA
// is then part of the flow, not an offer.
func (k flowKind) activates() bool { return k == flowActivate || k == flowAlumni }

// guards is what a flow's 2FA check protects, for the refusal after too
// many wrong codes.
func (k flowKind) guards() string {
	if k == flowAccount {
		return "My Account did not open"
	}
	return "the password was not changed"
}

// stage is one entry of a flow's plan: a step, shown only when its
// condition holds at the time the flow reaches it.
type stage struct {
	when func(f *flow) bool
	make func(f *flow) step
}

func enrolled(f *flow) bool    { return f.acct.TOTPEnrolled }
func notEnrolled(f *flow) bool { return !f.acct.TOTPEnrolled }

// plan is each flow as a short list of shared steps (DESIGN.md "The
// student's flows").
func plan(k flowKind) []stage {
	switch k {
	case flowActivate:
		return []stage{
			{make: newAUP},
			{make: newIdentity},
			{make: newSummary},
			{make: newPassword},
			{make: newTOTPEnrol},
			{make: newDirectory},
			{make: newDone},
		}
	case flowAlumni:
		return []stage{
			{make: newAUP},
			{make: newAlumniIdentity},
			{make: newSummary},
			{make: newPassword},
			{make: newTOTPEnrol},
			{make: newAlias},
			{make: newDone},
		}
	case flowAccount:
		return []stage{
			{make: newLogin},
			{when: enrolled, make: newTOTPVerify},
			{when: notEnrolled, make: newTOTPRequired}, // My Account needs 2FA
			{make: newProfile},
		}
	case flowStaff:
		return []stage{{make: newStaffPIN}, {make: newStaffPanel}}
	case flowChange:
		return []stage{
			{make: newLogin},
			{when: enrolled, make: newTOTPVerify},
			{make: newPassword},
			{when: notEnrolled, make: newTOTPEnrol}, // offered, may be skipped
			{make: newDone},
		}
	default:
		return []stage{
			{make: newIdentity},
			{when: enrolled, make: newTOTPVerify},
			{make: newPassword},
			{when: notEnrolled, make: newTOTPEnrol},
			{make: newDone},
		}
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
}

// flowMsg carries a command's result to the flow that asked for it; results
// for a flow that has ended are dropped.
type flowMsg struct {
	id  int
	msg tea.Msg
}

func newFlow(c *Common, id int, k flowKind) *flow {
	return &flow{c: c, id: id, kind: k, stages: plan(k), at: -1}
}

func (f *flow) start() tea.Cmd { return f.next() }

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
func (f *flow) stop(r refusal) tea.Cmd {
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

func (f *flow) update(msg tea.Msg) tea.Cmd {
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
	if f.at >= len(f.stages) {
		return ""
	}
	n := f.shown
	for _, s := range f.stages[f.at+1:] {
		if s.when == nil || s.when(f) {
			n++
		}
	}
	return fmt.Sprintf("Step %d of %d", f.shown, n)
}

func (f *flow) view() string {
	if f.ownsHead() {
		return f.step.view(f.c.fullSize())
	}
	s := f.c.Styles
	head := s.Progress.Render(f.kind.String())
	if p := f.progress(); p != "" {
		head += s.Progress.Render(" · " + p)
	}
	title := s.Title.Render(f.step.title())
	body := f.step.view(f.c.stepSize())
	return head + "\n" + title + "\n\n" + body // place() pads the lines
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
