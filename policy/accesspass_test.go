package policy

import (
	"strings"
	"testing"
)

func TestAccessPassDrawAndNormalize(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		p, err := NewAccessPass(nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != PassLen+1 || p[5] != '-' {
			t.Fatalf("pass %q: want 5-5 groups", p)
		}
		n, err := NormalizeAccessPass(strings.ToLower(strings.ReplaceAll(p, "-", " ")))
		if err != nil || n != strings.ReplaceAll(p, "-", "") {
			t.Fatalf("normalize %q = %q, %v", p, n, err)
		}
		seen[n] = true
	}
	if len(seen) < 50 {
		t.Fatal("passes repeat")
	}
	for _, bad := range []string{"", "ACDEF", "ACDEF-GHJK0", "ACDEF-GHJKMN"} {
		if _, err := NormalizeAccessPass(bad); err == nil {
			t.Errorf("NormalizeAccessPass(%q) accepted", bad)
		}
	}
}
