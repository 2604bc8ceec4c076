package syncer

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

func fullSnapshot() domain.Snapshot {
	at := time.Date(2026, 9, 1, 9, 0, 0, 123000000, time.UTC)
	return domain.Snapshot{Seq: 42, Name: "amuller", StudentID: "20261006", Surname: "MÜLLER", GivenNames: "Anna \"Ann\" <B&C>",
		Department: "Science & Engineering\u2028", Level: "PG", Category: "exchange", CompletionDate: "2030-06-30",
		ExtendedUntil: "2030-12-31", Status: "active", HKIDHash: []byte{1, 2, 3}, DOBHash: []byte{}, PassportHash: []byte{0xff},
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", PasswordHistory: []string{"h2", "h1"},
		ActivatedAt: &at, PasswordChangedAt: &at, TOTPSealed: []byte("sealed"), TOTPLastStep: 59_000_000,
		DirectoryPublic: true, LockedUntil: &at, Alias: "anna.muller", PersonalEmail: "anna@example.com",
		ChineseName: "穆勒·安娜", AliasFullName: true, DisplayName: "Anna MÜLLER 穆勒·安娜"}
}

// The scanner reads what encoding/json writes, and gets what encoding/json
// reads.
func TestDecodePageMatchesEncodingJSON(t *testing.T) {
	pages := []wire.Page{
		{Epoch: "e", After: 7, Next: 9, Head: 12, More: true, Changes: []domain.Snapshot{fullSnapshot(), {Seq: 9, Name: "x", StudentID: "1"}}},
		{Epoch: "e", After: 9, Next: 9, Head: 9, Changes: []domain.Snapshot{}},
	}
	for i, p := range pages {
		data, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var fast wire.Page
		s := scanner{b: data}
		if !s.page(&fast) {
			t.Fatalf("page %d: the scanner gave up on %s", i, data)
		}
		var want wire.Page
		json.Unmarshal(data, &want)
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("page %d:\n got %+v\nwant %+v", i, fast, want)
		}
	}
}

// Every Snapshot field is known to the scanner (otherwise each page would
// take the slow road, and the new field would be read there).
func TestDecodePageKnowsEverySnapshotField(t *testing.T) {
	typ := reflect.TypeFor[domain.Snapshot]()
	for i := range typ.NumField() {
		tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		if _, ok := snapshotKeys[tag]; !ok {
			t.Errorf("the page scanner does not know Snapshot.%s (%q): add it to page_decode.go", typ.Field(i).Name, tag)
		}
	}
	if len(snapshotKeys) != typ.NumField() {
		t.Errorf("the scanner knows %d keys, Snapshot has %d fields", len(snapshotKeys), typ.NumField())
	}
}

func TestDecodePageFallsBack(t *testing.T) {
	for _, in := range []string{
		`{"epoch":"e","changes":[{"name":null}]}`,            // null
		`{"epoch":"e","changes":[{"Name":"x"}]}`,             // a key in another case
		`{"epoch":"e","changes":[{"name":"a\ud83d\ude00"}]}`, // a surrogate pair
		`{"epoch":"e","extra":1}`,                            // an unknown field
	} {
		p, err := decodePage([]byte(in))
		var want wire.Page
		wantErr := json.Unmarshal([]byte(in), &want)
		if (err == nil) != (wantErr == nil) || !reflect.DeepEqual(p, want) {
			t.Errorf("%s: %+v %v, want %+v %v", in, p, err, want, wantErr)
		}
	}
	if _, err := decodePage([]byte(`{"epoch":`)); err == nil {
		t.Error("a cut page decoded")
	}
}

// FuzzDecodePage: whatever the scanner accepts, encoding/json reads the
// same way.
func FuzzDecodePage(f *testing.F) {
	full, _ := json.Marshal(wire.Page{Epoch: "e", After: 1, Next: 2, Head: 3, More: true, Changes: []domain.Snapshot{fullSnapshot()}})
	for _, seed := range []string{string(full), `{}`, `{"changes":[]}`, ` { "epoch" : "a\n\u00e9" , "more" : false } `,
		`{"changes":[{"seq":-0,"password_history":[],"hkid_hash":""}]}`, `{"after":01}`, `{"head":1e3}`,
		`{"changes":[{"activated_at":"2026-09-01T09:00:00+08:00"}]}`, `{"epoch":"\u0000"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast wire.Page
		s := scanner{b: data}
		if !s.page(&fast) {
			return
		}
		var want wire.Page
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("the scanner accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(fast, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", data, fast, want)
		}
	})
}
