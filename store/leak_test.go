package store_test

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store"
)

// TestNoSecretsInTheFile stores known identity numbers, passwords and TOTP
// secrets, then reads the database file and its WAL as bytes: none of those
// values may appear in any form.
func TestNoSecretsInTheFile(t *testing.T) {
	ctx := context.Background()
	clock := newClock()
	r, path := openReplica(t, clock)
	cast := []student{taiMan, taiMing, siuLing}
	importCSV(t, r, registryCSV(cast...))

	passwords := []string{goodPassword, "Harbour lights 42", "Lantau sunrise 73"}
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), passwords[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SetPassword(ctx, store.Unverified("tmchan"), passwords[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Activate(ctx, store.Unverified("slwong"), passwords[2]); err != nil {
		t.Fatal(err)
	}
	// Failed attempts with wrong values must not leave those either.
	r.VerifyPassword(ctx, "tmchan", "Wrong guess at 9pm")
	r.VerifyIdentity(ctx, store.Identity{StudentID: taiMan.ID, HKID: "G123456A"})
	passwords = append(passwords, "Wrong guess at 9pm")

	var totpSecrets []string
	for _, name := range []string{"tmchan", "slwong"} {
		e, err := r.BeginTOTP(ctx, store.Unverified(name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.ConfirmTOTP(ctx, e, code(t, e.Secret, clock.Now(), 0)); err != nil {
			t.Fatal(err)
		}
		totpSecrets = append(totpSecrets, e.Secret)
	}
	clock.Advance(time.Minute)
	if _, err := r.VerifyTOTP(ctx, store.Unverified("tmchan"), code(t, totpSecrets[0], clock.Now(), 0)); err != nil {
		t.Fatal(err)
	}

	needles := secretForms(t, cast, passwords, totpSecrets)
	live := readFiles(t, path) // with the WAL in use
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	closed := readFiles(t, path) // after the checkpoint
	for name, blob := range map[string][]byte{"while open": live, "after close": closed} {
		// The search works: public particulars are there to be found.
		if !bytes.Contains(blob, []byte(taiMan.ID)) || !bytes.Contains(blob, []byte("Computer Science")) {
			t.Fatalf("%s: the student ID is not in the files: the search looks at the wrong bytes", name)
		}
		for _, n := range needles {
			if bytes.Contains(blob, n.value) {
				t.Errorf("%s: the replica files contain %s", name, n.what)
			}
		}
	}
}

type needle struct {
	what  string
	value []byte
}

// secretForms lists each secret in the forms it could be stored in.
func secretForms(t *testing.T, cast []student, passwords, totpSecrets []string) []needle {
	var ns []needle
	add := func(what string, forms ...string) {
		for _, f := range forms {
			ns = append(ns, needle{what + " as " + f, []byte(f)})
		}
	}
	for _, s := range cast {
		if s.HKID != "" {
			h, err := policy.ParseHKID(s.HKID)
			if err != nil {
				t.Fatal(err)
			}
			n, d := h.String(), h.Display()
			add("an HKID", n, strings.ToLower(n), d, strings.ToLower(d), n[:len(n)-1], strings.ToLower(n[:len(n)-1]))
		}
		compact := strings.ReplaceAll(s.DOB, "-", "")
		dmy := s.DOB[8:10] + "/" + s.DOB[5:7] + "/" + s.DOB[0:4]
		add("a date of birth", s.DOB, compact, dmy)
		if s.Passport != "" {
			add("a passport number", s.Passport, strings.ToLower(s.Passport))
		}
	}
	add("an HKID", "G123456A", "g123456a", "G123456(A)")
	for _, p := range passwords {
		add("a password", p, strings.ToUpper(p), strings.ToLower(p),
			base64.StdEncoding.EncodeToString([]byte(p)), hex.EncodeToString([]byte(p)))
	}
	for _, s := range totpSecrets {
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		add("a TOTP secret", s, strings.ToLower(s), hex.EncodeToString(raw), strings.ToUpper(hex.EncodeToString(raw)),
			base64.StdEncoding.EncodeToString(raw), base64.RawURLEncoding.EncodeToString(raw))
		ns = append(ns, needle{"a TOTP secret as raw bytes", raw})
	}
	return ns
}

// readFiles concatenates the database, its WAL and shared memory, if any.
func readFiles(t *testing.T, path string) []byte {
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	if len(all) == 0 {
		t.Fatal("no database bytes")
	}
	return all
}
