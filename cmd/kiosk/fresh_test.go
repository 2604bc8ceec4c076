package main

import (
	"fmt"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/kiosk/tape"
)

// freshChecked is the station's root model with every frame also drawn
// without its render caches (issue 17: what a keystroke does not change is
// drawn once and kept). The two must be the same byte for byte, colours
// and touch markers included: a difference is a stale cache, and panics,
// which the tape runner reports as the station crashing. Every tape the
// tests run (the examples, the gallery, the runner's own tests) goes
// through it (starter).
type freshChecked struct {
	tape.Model
	fresh interface{ ViewFresh() string } // kiosk.Model's, through app.FirstFrame
}

func checkFresh(m tape.Model) tape.Model {
	if f, ok := m.(interface{ ViewFresh() string }); ok {
		return freshChecked{m, f}
	}
	return m
}

func (f freshChecked) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	_, cmd := f.Model.Update(msg)
	return f, cmd
}

// Quitting is the root's (kiosk.Filter asks the program's model).
func (f freshChecked) Quitting() bool {
	q, ok := f.Model.(interface{ Quitting() bool })
	return ok && q.Quitting()
}

func (f freshChecked) View() string {
	fresh := f.fresh.ViewFresh()
	got := f.Model.View()
	if got != fresh {
		panic(fmt.Sprintf("the cached frame differs from the one drawn fresh:\n%q\nfresh:\n%q", got, fresh))
	}
	return got
}
