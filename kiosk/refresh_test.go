package kiosk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/expressstation/kiosk/kiosk"
	"github.com/expressstation/kiosk/store"
)

// The open staff panel reads its figures again after every sync round
// (RefreshMsg from the sync loop): pending count, cursor and last error do
// not go stale while the outbox drains or the link fails (issue 11 point 14).
func TestStaffPanelFollowsEverySyncRound(t *testing.T) {
	s := newStaffStation(t, func(o *kiosk.Options) {
		o.Link = online
		o.Sync = func(context.Context) error { return nil }
	})
	ctx := context.Background()
	pending := func() int {
		st, err := s.store.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.OutboxPending
	}
	s.signIn(staffPIN)
	before := pending()
	s.expect(fmt.Sprintf("%d pending · 0 rejected", before), "Last error   none")

	// Meanwhile, outside the panel: a student's change queues ops, and the
	// sync loop's round fails and is recorded.
	if _, err := s.store.Activate(ctx, store.Unverified("tmchan"), "Blue harbour ferry 58"); err != nil {
		t.Fatal(err)
	}
	if err := s.store.RecordSync(ctx, errors.New("pull: connection refused")); err != nil {
		t.Fatal(err)
	}
	after := pending()
	if after == before {
		t.Fatal("the activation queued no op")
	}
	s.send(kiosk.RefreshMsg{})
	s.expect(fmt.Sprintf("%d pending · 0 rejected", after), "pull: connection refused")
	s.expect("Staff panel") // still open, nothing else changed
}

// A station with several upstreams shows staff the accountd it syncs with
// (the one the last successful round used), after the next sync round.
func TestStaffPanelShowsTheUpstreamInUse(t *testing.T) {
	s := newStaffStation(t, func(o *kiosk.Options) {
		o.Link = online
		o.Sync = func(context.Context) error { return nil }
	})
	s.signIn(staffPIN)
	s.expect("Staff panel")
	s.expectNot("https://accountd-2.example.edu")
	if err := s.store.RecordUpstream(context.Background(), "https://accountd-2.example.edu"); err != nil {
		t.Fatal(err)
	}
	s.send(kiosk.RefreshMsg{})
	s.expect("Upstream", "https://accountd-2.example.edu")
}
