package secret

import (
	"errors"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// hashOnce caches one Default hash per password: each costs tens of ms.
var hashOnce = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func mustHash(t testing.TB, pw string) string {
	t.Helper()
	hashOnce.Lock()
	defer hashOnce.Unlock()
	if h, ok := hashOnce.m[pw]; ok {
		return h
	}
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	hashOnce.m[pw] = h
	return h
}

func TestHashPasswordFormat(t *testing.T) {
	h := mustHash(t, "correct horse battery staple")
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !re.MatchString(h) {
		t.Fatalf("hash %q does not have the PHC shape", h)
	}
	h2, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	if NeedsRehash(h) {
		t.Fatal("a Default hash should not need a rehash")
	}
}

func TestVerifyPassword(t *testing.T) {
	h := mustHash(t, "pässwörd with spaces 🔑")
	tests := []struct {
		pw   string
		want bool
	}{
		{"pässwörd with spaces 🔑", true},
		{"pässwörd with spaces", false},
		{"Pässwörd with spaces 🔑", false},
		{"", false},
	}
	for _, tt := range tests {
		got, err := VerifyPassword(h, tt.pw)
		if err != nil || got != tt.want {
			t.Errorf("VerifyPassword(%q) = %v, %v; want %v, nil", tt.pw, got, err, tt.want)
		}
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	good := mustHash(t, "x")
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	tests := []struct {
		name, enc, wantMsg string
	}{
		{"empty", "", "expected $argon2id"},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234", "expected $argon2id"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key, "not argon2id"},
		{"old version", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key, "version"},
		{"params order", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key, "not m=..,t=..,p=.."},
		{"params missing", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key, "not m=..,t=..,p=.."},
		{"params not number", "$argon2id$v=19$m=lots,t=2,p=1$" + salt + "$" + key, "not m=..,t=..,p=.."},
		{"zero time", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key, "out of range"},
		{"zero threads", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key, "out of range"},
		{"huge memory", "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key, "out of range"},
		{"memory below 8p", "$argon2id$v=19$m=7,t=2,p=1$" + salt + "$" + key, "out of range"},
		{"bad salt base64", "$argon2id$v=19$m=19456,t=2,p=1$!!!!$" + key, "salt"},
		{"padded salt", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key, "salt"},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$AAAA$" + key, "salt"},
		{"short hash", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$AAAA", "hash must be"},
		{"extra field", good + "$x", "expected $argon2id"},
		{"no leading $", good[1:], "expected $argon2id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := VerifyPassword(tt.enc, "x")
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("VerifyPassword = %v, %v; want false, ErrMalformedHash", ok, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tt.wantMsg)
			}
			if !NeedsRehash(tt.enc) {
				t.Error("NeedsRehash(malformed) = false")
			}
		})
	}
}

func TestHashPasswordWithRefusesWeakParams(t *testing.T) {
	weak := []Params{
		{Memory: 4096, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 19456, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 19456, Time: 2, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 19456, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 32},
		{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 16},
		{Memory: 2 << 20, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
	}
	for _, p := range weak {
		if h, err := HashPasswordWith(p, "pw"); err == nil {
			t.Errorf("HashPasswordWith(%+v) = %q, want an error", p, h)
		}
	}
}

func TestHashPasswordWithStrongerParams(t *testing.T) {
	p := Params{Memory: 20 * 1024, Time: 3, Threads: 2, SaltLen: 24, KeyLen: 48}
	h, err := HashPasswordWith(p, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=20480,t=3,p=2$") {
		t.Fatalf("hash %q does not record its parameters", h)
	}
	if ok, err := VerifyPassword(h, "pw"); !ok || err != nil {
		t.Fatalf("VerifyPassword = %v, %v", ok, err)
	}
	if NeedsRehash(h) {
		t.Error("a stronger hash should not need a rehash")
	}
}

func TestMatchesAny(t *testing.T) {
	a, b, c := mustHash(t, "alpha pass 1"), mustHash(t, "bravo pass 2"), mustHash(t, "charlie pass 3")
	tests := []struct {
		name    string
		hist    []string
		pw      string
		want    bool
		wantErr bool
	}{
		{"empty history", nil, "alpha pass 1", false, false},
		{"first", []string{a, b, c}, "alpha pass 1", true, false},
		{"last", []string{a, b, c}, "charlie pass 3", true, false},
		{"none", []string{a, b, c}, "delta pass 4", false, false},
		{"malformed entry hides no match", []string{"junk", b}, "bravo pass 2", true, false},
		{"malformed entry without match", []string{a, "junk"}, "delta pass 4", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := MatchesAny(tt.hist, tt.pw)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Fatalf("MatchesAny = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrMalformedHash) {
				t.Errorf("error %v does not wrap ErrMalformedHash", err)
			}
		})
	}
}

// TestMatchesAnyStopsEarly: once a match is found no new verification
// starts. With one worker the order is deterministic: exactly one call.
func TestMatchesAnyStopsEarly(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var calls atomic.Int32
	orig := matchFn
	defer func() { matchFn = orig }()
	matchFn = func(h phc, pw string) bool { calls.Add(1); return orig(h, pw) }

	hist := []string{mustHash(t, "alpha pass 1")}
	for range 9 {
		hist = append(hist, mustHash(t, "bravo pass 2"))
	}
	if ok, err := MatchesAny(hist, "alpha pass 1"); !ok || err != nil {
		t.Fatalf("MatchesAny = %v, %v", ok, err)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("%d verifications ran, want 1", n)
	}
}

// BenchmarkHashPassword is one hash at Default.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyPassword is one verification at Default.
func BenchmarkVerifyPassword(b *testing.B) {
	h := mustHash(b, "correct horse battery staple")
	for b.Loop() {
		if _, err := VerifyPassword(h, "wrong"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReuseCheck10 is the whole cost of setting a password: the reuse
// check over ten history hashes (no match) plus hashing the new password.
func BenchmarkReuseCheck10(b *testing.B) {
	hist := make([]string, 10)
	for i := range hist {
		h, err := HashPassword(strings.Repeat("old", i+4))
		if err != nil {
			b.Fatal(err)
		}
		hist[i] = h
	}
	for b.Loop() {
		reused, err := MatchesAny(hist, "a brand new pass phrase")
		if err != nil || reused {
			b.Fatal(reused, err)
		}
		if _, err := HashPassword("a brand new pass phrase"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
}
