package kiosk

import (
	"slices"
	"testing"

	"github.com/expressstation/kiosk/store"
)

// AddMenuFlows puts n more flows on the main menu for the rest of the test,
// each with a two-step plan built from the shared steps (sign in, then a done
// screen), as a new flow would be added: one flowDefs entry and its plan.
// It returns their names, in menu order.
func AddMenuFlows(t testing.TB, n int) []string {
	defs, flows := flowDefs, menuFlows
	flowDefs, menuFlows = make(map[flowKind]flowDef, len(defs)+n), slices.Clone(flows)
	for k, d := range defs {
		flowDefs[k] = d
	}
	t.Cleanup(func() { flowDefs, menuFlows = defs, flows })
	var names []string
	for range n {
		i := len(menuFlows)
		kind := flowKind(100 + i)
		name := "Check Your Account " + string(rune('A'+i))
		flowDefs[kind] = flowDef{name: name, menuID: "menu:test" + string(rune('a'+i)),
			desc: "Sign in and see your account", plan: func() []stage {
				return []stage{{make: newLogin}, {make: done(checkedWords)}}
			}}
		menuFlows = append(menuFlows, kind)
		names = append(names, name)
	}
	return names
}

func checkedWords(_ *Common, a store.Account, _ bool) (r, offline refusal) {
	return refusal{"Your account is in order", "You are signed in as " + a.Name + "."}, refusal{}
}
