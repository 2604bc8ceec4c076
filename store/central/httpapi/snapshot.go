package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/wire"
)

// Snapshot headers of GET /v1/snapshot (the ETag is the file's SHA-256).
const (
	HeaderSnapshotCursor = wire.HeaderSnapshotCursor
	HeaderSnapshotEpoch  = wire.HeaderSnapshotEpoch
	HeaderSnapshotSchema = wire.HeaderSnapshotSchema
)

// Snapshots builds and keeps the station replica snapshot served at
// GET /v1/snapshot: one build shared by every station, rebuilt in the
// background once Every changes have accumulated since it. An empty or
// reset station installs it instead of replaying the whole feed, then pulls
// the changes after its cursor.
type Snapshots struct {
	st    central.Store
	dir   string
	every int64
	log   *slog.Logger

	mu       sync.Mutex
	cur      store.SnapshotInfo // Path "" = none yet
	building bool
}

// NewSnapshots keeps snapshots in dir (created if missing), rebuilt after
// every changes (default 10,000).
func NewSnapshots(st central.Store, dir string, every int64, log *slog.Logger) (*Snapshots, error) {
	if every <= 0 {
		every = 10000
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("replica snapshots: %w", err)
	}
	return &Snapshots{st: st, dir: dir, every: every, log: log}, nil
}

// Current is the snapshot being served, if any.
func (s *Snapshots) Current() (store.SnapshotInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur, s.cur.Path != ""
}

// Build builds a snapshot of the feed now and serves it from then on; a
// build already running makes this one return at once.
func (s *Snapshots) Build(ctx context.Context) (store.SnapshotInfo, error) {
	s.mu.Lock()
	if s.building {
		s.mu.Unlock()
		return store.SnapshotInfo{}, nil
	}
	s.building = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.building = false
		s.mu.Unlock()
	}()
	start := time.Now()
	epoch := s.st.Epoch()
	path := filepath.Join(s.dir, fmt.Sprintf("replica-%d.db", time.Now().UnixNano()))
	info, err := store.BuildSnapshot(ctx, path, func(ctx context.Context, after int64) (wire.Page, error) {
		f, err := s.st.Changes(ctx, after, 10000)
		if err != nil {
			return wire.Page{}, err
		}
		var p wire.Page
		err = json.Unmarshal(encodePage(epoch, after, f), &p)
		return p, err
	})
	if err != nil {
		os.Remove(path)
		return store.SnapshotInfo{}, err
	}
	s.mu.Lock()
	old := s.cur
	s.cur = info
	s.mu.Unlock()
	if old.Path != "" {
		os.Remove(old.Path) // a download in flight keeps its open file
	}
	s.log.Info("replica snapshot built", "cursor", info.Cursor, "accounts", info.Accounts, "bytes", info.Size,
		"took", time.Since(start).Round(time.Millisecond))
	return info, nil
}

// Run builds a snapshot at once, then again whenever Every changes have
// accumulated after the one served, until ctx ends. The files go with it.
func (s *Snapshots) Run(ctx context.Context) {
	defer func() {
		if cur, ok := s.Current(); ok {
			os.Remove(cur.Path)
		}
	}()
	for ctx.Err() == nil {
		cur, _ := s.Current()
		f, err := s.st.Changes(ctx, math.MaxInt64, 0)
		if err == nil && (cur.Path == "" || f.Head-cur.Cursor >= s.every) {
			if _, err = s.Build(ctx); err == nil {
				continue
			}
		}
		if err != nil && ctx.Err() == nil {
			s.log.Warn("replica snapshot build failed", "err", err)
			select {
			case <-time.After(time.Minute):
			case <-ctx.Done():
			}
			continue
		}
		// Sleep until the feed moves past what was looked at.
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		s.st.Wait(wctx, f.Head)
		cancel()
	}
}

// snapshot serves the current snapshot file with Range support (a station
// resumes an interrupted download with If-Range on the ETag).
func (s *server) snapshot(w http.ResponseWriter, r *http.Request) {
	if s.opt.Snapshots == nil {
		writeError(w, http.StatusNotFound, "no_snapshot", "this central store serves no replica snapshot: walk the feed")
		return
	}
	info, ok := s.opt.Snapshots.Current()
	if !ok {
		writeError(w, http.StatusNotFound, "no_snapshot", "no replica snapshot is ready yet: walk the feed")
		return
	}
	f, err := os.Open(info.Path)
	if err != nil {
		s.internal(w, err)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("ETag", `"`+info.SHA256+`"`)
	h.Set(HeaderSnapshotCursor, strconv.FormatInt(info.Cursor, 10))
	h.Set(HeaderSnapshotEpoch, info.Epoch)
	h.Set(HeaderSnapshotSchema, strconv.Itoa(info.Schema))
	h.Set("Content-Type", "application/vnd.sqlite3")
	http.ServeContent(w, r, "", time.Time{}, f)
}
