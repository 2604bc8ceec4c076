package mail

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/notice"
	"github.com/expressstation/kiosk/store/secret"
)

// Deliver on a real replica: the activation notice is sent once.
func TestDeliverFromReplica(t *testing.T) {
	ctx := context.Background()
	keys, err := secret.NewKeys(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	r, err := store.Open(filepath.Join(t.TempDir(), "replica.db"), store.Options{Keys: keys, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	csv := "student_id,surname,given_names,hkid,date_of_birth,department,level,category,completion_date\n" +
		"20261001,CHAN,Tai Man,A123456(3),2006-03-14,Physics,UG,degree,2030-06-30\n"
	if _, err := r.ImportRegistry(ctx, strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Activate(ctx, store.Unverified("tmchan"), "twinS /w9 *s"); err != nil {
		t.Fatal(err)
	}
	s := &fakeSender{}
	for range 2 {
		if _, err := Deliver(ctx, r, s); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.sent) != 1 || s.sent[0].To != "tmchan@connect.example.edu" || !strings.Contains(s.sent[0].Subject, "activated") {
		t.Fatalf("sent %+v", s.sent)
	}
	sent, _ := r.Notices(ctx, notice.Sent, 0)
	if len(sent) != 1 || !sent[0].SentAt.Equal(now) {
		t.Errorf("replica: %+v", sent)
	}
}
