package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/expressstation/kiosk/store"
)

// BenchmarkVerifyAlumni100k is one Alumni Account Activation look-up (by
// HKID, then by passport number) in a replica of 100,000 accounts: a scan,
// since migration 0005 (about 30 ms; 0.2 ms with the indexes 0004 had).
func BenchmarkVerifyAlumni100k(b *testing.B) {
	r, _ := openReplica(b, newClock())
	if _, err := r.ImportRegistry(context.Background(), strings.NewReader(generatedCSV(benchRows))); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		id   store.AlumniIdentity
	}{
		{"hkid", store.AlumniIdentity{FullName: "Nobody Here", HKID: hkid('Z', 999999)}},
		{"passport", store.AlumniIdentity{FullName: "Nobody Here", PassportNo: "Q9999999"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for range b.N {
				if _, err := r.VerifyAlumni(context.Background(), tc.id); !errors.Is(err, store.ErrIdentityMismatch) {
					b.Fatal(err)
				}
			}
		})
	}
}
