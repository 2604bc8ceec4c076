package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"
)

// The station's limit on failed identity proofs (DESIGN "Identity
// proofing"): a Student ID that is not on record has no account to lock, so
// someone could try IDs one after another to list who studies here. Every
// failed proof at this station (unknown or not: counting only the unknown
// ones would tell them apart by when the pause comes) counts; this many in
// the window pause the identity step at this station for stationPauseFor.
// A busy hall sees a handful of honest mistakes in 15 minutes; a listing
// attempt needs thousands.
const (
	stationMaxFailures = 10
	stationWindow      = 15 * time.Minute
	stationPauseFor    = 15 * time.Minute
)

// stationHold is the identity_holds subject of the paused identity step.
const stationHold = "station"

// IdentityPausedError says the identity step at this station is paused
// after too many failed proofs, until Until.
type IdentityPausedError struct{ Until time.Time }

func (e *IdentityPausedError) Error() string {
	return fmt.Sprintf("too many failed identity checks at this station: identity checks are paused until %s",
		e.Until.Local().Format("15:04"))
}

func (e *IdentityPausedError) MessageID() string { return "error.identity-paused" }

func (e *IdentityPausedError) MessageData() map[string]any {
	return map[string]any{"Until": e.Until.Local().Format("15:04")}
}

// subjectOf is the keyed hash an unknown Student ID or number is counted
// under: the replica never holds what was typed.
func (r *Replica) subjectOf(kind, value string) string {
	return hex.EncodeToString(r.opt.Keys.IdentityHash(kind, value))
}

// checkHolds refuses while the station's identity step is paused, and
// answers for a held unknown subject as checkLock does for a locked account.
// subject "" checks only the station.
func (r *Replica) checkHolds(ctx context.Context, subject string) error {
	rows, err := r.r.QueryContext(ctx, `SELECT subject, until FROM identity_holds WHERE subject IN (?, ?)`,
		stationHold, subject)
	if err != nil {
		return fmt.Errorf("reading identity holds: %w", err)
	}
	defer rows.Close()
	now := r.now()
	var paused, locked time.Time
	for rows.Next() {
		var s string
		var until sql.NullString
		if err := rows.Scan(&s, &until); err != nil {
			return fmt.Errorf("reading identity holds: %w", err)
		}
		if t := parseTime(until); now.Before(t) {
			if s == stationHold {
				paused = t
			} else {
				locked = t
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading identity holds: %w", err)
	}
	switch {
	case !paused.IsZero():
		return &IdentityPausedError{Until: paused}
	case !locked.IsZero():
		return &LockedError{Until: locked}
	}
	return nil
}

// failUnknown records a failed proof for a Student ID or number that no
// record has, with an audit row for staff (which does not say what was
// typed), and answers exactly as a wrong proof for a known account does:
// ErrIdentityMismatch, joined with a *LockedError at the fifth failure for
// the same subject and an *IdentityPausedError when this failure paused the
// station. It costs what a known account's failure costs (one transaction).
func (r *Replica) failUnknown(ctx context.Context, subject, what string) error {
	now := r.now()
	var held stationFailure
	err := r.writeTx(ctx, "identity_failure", func(tx *sql.Tx) error {
		var err error
		if held, err = countStationFailure(ctx, tx, now, subject); err != nil {
			return err
		}
		detail := what
		if !held.paused.IsZero() {
			detail += "; identity step paused until " + formatTime(held.paused)
		}
		return r.audit(ctx, tx, now, "", "identity_failure", detail)
	})
	if err != nil {
		return err
	}
	return r.heldError(ErrIdentityMismatch, held)
}

// stationFailure is what one more failed proof held: the unknown subject
// (lockedUntil) and the station's identity step (paused); zero for neither.
type stationFailure struct{ locked, paused time.Time }

// countStationFailure counts a failed identity proof at this station inside
// tx: subject "" for a known account (whose own count is in failures),
// else the unknown subject, which is locked as an account would be. At the
// station's limit the identity step is paused; the failures that caused a
// hold are spent, so the next window starts empty when it ends.
func countStationFailure(ctx context.Context, tx *sql.Tx, now time.Time, subject string) (stationFailure, error) {
	var held stationFailure
	exec := func(query string, args ...any) error {
		if _, err := tx.ExecContext(ctx, query, args...); err != nil {
			return fmt.Errorf("recording a failed identity check: %w", err)
		}
		return nil
	}
	count := func(query string, args ...any) (int, error) {
		var n int
		if err := tx.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("counting failed identity checks: %w", err)
		}
		return n, nil
	}
	if err := exec(`DELETE FROM identity_failures WHERE at <= ?`, formatTime(now.Add(-stationWindow))); err != nil {
		return held, err
	}
	if err := exec(`DELETE FROM identity_holds WHERE until <= ?`, formatTime(now)); err != nil {
		return held, err
	}
	if err := exec(`INSERT INTO identity_failures (at, subject) VALUES (?, ?)`, formatTime(now), subject); err != nil {
		return held, err
	}
	if subject != "" {
		n, err := count(`SELECT count(*) FROM identity_failures WHERE subject = ?`, subject)
		if err != nil {
			return held, err
		}
		if n >= maxFailures {
			held.locked = now.Add(lockFor)
			if err := hold(exec, subject, held.locked); err != nil {
				return held, err
			}
		}
	}
	n, err := count(`SELECT count(*) FROM identity_failures`)
	if err != nil {
		return held, err
	}
	if n >= stationMaxFailures {
		held.paused = now.Add(stationPauseFor)
		if err := hold(exec, stationHold, held.paused); err != nil {
			return held, err
		}
	}
	return held, nil
}

// hold holds subject until then and spends the failures that caused it.
func hold(exec func(string, ...any) error, subject string, until time.Time) error {
	if err := exec(`INSERT INTO identity_holds (subject, until) VALUES (?, ?)
		ON CONFLICT (subject) DO UPDATE SET until = excluded.until`, subject, formatTime(until)); err != nil {
		return err
	}
	if subject == stationHold {
		return exec(`DELETE FROM identity_failures`)
	}
	return exec(`DELETE FROM identity_failures WHERE subject = ?`, subject)
}

// heldError joins cause with what the failure held, as recordFailure joins
// a lock (and in the same words): the screen says at once until when.
func (r *Replica) heldError(cause error, held stationFailure) error {
	if !held.locked.IsZero() {
		cause = fmt.Errorf("%w: %w", cause, &LockedError{Until: held.locked})
	}
	if !held.paused.IsZero() {
		r.log.Warn("identity step paused at this station after failed identity checks", "until", held.paused)
		cause = fmt.Errorf("%w: %w", cause, &IdentityPausedError{Until: held.paused})
	}
	return cause
}
