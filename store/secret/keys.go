package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyLen is the length of both keys in bytes.
const KeyLen = 32

// Keys holds the identity HMAC key and the sealing key. The zero value holds
// no keys: Seal and Open fail and IdentityHash panics. Printing a Keys with
// fmt shows no key material.
type Keys struct {
	identity []byte
	aead     cipher.AEAD
}

// KeySource says where LoadKeys finds each key: the environment variable
// (when named and set) wins over the file.
type KeySource struct {
	IdentityFile, SealFile string
	IdentityEnv, SealEnv   string
	Create                 bool // make a missing file with a new random key
}

// ErrOpen says a sealed value cannot be opened: a wrong key, a wrong aad or
// tampering (GCM cannot tell these apart).
var ErrOpen = errors.New("sealed value cannot be opened: wrong key, wrong owner or tampered")

// LoadKeys reads both keys from src. Each is 64 hex characters or the base64
// of 32 bytes, in an environment variable or a file. With Create, a missing
// file is made (mode 0600, parent directory 0700) holding a new random key.
// Errors name the file or variable; they never contain key material.
func LoadKeys(src KeySource) (Keys, error) {
	if src.IdentityFile != "" && filepath.Clean(src.IdentityFile) == filepath.Clean(src.SealFile) &&
		!envSet(src.IdentityEnv) && !envSet(src.SealEnv) {
		return Keys{}, fmt.Errorf("identity and seal keys must differ, but both name the file %s", src.IdentityFile)
	}
	id, err := loadKey("identity", src.IdentityEnv, src.IdentityFile, src.Create)
	if err != nil {
		return Keys{}, err
	}
	defer clear(id)
	seal, err := loadKey("seal", src.SealEnv, src.SealFile, src.Create)
	if err != nil {
		return Keys{}, err
	}
	defer clear(seal)
	return NewKeys(id, seal)
}

// NewKeys builds Keys from raw 32-byte keys (copied). The two must differ.
func NewKeys(identity, seal []byte) (Keys, error) {
	if len(identity) != KeyLen || len(seal) != KeyLen {
		return Keys{}, fmt.Errorf("keys must be %d bytes each (identity %d, seal %d)", KeyLen, len(identity), len(seal))
	}
	if subtle.ConstantTimeCompare(identity, seal) == 1 {
		return Keys{}, errors.New("identity and seal keys must differ: use two separate random keys")
	}
	block, err := aes.NewCipher(seal)
	if err != nil {
		return Keys{}, fmt.Errorf("seal key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Keys{}, fmt.Errorf("seal key: %w", err)
	}
	return Keys{identity: append([]byte(nil), identity...), aead: aead}, nil
}

// String keeps key material out of logs and error messages.
func (k Keys) String() string { return "secret.Keys{redacted}" }

// GoString is String for %#v.
func (k Keys) GoString() string { return k.String() }

// IdentityHash is HMAC-SHA256(identity key, kind + "\x00" + normalised): the
// only form in which HKIDs, dates of birth and passport numbers are stored.
// kind is "hkid", "dob" or "passport"; normalised is the value after policy
// normalisation, so equal inputs give equal hashes.
func (k Keys) IdentityHash(kind, normalised string) []byte {
	if k.identity == nil {
		panic("secret: IdentityHash on Keys that were never loaded")
	}
	m := hmac.New(sha256.New, k.identity)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(normalised))
	return m.Sum(nil)
}

// sealVersion is the first byte of every sealed value, so the format can
// change later without guessing.
const sealVersion = 1

// Seal encrypts plaintext with AES-256-GCM: version byte, 12-byte random
// nonce, ciphertext and tag. aad (e.g. the account name) binds the result to
// its owner: Open with another aad fails.
func (k Keys) Seal(plaintext, aad []byte) ([]byte, error) {
	if k.aead == nil {
		return nil, errors.New("seal: keys were never loaded")
	}
	ns := k.aead.NonceSize()
	out := make([]byte, 1+ns, 1+ns+len(plaintext)+k.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("seal: reading random nonce: %w", err)
	}
	return k.aead.Seal(out, out[1:], plaintext, versionedAAD(aad)), nil
}

// Open reverses Seal. Any mismatch in key, aad or bytes gives ErrOpen.
func (k Keys) Open(sealed, aad []byte) ([]byte, error) {
	if k.aead == nil {
		return nil, errors.New("open: keys were never loaded")
	}
	ns := k.aead.NonceSize()
	if len(sealed) < 1+ns+k.aead.Overhead() {
		return nil, fmt.Errorf("%w (too short)", ErrOpen)
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w (unknown format version %d)", ErrOpen, sealed[0])
	}
	pt, err := k.aead.Open(nil, sealed[1:1+ns], sealed[1+ns:], versionedAAD(aad))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// versionedAAD authenticates the version byte along with the caller's aad.
func versionedAAD(aad []byte) []byte {
	return append([]byte{sealVersion}, aad...)
}

// TokenHash is SHA-256 of a station token. A keyed or slow hash adds nothing
// here: tokens are 256-bit random values, not guessable passwords.
func (k Keys) TokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// TokenHash is Keys.TokenHash as lower-case hex, for a store (accountd)
// that holds no Keys.
func TokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// envSet reports whether the variable is named and set to a non-empty value.
func envSet(name string) bool {
	return name != "" && os.Getenv(name) != ""
}

// loadKey reads one key: from env when set, else from file (made when
// missing and create is true).
func loadKey(what, env, file string, create bool) ([]byte, error) {
	if envSet(env) {
		k, err := parseKey(os.Getenv(env))
		if err != nil {
			return nil, fmt.Errorf("%s key in environment variable %s: %w", what, env, err)
		}
		return k, nil
	}
	if file == "" {
		if env != "" {
			return nil, fmt.Errorf("%s key: environment variable %s is not set and no key file is configured", what, env)
		}
		return nil, fmt.Errorf("%s key: no key file or environment variable is configured", what)
	}
	k, err := readKeyFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		k, err = createKeyFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s key file %s: %w", what, file, err)
		}
		return k, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%s key file %s does not exist: install the station's key there", what, file)
	case err != nil:
		return nil, fmt.Errorf("%s key file %s: %w", what, file, err)
	}
	return k, nil
}

// readKeyFile reads a key file that only its owner may read. Its errors
// leave out the path: the caller names the file once.
func readKeyFile(file string) ([]byte, error) {
	info, err := os.Stat(file)
	if err != nil {
		return nil, bareErr(err)
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("is not a regular file")
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("is open to other users (mode %#o): run chmod 600 on it", perm)
	}
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, bareErr(err)
	}
	defer clear(text)
	return parseKey(string(text))
}

// createKeyFile writes a new random key to file without ever replacing an
// existing one: it is written to a temporary file and hard-linked into
// place, so two stations starting at once end up sharing one key.
func createKeyFile(file string) ([]byte, error) {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating its directory: %w", bareErr(err))
	}
	key := make([]byte, KeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("reading a random key: %w", err)
	}
	text := []byte(hex.EncodeToString(key) + "\n")
	defer clear(text)
	if err := writeNew(file, text); errors.Is(err, fs.ErrExist) {
		clear(key)
		return readKeyFile(file) // someone else created it first: use theirs
	} else if err != nil {
		clear(key)
		return nil, fmt.Errorf("creating it: %w", bareErr(err))
	}
	return key, nil
}

// writeNew writes data to a temporary file (mode 0600), syncs it, and links
// it to path, failing with fs.ErrExist when path already exists.
func writeNew(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

// bareErr drops the path from an *fs.PathError or *os.LinkError.
func bareErr(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// parseKey accepts 64 hex characters or base64 (standard or URL, padded or
// not) of 32 bytes, with surrounding white space. Its errors describe the
// shape of the text, never its content.
func parseKey(text string) ([]byte, error) {
	s := strings.TrimSpace(text)
	if len(s) == 2*KeyLen {
		k, err := hex.DecodeString(s)
		if err == nil {
			return k, nil
		}
		clear(k)
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		k, err := enc.DecodeString(s)
		if err == nil && len(k) == KeyLen {
			return k, nil
		}
		clear(k)
	}
	if s == "" {
		return nil, errors.New("is empty: expected 64 hex characters or base64 of 32 bytes")
	}
	return nil, fmt.Errorf("is not a key: expected 64 hex characters or base64 of 32 bytes (found %d characters)", len(s))
}
