package policy

import (
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestGraceEnd(t *testing.T) {
	tests := []struct{ completion, want time.Time }{
		{day(2026, 6, 30), day(2026, 10, 30)},
		{day(2026, 8, 31), day(2026, 12, 31)},
		{day(2026, 10, 31), day(2027, 3, 3)}, // AddDate normalises 31 February
		{day(2027, 12, 15), day(2028, 4, 15)},
	}
	for _, tt := range tests {
		if got := GraceEnd(tt.completion); !got.Equal(tt.want) {
			t.Errorf("GraceEnd(%s) = %s, want %s", tt.completion.Format(time.DateOnly), got.Format(time.DateOnly), tt.want.Format(time.DateOnly))
		}
	}
}

func TestAlumniEligible(t *testing.T) {
	for c, want := range map[Category]bool{
		CategoryDegree: true, CategoryNonDegree: false, CategoryExchange: false, CategoryVisiting: false, "": false,
	} {
		if AlumniEligible(c) != want {
			t.Errorf("AlumniEligible(%q) = %v", c, !want)
		}
	}
}

func TestLifecycleStatus(t *testing.T) {
	completion := day(2026, 6, 30) // grace ends 2026-10-30
	var none time.Time
	tests := []struct {
		name     string
		cur      Status
		cat      Category
		extended time.Time
		now      time.Time
		want     Status
	}{
		{"registered before completion", StatusRegistered, CategoryDegree, none, day(2026, 1, 1), StatusRegistered},
		{"active before completion", StatusActive, CategoryDegree, none, day(2026, 6, 29), StatusActive},
		{"active at completion", StatusActive, CategoryDegree, none, completion, StatusGrace},
		{"registered at completion", StatusRegistered, CategoryExchange, none, completion, StatusGrace},
		{"active last moment of grace", StatusActive, CategoryDegree, none, day(2026, 10, 30).Add(-time.Nanosecond), StatusGrace},
		{"active at grace end, degree", StatusActive, CategoryDegree, none, day(2026, 10, 30), StatusAlumni},
		{"grace after end, degree", StatusGrace, CategoryDegree, none, day(2027, 1, 1), StatusAlumni},
		{"grace after end, non-degree", StatusGrace, CategoryNonDegree, none, day(2027, 1, 1), StatusTerminated},
		{"grace after end, exchange", StatusGrace, CategoryExchange, none, day(2027, 1, 1), StatusTerminated},
		{"active long after, visiting", StatusActive, CategoryVisiting, none, day(2030, 1, 1), StatusTerminated},
		{"registered after end, degree", StatusRegistered, CategoryDegree, none, day(2027, 1, 1), StatusAlumni},
		{"grace stays in grace", StatusGrace, CategoryDegree, none, day(2026, 8, 1), StatusGrace},
		{"extension keeps grace", StatusGrace, CategoryDegree, day(2027, 1, 31), day(2026, 12, 1), StatusGrace},
		{"extension ends", StatusGrace, CategoryNonDegree, day(2027, 1, 31), day(2027, 1, 31), StatusTerminated},
		{"earlier extension ignored", StatusActive, CategoryDegree, day(2026, 8, 1), day(2026, 9, 1), StatusGrace},
		{"terminated is final", StatusTerminated, CategoryDegree, none, day(2026, 1, 1), StatusTerminated},
		{"terminated not revived by extension", StatusTerminated, CategoryDegree, day(2030, 1, 1), day(2027, 1, 1), StatusTerminated},
		{"alumni is final", StatusAlumni, CategoryDegree, none, day(2026, 7, 1), StatusAlumni},
		{"unknown status kept", Status("frozen"), CategoryDegree, none, day(2030, 1, 1), Status("frozen")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LifecycleStatus(tt.cur, tt.cat, completion, tt.extended, tt.now); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	t.Run("no completion date", func(t *testing.T) {
		if got := LifecycleStatus(StatusActive, CategoryDegree, none, none, day(2040, 1, 1)); got != StatusActive {
			t.Errorf("got %s", got)
		}
	})
}
