package central

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"

	"github.com/expressstation/kiosk/store/secret"
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
func (s *SQLite) AddStation(ctx context.Context, id string) (string, error) {
	if !stationIDPattern.MatchString(id) {
		return "", fmt.Errorf("station id %q: use 1 to 64 letters, digits, '.', '_' or '-' (as in [station] id)", id)
	}
	token, err := NewToken()
	if err != nil {
		return "", err
	}
	now := formatTime(s.opt.Now())
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullString
		err := tx.QueryRowContext(ctx, `SELECT revoked_at FROM stations WHERE id = ?`, id).Scan(&revoked)
		switch {
		case err == nil && !revoked.Valid:
			return fmt.Errorf("station %s already has a token: revoke it first (accountd station revoke %s)", id, id)
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO stations (id, token_hash, created_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, revoked_at = NULL`,
			id, secret.TokenHash(token), now); err != nil {
			return err
		}
		return s.audit(ctx, tx, "station_add", id)
	})
	if err != nil {
		return "", fmt.Errorf("add station: %w", err)
	}
	s.log.Info("station added", "station", id)
	return token, nil
}

// RevokeStation makes a station's token useless at once.
func (s *SQLite) RevokeStation(ctx context.Context, id string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE stations SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`,
			formatTime(s.opt.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w (or it is revoked already): %s", ErrNoStation, id)
		}
		return s.audit(ctx, tx, "station_revoke", id)
	})
	if err != nil {
		return fmt.Errorf("revoke station: %w", err)
	}
	s.log.Info("station revoked", "station", id)
	return nil
}

// Stations lists every station, revoked ones too.
func (s *SQLite) Stations(ctx context.Context) ([]Station, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, created_at, revoked_at FROM stations ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing stations: %w", err)
	}
	defer rows.Close()
	var out []Station
	for rows.Next() {
		var (
			st      Station
			created string
			revoked sql.NullString
		)
		if err := rows.Scan(&st.ID, &created, &revoked); err != nil {
			return nil, fmt.Errorf("listing stations: %w", err)
		}
		st.CreatedAt = parseTime(created)
		if revoked.Valid {
			t := parseTime(revoked.String)
			st.RevokedAt = &t
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Authenticate finds the live station whose token hashes to the given
// token's hash. Every request checks afresh, so a revocation (even by
// another accountd process) holds from the next request.
func (s *SQLite) Authenticate(ctx context.Context, token string) (string, error) {
	if token == "" {
		return "", ErrUnauthorized
	}
	var id string
	err := s.r.QueryRowContext(ctx, `SELECT id FROM stations WHERE token_hash = ? AND revoked_at IS NULL`,
		secret.TokenHash(token)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrUnauthorized
	}
	if err != nil {
		return "", fmt.Errorf("checking a station token: %w", err)
	}
	return id, nil
}
