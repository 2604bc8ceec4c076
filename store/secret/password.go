// Package secret hashes passwords (argon2id), hashes identity numbers
// (HMAC-SHA256) and seals small secrets such as TOTP keys (AES-256-GCM).
// The keys come from a file or the environment, never from the database, so
// a copy of the replica alone reveals no password, identity number or TOTP
// secret.
package secret

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// Default is the OWASP argon2id recommendation (m=19 MiB, t=2, p=1). Never
// lower it to meet a latency target: HashPasswordWith refuses weaker values.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds accepted when parsing a stored hash: generous enough for any
// sensible upgrade, tight enough that a corrupt row cannot make the station
// allocate gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 20 // KiB (1 GiB)
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 64
)

// ErrMalformedHash says a stored password hash is not an argon2id PHC string
// this package can verify.
var ErrMalformedHash = errors.New("malformed password hash")

// ReleaseAfterHash, when set (the station binary sets it), hands argon2's
// work memory (19 MiB with Default) back to the operating system at the end
// of each hashing call, instead of letting it double the GC target and stay
// in the process for minutes (issue 17). It costs a garbage collection
// (~10 ms), and the next hash faults its work memory in again: 24 ms a
// hash becomes ~95 ms on the 2-core test VM (BenchmarkHashRelease), once
// per flow, for 10-15 MB less at the peak of an activation.
var ReleaseAfterHash bool

// release is each hashing call's end: see ReleaseAfterHash.
func release() {
	if ReleaseAfterHash {
		debug.FreeOSMemory()
	}
}

// HashPassword hashes pw with Default and a fresh random salt.
func HashPassword(pw string) (string, error) {
	return HashPasswordWith(Default, pw)
}

// HashPasswordWith hashes pw with p and returns a PHC string that records
// the parameters: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPasswordWith(p Params, pw string) (string, error) {
	if err := p.checkStrength(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password hash: reading random salt: %w", err)
	}
	defer release()
	key := derive(p, salt, pw)
	defer clear(key)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches encoded. A malformed encoded
// string is an error (wrapping ErrMalformedHash), never a silent false.
func VerifyPassword(encoded, pw string) (bool, error) {
	h, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	defer release()
	return h.matches(pw), nil
}

// MatchesAny reports whether pw matches any of the encoded hashes (the
// "none of the last ten passwords" rule). The verifications run concurrently,
// at most GOMAXPROCS at a time, and no new one starts once a match is found.
// A malformed entry does not hide a match in the others; without a match the
// first malformed entry is returned as the error.
func MatchesAny(encoded []string, pw string) (bool, error) {
	hashes := make([]phc, len(encoded))
	var firstErr error
	for i, e := range encoded {
		h, err := parsePHC(e)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("password history entry %d: %w", i+1, err)
		}
		hashes[i] = h // zero value (nil key) for a malformed entry: skipped below
	}
	defer release()
	if anyMatch(hashes, pw) {
		return true, nil
	}
	return false, firstErr
}

// anyMatch runs h.matches over hashes with a pool of GOMAXPROCS workers.
// An argon2 call cannot be interrupted, so "stop early" means no new
// verification starts after a match.
func anyMatch(hashes []phc, pw string) bool {
	var (
		found atomic.Bool
		wg    sync.WaitGroup
		next  = make(chan phc)
	)
	for range min(runtime.GOMAXPROCS(0), len(hashes)) {
		wg.Go(func() {
			for h := range next {
				if h.key != nil && !found.Load() && matchFn(h, pw) {
					found.Store(true)
				}
			}
		})
	}
	for _, h := range hashes {
		if found.Load() {
			break
		}
		next <- h
	}
	close(next)
	wg.Wait()
	return found.Load()
}

// matchFn is phc.matches; tests count its calls.
var matchFn = phc.matches

// phc is a parsed argon2id PHC string.
type phc struct {
	p    Params
	salt []byte
	key  []byte
}

// matches derives pw with h's parameters and salt and compares in constant time.
func (h phc) matches(pw string) bool {
	got := derive(h.p, h.salt, pw)
	defer clear(got)
	return subtle.ConstantTimeCompare(got, h.key) == 1
}

// derive runs argon2id, clearing its own copy of the password afterwards.
// (argon2's internal work memory is garbage collected, not cleared: the Go
// package gives no hook for that.)
func derive(p Params, salt []byte, pw string) []byte {
	pwb := []byte(pw)
	defer clear(pwb)
	return argon2.IDKey(pwb, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// b64 is the PHC encoding: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// parsePHC reads "$argon2id$v=19$m=..,t=..,p=..$salt$hash".
func parsePHC(s string) (phc, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return phc{}, fmt.Errorf("%w: expected $argon2id$v=19$m=..,t=..,p=..$salt$hash", ErrMalformedHash)
	}
	if parts[1] != "argon2id" {
		return phc{}, fmt.Errorf("%w: algorithm %q is not argon2id", ErrMalformedHash, parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phc{}, fmt.Errorf("%w: version %q is not v=%d", ErrMalformedHash, parts[2], argon2.Version)
	}
	p, err := parseParams(parts[3])
	if err != nil {
		return phc{}, err
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < minSaltLen || len(salt) > maxSaltLen {
		return phc{}, fmt.Errorf("%w: salt must be %d to %d bytes of unpadded base64", ErrMalformedHash, minSaltLen, maxSaltLen)
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return phc{}, fmt.Errorf("%w: hash must be %d to %d bytes of unpadded base64", ErrMalformedHash, minKeyLen, maxKeyLen)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return phc{p: p, salt: salt, key: key}, nil
}

// parseParams reads "m=19456,t=2,p=1" in exactly that order.
func parseParams(s string) (Params, error) {
	var p Params
	fields := strings.Split(s, ",")
	names := []string{"m", "t", "p"}
	if len(fields) != len(names) {
		return p, fmt.Errorf("%w: parameters %q are not m=..,t=..,p=..", ErrMalformedHash, s)
	}
	vals := make([]uint64, len(names))
	for i, f := range fields {
		v, ok := strings.CutPrefix(f, names[i]+"=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return p, fmt.Errorf("%w: parameters %q are not m=..,t=..,p=..", ErrMalformedHash, s)
		}
		vals[i] = n
	}
	m, t, th := vals[0], vals[1], vals[2]
	if th < 1 || th > 255 || t < 1 || t > maxTime || m < 8*th || m > maxMemory {
		return p, fmt.Errorf("%w: parameters %q are out of range", ErrMalformedHash, s)
	}
	return Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(th)}, nil
}

// checkStrength refuses parameters weaker than Default (or absurdly large).
func (p Params) checkStrength() error {
	switch {
	case p.Memory < Default.Memory || p.Time < Default.Time:
		return fmt.Errorf("argon2id parameters m=%d,t=%d are below the minimum m=%d,t=%d", p.Memory, p.Time, Default.Memory, Default.Time)
	case p.Threads < 1:
		return errors.New("argon2id needs at least one thread")
	case p.SaltLen < Default.SaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2id salt length %d must be %d to %d bytes", p.SaltLen, Default.SaltLen, maxSaltLen)
	case p.KeyLen < Default.KeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id hash length %d must be %d to %d bytes", p.KeyLen, Default.KeyLen, maxKeyLen)
	case p.Memory > maxMemory || p.Time > maxTime:
		return fmt.Errorf("argon2id parameters m=%d,t=%d exceed the maximum m=%d,t=%d", p.Memory, p.Time, maxMemory, maxTime)
	}
	return nil
}

// NeedsRehash reports whether encoded was made with parameters weaker than
// Default, so a store can re-hash at the next successful login.
func NeedsRehash(encoded string) bool {
	h, err := parsePHC(encoded)
	if err != nil {
		return true
	}
	return h.p.Memory < Default.Memory || h.p.Time < Default.Time || h.p.KeyLen < Default.KeyLen || h.p.SaltLen < Default.SaltLen
}
