package secret

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testKeys(t testing.TB) Keys {
	t.Helper()
	k, err := NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestNewKeys(t *testing.T) {
	a, b := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	tests := []struct {
		name     string
		id, seal []byte
		wantErr  string
	}{
		{"ok", a, b, ""},
		{"short identity", a[:31], b, "32 bytes"},
		{"long seal", a, append(b, 0), "32 bytes"},
		{"identical", a, bytes.Clone(a), "must differ"},
	}
	for _, tt := range tests {
		_, err := NewKeys(tt.id, tt.seal)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: NewKeys error = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

func TestKeysDoNotPrint(t *testing.T) {
	k := testKeys(t)
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(f, k)
		if strings.Contains(out, "1 1 1") || strings.Contains(out, "0101") || !strings.Contains(out, "redacted") {
			t.Errorf("Sprintf(%q, keys) = %q", f, out)
		}
	}
}

func TestIdentityHash(t *testing.T) {
	k := testKeys(t)
	other, _ := NewKeys(bytes.Repeat([]byte{3}, 32), bytes.Repeat([]byte{2}, 32))

	mac := hmac.New(sha256.New, bytes.Repeat([]byte{1}, 32))
	mac.Write([]byte("hkid\x00A1234563"))
	if got := k.IdentityHash("hkid", "A1234563"); !bytes.Equal(got, mac.Sum(nil)) {
		t.Fatalf("IdentityHash is not HMAC-SHA256(key, kind NUL value)")
	}
	h := k.IdentityHash("hkid", "A1234563")
	distinct := [][]byte{
		k.IdentityHash("dob", "A1234563"),
		k.IdentityHash("hkid", "A1234564"),
		k.IdentityHash("hkidA", "1234563"), // the NUL separator keeps kind and value apart
		other.IdentityHash("hkid", "A1234563"),
	}
	for i, d := range distinct {
		if bytes.Equal(h, d) {
			t.Errorf("hash %d collides with the reference hash", i)
		}
	}
}

func TestIdentityHashZeroKeysPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("IdentityHash on zero Keys did not panic")
		}
	}()
	Keys{}.IdentityHash("hkid", "A1234563")
}

func TestSealOpen(t *testing.T) {
	k := testKeys(t)
	pt := []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	s1, err := k.Seal(pt, []byte("tmchan"))
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := k.Seal(pt, []byte("tmchan"))
	if bytes.Equal(s1, s2) {
		t.Fatal("two seals of one plaintext are equal: nonce is not random")
	}
	if s1[0] != sealVersion || len(s1) != 1+12+len(pt)+16 {
		t.Fatalf("sealed layout: version %d, length %d", s1[0], len(s1))
	}
	if bytes.Contains(s1, pt) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := k.Open(s1, []byte("tmchan"))
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	empty, err := k.Seal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := k.Open(empty, nil); err != nil || len(got) != 0 {
		t.Fatalf("Open(empty) = %q, %v", got, err)
	}
}

func TestOpenFails(t *testing.T) {
	k := testKeys(t)
	wrongKey, _ := NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{9}, 32))
	sealed, err := k.Seal([]byte("secret"), []byte("tmchan"))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		s := bytes.Clone(sealed)
		s[i] ^= 1
		return s
	}
	tests := []struct {
		name   string
		keys   Keys
		sealed []byte
		aad    string
	}{
		{"wrong key", wrongKey, sealed, "tmchan"},
		{"wrong aad", k, sealed, "tmchan2"},
		{"no aad", k, sealed, ""},
		{"version byte", k, flip(0), "tmchan"},
		{"nonce", k, flip(1), "tmchan"},
		{"ciphertext", k, flip(14), "tmchan"},
		{"tag", k, flip(len(sealed) - 1), "tmchan"},
		{"truncated", k, sealed[:len(sealed)-1], "tmchan"},
		{"too short", k, sealed[:20], "tmchan"},
		{"empty", k, nil, "tmchan"},
		{"appended", k, append(bytes.Clone(sealed), 0), "tmchan"},
	}
	for _, tt := range tests {
		if pt, err := tt.keys.Open(tt.sealed, []byte(tt.aad)); !errors.Is(err, ErrOpen) || pt != nil {
			t.Errorf("%s: Open = %q, %v; want ErrOpen", tt.name, pt, err)
		}
	}
	if _, err := (Keys{}).Seal([]byte("x"), nil); err == nil {
		t.Error("Seal with zero Keys succeeded")
	}
	if _, err := (Keys{}).Open(sealed, nil); err == nil {
		t.Error("Open with zero Keys succeeded")
	}
}

func TestTokenHash(t *testing.T) {
	const want = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // sha256("test")
	if got := TokenHash("test"); got != want {
		t.Errorf("TokenHash = %s", got)
	}
	if got := hex.EncodeToString(testKeys(t).TokenHash("test")); got != want {
		t.Errorf("Keys.TokenHash = %s", got)
	}
}

// keyText returns n as 64 hex characters and as base64.
func keyText(n byte) (hexText, b64Text string) {
	k := bytes.Repeat([]byte{n}, 32)
	return hex.EncodeToString(k), base64.StdEncoding.EncodeToString(k)
}

func writeKey(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode passes through umask
		t.Fatal(err)
	}
}

func TestLoadKeysCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys", "nested")
	src := KeySource{IdentityFile: filepath.Join(dir, "identity.key"), SealFile: filepath.Join(dir, "seal.key"), Create: true}
	k1, err := LoadKeys(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{src.IdentityFile, src.SealFile} {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", f, info.Mode().Perm())
		}
		text, _ := os.ReadFile(f)
		if len(strings.TrimSpace(string(text))) != 64 {
			t.Errorf("%s does not hold 64 hex characters", f)
		}
	}
	if info, _ := os.Stat(dir); info.Mode().Perm() != 0o700 {
		t.Errorf("key directory has mode %#o, want 0700", info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("key directory holds %d entries, want 2 (temporary files left behind?)", len(entries))
	}
	// A second load reads the same keys back instead of making new ones.
	k2, err := LoadKeys(src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k1.IdentityHash("hkid", "A1234563"), k2.IdentityHash("hkid", "A1234563")) {
		t.Fatal("reloaded identity key differs")
	}
	sealed, _ := k1.Seal([]byte("x"), nil)
	if _, err := k2.Open(sealed, nil); err != nil {
		t.Fatal("reloaded seal key differs")
	}
}

func TestLoadKeysEnvWinsOverFile(t *testing.T) {
	dir := t.TempDir()
	idFile, sealFile := filepath.Join(dir, "id.key"), filepath.Join(dir, "seal.key")
	h1, _ := keyText(1)
	h2, _ := keyText(2)
	_, b3 := keyText(3)
	writeKey(t, idFile, h1+"\n", 0o600)
	writeKey(t, sealFile, h2, 0o600)
	t.Setenv("TEST_ID_KEY", b3)
	t.Setenv("TEST_SEAL_KEY", "")
	k, err := LoadKeys(KeySource{IdentityFile: idFile, SealFile: sealFile, IdentityEnv: "TEST_ID_KEY", SealEnv: "TEST_SEAL_KEY"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := NewKeys(bytes.Repeat([]byte{3}, 32), bytes.Repeat([]byte{2}, 32))
	if !bytes.Equal(k.IdentityHash("dob", "2000-01-01"), want.IdentityHash("dob", "2000-01-01")) {
		t.Fatal("identity key did not come from the environment")
	}
	sealed, _ := want.Seal([]byte("x"), nil)
	if _, err := k.Open(sealed, nil); err != nil {
		t.Fatal("seal key did not come from the file (empty variable should count as unset)")
	}
}

func TestLoadKeysEnvOnly(t *testing.T) {
	h1, _ := keyText(1)
	_, b2 := keyText(2)
	t.Setenv("TEST_ID_KEY", h1)
	t.Setenv("TEST_SEAL_KEY", strings.TrimRight(b2, "=")) // unpadded base64 is fine too
	if _, err := LoadKeys(KeySource{IdentityEnv: "TEST_ID_KEY", SealEnv: "TEST_SEAL_KEY"}); err != nil {
		t.Fatal(err)
	}
}

func TestLoadKeysErrors(t *testing.T) {
	h1, _ := keyText(1)
	h2, _ := keyText(2)
	secretText := strings.Repeat("z", 64) // not hex, not base64 of 32 bytes
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) KeySource
		wantAll []string
	}{
		{"malformed key file", func(t *testing.T, dir string) KeySource {
			writeKey(t, filepath.Join(dir, "id.key"), secretText, 0o600)
			writeKey(t, filepath.Join(dir, "seal.key"), h2, 0o600)
			return KeySource{IdentityFile: filepath.Join(dir, "id.key"), SealFile: filepath.Join(dir, "seal.key")}
		}, []string{"identity key file", "id.key", "64 hex characters or base64 of 32 bytes"}},
		{"short hex", func(t *testing.T, dir string) KeySource {
			writeKey(t, filepath.Join(dir, "id.key"), h1, 0o600)
			writeKey(t, filepath.Join(dir, "seal.key"), h2[:62], 0o600)
			return KeySource{IdentityFile: filepath.Join(dir, "id.key"), SealFile: filepath.Join(dir, "seal.key")}
		}, []string{"seal key file", "seal.key", "found 62 characters"}},
		{"empty key file", func(t *testing.T, dir string) KeySource {
			writeKey(t, filepath.Join(dir, "id.key"), "\n", 0o600)
			return KeySource{IdentityFile: filepath.Join(dir, "id.key"), SealFile: filepath.Join(dir, "seal.key")}
		}, []string{"identity key file", "is empty"}},
		{"missing file without create", func(t *testing.T, dir string) KeySource {
			return KeySource{IdentityFile: filepath.Join(dir, "id.key"), SealFile: filepath.Join(dir, "seal.key")}
		}, []string{"identity key file", "id.key", "does not exist"}},
		{"world readable", func(t *testing.T, dir string) KeySource {
			writeKey(t, filepath.Join(dir, "id.key"), h1, 0o644)
			return KeySource{IdentityFile: filepath.Join(dir, "id.key"), SealFile: filepath.Join(dir, "seal.key")}
		}, []string{"id.key", "chmod 600"}},
		{"directory", func(t *testing.T, dir string) KeySource {
			return KeySource{IdentityFile: dir, SealFile: filepath.Join(dir, "seal.key")}
		}, []string{"not a regular file"}},
		{"identical keys", func(t *testing.T, dir string) KeySource {
			writeKey(t, filepath.Join(dir, "id.key"), h1, 0o600)
			writeKey(t, filepath.Join(dir, "seal.key"), h1, 0o600)
			return KeySource{IdentityFile: filepath.Join(dir, "id.key"), SealFile: filepath.Join(dir, "seal.key")}
		}, []string{"must differ"}},
		{"same file", func(t *testing.T, dir string) KeySource {
			f := filepath.Join(dir, "k.key")
			return KeySource{IdentityFile: f, SealFile: f, Create: true}
		}, []string{"must differ", "k.key"}},
		{"malformed env", func(t *testing.T, dir string) KeySource {
			t.Setenv("TEST_SEAL_KEY", secretText)
			writeKey(t, filepath.Join(dir, "id.key"), h1, 0o600)
			return KeySource{IdentityFile: filepath.Join(dir, "id.key"), SealEnv: "TEST_SEAL_KEY"}
		}, []string{"seal key", "environment variable TEST_SEAL_KEY", "64 hex"}},
		{"unset env, no file", func(t *testing.T, dir string) KeySource {
			writeKey(t, filepath.Join(dir, "id.key"), h1, 0o600)
			return KeySource{IdentityFile: filepath.Join(dir, "id.key"), SealEnv: "TEST_UNSET_SEAL_KEY"}
		}, []string{"TEST_UNSET_SEAL_KEY is not set"}},
		{"nothing configured", func(t *testing.T, dir string) KeySource {
			return KeySource{}
		}, []string{"identity key", "no key file or environment variable"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src := tt.setup(t, dir)
			_, err := LoadKeys(src)
			if err == nil {
				t.Fatal("LoadKeys succeeded")
			}
			for _, w := range tt.wantAll {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			for _, leak := range []string{secretText, h1, h1[:16], h2[:16]} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q contains key material", err)
				}
			}
		})
	}
}

func TestLoadKeysCreateKeepsExisting(t *testing.T) {
	dir := t.TempDir()
	h1, _ := keyText(1)
	idFile := filepath.Join(dir, "id.key")
	writeKey(t, idFile, h1, 0o600)
	k, err := LoadKeys(KeySource{IdentityFile: idFile, SealFile: filepath.Join(dir, "seal.key"), Create: true})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if !bytes.Equal(k.IdentityHash("hkid", "X"), want.IdentityHash("hkid", "X")) {
		t.Fatal("Create replaced an existing identity key")
	}
	// Racing creator: the file appears between the read and the link.
	seal := filepath.Join(dir, "race.key")
	h2, _ := keyText(2)
	writeKey(t, seal, h2, 0o600)
	got, err := createKeyFile(seal)
	if err != nil || !bytes.Equal(got, bytes.Repeat([]byte{2}, 32)) {
		t.Fatalf("createKeyFile over an existing file = %x, %v; want the existing key", got, err)
	}
}

func BenchmarkIdentityHash(b *testing.B) {
	k := testKeys(b)
	for b.Loop() {
		k.IdentityHash("hkid", "A1234563")
	}
}

func BenchmarkSeal(b *testing.B) {
	k := testKeys(b)
	pt, aad := []byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), []byte("tmchan")
	for b.Loop() {
		if _, err := k.Seal(pt, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	k := testKeys(b)
	aad := []byte("tmchan")
	sealed, _ := k.Seal([]byte("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), aad)
	for b.Loop() {
		if _, err := k.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}
