package kiosk

import (
	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/text"
)

// Lang is the language the screens speak now: the station's default
// (Options.Language) until a student switches.
func (c *Common) Lang() string { return c.Opt.Language }

// printer renders the catalog (store/text) in the screens' language.
func (c *Common) printer() *text.Printer { return text.For(c.Lang()) }

// checkLabel is one line of the password checklist in the screens'
// language: the narrow point where the password step meets the catalog.
func checkLabel(c *Common, it policy.CheckItem) string {
	if it.LabelID == "" {
		return it.Label
	}
	return c.printer().T(it.LabelID, it.Data)
}
