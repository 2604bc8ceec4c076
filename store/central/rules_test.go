package central

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

var t0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

// testHashes are real argon2id hashes (slow to make: made once).
var testHashes = sync.OnceValue(func() []string {
	var hs []string
	for _, pw := range []string{"first passphrase 1", "second passphrase 2"} {
		h, err := secret.HashPassword(pw)
		if err != nil {
			panic(err)
		}
		hs = append(hs, h)
	}
	return hs
})

func mkOp(kind domain.OpKind, at time.Time, p any) domain.Op {
	b, _ := json.Marshal(p)
	return domain.Op{ID: "op", Kind: kind, Account: "tmchan", CreatedAt: at, Payload: b}
}

func registered() Account {
	return Account{Snapshot: domain.Snapshot{Name: "tmchan", StudentID: "20261001", Status: policy.StatusRegistered,
		Category: policy.CategoryNonDegree, CompletionDate: "2030-06-30", DirectoryPublic: true}}
}

func active() Account {
	a := registered()
	h := testHashes()[0]
	a.Snapshot.Status, a.Snapshot.PasswordHash, a.Snapshot.PasswordHistory = policy.StatusActive, h, []string{h}
	a.Snapshot.TOTPSealed, a.Snapshot.TOTPLastStep = []byte{1, 2, 3}, 1000
	return a
}

func TestDecide(t *testing.T) {
	h0, h1 := testHashes()[0], testHashes()[1]
	lockEnd := t0.Add(10 * time.Minute)
	locked := func(a Account) Account { a.Snapshot.LockedUntil = &lockEnd; return a }
	ended := func(a Account) Account { a.Snapshot.CompletionDate = "2025-01-31"; return a }
	// inGrace is a degree graduate four months from completion at t0.
	inGrace := func(a Account) Account {
		a.Snapshot.Category, a.Snapshot.CompletionDate = policy.CategoryDegree, "2026-06-30"
		return a
	}
	aliased := func(a Account) Account { a.Snapshot.Alias = "tai.man"; return a }
	notEnrolled := func(a Account) Account { a.Snapshot.TOTPSealed, a.Snapshot.TOTPLastStep = nil, 0; return a }
	graduate := func(a Account) Account { a.Snapshot.Category = policy.CategoryDegree; return ended(a) }
	named := func(a Account) Account { a.Snapshot.Surname, a.Snapshot.GivenNames = "CHAN", "Tai Man"; return a }
	pg := func(a Account) Account { a.Snapshot.Level = policy.LevelPG; return named(a) }
	fullName := func(alias string) domain.AliasPayload { return domain.AliasPayload{Alias: alias, FullName: true} }
	fullAliased := func(a Account) Account { a.Snapshot.Alias, a.Snapshot.AliasFullName = "tai.man.chan", true; return a }
	for _, tc := range []struct {
		name   string
		acct   Account
		op     domain.Op
		want   string // rejection code, "" for applied
		effect Effect
	}{
		{"activate", registered(), mkOp(domain.OpActivate, t0, domain.ActivatePayload{PasswordHash: h0, ActivatedAt: t0}), "", SnapshotChanged},
		{"activate twice", active(), mkOp(domain.OpActivate, t0, domain.ActivatePayload{PasswordHash: h1, ActivatedAt: t0}), "activated_elsewhere", Unchanged},
		{"activate a weak hash", registered(), mkOp(domain.OpActivate, t0, domain.ActivatePayload{PasswordHash: "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", ActivatedAt: t0}), "bad_hash", Unchanged},
		{"activate ended non-degree", ended(registered()), mkOp(domain.OpActivate, t0, domain.ActivatePayload{PasswordHash: h0, ActivatedAt: t0}), "terminated", Unchanged},
		{"activate ended graduate", graduate(registered()), mkOp(domain.OpActivate, t0, domain.ActivatePayload{PasswordHash: h0, ActivatedAt: t0}), "not_eligible", Unchanged},
		{"set password", active(), mkOp(domain.OpSetPassword, t0, domain.SetPasswordPayload{PasswordHash: h1, ChangedAt: t0}), "", SnapshotChanged},
		{"set password not activated", registered(), mkOp(domain.OpSetPassword, t0, domain.SetPasswordPayload{PasswordHash: h1, ChangedAt: t0}), "not_activated", Unchanged},
		{"set password reused", active(), mkOp(domain.OpSetPassword, t0, domain.SetPasswordPayload{PasswordHash: h0, ChangedAt: t0}), "reuse", Unchanged},
		{"set password terminated", ended(active()), mkOp(domain.OpSetPassword, t0, domain.SetPasswordPayload{PasswordHash: h1, ChangedAt: t0}), "terminated", Unchanged},
		{"totp step", active(), mkOp(domain.OpTOTPStep, t0, domain.TOTPStepPayload{Step: 1001}), "", SnapshotChanged},
		{"totp step replayed", active(), mkOp(domain.OpTOTPStep, t0, domain.TOTPStepPayload{Step: 1000}), "totp_replay", Unchanged},
		{"totp step not activated", registered(), mkOp(domain.OpTOTPStep, t0, domain.TOTPStepPayload{Step: 5}), "not_activated", Unchanged},
		{"totp step not enrolled", notEnrolled(active()), mkOp(domain.OpTOTPStep, t0, domain.TOTPStepPayload{Step: 5}), "not_enrolled", Unchanged},
		{"enrol replayed step", active(), mkOp(domain.OpEnrolTOTP, t0, domain.EnrolTOTPPayload{Sealed: []byte{9}, Step: 999}), "totp_replay", Unchanged},
		{"enrol", active(), mkOp(domain.OpEnrolTOTP, t0, domain.EnrolTOTPPayload{Sealed: []byte{9}, Step: 1001}), "", SnapshotChanged},
		{"directory unchanged", registered(), mkOp(domain.OpDirectory, t0, domain.DirectoryPayload{Public: true}), "", Unchanged},
		{"during a lock", locked(active()), mkOp(domain.OpSetPassword, t0, domain.SetPasswordPayload{PasswordHash: h1, ChangedAt: t0}), "locked", Unchanged},
		{"before a lock", locked(active()), mkOp(domain.OpSetPassword, t0.Add(-6*time.Minute), domain.SetPasswordPayload{PasswordHash: h1, ChangedAt: t0}), "", SnapshotChanged},
		{"after a lock", locked(active()), mkOp(domain.OpDirectory, lockEnd, domain.DirectoryPayload{Public: false}), "", SnapshotChanged},
		{"alias", inGrace(active()), mkOp(domain.OpAlias, t0, domain.AliasPayload{Alias: "tai.man"}), "", SnapshotChanged},
		{"alias again", aliased(inGrace(active())), mkOp(domain.OpAlias, t0, domain.AliasPayload{Alias: "tai.man"}), "", Unchanged},
		{"a second alias", aliased(inGrace(active())), mkOp(domain.OpAlias, t0, domain.AliasPayload{Alias: "tm.chan"}), "alias_set", Unchanged},
		{"alias not normalised", inGrace(active()), mkOp(domain.OpAlias, t0, domain.AliasPayload{Alias: "Tai.Man"}), "bad_alias", Unchanged},
		{"alias while studying", active(), mkOp(domain.OpAlias, t0, domain.AliasPayload{Alias: "tai.man"}), "not_eligible", Unchanged},
		{"full-name alias", pg(active()), mkOp(domain.OpAlias, t0, fullName("tai.man.chan")), "", SnapshotChanged},
		{"full-name alias again", fullAliased(pg(active())), mkOp(domain.OpAlias, t0, fullName("tai.man.chan")), "", Unchanged},
		{"a second full-name alias", fullAliased(pg(active())), mkOp(domain.OpAlias, t0, fullName("t.m.chan")), "alias_set", Unchanged},
		{"full-name alias of other names", pg(active()), mkOp(domain.OpAlias, t0, fullName("peter.chan")), "bad_alias", Unchanged},
		{"full-name alias for an undergraduate", named(active()), mkOp(domain.OpAlias, t0, fullName("tai.man.chan")), "not_eligible", Unchanged},
		{"full-name alias after graduation", pg(inGrace(active())), mkOp(domain.OpAlias, t0, fullName("tai.man.chan")), "not_eligible", Unchanged},
		{"alumni alias over a full-name alias", fullAliased(pg(inGrace(active()))), mkOp(domain.OpAlias, t0, domain.AliasPayload{Alias: "tai.man.chan"}), "alias_set", Unchanged},
		{"display name", active(), mkOp(domain.OpDisplayName, t0, domain.DisplayNamePayload{Name: "CHAN Tai Man 陳大文"}), "", SnapshotChanged},
		{"display name like an address", active(), mkOp(domain.OpDisplayName, t0, domain.DisplayNamePayload{Name: "it@example.edu"}), "bad_display_name", Unchanged},
		{"alumni activation", inGrace(registered()), mkOp(domain.OpActivateAlumni, t0, domain.ActivateAlumniPayload{PasswordHash: h0, ActivatedAt: t0, Status: policy.StatusGrace}), "", SnapshotChanged},
		{"alumni activation twice", inGrace(active()), mkOp(domain.OpActivateAlumni, t0, domain.ActivateAlumniPayload{PasswordHash: h1, ActivatedAt: t0, Status: policy.StatusGrace}), "activated_elsewhere", Unchanged},
		{"alumni activation while studying", registered(), mkOp(domain.OpActivateAlumni, t0, domain.ActivateAlumniPayload{PasswordHash: h0, ActivatedAt: t0, Status: policy.StatusGrace}), "not_eligible", Unchanged},
		{"personal e-mail", active(), mkOp(domain.OpPersonalEmail, t0, domain.PersonalEmailPayload{Email: "tai@example.com"}), "", SnapshotChanged},
		{"bad personal e-mail", active(), mkOp(domain.OpPersonalEmail, t0, domain.PersonalEmailPayload{Email: "not an address"}), "bad_email", Unchanged},
		{"personal e-mail not activated", registered(), mkOp(domain.OpPersonalEmail, t0, domain.PersonalEmailPayload{Email: "tai@example.com"}), "not_activated", Unchanged},
		{"lifecycle move", active(), mkOp(domain.OpLifecycle, t0, domain.LifecyclePayload{From: policy.StatusActive, To: policy.StatusGrace, At: t0}), "", SnapshotChanged},
		{"lifecycle move made already", active(), mkOp(domain.OpLifecycle, t0, domain.LifecyclePayload{From: policy.StatusRegistered, To: policy.StatusActive, At: t0}), "", Unchanged},
		{"stale lifecycle move", registered(), mkOp(domain.OpLifecycle, t0, domain.LifecyclePayload{From: policy.StatusActive, To: policy.StatusGrace, At: t0}), "stale", Unchanged},
		{"extension in grace", inGrace(active()), mkOp(domain.OpExtend, t0, domain.ExtendPayload{Until: "2027-03-31", Reason: "thesis revision"}), "", SnapshotChanged},
		{"extension before studies end", active(), mkOp(domain.OpExtend, t0, domain.ExtendPayload{Until: "2031-03-31", Reason: "field work"}), "", SnapshotChanged},
		{"extension of a terminated account", ended(active()), mkOp(domain.OpExtend, t0, domain.ExtendPayload{Until: "2026-12-31", Reason: "appeal"}), "not_extendable", Unchanged},
		{"extension of an alumnus", graduate(active()), mkOp(domain.OpExtend, t0, domain.ExtendPayload{Until: "2026-12-31", Reason: "appeal"}), "not_extendable", Unchanged},
		{"extension inside grace", inGrace(active()), mkOp(domain.OpExtend, t0, domain.ExtendPayload{Until: "2026-09-30", Reason: "appeal"}), "not_extendable", Unchanged},
		{"extension without a reason", inGrace(active()), mkOp(domain.OpExtend, t0, domain.ExtendPayload{Until: "2027-03-31", Reason: " "}), "bad_reason", Unchanged},
		{"extension without a date", active(), mkOp(domain.OpExtend, t0, domain.ExtendPayload{Until: "soon"}), "bad_date", Unchanged},
		{"a failure during a lock", locked(active()), mkOp(domain.OpFailure, t0, domain.FailurePayload{What: "password", At: t0}), "", FailuresChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.acct
			before := a.Snapshot
			effect, rej, err := Decide(&a, tc.op, nil, t0.Add(time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if rej != nil {
				got = rej.Code
			}
			if got != tc.want || effect != tc.effect {
				t.Fatalf("rejection %q effect %d, want %q %d (%v)", got, effect, tc.want, tc.effect, rej)
			}
			if rej != nil && !sameSnapshot(before, a.Snapshot) {
				t.Fatal("a rejected op changed the account")
			}
		})
	}
}

// Five failures inside the window, from any mix of stations, lock the
// account for LockoutFor from the fifth; failures spread wider do not.
func TestDecideFailuresLock(t *testing.T) {
	fail := func(a *Account, at time.Time) Effect {
		e, rej, err := Decide(a, mkOp(domain.OpFailure, at, domain.FailurePayload{What: "identity", At: at}), nil, at, nil)
		if err != nil || rej != nil {
			t.Fatalf("failure refused: %v %v", rej, err)
		}
		return e
	}
	a := registered()
	for i := range 4 {
		if e := fail(&a, t0.Add(time.Duration(i)*time.Minute)); e != FailuresChanged {
			t.Fatalf("failure %d: effect %d", i+1, e)
		}
	}
	fifth := t0.Add(14 * time.Minute)
	if e := fail(&a, fifth); e != SnapshotChanged || a.Snapshot.LockedUntil == nil || !a.Snapshot.LockedUntil.Equal(fifth.Add(domain.LockoutFor)) {
		t.Fatalf("fifth failure: effect %d, locked until %v", e, a.Snapshot.LockedUntil)
	}
	if len(a.Failures) != 0 {
		t.Fatal("the lock did not spend the failures")
	}

	b := registered()
	for i := range 6 {
		fail(&b, t0.Add(time.Duration(i)*4*time.Minute)) // 20 minutes apart end to end
	}
	if b.Snapshot.LockedUntil != nil {
		t.Fatalf("failures spread over 20 minutes locked the account until %v", b.Snapshot.LockedUntil)
	}

	// A station that locked on its own count is believed, for LockoutFor at most.
	c := registered()
	claim := t0.Add(24 * time.Hour)
	Decide(&c, mkOp(domain.OpFailure, t0, domain.FailurePayload{What: "totp", At: t0, LockedUntil: &claim}), nil, t0, nil)
	if c.Snapshot.LockedUntil == nil || !c.Snapshot.LockedUntil.Equal(t0.Add(domain.LockoutFor)) {
		t.Fatalf("claimed lock = %v", c.Snapshot.LockedUntil)
	}
}

func TestDecideAliasTaken(t *testing.T) {
	a := registered()
	a.Snapshot.Category, a.Snapshot.CompletionDate, a.Snapshot.Status = policy.CategoryDegree, "2026-06-30", policy.StatusActive
	a.Snapshot.PasswordHash = testHashes()[0]
	var asked string
	taken := func(alias, except string) (bool, error) { asked = alias + " " + except; return true, nil }
	_, rej, err := Decide(&a, mkOp(domain.OpAlias, t0, domain.AliasPayload{Alias: "tai.man"}), nil, t0, taken)
	if err != nil || rej == nil || rej.Code != "alias_taken" || asked != "tai.man tmchan" || a.Snapshot.Alias != "" {
		t.Fatalf("rejection %v, asked %q, alias %q, %v", rej, asked, a.Snapshot.Alias, err)
	}
}

// An op that follows another (Op.After) is decided only if the store
// applied that one; the refusal names the first refusal of the chain. The
// proof the op carries is re-checked: a date of birth does not verify a
// record with an HKID (or a graduate's with a passport), and a change to
// an account with 2FA needs a 2FA step or enrolment earlier in its chain.
// Ops without a proof are decided as before.
func TestDecideChainAndProof(t *testing.T) {
	h0, h1 := testHashes()[0], testHashes()[1]
	withHKID := func(a Account) Account { a.Snapshot.HKIDHash = []byte{7}; return a }
	graduateWithPassport := func(a Account) Account {
		a.Snapshot.Category, a.Snapshot.CompletionDate, a.Snapshot.PassportHash = policy.CategoryDegree, "2026-06-30", []byte{8}
		return a
	}
	notEnrolled := func(a Account) Account { a.Snapshot.TOTPSealed, a.Snapshot.TOTPLastStep = nil, 0; return a }
	chained := func(op domain.Op, after, proof string) domain.Op { op.After, op.Proof = after, proof; return op }
	applied := func(id string, kind domain.OpKind) Link {
		return Link{ID: id, Account: "tmchan", Kind: kind, Outcome: wire.OutcomeApplied}
	}
	refused := func(id string, kind domain.OpKind, reason string) Link {
		return Link{ID: id, Account: "tmchan", Kind: kind, Outcome: wire.OutcomeRejected, Reason: reason}
	}
	setPW := mkOp(domain.OpSetPassword, t0, domain.SetPasswordPayload{PasswordHash: h1, ChangedAt: t0})
	enrol := mkOp(domain.OpEnrolTOTP, t0, domain.EnrolTOTPPayload{Sealed: []byte{9}, Step: 1001})
	dir := mkOp(domain.OpDirectory, t0, domain.DirectoryPayload{Public: false})
	activate := mkOp(domain.OpActivate, t0, domain.ActivatePayload{PasswordHash: h0, ActivatedAt: t0})
	for _, tc := range []struct {
		name  string
		acct  Account
		op    domain.Op
		chain []Link
		want  string // rejection code, "" for applied
		msg   string // the rejection's message contains this
	}{
		{"follows an applied op", active(), chained(setPW, "a1", domain.ProofTOTP), []Link{applied("a1", domain.OpTOTPStep)}, "", ""},
		{"follows an op never received", active(), chained(setPW, "a1", domain.ProofTOTP), nil, "chain", "op a1) never reached"},
		{"follows another account's op", active(), chained(setPW, "a1", domain.ProofTOTP),
			[]Link{{ID: "a1", Account: "tmchan2", Kind: domain.OpTOTPStep, Outcome: wire.OutcomeApplied}}, "chain", "another account"},
		{"follows a replayed code", active(), chained(setPW, "a1", domain.ProofTOTP),
			[]Link{refused("a1", domain.OpTOTPStep, "totp_replay: the 2FA code had already been used")}, "chain",
			"refused because the change it depends on (totp_step, op a1) was refused: totp_replay"},
		{"follows a second activation", active(), chained(enrol, "a1", domain.ProofHKID),
			[]Link{refused("a1", domain.OpActivate, "activated_elsewhere: the account had already been activated")}, "chain",
			"(activate, op a1) was refused: activated_elsewhere"},
		{"two links after a refusal", active(), chained(dir, "a2", domain.ProofTOTP),
			[]Link{refused("a2", domain.OpEnrolTOTP, "chain: refused because the change it depends on (activate, op a1) was refused: activated_elsewhere")},
			"chain", "(activate, op a1) was refused: activated_elsewhere"},
		{"date of birth for a record with an HKID", withHKID(registered()), chained(activate, "", domain.ProofDOB), nil, "identity_proof", "date of birth"},
		{"date of birth for a record without one", registered(), chained(activate, "", domain.ProofDOB), nil, "", ""},
		{"HKID for a record with an HKID", withHKID(registered()), chained(activate, "", domain.ProofHKID), nil, "", ""},
		{"date of birth for a graduate with a passport", graduateWithPassport(registered()),
			chained(mkOp(domain.OpActivateAlumni, t0, domain.ActivateAlumniPayload{PasswordHash: h0, ActivatedAt: t0, Status: policy.StatusGrace}), "", domain.ProofDOB),
			nil, "identity_proof", ""},
		{"a replayed step verified by date of birth", withHKID(active()), chained(mkOp(domain.OpTOTPStep, t0, domain.TOTPStepPayload{Step: 1001}), "", domain.ProofDOB),
			nil, "identity_proof", ""},
		{"new password without a code on a 2FA account", active(), chained(setPW, "", domain.ProofHKID), nil, "2fa_required", "without a 2FA code"},
		{"new password after a code", active(), chained(setPW, "a2", domain.ProofTOTP),
			[]Link{applied("a2", domain.OpTOTPStep)}, "", ""},
		{"new password without 2FA enrolled", notEnrolled(active()), chained(setPW, "", domain.ProofPassword), nil, "", ""},
		{"new password without a proof (an older station)", active(), setPW, nil, "", ""},
		{"new 2FA key without a code", active(), chained(enrol, "", domain.ProofPassword), nil, "2fa_required", ""},
		{"directory without a code", active(), chained(dir, "", domain.ProofPassword), nil, "2fa_required", ""},
		{"directory two links after a code", active(), chained(dir, "a3", domain.ProofTOTP),
			[]Link{applied("a3", domain.OpDirectory), applied("a2", domain.OpTOTPStep)}, "", ""},
		{"directory after the enrolment of an activation", active(), chained(dir, "a2", domain.ProofTOTP),
			[]Link{applied("a2", domain.OpEnrolTOTP), applied("a1", domain.OpActivate)}, "", ""},
		{"alias without a code", inGraceActive(), chained(mkOp(domain.OpAlias, t0, domain.AliasPayload{Alias: "tai.man"}), "", domain.ProofPassword), nil, "2fa_required", ""},
		{"personal e-mail without a code", active(), chained(mkOp(domain.OpPersonalEmail, t0, domain.PersonalEmailPayload{Email: "tai@example.com"}), "", domain.ProofPassword), nil, "2fa_required", ""},
		{"activated at another station", activatedBy(active(), "B"), chained(activate, "", domain.ProofHKID), nil, "activated_elsewhere", "station B at 2026-09-01 08:00 UTC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.acct
			before := a.Snapshot
			_, rej, err := Decide(&a, tc.op, tc.chain, t0.Add(time.Hour), nil)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if rej != nil {
				got = rej.Code
			}
			if got != tc.want || (rej != nil && !strings.Contains(rej.Message, tc.msg)) {
				t.Fatalf("rejection %v, want %q with %q", rej, tc.want, tc.msg)
			}
			if rej != nil && !sameSnapshot(before, a.Snapshot) {
				t.Fatal("a rejected op changed the account")
			}
		})
	}
}

func inGraceActive() Account {
	a := active()
	a.Snapshot.Category, a.Snapshot.CompletionDate = policy.CategoryDegree, "2026-06-30"
	return a
}

func activatedBy(a Account, station string) Account {
	at := t0.Add(-time.Hour)
	a.Snapshot.ActivatedAt, a.ActivatedBy = &at, station
	return a
}
