package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/store/domain"
)

// Lockout (DESIGN.md "Lockout"): this many failures of one account within
// the window lock its self-service for lockFor from the failure that
// reached the limit: the limits the central store counts with too.
const (
	maxFailures   = domain.LockoutFailures
	failureWindow = domain.LockoutWindow
	lockFor       = domain.LockoutFor
)

// Failure kinds, as stored and sent to the central store.
const (
	failIdentity = "identity"
	failPassword = "password"
	failTOTP     = "totp"
)

// recordFailure counts a failed attempt against a, in its own transaction
// with its audit and outbox rows (so it reaches other stations), and locks
// the account at the limit. It returns cause, joined with a *LockedError
// when this failure locked the account, so the screen can say until when.
//
// A success does not reset the count: otherwise someone who knows one
// factor (say the HKID) could keep guessing another (the 2FA code).
func (r *Replica) recordFailure(ctx context.Context, a row, what string, cause error) error {
	return r.failure(ctx, a, what, cause, false)
}

// recordIdentityFailure is recordFailure for a failed identity proof, which
// also counts towards the station's limit (identity_rate.go) in the same
// transaction, so that it costs what an unknown Student ID's failure costs.
// station is false for the second record of one person (alumni: a UG and a
// PG record), so that one attempt counts once at the station.
func (r *Replica) recordIdentityFailure(ctx context.Context, a row, station bool) error {
	return r.failure(ctx, a, failIdentity, ErrIdentityMismatch, station)
}

func (r *Replica) failure(ctx context.Context, a row, what string, cause error, station bool) error {
	now := r.now()
	var lockedUntil time.Time
	var held stationFailure
	c := &change{Account: a.Name, Action: "failure", Detail: what, Kind: domain.OpFailure, At: now}
	err := r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		if station {
			var err error
			if held, err = countStationFailure(ctx, tx, now, ""); err != nil {
				return err
			}
		}
		// Attempts older than the window no longer count: drop them.
		if _, err := tx.ExecContext(ctx, `DELETE FROM failures WHERE account_id = ? AND at <= ?`,
			a.ID, formatTime(now.Add(-failureWindow))); err != nil {
			return fmt.Errorf("recording a failed attempt: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO failures (account_id, at, what) VALUES (?, ?, ?)`,
			a.ID, formatTime(now), what); err != nil {
			return fmt.Errorf("recording a failed attempt: %w", err)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM failures WHERE account_id = ?`,
			a.ID).Scan(&n); err != nil {
			return fmt.Errorf("counting failed attempts: %w", err)
		}
		p := domain.FailurePayload{What: what, At: now}
		if n >= maxFailures {
			lockedUntil = now.Add(lockFor)
			if err := lock(ctx, tx, a.ID, now, lockedUntil); err != nil {
				return err
			}
			p.LockedUntil = &lockedUntil
			c.Detail = fmt.Sprintf("%s; %d failures: locked until %s", what, n, formatTime(lockedUntil))
		}
		c.Payload = p
		return nil
	})
	if err != nil {
		return err
	}
	if !lockedUntil.IsZero() {
		r.log.Warn("account locked after failed attempts", "account", a.Name, "until", lockedUntil)
		cause = fmt.Errorf("%w: %w", cause, &LockedError{Until: lockedUntil})
	}
	return r.heldError(cause, held)
}

// lock sets the lock and spends the failures that caused it, so the next
// window starts empty when the lock ends.
func lock(ctx context.Context, tx *sql.Tx, id int64, now, until time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE accounts SET locked_until = ?, updated_at = ? WHERE id = ?`,
		formatTime(until), formatTime(now), id); err != nil {
		return fmt.Errorf("locking account: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM failures WHERE account_id = ?`, id); err != nil {
		return fmt.Errorf("locking account: %w", err)
	}
	return nil
}
