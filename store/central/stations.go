package central

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"

	"github.com/expressstation/kiosk/store/secret"
	"github.com/expressstation/kiosk/store/wire"
)

// Station tokens are 256-bit random values, shown once when made; the store
// keeps only their SHA-256 (secret.TokenHash), which is enough for values
// that cannot be guessed.

var stationIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// NewToken is a fresh station token: 32 random bytes, base64url.
func NewToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making a station token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// AddStation makes a station, or gives a revoked one a new token. A station
// that still has a token must be revoked first, so a token is never
// replaced by mistake.
func (s *Central) AddStation(ctx context.Context, id string) (string, error) {
	if !stationIDPattern.MatchString(id) {
		return "", fmt.Errorf("station id %q: use 1 to 64 letters, digits, '.', '_' or '-' (as in [station] id)", id)
	}
	token, err := NewToken()
	if err != nil {
		return "", err
	}
	now := s.opt.Now()
	err = s.inTx(ctx, func(tx Tx, _ *int64) error {
		exists, revoked, err := tx.Station(ctx, id)
		switch {
		case err != nil:
			return err
		case exists && !revoked:
			return fmt.Errorf("station %s already has a token: revoke it first (accountd station revoke %s)", id, id)
		}
		if err := tx.PutStation(ctx, id, secret.TokenHash(token), now); err != nil {
			return err
		}
		return tx.Audit(ctx, now, "", "station_add", id)
	})
	if err != nil {
		return "", fmt.Errorf("add station: %w", err)
	}
	s.log.Info("station added", "station", id)
	return token, nil
}

// RevokeStation makes a station's token useless at once.
func (s *Central) RevokeStation(ctx context.Context, id string) error {
	now := s.opt.Now()
	err := s.inTx(ctx, func(tx Tx, _ *int64) error {
		ok, err := tx.RevokeStation(ctx, id, now)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w (or it is revoked already): %s", ErrNoStation, id)
		}
		return tx.Audit(ctx, now, "", "station_revoke", id)
	})
	if err != nil {
		return fmt.Errorf("revoke station: %w", err)
	}
	s.log.Info("station revoked", "station", id)
	return nil
}

// Stations lists every station, revoked ones too.
func (s *Central) Stations(ctx context.Context) ([]Station, error) {
	out, err := s.b.Stations(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing stations: %w", err)
	}
	return out, nil
}

// Authenticate finds the live station whose token hashes to the given
// token's hash. Every request checks afresh, so a revocation (even by
// another accountd process) holds from the next request.
func (s *Central) Authenticate(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", ErrUnauthorized
	}
	id, err := s.b.StationByTokenHash(ctx, secret.TokenHash(token))
	if err != nil {
		return "", fmt.Errorf("checking a station token: %w", err)
	}
	if id == "" {
		return "", ErrUnauthorized
	}
	return id, nil
}

// RecordHealth keeps a station's latest heartbeat, seen now. It is not a
// change of the feed nor audited: only the latest matters.
func (s *Central) RecordHealth(ctx context.Context, station string, h wire.Health) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	ok, err := s.b.PutHealth(ctx, station, s.opt.Now().UTC(), b)
	switch {
	case err != nil:
		return fmt.Errorf("recording station %s's heartbeat: %w", station, err)
	case !ok:
		return fmt.Errorf("%w: %s", ErrNoStation, station)
	}
	return nil
}

// decodeHealth reads a stored heartbeat; nil when none (or unreadable,
// which only an older accountd could have written).
func decodeHealth(b []byte) *wire.Health {
	if len(b) == 0 {
		return nil
	}
	var h wire.Health
	if json.Unmarshal(b, &h) != nil {
		return nil
	}
	return &h
}
