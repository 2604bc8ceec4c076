package store_test

import (
	"testing"

	"github.com/expressstation/kiosk/store"
)

// The writer's page cache is 8 MiB outside an import (which raises it to
// 32 MiB for its batches and gives it back): a lifecycle run or a sync
// round must not leave 32 MiB of pages in a station's memory (issue 17).
func TestWriterCacheOutsideImport(t *testing.T) {
	r, _ := openReplica(t, newClock())
	cache := func() int {
		var kib int
		if err := store.WriteDB(r).QueryRow(`PRAGMA cache_size`).Scan(&kib); err != nil {
			t.Fatal(err)
		}
		return kib
	}
	if kib := cache(); kib != -8192 {
		t.Fatalf("writer cache_size %d at open, want -8192 (8 MiB)", kib)
	}
	importCSV(t, r, registryCSV(student{ID: "20230001", Surname: "LAM", Given: "Ka Yan", HKID: hkid('E', 300001),
		DOB: "2004-01-01", Dept: "Physics", Level: "UG", Category: "degree", Completion: "2027-06-30"}))
	if kib := cache(); kib != -8192 {
		t.Fatalf("writer cache_size %d after an import, want -8192 (8 MiB)", kib)
	}
}
