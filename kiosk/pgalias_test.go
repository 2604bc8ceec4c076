package kiosk_test

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/demo"
)

// A postgraduate student (cklau, LAU Chi Keung) chooses a full-name alias
// in My Account (issue 19): the choice starts from chi.keung.lau, which a
// graduate already holds as an alumni alias (one namespace), so the live
// check offers his own other names; he takes one, sees the exact address
// at the e-mail domain and confirms it; it is set once.
func TestMyAccountPGFullNameAliasWithClash(t *testing.T) {
	s := newStation(t)
	ctx := t.Context()
	if _, err := s.store.ActivateAlumni(ctx, store.Unverified("mlcheung"), newPW); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.SetAlias(ctx, store.Unverified("mlcheung"), "chi.keung.lau"); err != nil {
		t.Fatal(err)
	}
	s.openCKLau()
	s.expect("Alias         none yet", "Choose full-name alias")
	s.click("Choose full-name alias")
	s.expect("Choose your full-name e-mail alias", "As a postgraduate student", "to change it later, ask at",
		"chi.keung.lau is already taken. These are free", "chi.keung.lau2", "c.keung.lau", "chikeunglau")

	// Only his own names: another name is refused as it is typed.
	for range len("chi.keung.lau") {
		s.press(tea.KeyBackspace)
	}
	s.typ("peter.chan")
	s.expect("✗ A full-name alias is made of your own names, like chi.keung.lau.")

	s.click("c.keung.lau")
	s.expect("Your address: c.keung.lau@connect.ust.hk")
	s.click("Save alias")
	s.expect("Your full-name e-mail address will be:", "c.keung.lau@connect.ust.hk",
		"it can be changed only at the IT Service Desk", "Confirm alias")
	s.click("Confirm alias")
	s.expect("Your account", "✓ Saved: your alias is c.keung.lau@connect.ust.hk.", "Alias         c.keung.lau@connect.ust.hk")
	s.expectNot("Choose full-name alias") // set once: the desk changes it
	a, err := s.store.Account(ctx, "cklau")
	if err != nil || a.Alias != "c.keung.lau" || !a.AliasFullName {
		t.Fatalf("account %+v, %v", a, err)
	}
}

// An undergraduate sees the alias line in My Account with a plain
// explanation, in either language, and no button that would end in a
// refusal.
func TestMyAccountUndergraduateToldAliasIsForPG(t *testing.T) {
	s := newStation(t)
	s.openAccount(demo.ActiveAccount, demo.ActivePassword)
	s.click("Set up 2FA now")
	s.enrol()
	s.expect("My Account · Step 3 of 3", "Alias         full-name aliases are for postgraduate students")
	s.expectNot("Choose full-name alias", "Choose alias")
	s.click("中文")
	s.expect("全名別名只供研究生使用", "更改顯示名稱")
	s.expectNot("選擇全名別名")
}

// The e-mail display name: the registry's name until set, checked as it
// is typed, Chinese allowed, saved and shown.
func TestMyAccountDisplayName(t *testing.T) {
	s := newStation(t)
	s.openCKLau()
	s.expect("Display name  Chi Keung LAU")
	s.click("Change display name")
	s.expect("Display name on your e-mails", "leave empty for Chi Keung LAU", "Save", "Cancel")
	s.typ(" <boss@example.edu>")
	s.expect(`✗ A display name cannot hold "<": it would look like an e-mail address.`)
	for range len(" <boss@example.edu>") + len("Chi Keung LAU") {
		s.press(tea.KeyBackspace)
	}
	s.typ("LAU Chi Keung 劉志強")
	s.press(tea.KeyEnter)
	s.expect("✓ Saved: your e-mails show LAU Chi Keung 劉志強.", "Display name  LAU Chi Keung 劉志強")
	a, err := s.store.Account(t.Context(), "cklau")
	if err != nil || a.DisplayName != "LAU Chi Keung 劉志強" {
		t.Fatalf("account %+v, %v", a, err)
	}
	if scr := s.screen(); strings.Contains(scr, "boss@") {
		t.Fatalf("the refused text is still on screen:\n%s", scr)
	}
}
