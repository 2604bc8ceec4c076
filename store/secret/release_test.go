package secret

import (
	"runtime"
	"testing"
)

// heldMiB is the heap memory the process holds from the OS.
func heldMiB() float64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapSys-ms.HeapReleased) / (1 << 20)
}

// With ReleaseAfterHash, a hash leaves no 19 MiB of argon2 work memory
// behind in the process (issue 17); without it, it stays (until the next GC
// and the scavenger, minutes on an idle station).
func TestReleaseAfterHash(t *testing.T) {
	defer func(old bool) { ReleaseAfterHash = old }(ReleaseAfterHash)
	ReleaseAfterHash = false
	if _, err := HashPassword("Blue harbour ferry 58"); err != nil {
		t.Fatal(err)
	}
	kept := heldMiB()
	ReleaseAfterHash = true
	for _, hash := range []func() error{
		func() error { _, err := HashPassword("Blue harbour ferry 58"); return err },
		func() error { _, err := VerifyPassword(mustHash(t, "Blue harbour ferry 58"), "x"); return err },
		func() error {
			_, err := MatchesAny([]string{mustHash(t, "Blue harbour ferry 58"), mustHash(t, "Green tram 12")}, "x")
			return err
		},
	} {
		if err := hash(); err != nil {
			t.Fatal(err)
		}
		if held := heldMiB(); held > 12 {
			t.Fatalf("%.1f MiB of heap held after a hash with ReleaseAfterHash (%.1f MiB without)", held, kept)
		}
	}
}

// BenchmarkHashRelease is a Default hash with and without ReleaseAfterHash,
// side by side: what giving the memory back costs.
func BenchmarkHashRelease(b *testing.B) {
	defer func(old bool) { ReleaseAfterHash = old }(ReleaseAfterHash)
	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "keep", true: "release"}[on]
		b.Run(name, func(b *testing.B) {
			ReleaseAfterHash = on
			for range b.N {
				if _, err := HashPassword("Blue harbour ferry 58"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(heldMiB(), "held-MiB")
		})
	}
}
