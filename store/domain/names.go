package domain

import (
	"crypto/sha256"
	"encoding/binary"

	"github.com/expressstation/kiosk/policy"
)

// What a registry import decides, shared by the station's import (store) and the
// central store's (store/central), so both name accounts and spot unchanged
// rows the same way.

// Names hands out account names (DESIGN.md "Account name"): the
// base of initials and surname with the lowest free clash number (tmchan,
// tmchan2, ...), each name once. The zero value is ready to use.
type Names struct {
	taken map[string]bool
	next  map[string]int // per base: no lower clash number is free
}

// Add records a name already assigned.
func (n *Names) Add(name string) {
	if n.taken == nil {
		n.taken = map[string]bool{}
	}
	n.taken[name] = true
}

// New assigns the next free name for a student. Names are only ever added,
// so the search for a base resumes where it last stopped.
func (n *Names) New(surname, givenNames string) string {
	if n.next == nil {
		n.next = map[string]int{}
	}
	base := policy.AccountBase(surname, givenNames)
	i := max(n.next[base], 1)
	for n.taken[policy.AccountName(base, i)] {
		i++
	}
	name := policy.AccountName(base, i)
	n.Add(name)
	n.next[base] = i + 1
	return name
}

// RegistryFingerprint digests a record's registry particulars (identity
// numbers as their keyed hashes), length-prefixed so that equal digests
// mean identical data: an import writes nothing for an unchanged row. The
// Chinese name, added later, counts only when there is one, so a record
// without it keeps the digest it had before.
func RegistryFingerprint(surname, given, department, level, category, completion string, hkid, dob, passport []byte, chinese string) [32]byte {
	buf := make([]byte, 0, 256)
	for _, s := range []string{surname, given, department, level, category, completion} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	for _, b := range [][]byte{hkid, dob, passport} {
		buf = binary.AppendUvarint(buf, uint64(len(b)))
		buf = append(buf, b...)
	}
	if chinese != "" {
		buf = binary.AppendUvarint(buf, uint64(len(chinese)))
		buf = append(buf, chinese...)
	}
	return sha256.Sum256(buf)
}
