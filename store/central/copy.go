package central

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// CopyReport counts what Copy copied, by table.
type CopyReport struct {
	Epoch                                   string
	Head                                    int64
	Accounts, Ops, Stations, Audit, Notices int64
}

// copyColumn kinds: how a SQLite value becomes a PostgreSQL one.
const (
	colText     = iota // TEXT
	colNullText        // TEXT or NULL
	colInt             // INTEGER
	colBlob            // BLOB -> bytea
	colTime            // sqltime text -> timestamptz
	colNullTime        // sqltime text or NULL -> timestamptz or NULL
)

type copyTable struct {
	name string
	cols []string
	kind []int
	n    *int64
}

// CopySQLiteToPostgres copies the SQLite central store in file from into
// the empty PostgreSQL store at url to (accountd migrate): accounts with
// their change numbers, the feed's head and the epoch (so stations keep
// their cursors), the seen ops with their chain fields (a retried op stays
// a duplicate), stations (their token hashes: tokens keep working),
// notices and audit. One read snapshot of the file, one transaction in
// PostgreSQL: all or nothing.
func CopySQLiteToPostgres(ctx context.Context, from, to string, opt Options) (CopyReport, error) {
	var rep CopyReport
	src, err := OpenSQLite(from, opt)
	if err != nil {
		return rep, err
	}
	defer src.Close()
	dst, err := OpenPostgres(ctx, to, opt)
	if err != nil {
		return rep, err
	}
	defer dst.Close()
	s, d := src.(*sqliteStore), dst.(*pgStore)
	var used int64
	if err := d.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM ops) +
		(SELECT count(*) FROM stations) + (SELECT count(*) FROM notices)`).Scan(&used); err != nil {
		return rep, err
	}
	if used > 0 {
		return rep, fmt.Errorf("%s is not empty: migrate copies into a new database only", d.name)
	}
	rtx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rep, err
	}
	defer rtx.Rollback()
	rep.Epoch = s.epoch
	if rep.Head, err = head(ctx, rtx); err != nil {
		return rep, err
	}
	tables := []copyTable{
		{"accounts", []string{"id", "name", "student_id", "seq", "snapshot", "fingerprint", "failures", "alias", "updated_at"},
			[]int{colInt, colText, colText, colInt, colText, colBlob, colText, colNullText, colTime}, &rep.Accounts},
		{"ops", []string{"op_id", "station", "account", "kind", "created_at", "received_at", "outcome", "reason", "after_op", "proof"},
			[]int{colText, colText, colText, colText, colTime, colTime, colText, colText, colText, colText}, &rep.Ops},
		{"stations", []string{"id", "token_hash", "created_at", "revoked_at", "last_seen", "health"},
			[]int{colText, colText, colTime, colNullTime, colNullTime, colNullText}, &rep.Stations},
		{"audit", []string{"id", "at", "account", "action", "detail"},
			[]int{colInt, colTime, colNullText, colText, colText}, &rep.Audit},
		{"notices", []string{"id", "created_at", "account", "kind", "to_address", "subject", "body", "state", "sent_at", "error", "attempts"},
			[]int{colInt, colTime, colText, colText, colText, colText, colText, colText, colNullTime, colText, colInt}, &rep.Notices},
	}
	err = pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT head FROM central_head FOR UPDATE`); err != nil {
			return err
		}
		for _, t := range tables {
			if err := copyRows(ctx, rtx, tx, t); err != nil {
				return fmt.Errorf("copying %s: %w", t.name, err)
			}
		}
		for _, t := range []string{"accounts", "audit", "notices"} {
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), coalesce(max(id), 0) + 1, false) FROM `+t); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE central_head SET head = $1`, rep.Head); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'epoch'`, rep.Epoch)
		return err
	})
	if err != nil {
		return CopyReport{}, fmt.Errorf("copying %s to %s: %w", from, d.name, err)
	}
	return rep, nil
}

// copyRows streams one table from the file into PostgreSQL (COPY).
func copyRows(ctx context.Context, src *sql.Tx, dst pgx.Tx, t copyTable) error {
	q := "SELECT "
	for i, c := range t.cols {
		if i > 0 {
			q += ", "
		}
		q += c
	}
	rows, err := src.QueryContext(ctx, q+" FROM "+t.name)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var scanErr error
	n, err := dst.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromFunc(func() ([]any, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		if err := rows.Scan(ptrs...); err != nil {
			scanErr = err
			return nil, err
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			var err error
			if out[i], err = convertValue(v, t.kind[i]); err != nil {
				return nil, fmt.Errorf("%s.%s: %w", t.name, t.cols[i], err)
			}
		}
		return out, nil
	}))
	*t.n = n
	return errors.Join(err, scanErr)
}

func convertValue(v any, kind int) (any, error) {
	if v == nil {
		if kind == colNullText || kind == colNullTime {
			return nil, nil
		}
		return nil, errors.New("NULL where a value is required")
	}
	str := func() string {
		switch x := v.(type) {
		case string:
			return x
		case []byte:
			return string(x)
		}
		return fmt.Sprint(v)
	}
	switch kind {
	case colText, colNullText:
		return str(), nil
	case colInt:
		if x, ok := v.(int64); ok {
			return x, nil
		}
		return nil, fmt.Errorf("not an integer: %T", v)
	case colBlob:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
		return nil, fmt.Errorf("not a blob: %T", v)
	default:
		t, err := time.Parse(timeLayout, str())
		if err != nil {
			return nil, fmt.Errorf("not a time: %q", str())
		}
		return t, nil
	}
}
