package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/notice"
)

func at(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// facts is a degree graduate completing on 31 Aug 2026 (grace ends 31 Dec).
func facts(status policy.Status, cat policy.Category, activated bool) domain.LifecycleFacts {
	return domain.LifecycleFacts{Account: "kylam", Status: status, Category: cat, Completion: date("2026-08-31"),
		Activated: activated}
}

func TestLifecycleDue(t *testing.T) {
	extended := facts(policy.StatusGrace, policy.CategoryDegree, true)
	extended.Extended = date("2027-03-31")
	for _, tc := range []struct {
		name   string
		f      domain.LifecycleFacts
		now    time.Time
		to     policy.Status // "" = nothing due
		notice notice.Kind
	}{
		{"studying", facts(policy.StatusActive, policy.CategoryDegree, true), at(2026, 8, 30), "", ""},
		{"completion", facts(policy.StatusActive, policy.CategoryDegree, true), at(2026, 8, 31), policy.StatusGrace, notice.GraceStarts},
		{"completion, never activated", facts(policy.StatusRegistered, policy.CategoryDegree, false), at(2026, 8, 31), policy.StatusGrace, ""},
		{"in grace", facts(policy.StatusGrace, policy.CategoryDegree, true), at(2026, 12, 30), "", ""},
		{"degree at grace end", facts(policy.StatusGrace, policy.CategoryDegree, true), at(2026, 12, 31), policy.StatusAlumni, notice.Expired},
		{"non-degree at grace end", facts(policy.StatusGrace, policy.CategoryNonDegree, true), at(2026, 12, 31), policy.StatusTerminated, notice.Expired},
		{"exchange at grace end", facts(policy.StatusGrace, policy.CategoryExchange, true), at(2026, 12, 31), policy.StatusTerminated, notice.Expired},
		{"visiting at grace end", facts(policy.StatusGrace, policy.CategoryVisiting, true), at(2026, 12, 31), policy.StatusTerminated, notice.Expired},
		{"extended", extended, at(2026, 12, 31), "", ""},
		{"extension ends", extended, at(2027, 3, 31), policy.StatusAlumni, notice.Expired},
		{"active past grace", facts(policy.StatusActive, policy.CategoryDegree, true), at(2027, 1, 5), policy.StatusAlumni, notice.Expired},
		{"alumni is final", facts(policy.StatusAlumni, policy.CategoryDegree, true), at(2030, 1, 1), "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, ok := tc.f.Due(tc.now)
			if ok != (tc.to != "") || tr.To != tc.to || tr.Notice != tc.notice {
				t.Fatalf("Due = %+v, %v; want to %q notice %q", tr, ok, tc.to, tc.notice)
			}
			if ok && (tr.From != tc.f.Status || tr.Account != "kylam" || !tr.ServicesEnd.Equal(tc.f.ServicesEnd())) {
				t.Errorf("transition %+v", tr)
			}
		})
	}
	tr, _ := extended.Due(at(2027, 3, 31))
	if got := tr.Detail(); got != "grace -> alumni; student services end 2027-03-31" {
		t.Errorf("detail %q", got)
	}
}

func TestCheckExtension(t *testing.T) {
	now := at(2026, 12, 1)
	noCompletion := facts(policy.StatusActive, policy.CategoryDegree, true)
	noCompletion.Completion = time.Time{}
	for _, tc := range []struct {
		name  string
		f     domain.LifecycleFacts
		until string
		says  string // "" = allowed
	}{
		{"in grace", facts(policy.StatusGrace, policy.CategoryDegree, true), "2027-03-31", ""},
		{"before completion", facts(policy.StatusActive, policy.CategoryNonDegree, false), "2027-01-01", ""},
		{"no completion", noCompletion, "2027-03-31", "no completion date"},
		{"within grace", facts(policy.StatusGrace, policy.CategoryDegree, true), "2026-12-31", "after the grace period, which ends on 31 Dec 2026"},
		{"alumni", facts(policy.StatusAlumni, policy.CategoryDegree, true), "2027-03-31", "cannot reopen"},
		{"terminated", facts(policy.StatusTerminated, policy.CategoryExchange, true), "2027-03-31", "already ended on 31 Dec 2026 (now terminated)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.f.CheckExtension(date(tc.until), now)
			if (err == nil) != (tc.says == "") || err != nil && !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want one saying %q", err, tc.says)
			}
		})
	}
	// Extended until 31 Mar 2027, now 1 Mar: a new date after grace but past is refused.
	f := facts(policy.StatusGrace, policy.CategoryDegree, true)
	f.Extended = date("2027-03-31")
	if err := f.CheckExtension(date("2027-02-01"), at(2027, 3, 1)); err == nil || !strings.Contains(err.Error(), "has passed") {
		t.Errorf("a past date: %v", err)
	}
	if err := f.CheckExtension(date("2027-03-01"), at(2027, 3, 1)); err == nil {
		t.Error("today accepted: services would end at once")
	}
}

func TestExtensionReasonAndDate(t *testing.T) {
	for in, want := range map[string]string{"  thesis \t corrections ": "thesis corrections", "": "", " ": "",
		"a\x00b": "", strings.Repeat("x", 501): ""} {
		got, err := domain.ExtensionReason(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("ExtensionReason(%q) = %q, %v", in, got, err)
		}
	}
	hk := time.FixedZone("HKT", 8*3600)
	if got := domain.ExtensionDate(time.Date(2027, 3, 31, 1, 0, 0, 0, hk)); !got.Equal(date("2027-03-31")) {
		t.Errorf("ExtensionDate = %v", got)
	}
}

func TestReminderDue(t *testing.T) {
	changed := at(2026, 1, 10)
	active := facts(policy.StatusActive, policy.CategoryDegree, true)
	for _, tc := range []struct {
		name       string
		f          domain.LifecycleFacts
		last, now  time.Time
		reminderOK bool
	}{
		{"five months", active, time.Time{}, changed.AddDate(0, 5, 0), false},
		{"six months and a minute", active, time.Time{}, changed.AddDate(0, 6, 0).Add(time.Minute), true},
		{"reminded four months ago", active, changed.AddDate(0, 6, 1), changed.AddDate(0, 10, 1), false},
		{"reminded over six months ago", active, changed.AddDate(0, 6, 1), changed.AddDate(1, 0, 2), true},
		{"never activated", facts(policy.StatusRegistered, policy.CategoryDegree, false), time.Time{}, changed.AddDate(1, 0, 0), false},
		{"terminated at now", facts(policy.StatusGrace, policy.CategoryVisiting, true), time.Time{}, at(2027, 1, 1), false},
		{"alumni", facts(policy.StatusGrace, policy.CategoryDegree, true), time.Time{}, at(2027, 1, 1), true},
	} {
		if got := tc.f.ReminderDue(changed, tc.last, tc.now); got != tc.reminderOK {
			t.Errorf("%s: ReminderDue = %v", tc.name, got)
		}
	}
}

func TestNoticeAddress(t *testing.T) {
	if got := notice.Address("kylam", "", false, "connect.example.edu"); got != "kylam@connect.example.edu" {
		t.Errorf("without a personal e-mail: %s", got)
	}
	if got := notice.Address("kylam", "ky@example.org", true, "connect.example.edu"); got != "ky@example.org" {
		t.Errorf("with a verified personal e-mail: %s", got)
	}
	// Issue 19: an address never verified stays on record but gets no notices.
	if got := notice.Address("kylam", "ky@example.org", false, "connect.example.edu"); got != "kylam@connect.example.edu" {
		t.Errorf("with an unverified personal e-mail: %s", got)
	}
}
