package policy

import (
	"testing"
	"time"
)

func TestCanActivate(t *testing.T) {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	past, future := time.Date(2023, 8, 31, 0, 0, 0, 0, time.UTC), time.Date(2030, 6, 30, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		status     Status
		category   Category
		completion time.Time
		activated  bool
		want       Activation
	}{
		{"registered", StatusRegistered, CategoryDegree, future, false, ActivationOpen},
		{"registered, no completion date", StatusRegistered, CategoryVisiting, time.Time{}, false, ActivationOpen},
		{"active", StatusActive, CategoryDegree, future, true, ActivationDone},
		{"alumni who activated", StatusAlumni, CategoryDegree, past, true, ActivationDone},
		{"grace, activated", StatusGrace, CategoryNonDegree, past, true, ActivationDone},
		{"terminated after activating", StatusTerminated, CategoryExchange, past, true, ActivationTerminated},
		{"degree graduate in grace, never activated", StatusGrace, CategoryDegree, past, false, ActivationGraduate},
		{"degree alumnus, never activated", StatusAlumni, CategoryDegree, past, false, ActivationGraduate},
		{"non-degree in grace, never activated", StatusGrace, CategoryNonDegree, past, false, ActivationClosed},
		{"non-degree, ended long ago", StatusTerminated, CategoryNonDegree, past, false, ActivationClosed},
		{"visiting, ended", StatusTerminated, CategoryVisiting, past, false, ActivationClosed},
		{"terminated while studying, never activated", StatusTerminated, CategoryDegree, future, false, ActivationTerminated},
		{"terminated, no completion date", StatusTerminated, CategoryDegree, time.Time{}, false, ActivationTerminated},
		{"active but never given a password", StatusActive, CategoryDegree, future, false, ActivationClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CanActivate(tt.status, tt.category, tt.completion, tt.activated, now); got != tt.want {
				t.Errorf("CanActivate = %d, want %d", got, tt.want)
			}
		})
	}
}
