// Package syncer keeps a station's replica in step with the central store
// (DESIGN.md "Sync between stations and the central store"). A round pushes
// the outbox, then pulls the change feed page by page, each page applied in
// one transaction with its cursor (an empty replica bootstraps the same
// way). Between rounds the loop long-polls the feed and wakes at once when a
// local write fills the outbox. A failed round marks the link offline and
// the loop backs off exponentially, with jitter, while the station keeps
// serving from its replica.
package syncer

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/wire"
)

// Options configure a Syncer. Upstream (or Upstreams) and Token are required.
type Options struct {
	Upstream string // the central store's base URL ([sync] upstream)
	// Upstreams are several URLs of the central store (accountd processes
	// in front of one database), tried in order: a failed round moves to
	// the next, after the usual backoff. Empty: Upstream alone.
	Upstreams []string
	Token     string        // this station's bearer token; never logged
	Interval  time.Duration // the longest wait between rounds; default 10s
	Logger    *slog.Logger  // may be nil
	Now       func() time.Time
	// RootCAs are the roots an https upstream's certificate must chain to
	// ([sync] ca_file); nil = the system's. Ignored with HTTPClient.
	RootCAs *x509.CertPool
	// HTTPClient replaces the default client, whose dial and TLS handshake
	// time out after 5 s.
	HTTPClient *http.Client
	// LongPoll is how long the store may hold a pull open waiting for a
	// change; default Interval, at most 50s (the store allows 60s).
	LongPoll   time.Duration
	PageSize   int           // changes per page; default 5000
	PushBatch  int           // ops per push; default 500
	MinBackoff time.Duration // first wait after a failure; default 1s
	MaxBackoff time.Duration // default 1 minute
	// Jitter returns a number in [0, 1); default math/rand/v2.
	Jitter func() float64
	// After waits out a backoff; default time.After (tests pass their own).
	After func(time.Duration) <-chan time.Time
	// AfterRound, when set, is called after each round, whether it reached
	// the store or failed, so the screens can show the link as it is now
	// and look at the replica again (a station waiting for its first
	// accounts, the staff panel's figures). It must not block.
	AfterRound func()
	// NoSnapshot makes an empty replica walk the whole feed instead of
	// installing the store's replica snapshot first.
	NoSnapshot bool
	// Health, when set, adds what only the app knows (version, maintenance,
	// free disk) to the heartbeat sent after each round; the syncer fills
	// in the outbox, cursor and the round's error from the replica.
	Health func(h *wire.Health)
}

func (o Options) withDefaults() Options {
	if o.Interval <= 0 {
		o.Interval = 10 * time.Second
	}
	if o.LongPoll <= 0 || o.LongPoll > o.Interval {
		o.LongPoll = min(o.Interval, maxLongPoll)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PageSize <= 0 {
		o.PageSize = 5000
	}
	if o.PushBatch <= 0 {
		o.PushBatch = 500
	}
	if o.MinBackoff <= 0 {
		o.MinBackoff = time.Second
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(time.Minute, o.MinBackoff)
	}
	if o.Jitter == nil {
		o.Jitter = rand.Float64
	}
	if o.After == nil {
		o.After = time.After
	}
	return o
}

// maxLongPoll stays under the store's longest wait (httpapi MaxWait, 60s).
const maxLongPoll = 50 * time.Second

// Link modes, as the footer shows them (kiosk.LinkOnline/LinkOffline).
const (
	Connecting = "connecting" // no round has ended yet
	Online     = "online"
	Offline    = "offline"
)

// LinkState is the station's connection to the central store.
type LinkState struct {
	Mode     string    // Connecting, Online or Offline
	Since    time.Time // when it entered the mode
	Err      string    // why it is offline; no secret
	Upstream string    // the URL in use (the next round's)
}

// Syncer syncs one replica with the central store.
type Syncer struct {
	r       *store.Replica
	clients []*client // one per upstream, in order
	opt     Options
	log     *slog.Logger

	round sync.Mutex // one push-and-pull at a time (Run and SyncOnce)

	mu       sync.Mutex
	link     LinkState
	noted    bool   // a round has ended
	failing  bool   // the last round failed
	cur      int    // the upstream in use (index in clients)
	recorded string // the upstream the replica last recorded
}

// New makes a Syncer for the replica. Nothing is sent until Run or SyncOnce.
func New(r *store.Replica, opt Options) (*Syncer, error) {
	opt = opt.withDefaults()
	urls := opt.Upstreams
	if len(urls) == 0 {
		urls = []string{opt.Upstream}
	}
	var clients []*client
	for _, u := range urls {
		c, err := newClient(u, opt.Token, opt.HTTPClient, opt.RootCAs)
		if err != nil {
			return nil, err
		}
		clients = append(clients, c)
	}
	return &Syncer{r: r, clients: clients, opt: opt, log: opt.Logger,
		link: LinkState{Mode: Connecting, Since: opt.Now()}}, nil
}

// Link reports the connection for the footer.
func (s *Syncer) Link() LinkState {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.link
	l.Upstream = s.clients[s.cur].base
	return l
}

// client is the upstream in use.
func (s *Syncer) client() *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[s.cur]
}

// SyncOnce pushes every pending op and pulls until the replica is current,
// without waiting for new changes (the tape command Sync).
func (s *Syncer) SyncOnce(ctx context.Context) error {
	return s.note(ctx, s.pushPull(ctx))
}

// Run syncs until ctx ends: a round, then a long-poll for changes that a
// local write cuts short; after a failure, a backoff that a local write also
// cuts short.
func (s *Syncer) Run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		err := s.note(ctx, s.pushPull(ctx))
		if err == nil {
			err = s.note(ctx, s.awaitWork(ctx))
		}
		if err == nil || ctx.Err() != nil {
			failures = 0
			continue
		}
		failures++
		select {
		case <-s.opt.After(s.backoff(failures)):
		case <-s.r.OutboxSignal():
		case <-ctx.Done():
		}
	}
}

// backoff is the wait after the n-th failure in a row: doubling from
// MinBackoff up to MaxBackoff, then a random point in its upper half, so
// stations that lost the store together do not return together.
func (s *Syncer) backoff(n int) time.Duration {
	d := s.opt.MaxBackoff
	if n < 30 {
		d = min(s.opt.MinBackoff<<(n-1), s.opt.MaxBackoff)
	}
	return d/2 + time.Duration(s.opt.Jitter()*float64(d/2))
}

// note records a round's outcome in the link state and the replica, and
// logs each change between working and failing (not every failed retry).
func (s *Syncer) note(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err // shutting down: not a link failure
	}
	now := s.opt.Now()
	s.mu.Lock()
	changed := s.failing != (err != nil) || !s.noted
	s.failing, s.noted = err != nil, true
	upstream := s.clients[s.cur].base
	if err != nil && len(s.clients) > 1 {
		// Fail over: the next round (after the backoff) tries the next
		// accountd; an op whose answer was lost is answered there as a
		// duplicate, since every process shares one database.
		s.cur = (s.cur + 1) % len(s.clients)
		s.log.Warn("sync upstream failover", "from", upstream, "to", s.clients[s.cur].base, "err", err)
	}
	record := err == nil && s.recorded != upstream
	switch {
	case err == nil && s.link.Mode != Online:
		s.link = LinkState{Mode: Online, Since: now}
	case err != nil && s.link.Mode != Offline:
		s.link = LinkState{Mode: Offline, Since: now, Err: err.Error()}
	case err != nil:
		s.link.Err = err.Error()
	}
	s.mu.Unlock()
	switch {
	case changed && err == nil:
		s.log.Info("sync link online", "upstream", upstream)
	case changed:
		s.log.Warn("sync link offline", "upstream", upstream, "err", err)
	}
	rerr := s.r.RecordSync(ctx, err)
	if rerr == nil && record { // for `kiosk status`, another process
		if rerr = s.r.RecordUpstream(ctx, upstream); rerr == nil {
			s.mu.Lock()
			s.recorded = upstream
			s.mu.Unlock()
		}
	}
	if s.opt.AfterRound != nil {
		s.opt.AfterRound()
	}
	if rerr != nil && err == nil {
		return rerr
	}
	return err
}

// pushPull is one round: push the outbox, then pull until current.
func (s *Syncer) pushPull(ctx context.Context) error {
	s.round.Lock()
	defer s.round.Unlock()
	c := s.client()
	err := s.push(ctx, c)
	if err == nil {
		err = s.pull(ctx, c)
	}
	if ctx.Err() == nil && answered(err) {
		s.heartbeat(ctx, c, err)
	}
	return err
}

// answered reports whether the store answered the round (it succeeded, or
// the store refused it with a status): only then is a heartbeat worth a
// request, not when the link is down or the token refused.
func answered(err error) bool {
	var se *StatusError
	return err == nil || errors.As(err, &se) || errors.Is(err, store.ErrResync)
}

// heartbeat tells the central store how the station is after a round
// (POST /v1/health). It is best effort: a store that cannot take it (an
// older accountd answers 405, or the link is down) costs the round nothing.
func (s *Syncer) heartbeat(ctx context.Context, c *client, roundErr error) {
	h, err := s.r.Health(ctx, s.opt.Now())
	if err != nil {
		s.log.Debug("heartbeat", "err", err)
		return
	}
	h.LastError = ""
	if roundErr != nil {
		h.LastError = roundErr.Error()
	}
	if s.opt.Health != nil {
		s.opt.Health(&h)
	}
	if err := c.health(ctx, h); err != nil {
		s.log.Debug("heartbeat not taken", "err", err)
	}
}

// push sends pending ops in batches until none is left.
func (s *Syncer) push(ctx context.Context, c *client) error {
	last := ""
	for {
		ops, err := s.r.PendingOps(ctx, s.opt.PushBatch)
		if err != nil || len(ops) == 0 {
			return err
		}
		if ops[0].ID == last {
			return fmt.Errorf("op %s stays pending after the central store answered it", last)
		}
		last = ops[0].ID
		resp, err := c.push(ctx, ops)
		if err != nil {
			return fmt.Errorf("push: %w", err)
		}
		if err := s.r.RecordPush(ctx, resp.Epoch, resp.Results); err != nil {
			return err
		}
		if len(ops) < s.opt.PushBatch {
			return nil
		}
	}
}

// fetched is a page, or why none came.
type fetched struct {
	page wire.Page
	err  error
}

// pull applies pages until the replica is current. The next page is
// fetched while the current one is applied; each page checks that it
// starts at the cursor, so overlap can never leave a gap. A store that no
// longer knows the cursor gets one full resync. An empty replica installs
// the store's replica snapshot first, when it offers one.
func (s *Syncer) pull(ctx context.Context, c *client) error {
	if err := s.bootstrap(ctx, c); err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	err := s.pullPages(ctx, c)
	if errors.Is(err, store.ErrResync) {
		s.log.Warn("full resync", "reason", err)
		if err := s.r.StartResync(ctx, err.Error()); err != nil {
			return err
		}
		if err := s.bootstrap(ctx, c); err != nil { // the snapshot, as for an empty replica
			return fmt.Errorf("pull: %w", err)
		}
		err = s.pullPages(ctx, c)
	}
	if err != nil {
		return fmt.Errorf("pull: %w", err)
	}
	return nil
}

func (s *Syncer) pullPages(ctx context.Context, c *client) error {
	st, err := s.r.SyncState(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan fetched, 1)
	go s.fetch(ctx, c, st.Cursor, st.Epoch, pages)
	for f := range pages {
		if f.err != nil {
			return f.err
		}
		if err := s.r.ApplyPage(ctx, f.page); err != nil {
			return err
		}
	}
	return nil
}

// fetch sends pages from the cursor on until one says no more follow.
func (s *Syncer) fetch(ctx context.Context, c *client, after int64, epoch string, out chan<- fetched) {
	defer close(out)
	for {
		p, err := c.changes(ctx, after, epoch, s.opt.PageSize, 0)
		select {
		case out <- fetched{p, err}:
		case <-ctx.Done():
			return
		}
		if err != nil || !p.More {
			return
		}
		after, epoch = p.Next, p.Epoch
	}
}

// awaitWork long-polls the feed for up to LongPoll; a local write ends the
// wait so its op is pushed at once. A page that arrives is applied (unless
// another round moved the cursor meanwhile).
func (s *Syncer) awaitWork(ctx context.Context) error {
	st, err := s.r.SyncState(ctx)
	if err != nil {
		return err
	}
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.r.OutboxSignal():
			cancel()
		case <-pollCtx.Done():
		}
	}()
	p, err := s.client().changes(pollCtx, st.Cursor, st.Epoch, s.opt.PageSize, s.opt.LongPoll)
	switch {
	case pollCtx.Err() != nil:
		return nil // a local write, or shutting down
	case err != nil:
		return fmt.Errorf("pull: %w", err)
	case len(p.Changes) == 0:
		return nil
	}
	s.round.Lock()
	defer s.round.Unlock()
	if err := s.r.ApplyPage(ctx, p); err != nil && !errors.Is(err, store.ErrPageOutOfOrder) {
		return fmt.Errorf("pull: %w", err)
	}
	return nil
}
