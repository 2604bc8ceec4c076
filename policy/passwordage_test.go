package policy

import (
	"testing"
	"time"
)

func TestPasswordReminderDue(t *testing.T) {
	changed := time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC)
	var never time.Time
	tests := []struct {
		name         string
		changed, now time.Time
		want         bool
	}{
		{"just changed", changed, changed, false},
		{"five months", changed, day(2026, 8, 15), false},
		{"exactly six months", changed, changed.AddDate(0, 6, 0), false},
		{"just over six months", changed, changed.AddDate(0, 6, 0).Add(time.Second), true},
		{"a year", changed, day(2027, 3, 15), true},
		{"never set", never, day(2030, 1, 1), false},
		{"31 August plus six months is 3 March", day(2026, 8, 31), day(2027, 3, 2), false},
		{"past the normalised date", day(2026, 8, 31), day(2027, 3, 3).Add(time.Minute), true},
	}
	for _, tt := range tests {
		if got := PasswordReminderDue(tt.changed, tt.now); got != tt.want {
			t.Errorf("%s: PasswordReminderDue = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !PasswordReminderFrom(never).IsZero() {
		t.Error("PasswordReminderFrom(zero) is not zero")
	}
}

func TestPasswordAgeMonths(t *testing.T) {
	var never time.Time
	tests := []struct {
		changed, now time.Time
		want         int
	}{
		{day(2026, 1, 15), day(2026, 1, 20), 0},
		{day(2026, 1, 15), day(2026, 2, 14), 0},
		{day(2026, 1, 15), day(2026, 2, 15), 1},
		{day(2026, 1, 31), day(2026, 2, 28), 0},
		{day(2026, 1, 31), day(2026, 3, 31), 2},
		{day(2025, 11, 1), day(2026, 6, 2), 7},
		{day(2026, 6, 1), day(2026, 1, 1), 0}, // in the future
		{never, day(2026, 1, 1), 0},
	}
	for _, tt := range tests {
		if got := PasswordAgeMonths(tt.changed, tt.now); got != tt.want {
			t.Errorf("PasswordAgeMonths(%s, %s) = %d, want %d", tt.changed.Format(time.DateOnly),
				tt.now.Format(time.DateOnly), got, tt.want)
		}
	}
}

func TestStudentServicesEnd(t *testing.T) {
	var none time.Time
	tests := []struct {
		name                 string
		completion, extended time.Time
		want                 time.Time
	}{
		{"grace only", day(2027, 6, 30), none, day(2027, 10, 30)},
		{"later extension", day(2027, 6, 30), day(2028, 1, 31), day(2028, 1, 31)},
		{"earlier extension ignored", day(2027, 6, 30), day(2027, 8, 1), day(2027, 10, 30)},
		{"no completion", none, day(2028, 1, 31), none},
	}
	for _, tt := range tests {
		if got := StudentServicesEnd(tt.completion, tt.extended); !got.Equal(tt.want) {
			t.Errorf("%s: StudentServicesEnd = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestFormatDate(t *testing.T) {
	for in, want := range map[time.Time]string{
		day(2027, 10, 30): "30 Oct 2027",
		day(2027, 3, 3):   "3 Mar 2027",
		{}:                "",
	} {
		if got := FormatDate(in); got != want {
			t.Errorf("FormatDate(%s) = %q, want %q", in, got, want)
		}
	}
}
