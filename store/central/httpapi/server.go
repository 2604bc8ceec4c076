// Package httpapi is the central store's HTTP API, version 1, which
// stations sync through (JSON over HTTP, TLS when accountd has a
// certificate):
//
//	GET  /v1/health                                  the store is up; who the token belongs to
//	POST /v1/health                                  the station's heartbeat (wire.Health) -> 204
//	GET  /v1/changes?after=N&limit=M&wait=25s&epoch=E a page of the change feed (wire.Page);
//	                                                 with wait, held open until a change comes
//	POST /v1/ops                                     push ops (wire.PushRequest -> wire.PushResponse)
//	POST /v1/codes                                   send an e-mail code (wire.CodeRequest) -> 204;
//	                                                 409 with the refusal's code (issue 19)
//	GET  /v1/snapshot                                a ready station replica (SQLite file) with its
//	                                                 cursor and epoch in headers; ETag = SHA-256; Range
//
// Every request needs a station's token (Authorization: Bearer T), else
// 401. Errors are JSON {"error": "...", "code": "..."}: 400 malformed input
// (nothing is applied), 404, 405, 410 a cursor the store cannot continue
// (code "resync": walk the feed again from 0), 413 a body over the limit,
// 415 not JSON.
package httpapi

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/expressstation/kiosk/store/central"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// Options tune the server; zero values take the defaults.
type Options struct {
	Logger      *slog.Logger
	MaxBody     int64         // bytes of a request body; default 1 MiB
	MaxOps      int           // ops in one push; default 1000
	MaxPage     int           // changes in one page; default 10000
	DefaultPage int           // default 1000
	MaxWait     time.Duration // longest long-poll; default 60s
	// Snapshots, when set, serves GET /v1/snapshot (else 404 no_snapshot).
	Snapshots *Snapshots
	// OnCode, when set, runs after an e-mail code was queued: accountd
	// nudges its delivery loop, so the student waits seconds, not a minute.
	OnCode func()
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1 << 20
	}
	if o.MaxOps <= 0 {
		o.MaxOps = 1000
	}
	if o.MaxPage <= 0 {
		o.MaxPage = 10000
	}
	if o.DefaultPage <= 0 {
		o.DefaultPage = min(1000, o.MaxPage)
	}
	if o.MaxWait <= 0 {
		o.MaxWait = time.Minute
	}
	return o
}

type server struct {
	st  central.Store
	opt Options
	log *slog.Logger
}

// New is the API over st.
func New(st central.Store, opt Options) http.Handler {
	opt = opt.withDefaults()
	s := &server{st: st, opt: opt, log: opt.Logger}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/health", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			s.heartbeat(w, r)
			return
		}
		s.method(http.MethodGet, s.health)(w, r)
	})
	mux.HandleFunc("/v1/changes", s.method(http.MethodGet, s.changes))
	mux.HandleFunc("/v1/ops", s.method(http.MethodPost, s.push))
	mux.HandleFunc("/v1/snapshot", s.method(http.MethodGet, s.snapshot))
	mux.HandleFunc("/v1/codes", s.method(http.MethodPost, s.code))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: see GET /v1/health, GET /v1/changes, POST /v1/ops, POST /v1/codes")
	})
	return s.authenticate(mux)
}

type stationKey struct{}

// authenticate lets through only requests with a live station's token; it
// runs before routing, so every path answers 401 without one.
func (s *server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		station, err := "", central.ErrUnauthorized
		if token, ok := bearer(r.Header.Get("Authorization")); ok {
			station, err = s.st.Authenticate(r.Context(), token)
		}
		switch {
		case errors.Is(err, central.ErrUnauthorized):
			w.Header().Set("WWW-Authenticate", `Bearer realm="accountd"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
			return
		case err != nil:
			s.log.Error("authenticating a station", "err", err)
			writeError(w, http.StatusServiceUnavailable, "unavailable", "the central store cannot check tokens now: try again")
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stationKey{}, station)))
	})
}

// bearer takes the token from an Authorization header (the scheme name is
// case-insensitive).
func bearer(h string) (string, bool) {
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	return strings.TrimSpace(h[len(scheme):]), true
}

func stationOf(r *http.Request) string {
	s, _ := r.Context().Value(stationKey{}).(string)
	return s
}

func (s *server) method(m string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != m {
			w.Header().Set("Allow", m)
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.URL.Path+" answers "+m+" only")
			return
		}
		h(w, r)
	}
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	head, err := s.head(r.Context())
	if err != nil {
		s.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "station": stationOf(r), "epoch": s.st.Epoch(), "head": head})
}

// heartbeat keeps the station's latest health (wire.Health).
func (s *server) heartbeat(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the health as application/json")
		return
	}
	var h wire.Health
	// Unknown fields are allowed: a newer station may say more.
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&h); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "the body is not a station's health: "+err.Error())
		return
	}
	h.LastError = clip(h.LastError, 500)
	h.Version = clip(h.Version, 100)
	if err := s.st.RecordHealth(r.Context(), stationOf(r), h); err != nil {
		s.internal(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// clip keeps at most n bytes of a station's free text, on a rune boundary.
func clip(v string, n int) string {
	if len(v) <= n {
		return v
	}
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n]
}

// head is the newest change number (a feed read past every change).
func (s *server) head(ctx context.Context) (int64, error) {
	f, err := s.st.Changes(ctx, math.MaxInt64, 0)
	return f.Head, err
}

// changes serves a page of the feed, waiting for one when asked to.
func (s *server) changes(w http.ResponseWriter, r *http.Request) {
	q, err := s.parseChanges(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	if q.epoch != "" && q.epoch != s.st.Epoch() && q.after > 0 {
		writeError(w, http.StatusGone, "resync", "this cursor belongs to another history of the central store: resync from 0")
		return
	}
	feed, err := s.st.Changes(r.Context(), q.after, q.limit)
	if err == nil && q.after > feed.Head {
		writeError(w, http.StatusGone, "resync", fmt.Sprintf("cursor %d is beyond the store's newest change %d: resync from 0", q.after, feed.Head))
		return
	}
	if err == nil && len(feed.Changes) == 0 && q.wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), q.wait)
		err = s.st.Wait(ctx, q.after)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			err = nil
		}
		if err == nil && r.Context().Err() == nil {
			feed, err = s.st.Changes(r.Context(), q.after, q.limit)
		}
	}
	if err != nil {
		s.internal(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(encodePage(s.st.Epoch(), q.after, feed))
}

type changesQuery struct {
	after int64
	limit int
	wait  time.Duration
	epoch string
}

func (s *server) parseChanges(r *http.Request) (changesQuery, error) {
	v := r.URL.Query()
	q := changesQuery{limit: s.opt.DefaultPage, epoch: v.Get("epoch")}
	var err error
	if a := v.Get("after"); a != "" {
		if q.after, err = strconv.ParseInt(a, 10, 64); err != nil || q.after < 0 {
			return q, fmt.Errorf("after=%q: give the cursor, a change number >= 0", a)
		}
	}
	if l := v.Get("limit"); l != "" {
		if q.limit, err = strconv.Atoi(l); err != nil || q.limit < 1 || q.limit > s.opt.MaxPage {
			return q, fmt.Errorf("limit=%q: give a number from 1 to %d", l, s.opt.MaxPage)
		}
	}
	if wt := v.Get("wait"); wt != "" {
		if q.wait, err = time.ParseDuration(wt); err != nil || q.wait < 0 || q.wait > s.opt.MaxWait {
			return q, fmt.Errorf("wait=%q: give a duration from 0s to %s", wt, s.opt.MaxWait)
		}
	}
	if len(q.epoch) > 64 {
		return q, errors.New("epoch: too long")
	}
	return q, nil
}

// encodePage writes a wire.Page around the stored snapshots as they are:
// each is JSON without its seq, which goes in front.
func encodePage(epoch string, after int64, f central.Feed) []byte {
	next := after
	if n := len(f.Changes); n > 0 {
		next = f.Changes[n-1].Seq
	}
	size := 128
	for _, c := range f.Changes {
		size += len(c.Snapshot) + 24
	}
	b := bytes.NewBuffer(make([]byte, 0, size))
	epochJSON, _ := json.Marshal(epoch)
	fmt.Fprintf(b, `{"epoch":%s,"after":%d,"next":%d,"head":%d,"more":%t,"changes":[`,
		epochJSON, after, next, f.Head, next < f.Head)
	for i, c := range f.Changes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"seq":`)
		b.WriteString(strconv.FormatInt(c.Seq, 10))
		if len(c.Snapshot) > 2 {
			b.WriteByte(',')
			b.Write(c.Snapshot[1:]) // drops the snapshot's own '{'
		} else {
			b.WriteByte('}')
		}
	}
	b.WriteString("]}")
	return b.Bytes()
}

// push applies a batch of ops. The whole batch is checked first: one
// malformed op refuses the batch with 400 and nothing is applied.
func (s *server) push(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the ops as application/json")
		return
	}
	var req wire.PushRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.opt.MaxBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON object")
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("the body is over %d bytes: push fewer ops at a time", s.opt.MaxBody))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "bad_request", "the body is not a push request: "+err.Error())
		return
	}
	if err := s.checkOps(req.Ops); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	results, err := s.st.Apply(r.Context(), stationOf(r), req.Ops)
	if err != nil {
		s.internal(w, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.PushResponse{Epoch: s.st.Epoch(), Results: results})
}

// code queues the e-mail that carries a station's one-time code. The code
// is never logged; a refusal says why with its code.
func (s *server) code(w http.ResponseWriter, r *http.Request) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the code request as application/json")
		return
	}
	var req wire.CodeRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.Account == "" {
		writeError(w, http.StatusBadRequest, "bad_request", "the body is not a code request")
		return
	}
	err := s.st.SendCode(r.Context(), stationOf(r), req)
	var rej *domain.Rejection
	switch {
	case errors.As(err, &rej):
		writeError(w, http.StatusConflict, rej.Code, rej.Message)
		return
	case errors.Is(err, central.ErrNoAccount):
		writeError(w, http.StatusNotFound, "unknown_account", "the central store has no such account")
		return
	case err != nil:
		s.internal(w, err)
		return
	}
	if s.opt.OnCode != nil {
		s.opt.OnCode()
	}
	w.WriteHeader(http.StatusNoContent)
}

// checkOps refuses a batch the store could not apply as it stands.
func (s *server) checkOps(ops []domain.Op) error {
	if len(ops) == 0 || len(ops) > s.opt.MaxOps {
		return fmt.Errorf("a push carries 1 to %d ops, not %d", s.opt.MaxOps, len(ops))
	}
	seen := make(map[string]bool, len(ops))
	for i, op := range ops {
		if err := checkOp(op); err != nil {
			return fmt.Errorf("op %d: %w", i, err)
		}
		if seen[op.ID] {
			return fmt.Errorf("op %d: op_id %s appears twice in this push", i, op.ID)
		}
		seen[op.ID] = true
	}
	return nil
}

func checkOp(op domain.Op) error {
	if _, err := hex.DecodeString(op.ID); err != nil || len(op.ID) != 32 {
		return errors.New("op_id must be 32 hex digits")
	}
	if op.Account == "" || len(op.Account) > 64 || !utf8.ValidString(op.Account) || strings.ContainsFunc(op.Account, isControl) {
		return fmt.Errorf("op %s: account must be a name of 1 to 64 printable characters", op.ID)
	}
	if op.CreatedAt.IsZero() {
		return fmt.Errorf("op %s: created_at is missing", op.ID)
	}
	_, err := domain.DecodePayload(op)
	return err
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func (s *server) internal(w http.ResponseWriter, err error) {
	s.log.Error("request failed", "err", err)
	writeError(w, http.StatusInternalServerError, "internal", "the central store failed to answer: try again")
}

type errorBody struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, errorBody{Error: msg, Code: code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
