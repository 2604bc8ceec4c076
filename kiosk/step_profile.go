package kiosk

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// profileStep is My Account, after the account name, password and 2FA: the
// account, its status with dates and the password's age, and what a student
// may change here: the personal e-mail notices go to, "Open to Public" in
// the directory, for a graduate without one the alumni e-mail alias, for a
// postgraduate student the full-name alias (an undergraduate is told it is
// for postgraduates), and the e-mail display name. It shows no secret.
type profileStep struct {
	form
	f       *flow
	acct    store.Account // as the last change left it (the flow hears of each change)
	email   *field
	editing bool       // the personal e-mail field shows
	name    *field     // the display name
	naming  bool       // the display name field shows
	alias   *aliasStep // the alias choice, while it shows
	code    *codeStep  // the code sent to a new personal e-mail, while it waits
	note    words      // what the last change did
	err     words
}

// profileMsg is the store's answer to a change made on the profile.
type profileMsg struct {
	acct  store.Account
	err   error
	saved words // said when it worked
}

func newProfile(f *flow) step {
	st := &profileStep{f: f, acct: f.acct, email: newField("acct:email", "screen.profile.email", 254, false),
		name: newField("acct:name", "screen.profile.display-name", policy.DisplayNameMaxLen+10, false)}
	st.email.changed = st.checkEmail
	st.name.changed = st.checkName
	st.form = newForm(f.c, st.email, st.name)
	st.enter["acct:email"] = "acct:save"
	st.enter["acct:name"] = "acct:name-save"
	st.reorder()
	st.focusOn("acct:done")
	f.toMenu = true // nothing here is left to cancel: every change saves at once
	if f.enrolledNow {
		st.note = say("screen.profile.2fa-on", nil)
	}
	return st
}

func (st *profileStep) title() string {
	if st.code != nil {
		return st.code.title()
	}
	if st.alias != nil {
		return st.alias.title()
	}
	return st.f.c.tr("screen.summary.title", nil)
}

// reorder sets the focus order of what shows: the e-mail field and its
// buttons, or the profile's buttons.
func (st *profileStep) reorder() {
	if st.editing {
		st.order("acct:email", "acct:save", "acct:cancel")
		return
	}
	if st.naming {
		st.order("acct:name", "acct:name-save", "acct:name-cancel")
		return
	}
	if st.limited() {
		st.order("acct:edit", "acct:done")
		return
	}
	ids := []string{publicID, "acct:edit"}
	if aliasOpen(st.acct) {
		ids = append(ids, "acct:alias")
	}
	st.order(append(ids, "acct:display-name", "acct:done")...)
}

// limited: an account without 2FA came in for its personal e-mail only
// (totpEnrolStep.recoveryOnly); the rest of My Account needs 2FA.
func (st *profileStep) limited() bool { return !st.acct.TOTPEnrolled }

// aliasOpen mirrors the store's rule: a degree graduate (grace or alumni)
// or a postgraduate student without an alias may choose one.
func aliasOpen(a store.Account) bool {
	return a.Alias == "" && (fullNameAliasOpen(a) || policy.AlumniEligible(a.Category) &&
		(a.Status == policy.StatusGrace || a.Status == policy.StatusAlumni))
}

// fullNameAliasOpen: the alias a student chooses now is a full-name alias.
func fullNameAliasOpen(a store.Account) bool { return policy.FullNameAliasOpen(a.Level, a.Status) }

// fullNameAliasPGOnly: an undergraduate student, who is told that
// full-name aliases are for postgraduates rather than shown nothing.
func fullNameAliasPGOnly(a store.Account) bool {
	return a.Alias == "" && a.Level != policy.LevelPG && a.Status == policy.StatusActive
}

func (st *profileStep) busy() bool {
	if st.code != nil {
		return st.code.busy()
	}
	if st.alias != nil {
		return st.alias.busy()
	}
	return st.spin.active
}

// canBack and back: Esc closes the code screen, the alias choice or the
// e-mail or display name field first.
func (st *profileStep) canBack() bool {
	return st.code != nil || st.alias != nil || st.editing || st.naming
}

func (st *profileStep) back() {
	if st.code != nil {
		st.closeCode()
		return
	}
	if st.alias != nil && st.alias.canBack() {
		st.alias.back() // from the alias's confirmation to the choice
		return
	}
	if st.alias != nil {
		st.closeAlias()
		return
	}
	if st.naming {
		st.editName(false)
		return
	}
	st.edit(false)
}

func (st *profileStep) update(msg tea.Msg) tea.Cmd {
	if st.code != nil {
		return st.code.update(msg)
	}
	if st.alias != nil {
		return st.alias.update(msg)
	}
	if res, ok := msg.(profileMsg); ok {
		st.spin.stop()
		return st.saved(res)
	}
	if !st.spin.active && !st.editing && !st.naming && !st.limited() && togglesPublic(st.f.c, msg) {
		return st.setPublic(!st.acct.DirectoryPublic)
	}
	pressed, cmd := st.handle(msg)
	switch pressed {
	case publicID:
		return st.setPublic(!st.acct.DirectoryPublic)
	case "acct:edit":
		st.edit(true)
	case "acct:save":
		return st.saveEmail()
	case "acct:cancel":
		st.edit(false)
	case "acct:alias":
		return st.openAlias()
	case "acct:display-name":
		st.editName(true)
	case "acct:name-save":
		return st.saveName()
	case "acct:name-cancel":
		st.editName(false)
	case "acct:done":
		st.f.finish()
	}
	return cmd
}

// edit shows or hides the personal e-mail field, starting from the address
// on record.
func (st *profileStep) edit(on bool) {
	st.editing, st.err, st.note = on, nil, nil
	st.email.reset()
	st.reorder()
	if !on {
		st.focusOn("acct:edit")
		return
	}
	st.email.input.SetValue(st.acct.PersonalEmail)
	st.email.input.CursorEnd()
	st.checkEmail()
	st.focusOn("acct:email")
}

// ownDomains are the university's own mail domains, which a personal
// address must be outside of (the store checks the same).
func (st *profileStep) ownDomains() []string {
	own := []string{st.f.c.Opt.AliasDomain}
	if at := strings.LastIndexByte(st.acct.Email, '@'); at >= 0 {
		own = append(own, st.acct.Email[at+1:])
	}
	return own
}

// checkEmail validates the address as it is typed. An address still being
// typed (no @ yet, no dot in the domain) is not refused yet; empty means
// notices go to the university address.
func (st *profileStep) checkEmail() {
	v := strings.TrimSpace(st.email.value())
	st.email.hint = say("screen.profile.email-hint", textData{"Email": st.acct.Email})
	if v == "" {
		return
	}
	addr, err := policy.ParsePersonalEmail(v, st.ownDomains()...)
	at := strings.LastIndexByte(v, '@')
	switch {
	case err == nil:
		st.email.ok = say("screen.profile.email-ok", textData{"Email": addr})
	case at < 0 || !strings.Contains(v[at:], ".") || strings.HasSuffix(v, "."):
	default:
		st.email.err = sayErr(err)
	}
}

func (st *profileStep) saveEmail() tea.Cmd {
	v := strings.TrimSpace(st.email.value())
	if v != "" {
		if _, err := policy.ParsePersonalEmail(v, st.ownDomains()...); err != nil {
			st.email.err, st.email.ok = sayErr(err), nil
			st.focusOn("acct:email")
			return nil
		}
	}
	if v != "" {
		return st.openCode(v) // saved only once the code sent there is typed
	}
	proof := st.acct.Proof
	return st.run("screen.profile.saving-email", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		acct, err := a.SetPersonalEmail(ctx, proof, v)
		return profileMsg{acct: acct, err: err, saved: say("screen.profile.saved-email", textData{"Email": noticesTo(acct)})}
	}))
}

func (st *profileStep) setPublic(public bool) tea.Cmd {
	st.note, st.err = nil, nil
	proof := st.acct.Proof
	saved := say("screen.profile.saved-private", nil)
	if public {
		saved = say("screen.profile.saved-public", nil)
	}
	return st.run("screen.directory.saving", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		acct, err := a.SetDirectoryPublic(ctx, proof, public)
		return profileMsg{acct: acct, err: err, saved: saved}
	}))
}

func (st *profileStep) saved(msg profileMsg) tea.Cmd {
	if msg.err != nil {
		if _, final := explain(st.f.c, msg.err); final {
			return st.f.stop(explained(msg.err))
		}
		if st.editing {
			st.email.err = sayRefusal(msg.err)
		} else if st.naming {
			st.name.err = sayRefusal(msg.err)
		} else {
			st.err = sayRefusal(msg.err)
		}
		return nil
	}
	st.acct = msg.acct
	if st.editing {
		st.edit(false)
	}
	if st.naming {
		st.editName(false)
	}
	st.note = msg.saved
	return st.f.report(stepDone{acct: &msg.acct})
}

// openCode sends a code to the new address and waits for it (issue 19).
func (st *profileStep) openCode(address string) tea.Cmd {
	st.note, st.err = nil, nil
	st.f.acct = st.acct // the code step writes with the visit's latest proof
	st.code = newCodeStep(st.f, codeConf{purpose: store.CodeVerifyEmail, address: address,
		done: func(a *store.Account, _ store.Proof) tea.Cmd {
			st.closeCode()
			st.acct = *a
			st.edit(false)
			st.note = say("screen.profile.verified-email", textData{"Email": a.PersonalEmail})
			return st.f.report(stepDone{acct: a})
		},
		cancel: func() tea.Cmd { st.closeCode(); return nil }})
	return st.code.init()
}

func (st *profileStep) closeCode() {
	st.code.wipe()
	st.code = nil
	st.reorder()
	st.focusOn("acct:email")
}

func (st *profileStep) openAlias() tea.Cmd {
	st.note, st.err = nil, nil
	done := func(a store.Account) tea.Cmd {
		st.acct = a
		st.closeAlias()
		st.note = say("screen.profile.saved-alias", textData{"Alias": a.AliasEmail})
		return st.f.report(stepDone{acct: &a})
	}
	leave := func() tea.Cmd {
		st.closeAlias()
		return nil
	}
	if fullNameAliasOpen(st.acct) {
		st.alias = fullNameAlias(st.f, done, leave)
		return st.alias.opening() // is the name it starts with free?
	}
	st.alias = aliasChooser(st.f, "screen.button.back", done, leave)
	return nil
}

// editName shows or hides the display name field, starting from the name
// shown now.
func (st *profileStep) editName(on bool) {
	st.naming, st.err, st.note = on, nil, nil
	st.name.reset()
	st.reorder()
	if !on {
		st.focusOn("acct:display-name")
		return
	}
	st.name.input.SetValue(st.acct.DisplayName)
	st.name.input.CursorEnd()
	st.checkName()
	st.focusOn("acct:name")
}

// checkName validates the display name as it is typed; empty goes back to
// the registry's name.
func (st *profileStep) checkName() {
	def := policy.DefaultDisplayName(st.acct.Surname, st.acct.GivenNames)
	st.name.hint = say("screen.profile.display-name-hint", textData{"Default": def})
	if _, err := policy.ParseDisplayName(st.name.value()); err != nil {
		st.name.err = sayErr(err)
	}
}

func (st *profileStep) saveName() tea.Cmd {
	v := st.name.value()
	if _, err := policy.ParseDisplayName(v); err != nil {
		st.name.err, st.name.ok = sayErr(err), nil
		st.focusOn("acct:name")
		return nil
	}
	proof := st.acct.Proof
	return st.run("screen.profile.saving-display-name", st.f.call(func(ctx context.Context, a Accounts) tea.Msg {
		acct, err := a.SetDisplayName(ctx, proof, v)
		return profileMsg{acct: acct, err: err, saved: say("screen.profile.saved-display-name", textData{"Name": acct.DisplayName})}
	}))
}

func (st *profileStep) closeAlias() {
	st.alias.wipe()
	st.alias = nil
	st.reorder()
	st.focusOn("acct:done")
}

func (st *profileStep) wipe() {
	if st.code != nil {
		st.code.wipe()
	}
	if st.alias != nil {
		st.alias.wipe()
	}
	st.email.reset()
	st.name.reset()
}

// noticesTo is where the account's notices go: the personal e-mail only
// once verified (issue 19).
func noticesTo(a store.Account) string {
	if emailVerified(a) {
		return a.PersonalEmail
	}
	return a.Email
}

// servicesText says the account's status in dates: when student services
// end, and what follows.
func servicesText(c *Common, a store.Account) string {
	switch {
	case a.Status == policy.StatusAlumni:
		return c.tr("screen.profile.alumni", nil)
	case a.ServicesEnd.IsZero():
		return ""
	}
	// The sentences differ by whether the account continues as an alumni
	// account and whether the end was extended: whole sentences each.
	data := textData{"End": c.date(a.ServicesEnd), "Completed": c.date(a.CompletionDate)}
	extended := !a.ExtendedUntil.IsZero() && a.ExtendedUntil.Equal(a.ServicesEnd)
	alumni := policy.AlumniEligible(a.Category)
	if a.Status == policy.StatusGrace {
		switch {
		case extended && alumni:
			return c.tr("screen.profile.grace-extended-alumni", data)
		case extended:
			return c.tr("screen.profile.grace-extended-closed", data)
		case alumni:
			return c.tr("screen.profile.grace-alumni", data)
		}
		return c.tr("screen.profile.grace-closed", data)
	}
	switch {
	case extended && alumni:
		return c.tr("screen.profile.services-extended-alumni", data)
	case extended:
		return c.tr("screen.profile.services-extended-closed", data)
	case alumni:
		return c.tr("screen.profile.services-alumni", data)
	}
	return c.tr("screen.profile.services-closed", data)
}

// passwordText says how old the password is, and whether it is time to
// change it (seed "NetID": a reminder after six months).
func passwordText(c *Common, changed, now time.Time) (text string, due bool) {
	if changed.IsZero() {
		return "", false
	}
	n := policy.PasswordAgeMonths(changed, now)
	if policy.PasswordReminderDue(changed, now) {
		if n < 1 {
			return c.tr("screen.profile.password-due-recent", nil), true
		}
		return c.printer().N("screen.profile.password-due", n, nil), true
	}
	date := c.date(changed.In(now.Location()))
	if n < 1 {
		return c.tr("screen.profile.password-recent", textData{"Date": date}), false
	}
	return c.printer().N("screen.profile.password-age", n, textData{"Date": date}), false
}

func (st *profileStep) view(width, height int) string {
	if st.code != nil {
		return st.code.view(width, height)
	}
	if st.alias != nil {
		return st.alias.view(width, height)
	}
	c := st.f.c
	s := c.Styles
	a := st.acct
	w := min(width, 72)
	// Values longer than the panel (a long personal address) end in "…".
	fit := func(v string) string { return ansi.Truncate(v, w-detailsFrame, "…") }
	rows := [][2]string{{c.tr("screen.details.account", nil), a.Name}}
	if a.ChineseName != "" {
		rows = append(rows, [2]string{c.tr("screen.details.chinese-name", nil), a.ChineseName})
	}
	rows = append(rows, [2]string{c.tr("screen.details.email", nil), a.Email})
	switch {
	case a.AliasEmail != "":
		rows = append(rows, [2]string{c.tr("screen.details.alias", nil), fit(a.AliasEmail)})
	case aliasOpen(a):
		rows = append(rows, [2]string{c.tr("screen.details.alias", nil), c.tr("screen.details.alias-none", nil)})
	case fullNameAliasPGOnly(a):
		rows = append(rows, [2]string{c.tr("screen.details.alias", nil), fit(c.tr("screen.details.alias-pg-only", nil))})
	}
	nameRow := len(rows)
	rows = append(rows, [2]string{c.tr("screen.details.display-name", nil), fit(a.DisplayName)})
	rows = append(rows, [2]string{c.tr("screen.details.status", nil), inWords(c, statusIDs, a.Status)},
		[2]string{c.tr("screen.details.notices-to", nil), fit(noticesTo(a))})
	panel := detailsPanel(c, rows)
	if st.editing { // the display name is not what changes here
		panel = detailsPanel(c, slices.Delete(slices.Clone(rows), nameRow, nameRow+1))
	}
	if st.naming { // the names and addresses, not the status
		panel = detailsPanel(c, rows[:nameRow+1])
	}
	if st.editing {
		return lipgloss.JoinVertical(lipgloss.Left, panel, "",
			st.field("acct:email", min(w, 48), w), st.status(w, st.err, ""),
			buttonRow(st.button("acct:save", c.tr("screen.button.save", nil)), st.button("acct:cancel", c.tr("screen.button.cancel", nil))))
	}
	if st.naming {
		return lipgloss.JoinVertical(lipgloss.Left, panel, "",
			st.field("acct:name", min(w, 48), w), st.status(w, st.err, ""),
			buttonRow(st.button("acct:name-save", c.tr("screen.button.save", nil)), st.button("acct:name-cancel", c.tr("screen.button.cancel", nil))))
	}
	var facts []string
	if t := servicesText(c, a); t != "" {
		facts = append(facts, wrap(c, w, t))
	}
	if t, due := passwordText(c, a.PasswordChangedAt, c.Now()); due {
		facts = append(facts, wrapStyle(s.Warning, w, t))
	} else if t != "" {
		facts = append(facts, wrap(c, w, t))
	}
	verified := "" // the date of a verification not due for review: first to go on a short screen
	if t, due := personalEmailText(c, a, c.Now()); due {
		facts = append(facts, wrapStyle(s.Warning, w, t))
	} else if t != "" {
		verified = wrap(c, w, t)
		facts = append(facts, verified)
	}
	status := st.status(w, st.err, "")
	if status == "" && st.note != nil {
		status = wrapStyle(s.Success, w, "✓ "+st.note.in(c))
	}
	buttons := []string{
		publicBox(c, a.DirectoryPublic, st.cur() == publicID, !st.spin.active),
		st.button("acct:edit", c.tr("screen.profile.edit-email", nil)),
	}
	if st.limited() {
		buttons = buttons[1:]
		if status == "" {
			status = wrapStyle(s.Warning, w, c.tr("screen.profile.limited", nil))
		}
	}
	switch {
	case st.limited():
	case aliasOpen(a) && fullNameAliasOpen(a):
		buttons = append(buttons, st.button("acct:alias", c.tr("screen.profile.choose-full-alias", nil)))
	case aliasOpen(a):
		buttons = append(buttons, st.button("acct:alias", c.tr("screen.profile.choose-alias", nil)))
	}
	if !st.limited() {
		buttons = append(buttons, st.button("acct:display-name", c.tr("screen.profile.edit-display-name", nil)))
	}
	buttons = append(buttons, st.button("acct:done", c.tr("screen.button.done", nil)))
	out := append([]string{panel, ""}, facts...)
	out = append(out, status, buttonFlow(width, buttons...))
	if lipgloss.Height(strings.Join(out, "\n")) > height {
		out = append(out[:1], out[2:]...) // a short screen loses the blank line
	}
	if i := slices.Index(out, verified); verified != "" && i > 0 && lipgloss.Height(strings.Join(out, "\n")) > height {
		out = slices.Delete(out, i, i+1) // then the verification date (the panel names the address)
	}
	if lipgloss.Height(strings.Join(out, "\n")) > height && a.ChineseName != "" {
		rows = slices.Delete(rows, 1, 2)
		out[0] = detailsPanel(c, rows) // then the Chinese name, before anything the student can change
	}
	if lipgloss.Height(strings.Join(out, "\n")) > height && status == "" {
		out = slices.Delete(out, len(out)-2, len(out)-1) // then the empty status line
	}
	if lipgloss.Height(strings.Join(out, "\n")) > height {
		nameLabel := c.tr("screen.details.display-name", nil)
		rows = slices.DeleteFunc(rows, func(r [2]string) bool { return r[0] == nameLabel })
		out[0] = detailsPanel(c, rows) // then the display name, which shows again while it is changed
	}
	return lipgloss.JoinVertical(lipgloss.Left, out...)
}

// personalEmailText says when the personal e-mail was verified, asks for a
// review once that is more than a year ago (seed "netid": "regularly review
// and update"), and says that an address never verified gets no notices.
func personalEmailText(c *Common, a store.Account, now time.Time) (text string, due bool) {
	switch {
	case a.PersonalEmail == "":
		return "", false
	case a.EmailVerifiedAt.IsZero():
		return c.tr("screen.profile.email-unverified", textData{"Email": a.PersonalEmail}), true
	case policy.EmailReviewDue(a.EmailVerifiedAt, now):
		return c.tr("screen.profile.email-review", textData{"Date": c.date(a.EmailVerifiedAt.In(now.Location()))}), true
	}
	return c.tr("screen.profile.email-verified", textData{"Date": c.date(a.EmailVerifiedAt.In(now.Location()))}), false
}

func (st *profileStep) help() []key.Binding {
	if st.code != nil {
		return st.code.help()
	}
	if st.alias != nil {
		return st.alias.help()
	}
	k := st.f.c.Keys
	press := k.Select
	press.SetHelp("enter", "press")
	if st.editing || st.naming {
		press.SetHelp("enter", "save")
		return []key.Binding{k.Next, press}
	}
	if st.limited() {
		return []key.Binding{k.Next, press}
	}
	return []key.Binding{publicHelp(st.f.c, st.acct.DirectoryPublic), k.Next, press}
}

func (st *profileStep) minSize() (int, int) { return 60, 16 }
