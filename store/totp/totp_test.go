package totp

import (
	"bytes"
	"encoding/base32"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// rfcSecret is the RFC 6238 appendix B SHA-1 seed "12345678901234567890".
var rfcSecret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

// RFC 6238 appendix B, SHA-1 rows: time, step (hex T) and the 8-digit code.
var rfcVectors = []struct {
	unix  int64
	step  int64
	code8 string
}{
	{59, 0x1, "94287082"},
	{1111111109, 0x23523EC, "07081804"},
	{1111111111, 0x23523ED, "14050471"},
	{1234567890, 0x273EF07, "89005924"},
	{2000000000, 0x3F940AA, "69279037"},
	{20000000000, 0x27BC86AA, "65353130"},
}

func TestRFC6238Vectors(t *testing.T) {
	for _, v := range rfcVectors {
		tm := time.Unix(v.unix, 0).UTC()
		if got := Step(tm); got != v.step {
			t.Errorf("Step(%d) = %#x, want %#x", v.unix, got, v.step)
		}
		// The library itself reproduces the RFC's 8 digits...
		code8, err := hotp.GenerateCodeCustom(rfcSecret, uint64(v.step), hotp.ValidateOpts{Digits: otp.DigitsEight})
		if err != nil || code8 != v.code8 {
			t.Errorf("8-digit code at %d = %q, %v; want %s", v.unix, code8, err, v.code8)
		}
		// ...and ours is its last six (truncation mod 10^6, zeros kept).
		code, err := Code(rfcSecret, v.step)
		if err != nil || code != v.code8[2:] {
			t.Errorf("Code at %d = %q, %v; want %s", v.unix, code, err, v.code8[2:])
		}
	}
}

func TestStep(t *testing.T) {
	tests := []struct {
		unix, want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {59, 1}, {60, 2}, {-1, -1}, {-30, -1}, {-31, -2},
	}
	for _, tt := range tests {
		if got := Step(time.Unix(tt.unix, 999_999_999)); got != tt.want {
			t.Errorf("Step(%d.999s) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

func TestCodeErrors(t *testing.T) {
	if _, err := Code("not base32!", 1); err == nil {
		t.Error("Code with an invalid secret succeeded")
	}
	if _, err := Code(rfcSecret, -1); err == nil {
		t.Error("Code with a negative step succeeded")
	}
	// Lower case and missing padding are accepted, as authenticators do.
	a, _ := Code(rfcSecret, 5)
	b, err := Code(strings.ToLower(strings.TrimRight(rfcSecret, "=")), 5)
	if err != nil || a != b {
		t.Errorf("Code(lower, unpadded) = %q, %v; want %q", b, err, a)
	}
}

func TestNewSecret(t *testing.T) {
	s, err := NewSecret(bytes.NewReader(bytes.Repeat([]byte{0xff}, 20)))
	if err != nil {
		t.Fatal(err)
	}
	if s != strings.Repeat("7", 32) {
		t.Errorf("NewSecret = %q", s)
	}
	// A reader that returns one byte at a time still fills all 20.
	s, err = NewSecret(iotest.OneByteReader(bytes.NewReader(make([]byte, 20))))
	if err != nil || s != strings.Repeat("A", 32) {
		t.Errorf("NewSecret(one byte at a time) = %q, %v", s, err)
	}
	if _, err := NewSecret(bytes.NewReader(make([]byte, 19))); err == nil {
		t.Error("NewSecret from a short reader succeeded")
	}
	if _, err := NewSecret(iotest.ErrReader(errors.New("no entropy"))); err == nil {
		t.Error("NewSecret from a failing reader succeeded")
	}
	if _, err := Code(s, 1); err != nil {
		t.Errorf("a new secret does not make codes: %v", err)
	}
}

func TestURI(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	tests := []struct {
		issuer, account, want string
	}{
		{"HKUST", "tmchan", "otpauth://totp/HKUST:tmchan?secret=" + secret + "&issuer=HKUST"},
		{"", "tmchan", "otpauth://totp/tmchan?secret=" + secret},
		{"Uni IT: Net", "a&b", "otpauth://totp/Uni%20IT%20Net:a%26b?secret=" + secret + "&issuer=Uni%20IT%3A%20Net"},
	}
	for _, tt := range tests {
		got := URI(tt.issuer, tt.account, secret)
		if got != tt.want {
			t.Errorf("URI(%q, %q) = %q\nwant %q", tt.issuer, tt.account, got, tt.want)
		}
		// An authenticator's parser (pquerna's) reads back what we meant.
		k, err := otp.NewKeyFromURL(got)
		if err != nil {
			t.Fatal(err)
		}
		if k.Type() != "totp" || k.Secret() != secret || k.Issuer() != tt.issuer || k.AccountName() != tt.account ||
			k.Period() != Period || k.Digits() != otp.DigitsSix || k.Algorithm() != otp.AlgorithmSHA1 {
			t.Errorf("parsed %q: type %s issuer %q account %q period %d digits %v alg %v",
				got, k.Type(), k.Issuer(), k.AccountName(), k.Period(), k.Digits(), k.Algorithm())
		}
	}
}

func TestGroupKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"ABC", "ABC"},
		{"ABCD", "ABCD"},
		{"ABCDE", "ABCD E"},
		{"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"},
	}
	for _, tt := range tests {
		if got := GroupKey(tt.in); got != tt.want {
			t.Errorf("GroupKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVerify(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2025, 9, 1, 10, 0, 15, 0, time.UTC) // mid-step
	cur := Step(now)
	code := func(offset int64) string {
		c, err := Code(secret, cur+offset)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name         string
		code         string
		lastAccepted int64
		wantStep     int64
		want         Result
	}{
		{"current step", code(0), 0, cur, Accepted},
		{"previous step", code(-1), 0, cur - 1, Accepted},
		{"next step", code(1), 0, cur + 1, Accepted},
		{"current after previous accepted", code(0), cur - 1, cur, Accepted},
		{"next after current accepted", code(1), cur, cur + 1, Accepted},
		{"current replayed", code(0), cur, cur, Replayed},
		{"previous replayed", code(-1), cur - 1, cur - 1, Replayed},
		{"previous, later step accepted", code(-1), cur, cur - 1, Replayed},
		{"next replayed", code(1), cur + 1, cur + 1, Replayed},
		{"two steps behind", code(-2), 0, cur - 2, WrongClock},
		{"two steps ahead", code(2), 0, cur + 2, WrongClock},
		{"ten steps behind", code(-10), 0, cur - 10, WrongClock},
		{"ten steps ahead", code(10), 0, cur + 10, WrongClock},
		{"old step, accepted before", code(-5), cur - 1, cur - 5, Replayed},
		{"eleven steps behind", code(-11), 0, 0, Wrong},
		{"eleven steps ahead", code(11), 0, 0, Wrong},
		{"wrong digits", wrongCode(t, secret, cur), 0, 0, Wrong},
		{"empty", "", 0, 0, Wrong},
		{"five digits", code(0)[:5], 0, 0, Wrong},
		{"seven digits", code(0) + "0", 0, 0, Wrong},
		{"spaces", " " + code(0)[:5], 0, 0, Wrong},
		{"letters", "12a456", 0, 0, Wrong},
		{"full-width digits", "１２３４５６", 0, 0, Wrong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, r := Verify(secret, tt.code, now, tt.lastAccepted)
			if r != tt.want || step != tt.wantStep {
				t.Fatalf("Verify(%q, last %d) = %d, %v; want %d, %v", tt.code, tt.lastAccepted-cur, step-cur, r, tt.wantStep-cur, tt.want)
			}
		})
	}
	if _, r := Verify("not base32!", "123456", now, 0); r != Wrong {
		t.Errorf("Verify with an invalid secret = %v, want wrong", r)
	}
}

// TestVerifyStepBoundaries moves now across a step boundary: the last
// second of a step and the first of the next see different windows.
func TestVerifyStepBoundaries(t *testing.T) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	start := time.Unix(1_756_720_800, 0) // 2025-09-01T10:00:00Z, a step boundary
	if start.Unix()%Period != 0 {
		t.Fatal("start is not on a step boundary")
	}
	s := Step(start)
	c, _ := Code(secret, s-1)
	// At the boundary's last second step s-1 is current; at its first second
	// it is previous; one step later it is two behind.
	for _, tt := range []struct {
		at   time.Time
		want Result
	}{
		{start.Add(-time.Second), Accepted},
		{start, Accepted},
		{start.Add(Period*time.Second - time.Nanosecond), Accepted},
		{start.Add(Period * time.Second), WrongClock},
	} {
		if _, r := Verify(secret, c, tt.at, 0); r != tt.want {
			t.Errorf("code of step s-1 at %v = %v, want %v", tt.at.Sub(start), r, tt.want)
		}
	}
	// Replay protection follows the step, not the wall clock: once s-1 was
	// accepted, the same code stays refused however time moves.
	for _, at := range []time.Time{start.Add(-time.Second), start, start.Add(59 * time.Second)} {
		if _, r := Verify(secret, c, at, s-1); r != Replayed {
			t.Errorf("replayed code at %v = %v", at.Sub(start), r)
		}
	}
}

// wrongCode returns a 6-digit code that matches no step within ±ClockSkew.
func wrongCode(t *testing.T, secret string, cur int64) string {
	t.Helper()
	used := map[string]bool{}
	for s := cur - ClockSkew; s <= cur+ClockSkew; s++ {
		c, _ := Code(secret, s)
		used[c] = true
	}
	for _, c := range []string{"000000", "111111", "123456", "999999"} {
		if !used[c] {
			return c
		}
	}
	t.Fatal("no unused code")
	return ""
}

func TestResultString(t *testing.T) {
	for r, want := range map[Result]string{Accepted: "accepted", Replayed: "replayed", WrongClock: "wrong-clock", Wrong: "wrong", 9: "Result(9)"} {
		if r.String() != want {
			t.Errorf("%d.String() = %q", int(r), r.String())
		}
	}
}

func BenchmarkVerifyAccepted(b *testing.B) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2025, 9, 1, 10, 0, 15, 0, time.UTC)
	c, _ := Code(secret, Step(now))
	for b.Loop() {
		if _, r := Verify(secret, c, now, 0); r != Accepted {
			b.Fatal(r)
		}
	}
}

// BenchmarkVerifyWrong is the worst case: all 21 steps are computed.
func BenchmarkVerifyWrong(b *testing.B) {
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	now := time.Date(2025, 9, 1, 10, 0, 15, 0, time.UTC)
	for b.Loop() {
		if _, r := Verify(secret, "000000", now, 0); r != Wrong {
			b.Fatal(r)
		}
	}
}
