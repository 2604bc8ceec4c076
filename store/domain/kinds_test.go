package domain_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
)

var t0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

// samples holds one payload of every declared kind: a kind added to the
// table without one here fails TestEveryKindRoundTrips.
var samples = map[domain.OpKind]any{
	domain.OpActivate:       domain.ActivatePayload{PasswordHash: "$argon2id$one", ActivatedAt: t0},
	domain.OpSetPassword:    domain.SetPasswordPayload{PasswordHash: "$argon2id$two", ChangedAt: t0},
	domain.OpEnrolTOTP:      domain.EnrolTOTPPayload{Sealed: []byte{1, 2, 3}, Step: 99},
	domain.OpTOTPStep:       domain.TOTPStepPayload{Step: 100},
	domain.OpDirectory:      domain.DirectoryPayload{Public: true},
	domain.OpFailure:        domain.FailurePayload{What: "identity", At: t0, LockedUntil: ptr(t0.Add(time.Hour))},
	domain.OpLifecycle:      domain.LifecyclePayload{From: policy.StatusRegistered, To: policy.StatusGrace, At: t0},
	domain.OpExtend:         domain.ExtendPayload{Until: "2027-06-30", Reason: "thesis"},
	domain.OpActivateAlumni: domain.ActivateAlumniPayload{PasswordHash: "$argon2id$three", ActivatedAt: t0, Status: policy.StatusAlumni},
	domain.OpAlias:          domain.AliasPayload{Alias: "tai.man"},
	domain.OpPersonalEmail:  domain.PersonalEmailPayload{Email: "tai.man@example.com"},
	domain.OpUsePass:        domain.UsePassPayload{PassHash: "$argon2id$pass", At: t0},
	domain.OpDisplayName:    domain.DisplayNamePayload{Name: "Tai Man CHAN 陳大文"},
}

func ptr[T any](v T) *T { return &v }

// Every declared kind round-trips: encoded, decoded to its own payload type
// with the same value, and applied to a snapshot; applied again, it changes
// nothing (a station replays pending ops over pulled snapshots).
func TestEveryKindRoundTrips(t *testing.T) {
	kinds := domain.Kinds()
	if len(kinds) != len(samples) {
		t.Errorf("declared kinds %v; samples for %d: give every kind a sample", kinds, len(samples))
	}
	for _, k := range kinds {
		t.Run(string(k), func(t *testing.T) {
			want, ok := samples[k]
			if !ok {
				t.Fatalf("no sample payload for kind %q", k)
			}
			body, err := json.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			op := domain.Op{ID: "op-1", Kind: k, Account: "tmchan", CreatedAt: t0, Payload: body}
			got, err := domain.DecodePayload(op)
			if err != nil || reflect.TypeOf(got) != reflect.TypeOf(want) || !reflect.DeepEqual(got, want) {
				t.Fatalf("DecodePayload = %#v, %v; want %#v", got, err, want)
			}
			s := domain.Snapshot{Name: "tmchan", StudentID: "20261001", Status: policy.StatusRegistered}
			if err := s.ApplyOp(op); err != nil {
				t.Fatalf("ApplyOp: %v", err)
			}
			once, _ := json.Marshal(s)
			if err := s.ApplyOp(op); err != nil {
				t.Fatalf("ApplyOp again: %v", err)
			}
			if twice, _ := json.Marshal(s); string(twice) != string(once) {
				t.Errorf("replayed op changed the snapshot:\n%s\n%s", once, twice)
			}
			if !k.Known() {
				t.Errorf("%q is declared but not Known", k)
			}
		})
	}
}

// A payload with an unknown field or trailing data, and an undeclared
// kind, are refused: the central store applies only what it understands.
func TestDecodeRefusesWhatItDoesNotKnow(t *testing.T) {
	for _, op := range []domain.Op{
		{ID: "a", Kind: domain.OpDirectory, Payload: json.RawMessage(`{"public":true,"extra":1}`)},
		{ID: "b", Kind: domain.OpDirectory, Payload: json.RawMessage(`{"public":true} {}`)},
		{ID: "c", Kind: "nickname", Payload: json.RawMessage(`{}`)},
	} {
		if _, err := domain.DecodePayload(op); err == nil {
			t.Errorf("DecodePayload(%s %s) took it", op.Kind, op.Payload)
		}
		var s domain.Snapshot
		if err := s.ApplyOp(op); err == nil {
			t.Errorf("ApplyOp(%s %s) took it", op.Kind, op.Payload)
		}
	}
	if domain.OpKind("nickname").Known() {
		t.Error("an undeclared kind is Known")
	}
	if rej := domain.Check(&domain.Snapshot{}, "", "nickname", nil, t0); rej == nil || rej.Code != "unknown_kind" {
		t.Errorf("Check of an undeclared kind = %v", rej)
	}
}

// What the table says of each kind is what the six switches it replaced
// said (store/notices.go, sync_apply.go, outbox.go; central/rules.go,
// sqlite_ops.go).
func TestKindTable(t *testing.T) {
	of := func(f func(domain.OpKind) bool) []domain.OpKind {
		var out []domain.OpKind
		for _, k := range domain.Kinds() {
			if f(k) {
				out = append(out, k)
			}
		}
		return out
	}
	check := func(what string, got, want []domain.OpKind) {
		t.Helper()
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", what, got, want)
		}
	}
	check("notices", of(func(k domain.OpKind) bool { return k.Notice() != "" }),
		[]domain.OpKind{domain.OpActivate, domain.OpActivateAlumni, domain.OpSetPassword, domain.OpEnrolTOTP, domain.OpUsePass})
	for k, want := range map[domain.OpKind]notice.Kind{domain.OpActivate: notice.Activated,
		domain.OpActivateAlumni: notice.Activated, domain.OpSetPassword: notice.PasswordChanged,
		domain.OpEnrolTOTP: notice.TOTPChanged, domain.OpUsePass: notice.TOTPReset} {
		if k.Notice() != want {
			t.Errorf("%s sends %q, want %q", k, k.Notice(), want)
		}
	}
	check("refusal notices", of(func(k domain.OpKind) bool { return k.Refused() != "" }),
		[]domain.OpKind{domain.OpActivate, domain.OpActivateAlumni, domain.OpSetPassword, domain.OpEnrolTOTP, domain.OpAlias, domain.OpUsePass})
	check("prove 2FA", of(domain.OpKind.ProvesTOTP), []domain.OpKind{domain.OpTOTPStep, domain.OpEnrolTOTP})
	check("prove a desk pass", of(domain.OpKind.ProvesPass), []domain.OpKind{domain.OpUsePass})
	check("need 2FA", of(domain.OpKind.Needs2FA), []domain.OpKind{domain.OpSetPassword, domain.OpEnrolTOTP,
		domain.OpDirectory, domain.OpAlias, domain.OpPersonalEmail, domain.OpDisplayName})
	check("activate", of(domain.OpKind.Activates), []domain.OpKind{domain.OpActivate, domain.OpActivateAlumni})
	check("graduate", of(domain.OpKind.Graduate), []domain.OpKind{domain.OpActivateAlumni})
}
