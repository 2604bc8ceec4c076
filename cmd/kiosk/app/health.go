package app

import (
	"context"
	"path/filepath"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/wire"
)

// stationHealth adds to each heartbeat what the syncer cannot know: the
// software's version, whether students see the maintenance screen, and the
// free space where the replica lives (0 when unknown).
func stationHealth(r *store.Replica) func(h *wire.Health) {
	return func(h *wire.Health) {
		h.Version = Version()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if on, err := r.Maintenance(ctx); err == nil {
			h.Maintenance = on
		}
		h.FreeDisk = freeDisk(filepath.Dir(r.Path()))
	}
}
