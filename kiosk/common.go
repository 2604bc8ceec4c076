package kiosk

import (
	"context"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// Common is what every screen shares (soft-serve's common.Common): the
// options, the terminal size, styles, keys and the clock. It is passed as a
// pointer, so a resize reaches every screen at once.
type Common struct {
	Opt    Options
	Width  int
	Height int
	Styles *Styles
	Keys   *KeyMap
	// lang is the language a student switched to; "" is the station's
	// (Lang, setLang in lang.go).
	lang string
	// Cached renderings (cache.go): gen moves on when every one is stale,
	// renders holds the shared ones this frame drew and rendersPrev those
	// of the last, and fresh renders without any (Model.ViewFresh).
	gen                  uint64
	renders, rendersPrev map[renderKey]string
	fresh                bool
}

// Now is the station's time: the only clock screens read.
func (c *Common) Now() time.Time { return c.Opt.Clock.Now() }

// Tick arms a timer on the station's clock.
func (c *Common) Tick(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	return c.Opt.Clock.Tick(d, fn)
}

// Layout: one header line and one footer line around the body; a flow puts
// three lines (flow name, step title, blank) above its step.
const (
	chromeLines   = 2
	flowHeadLines = 3
	maxBodyWidth  = 100
)

// bodySize is the room between header and footer.
func (c *Common) bodySize() (w, h int) {
	return min(c.Width-4, maxBodyWidth), max(0, c.Height-chromeLines)
}

// fullSize is the room between header and footer without the cap on width
// that keeps paragraphs readable.
func (c *Common) fullSize() (w, h int) {
	_, h = c.bodySize()
	return max(0, c.Width-4), h
}

// stepSize is the room a flow's step has.
func (c *Common) stepSize() (w, h int) {
	w, h = c.bodySize()
	return w, max(0, h-flowHeadLines)
}

// storeTimeout bounds one store call, so a wedged database shows an error
// instead of a spinner forever.
const storeTimeout = 30 * time.Second

// call runs a store request in a command. The store is the only I/O a
// screen does, and it always happens here, never in Update or View.
func call(fn func(ctx context.Context, a Accounts) tea.Msg, a Accounts) tea.Cmd {
	return callFor(storeTimeout, fn, a)
}

// callFor runs a request to one of the station's services (Accounts, Staff)
// in a command, bounded by timeout.
func callFor[S any](timeout time.Duration, fn func(ctx context.Context, s S) tea.Msg, s S) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		return fn(ctx, s)
	}
}
