package syncer

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/expressstation/kiosk/store"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/wire"
)

// requestTimeout bounds a request beyond any long-poll wait, so a link that
// dies silently is noticed.
const requestTimeout = 30 * time.Second

// client speaks the central store's HTTP API (store/central/httpapi).
type client struct {
	base  string // upstream URL without a trailing slash
	token string
	http  *http.Client
}

// ErrUnauthorized says the central store refused the station's token.
var ErrUnauthorized = errors.New("the central store refused this station's token: check [sync] token or token_file (accountd station add)")

// StatusError is an answer other than success from the central store.
type StatusError struct {
	Status  int
	Code    string
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("central store answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

func newClient(upstream, token string, hc *http.Client, roots *x509.CertPool) (*client, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sync upstream %q: give an http:// or https:// URL such as https://accounts.example.edu:8440", upstream)
	}
	if token == "" {
		return nil, errors.New("sync: no station token: set [sync] token or token_file")
	}
	if hc == nil {
		hc = defaultHTTPClient(roots)
	}
	return &client{base: strings.TrimRight(upstream, "/"), token: token, http: hc}, nil
}

// defaultHTTPClient fails fast on a dead link; request deadlines come from
// the caller's context (long-polls are long on purpose). roots, when not
// nil, replace the system's trusted roots (a university's private CA).
func defaultHTTPClient(roots *x509.CertPool) *http.Client {
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}

// changes fetches a page after the cursor; with wait > 0 the store holds the
// request until a change comes or wait ends.
func (c *client) changes(ctx context.Context, after int64, epoch string, limit int, wait time.Duration) (wire.Page, error) {
	q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(limit)}}
	if epoch != "" {
		q.Set("epoch", epoch)
	}
	if wait > 0 {
		q.Set("wait", wait.String())
	}
	ctx, cancel := context.WithTimeout(ctx, wait+requestTimeout)
	defer cancel()
	body, err := c.do(ctx, http.MethodGet, "/v1/changes?"+q.Encode(), nil)
	if err != nil {
		return wire.Page{}, err
	}
	p, err := decodePage(body)
	if err != nil {
		return wire.Page{}, fmt.Errorf("reading a page of changes from the central store: %w", err)
	}
	return p, nil
}

// push sends ops and returns the store's answers, checked to match them.
func (c *client) push(ctx context.Context, ops []domain.Op) (wire.PushResponse, error) {
	body, err := json.Marshal(wire.PushRequest{Ops: ops})
	if err != nil {
		return wire.PushResponse{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	answer, err := c.do(ctx, http.MethodPost, "/v1/ops", body)
	if err != nil {
		return wire.PushResponse{}, err
	}
	var resp wire.PushResponse
	if err := json.Unmarshal(answer, &resp); err != nil {
		return resp, fmt.Errorf("reading the central store's answer to a push: %w", err)
	}
	if len(resp.Results) != len(ops) {
		return resp, fmt.Errorf("central store answered %d results for %d ops", len(resp.Results), len(ops))
	}
	for i, r := range resp.Results {
		if r.ID != ops[i].ID {
			return resp, fmt.Errorf("central store answered op %s where %s was pushed", r.ID, ops[i].ID)
		}
	}
	return resp, nil
}

// health sends the station's heartbeat; the store answers 204.
func (c *client) health(ctx context.Context, h wire.Health) error {
	body, err := json.Marshal(h)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	_, err = c.do(ctx, http.MethodPost, "/v1/health", body)
	return err
}

// maxAnswer bounds what the station reads from one answer (a page of
// 10,000 changes is about 4 MB).
const maxAnswer = 64 << 20

// do sends a request and returns the body of a 200 answer.
func (c *client) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("central store unreachable: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(resp)
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("reading the central store's answer: %w", err)
	case len(answer) > maxAnswer:
		return nil, fmt.Errorf("the central store's answer is over %d bytes", maxAnswer)
	}
	return answer, nil
}

// statusError reads the store's JSON error; 401 and 410 map to the errors
// the loop acts on.
func statusError(resp *http.Response) error {
	var body struct{ Error, Code string }
	json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return ErrUnauthorized
	case http.StatusGone:
		return fmt.Errorf("%w (%s)", store.ErrResync, body.Error)
	}
	if body.Error == "" {
		body.Error = "no explanation given"
	}
	return &StatusError{Status: resp.StatusCode, Code: body.Code, Message: body.Error}
}

// SendCode sends an e-mail code through the central store (issue 19): the
// replica's store.CodeCourier on a station with an upstream. It tries the
// upstream in use, then the others in order; a refusal (a status from the
// store) is the answer, not a reason to fail over. The code is in the
// request body only, never in an error or a log.
func (s *Syncer) SendCode(ctx context.Context, req store.CodeRequest) error {
	body, err := json.Marshal(wire.CodeRequest{Account: req.Account, Purpose: req.Purpose, To: req.To,
		Code: req.Code, Expires: req.Expires})
	if err != nil {
		return err
	}
	s.mu.Lock()
	cur := s.cur
	s.mu.Unlock()
	for i := range s.clients {
		c := s.clients[(cur+i)%len(s.clients)]
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		_, err = c.do(rctx, http.MethodPost, "/v1/codes", body)
		cancel()
		var refused *StatusError
		if err == nil || errors.As(err, &refused) || errors.Is(err, ErrUnauthorized) || ctx.Err() != nil {
			return err
		}
	}
	return err
}
