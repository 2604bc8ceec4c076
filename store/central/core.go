package central

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/expressstation/kiosk/store/notice"
)

// Central is the central store over a Backend: the one implementation of
// Store, whichever database holds the data.
type Central struct {
	b   Backend
	opt Options
	log interface {
		Info(msg string, args ...any)
		Warn(msg string, args ...any)
	}

	writes  chan *applyReq // to the group-commit writer
	stop    chan struct{}
	done    chan struct{}
	closeMu sync.RWMutex // held to queue a request; Close takes it to stop new ones
	closed  bool

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when the head moves

	importMu sync.Mutex
}

// SQLite is the name Open's result had before the store had backends; it
// stays so that callers keep compiling.
type SQLite = Central

var _ Store = (*Central)(nil)

// Open opens the central store db: a postgres:// (or postgresql://) URL
// opens PostgreSQL, anything else is a SQLite file, made when missing.
func Open(db string, opt Options) (*Central, error) {
	if err := notice.CheckLanguages(opt.NoticeLanguages); err != nil {
		return nil, fmt.Errorf("central store: %w", err)
	}
	opt = opt.withDefaults()
	var (
		b   Backend
		err error
	)
	if IsPostgresURL(db) {
		b, err = OpenPostgres(context.Background(), db, opt)
	} else {
		b, err = OpenSQLite(db, opt)
	}
	if err != nil {
		return nil, err
	}
	return NewCentral(b, opt), nil
}

// IsPostgresURL says whether --db names a PostgreSQL database.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// NewCentral serves the store held by b; Close closes b.
func NewCentral(b Backend, opt Options) *Central {
	opt = opt.withDefaults()
	c := &Central{b: b, opt: opt, log: opt.Logger, writes: make(chan *applyReq, 256),
		stop: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{})}
	b.Watch(c.notify)
	go c.writer()
	return c
}

// Backend is the storage under the store.
func (c *Central) Backend() Backend { return c.b }

// Close stops the writer and closes the backend.
func (c *Central) Close() error {
	c.closeMu.Lock()
	already := c.closed
	c.closed = true
	c.closeMu.Unlock()
	if already {
		return nil
	}
	close(c.stop)
	<-c.done
	return c.b.Close()
}

// Epoch identifies this store's history.
func (c *Central) Epoch() string { return c.b.Epoch() }

// Changes reads up to limit changes after the cursor and the head, which
// agree.
func (c *Central) Changes(ctx context.Context, after int64, limit int) (Feed, error) {
	f, err := c.b.Changes(ctx, after, limit)
	if err != nil {
		return Feed{}, fmt.Errorf("reading changes: %w", err)
	}
	return f, nil
}

// Wait returns once the head is after the cursor.
func (c *Central) Wait(ctx context.Context, after int64) error {
	t := time.NewTicker(c.b.PollEvery())
	defer t.Stop()
	for {
		ch := c.changes()
		h, err := c.b.Head(ctx)
		if err != nil {
			return fmt.Errorf("waiting for changes: %w", err)
		}
		if h > after {
			return nil
		}
		select {
		case <-ch:
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// changes is the channel closed at the next move of the head.
func (c *Central) changes() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// notify wakes every Wait.
func (c *Central) notify() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.changed)
	c.changed = make(chan struct{})
}

// inTx runs fn in one write transaction; fn moves the head it is given
// (the newest change number) as it numbers changes, and the store's
// long-polls wake when it moved.
func (c *Central) inTx(ctx context.Context, fn func(tx Tx, head *int64) error) error {
	tx, err := c.b.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	start := tx.Head()
	h := start
	if err := fn(tx, &h); err != nil {
		return err
	}
	if err := tx.Commit(ctx, h); err != nil {
		return err
	}
	if h > start {
		c.notify()
	}
	return nil
}
