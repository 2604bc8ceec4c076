package syncer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/wire"
)

// errNoSnapshot: the store has no snapshot to offer; walk the feed.
var errNoSnapshot = errors.New("no replica snapshot offered")

// downloadSnapshot fetches the store's replica snapshot into dst. A partial
// dst from an interrupted download is resumed (Range, If-Range on the ETag
// kept beside it in dst+".etag"); a snapshot rebuilt since restarts it.
func (c *client) downloadSnapshot(ctx context.Context, dst string) (store.SnapshotInfo, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/v1/snapshot", nil)
	if err != nil {
		return store.SnapshotInfo{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	var have int64
	if st, err := os.Stat(dst); err == nil && st.Size() > 0 {
		if etag, err := os.ReadFile(dst + ".etag"); err == nil && len(etag) > 0 {
			have = st.Size()
			req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
			req.Header.Set("If-Range", string(etag))
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("central store unreachable: %w", err)
	}
	defer resp.Body.Close()
	flags := os.O_WRONLY | os.O_CREATE
	switch resp.StatusCode {
	case http.StatusPartialContent:
		flags |= os.O_APPEND
	case http.StatusOK:
		flags |= os.O_TRUNC
	case http.StatusRequestedRangeNotSatisfiable: // we have it whole: the next round checks it
		os.Remove(dst)
		return store.SnapshotInfo{}, errors.New("replica snapshot: download restarts")
	case http.StatusNotFound:
		return store.SnapshotInfo{}, errNoSnapshot
	default:
		return store.SnapshotInfo{}, statusError(resp)
	}
	etag := resp.Header.Get("ETag")
	info := store.SnapshotInfo{Path: dst, Epoch: resp.Header.Get(wire.HeaderSnapshotEpoch),
		SHA256: strings.Trim(etag, `"`)}
	info.Cursor, _ = strconv.ParseInt(resp.Header.Get(wire.HeaderSnapshotCursor), 10, 64)
	info.Schema, _ = strconv.Atoi(resp.Header.Get(wire.HeaderSnapshotSchema))
	if info.Schema != store.SchemaVersion() || info.Epoch == "" || len(info.SHA256) != 64 {
		return store.SnapshotInfo{}, errNoSnapshot // another version's schema: the feed serves any
	}
	if err := os.WriteFile(dst+".etag", []byte(etag), 0o600); err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("replica snapshot: %w", err)
	}
	// A journal left by a crash while a download was being installed must
	// never be rolled back into this one.
	for _, p := range []string{dst + "-journal", dst + "-wal", dst + "-shm"} {
		os.Remove(p)
	}
	f, err := os.OpenFile(dst, flags, 0o600)
	if err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("replica snapshot: %w", err)
	}
	// The checksum is taken as the bytes arrive (a resumed download's first
	// part read back first), so the check need not read the file again.
	h := sha256.New()
	if flags&os.O_APPEND != 0 {
		if old, err := os.Open(dst); err == nil {
			_, err = io.Copy(h, io.LimitReader(old, have))
			old.Close()
			if err != nil {
				f.Close()
				return store.SnapshotInfo{}, fmt.Errorf("replica snapshot: %w", err)
			}
		}
	}
	_, err = io.Copy(io.MultiWriter(f, h), resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("downloading the replica snapshot (resumes next round): %w", err)
	}
	info.Got = hex.EncodeToString(h.Sum(nil))
	return info, nil
}

// bootstrap installs the store's replica snapshot into an empty (or reset)
// replica, so the pull that follows starts at the snapshot's cursor. It
// does nothing for a replica with a cursor. Without a snapshot (an older
// store, another schema) or with a refused one the feed is walked as
// before; a failed download fails the round and resumes in the next.
func (s *Syncer) bootstrap(ctx context.Context, c *client) error {
	if s.opt.NoSnapshot {
		return nil
	}
	st, err := s.r.SyncState(ctx)
	if err != nil || st.Cursor != 0 || st.Epoch != "" {
		return err
	}
	dst := s.r.Path() + ".snapshot"
	info, err := c.downloadSnapshot(ctx, dst)
	switch {
	case errors.Is(err, errNoSnapshot):
		return nil
	case err != nil:
		return err
	}
	defer removeSnapshot(dst) // nothing left once moved in
	rep, err := s.r.MoveInSnapshot(ctx, dst, info)
	if errors.Is(err, store.ErrBadSnapshot) {
		s.log.Warn("replica snapshot refused; walking the feed", "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	s.log.Info("bootstrapped from the central store's replica snapshot", "cursor", info.Cursor,
		"accounts", rep.Accounts, "pending", rep.Pending)
	return nil
}

func removeSnapshot(path string) {
	for _, p := range []string{path, path + ".etag", path + "-journal", path + "-wal", path + "-shm"} {
		os.Remove(p)
	}
}
