package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/secret"
)

// Staff mode and station operations: the staff PIN lockout, the
// out-of-service flag, the audit of staff actions and the report the staff
// panel and `kiosk status` print. None of it changes an account, so none of
// it goes to the outbox; all of it is in the audit table.

// Staff lockout: this many wrong PINs in a row lock staff entry for
// StaffLockFor. The count lives in the replica, so a restart does not reset it.
const (
	StaffPINTries = 5
	StaffLockFor  = 5 * time.Minute
)

// Audit actions of staff mode (audit.action; audit.account is NULL).
const (
	AuditStaffSignIn   = "staff_sign_in"
	AuditStaffPINWrong = "staff_pin_wrong"
	AuditStaffLocked   = "staff_locked"
	AuditStaffSignOut  = "staff_sign_out"
	AuditStaffSync     = "staff_sync"
	AuditMaintenance   = "staff_maintenance"
	AuditStaffReset    = "staff_reset"
	AuditStaffExit     = "staff_exit"
)

// ErrStaffNotSetUp says the station has no staff PIN hash configured.
var ErrStaffNotSetUp = errors.New("staff mode is not set up on this station: " +
	"put the hash printed by `kiosk hash-pin` in [staff] pin_hash")

// StaffPINError says a staff PIN was wrong; Left more wrong PINs lock staff entry.
type StaffPINError struct{ Left int }

func (e *StaffPINError) Error() string {
	return fmt.Sprintf("wrong staff PIN: %d more wrong PINs lock staff entry for %d minutes",
		e.Left, int(StaffLockFor/time.Minute))
}

// StaffLockedError says staff entry is refused until Until after too many
// wrong PINs.
type StaffLockedError struct{ Until time.Time }

func (e *StaffLockedError) Error() string {
	return fmt.Sprintf("too many wrong staff PINs: staff entry is locked until %s", e.Until.Local().Format("15:04"))
}

// stationState is the one row of station_state.
type stationState struct {
	Maintenance      bool
	MaintenanceSince time.Time
	StaffFailures    int
	StaffLockedUntil time.Time
	RegistrySource   string
}

func readStationState(ctx context.Context, q queryer) (stationState, error) {
	var (
		st           stationState
		since, until sql.NullString
	)
	err := q.QueryRowContext(ctx, `SELECT maintenance, maintenance_since, staff_failures, staff_locked_until,
		registry_source FROM station_state WHERE id = 1`).Scan(
		&st.Maintenance, &since, &st.StaffFailures, &until, &st.RegistrySource)
	if err != nil {
		return stationState{}, fmt.Errorf("reading the station state: %w", err)
	}
	st.MaintenanceSince, st.StaffLockedUntil = parseTime(since), parseTime(until)
	return st, nil
}

// staffLock is the lock in force at now, or nil.
func (st stationState) staffLock(now time.Time) error {
	if !st.StaffLockedUntil.IsZero() && now.Before(st.StaffLockedUntil) {
		return &StaffLockedError{Until: st.StaffLockedUntil}
	}
	return nil
}

// StaffSignIn checks a staff PIN against pinHash (the configured argon2id
// hash). A right PIN clears the count of wrong ones; the fifth wrong PIN in a
// row locks staff entry for five minutes. While locked, no PIN is checked.
// It returns nil, a *StaffPINError, a *StaffLockedError or ErrStaffNotSetUp;
// every outcome is audited. The argon2 work happens outside the transaction.
func (r *Replica) StaffSignIn(ctx context.Context, pinHash, pin string) error {
	if pinHash == "" {
		return ErrStaffNotSetUp
	}
	st, err := readStationState(ctx, r.r)
	if err != nil {
		return err
	}
	if err := st.staffLock(r.now()); err != nil {
		return err
	}
	ok, err := secret.VerifyPassword(pinHash, pin)
	if err != nil {
		return fmt.Errorf("the staff PIN hash in [staff] pin_hash cannot be used (print a new one with `kiosk hash-pin`): %w", err)
	}
	now := r.now()
	var (
		outcome error
		act     string // what the attempt was audited as
	)
	err = r.writeTx(ctx, "staff sign-in", func(tx *sql.Tx) error {
		st, err := readStationState(ctx, tx) // again: another attempt may have counted meanwhile
		if err != nil {
			return err
		}
		if err := st.staffLock(now); err != nil {
			return err
		}
		failures, until, detail := 0, time.Time{}, ""
		switch {
		case ok:
			act = AuditStaffSignIn
		case st.StaffFailures+1 >= StaffPINTries:
			until, act = now.Add(StaffLockFor), AuditStaffLocked
			detail = fmt.Sprintf("%d wrong PINs: locked until %s", StaffPINTries, formatTime(until))
			outcome = &StaffLockedError{Until: until}
		default:
			failures, act = st.StaffFailures+1, AuditStaffPINWrong
			detail = fmt.Sprintf("wrong PIN %d of %d", failures, StaffPINTries)
			outcome = &StaffPINError{Left: StaffPINTries - failures}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE station_state SET staff_failures = ?, staff_locked_until = ? WHERE id = 1`,
			failures, nullTime(until)); err != nil {
			return fmt.Errorf("recording the staff sign-in: %w", err)
		}
		return r.audit(ctx, tx, now, "", act, detail)
	})
	if err != nil {
		return err
	}
	// The log says what happened, never the PIN.
	r.log.Info("staff sign-in", "action", act)
	return outcome
}

// StaffAudit records a staff action that changes nothing in the replica
// (sync now, sign-out, exit) in the audit table and the log. detail must
// not hold a secret.
func (r *Replica) StaffAudit(ctx context.Context, action, detail string) error {
	now := r.now()
	err := r.writeTx(ctx, action, func(tx *sql.Tx) error {
		return r.audit(ctx, tx, now, "", action, detail)
	})
	if err != nil {
		return err
	}
	r.log.Info("staff action", "action", action, "detail", detail)
	return nil
}

// Maintenance reports whether the station is out of service for students.
func (r *Replica) Maintenance(ctx context.Context) (bool, error) {
	st, err := readStationState(ctx, r.r)
	return st.Maintenance, err
}

// SetMaintenance takes the station out of service for students (on) or puts
// it back. The flag is in the replica, so it survives a restart.
func (r *Replica) SetMaintenance(ctx context.Context, on bool) error {
	now := r.now()
	detail := "off"
	if on {
		detail = "on"
	}
	err := r.writeTx(ctx, "maintenance", func(tx *sql.Tx) error {
		since := any(nil)
		if on {
			since = formatTime(now)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE station_state SET maintenance = ?,
			maintenance_since = CASE WHEN ? THEN coalesce(maintenance_since, ?) END WHERE id = 1`,
			on, on, since); err != nil {
			return fmt.Errorf("setting maintenance %s: %w", detail, err)
		}
		return r.audit(ctx, tx, now, "", AuditMaintenance, detail)
	})
	if err != nil {
		return err
	}
	r.log.Info("maintenance "+detail, "action", AuditMaintenance)
	return nil
}

// DemoRegistrySource is the registry source of a demo station: the embedded
// demo registry (store/demo).
const DemoRegistrySource = "embedded:demo"

// RecordRegistrySource records where a standalone replica's accounts come
// from (the absolute path of the registry file just imported, or
// DemoRegistrySource), so that Reset station can rebuild them.
func (r *Replica) RecordRegistrySource(ctx context.Context, src string) error {
	return r.setRegistrySource(ctx, src, `UPDATE station_state SET registry_source = ? WHERE id = 1`)
}

// DefaultRegistrySource records src unless an import recorded a source
// already (a demo station that someone imported a registry into).
func (r *Replica) DefaultRegistrySource(ctx context.Context, src string) error {
	return r.setRegistrySource(ctx, src, `UPDATE station_state SET registry_source = ? WHERE id = 1 AND registry_source = ''`)
}

func (r *Replica) setRegistrySource(ctx context.Context, src, query string) error {
	return r.writeTx(ctx, "registry source", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, query, src); err != nil {
			return fmt.Errorf("recording the registry source: %w", err)
		}
		return nil
	})
}

// StationReport is everything staff see about a station: the staff panel
// and `kiosk status` print it, so both show the same figures.
type StationReport struct {
	StationStatus
	Maintenance      bool         `json:"maintenance"`
	MaintenanceSince *time.Time   `json:"maintenance_since,omitempty"`
	StaffLockedUntil *time.Time   `json:"staff_locked_until,omitempty"`
	RegistrySource   string       `json:"registry_source,omitempty"`
	Rejected         []RejectedOp `json:"rejected"` // newest first, at most the limit asked for
}

// RejectedOp is an outbox op the central store refused, as staff see it:
// no payload (it holds hashes and sealed values).
type RejectedOp struct {
	ID        string        `json:"op_id"`
	CreatedAt time.Time     `json:"created_at"`
	Kind      domain.OpKind `json:"kind"`
	Account   string        `json:"account"`
	Reason    string        `json:"reason"`
}

// StationReport reads the station's figures and up to rejectedLimit of the
// newest rejected ops with their reasons.
func (r *Replica) StationReport(ctx context.Context, rejectedLimit int) (StationReport, error) {
	status, err := r.Status(ctx)
	if err != nil {
		return StationReport{}, err
	}
	st, err := readStationState(ctx, r.r)
	if err != nil {
		return StationReport{}, err
	}
	rep := StationReport{StationStatus: status, Maintenance: st.Maintenance, RegistrySource: st.RegistrySource,
		MaintenanceSince: timePtr(st.MaintenanceSince)}
	if st.staffLock(r.now()) != nil {
		rep.StaffLockedUntil = timePtr(st.StaffLockedUntil)
	}
	rep.Rejected, err = r.rejectedOps(ctx, rejectedLimit)
	return rep, err
}

func (r *Replica) rejectedOps(ctx context.Context, limit int) ([]RejectedOp, error) {
	out := []RejectedOp{}
	if limit <= 0 {
		return out, nil
	}
	ops, err := r.RejectedOps(ctx, limit)
	for _, op := range ops {
		out = append(out, RejectedOp{ID: op.ID, CreatedAt: op.CreatedAt, Kind: op.Kind, Account: op.Account, Reason: op.Reason})
	}
	return out, err
}
