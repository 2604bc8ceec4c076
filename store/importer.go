package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/registry"
	"github.com/expressstation/kiosk/store/secret"
)

// importBatch rows go into one transaction: few enough commits (each an
// fsync) to be fast, small enough that a crash loses little work.
const importBatch = 5000

// ImportRegistry loads registry records (DESIGN.md "Registry CSV"). A new
// student gets an account name (the lowest free clash number) that is never
// changed afterwards; a known student with changed particulars is updated;
// identical data writes nothing. Bad rows are reported and skipped. Imports
// come from the registry, not from students, so they write audit rows (one
// per batch, one per updated account) but no outbox rows. Each batch is one
// transaction: after a crash every batch is there whole or not at all.
//
// Parsing and hashing run in one goroutine, writing in another, so the two
// overlap.
func (r *Replica) ImportRegistry(ctx context.Context, csv io.Reader) (registry.ImportReport, error) {
	r.importMu.Lock()
	defer r.importMu.Unlock()
	im, err := r.newImporter(ctx)
	if err != nil {
		return registry.ImportReport{}, err
	}
	// A large cache for the batches, given back afterwards (see writerDSN).
	if _, err := r.w.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(importCacheKiB)); err != nil {
		return registry.ImportReport{}, r.fileError(err)
	}
	defer func() {
		if _, err := r.w.ExecContext(context.Background(), "PRAGMA cache_size = -"+strconv.Itoa(writerCacheKiB)); err == nil {
			r.w.ExecContext(context.Background(), "PRAGMA shrink_memory")
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 1)
	var (
		rowErrs  []registry.RowError
		parseErr error
	)
	go func() {
		defer close(batches)
		rowErrs, parseErr = im.parse(ctx, csv, batches)
	}()

	var rep registry.ImportReport
	var writeErr error
	for b := range batches {
		if writeErr != nil {
			continue // drain until the parser sees the cancellation
		}
		if writeErr = r.writeBatch(ctx, b); writeErr != nil {
			cancel()
			continue
		}
		rep.Added += b.added
		rep.Updated += b.updated
	}
	rep.Unchanged, rep.Errors = im.unchanged, rowErrs
	err = writeErr
	if err == nil {
		err = parseErr
	}
	r.log.Info("registry import", "added", rep.Added, "updated", rep.Updated,
		"unchanged", rep.Unchanged, "bad_rows", len(rep.Errors), "err", err)
	if err != nil {
		return rep, fmt.Errorf("import into %s: %w", r.path, err)
	}
	return rep, nil
}

// importer sorts parsed records into batches. It holds what that needs in
// memory: every known student's fingerprint (to find unchanged rows without
// a query each) and every taken account name (to pick clash numbers). Only
// the parsing goroutine touches it.
type importer struct {
	keys      secret.Keys
	idLength  int
	today     time.Time
	known     map[string]known // by student id
	names     domain.Names
	cur       batch
	unchanged int
}

// batch is one transaction's worth of rows.
type batch struct {
	rows           []pending
	added, updated int
}

type known struct {
	id   int64
	name string
	fp   [32]byte
}

// pending is one row of a batch: an insert (id 0) or an update.
type pending struct {
	rec                 registry.Record
	id                  int64
	name                string
	hkid, dob, passport []byte
}

// parse runs registry.Parse and sends full batches, then the last one.
func (im *importer) parse(ctx context.Context, csv io.Reader, out chan<- batch) ([]registry.RowError, error) {
	send := func() error {
		if len(im.cur.rows) == 0 {
			return nil
		}
		select {
		case out <- im.cur:
			im.cur = batch{rows: make([]pending, 0, importBatch)}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	opt := registry.Options{StudentIDLength: im.idLength, Today: im.today}
	rowErrs, err := registry.Parse(csv, opt, func(rec registry.Record) error {
		im.add(rec)
		if len(im.cur.rows) >= importBatch {
			return send()
		}
		return ctx.Err()
	})
	if err == nil {
		err = send()
	}
	return rowErrs, err
}

func (r *Replica) newImporter(ctx context.Context) (*importer, error) {
	im := &importer{
		keys: r.opt.Keys, idLength: r.opt.StudentIDLength, today: r.now(),
		known: map[string]known{},
		cur:   batch{rows: make([]pending, 0, importBatch)},
	}
	rows, err := r.r.QueryContext(ctx, `SELECT id, name, student_id, surname, given_names, department, level,
		category, completion_date, hkid_hash, dob_hash, passport_hash, chinese_name FROM accounts`)
	if err != nil {
		return nil, fmt.Errorf("import: reading known accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k          known
			sid        string
			p          particulars
			completion sql.NullString
		)
		if err := rows.Scan(&k.id, &k.name, &sid, &p.surname, &p.given, &p.department, &p.level,
			&p.category, &completion, &p.hkid, &p.dob, &p.passport, &p.chinese); err != nil {
			return nil, fmt.Errorf("import: reading known accounts: %w", err)
		}
		p.completion = completion.String
		k.fp = p.fingerprint()
		im.known[sid] = k
		im.names.Add(k.name)
	}
	return im, rows.Err()
}

// particulars are the registry fields an import compares and writes.
type particulars struct {
	surname, given, department, level, category, completion string
	hkid, dob, passport                                     []byte
	chinese                                                 string
}

func (im *importer) particulars(rec registry.Record) particulars {
	keys := im.keys
	hash := func(kind, v string) []byte {
		if v == "" {
			return nil
		}
		return keys.IdentityHash(kind, v)
	}
	return particulars{
		surname: rec.Surname, given: rec.GivenNames, department: rec.Department,
		level: string(rec.Level), category: string(rec.Category), completion: rec.CompletionDate,
		hkid: hash("hkid", rec.HKID), dob: hash("dob", rec.DateOfBirth), passport: hash("passport", rec.PassportNo),
		chinese: rec.ChineseName,
	}
}

// fingerprint is a digest of the particulars, unambiguous (length-prefixed
// fields), so equal fingerprints mean identical data.
func (p particulars) fingerprint() [32]byte {
	return domain.RegistryFingerprint(p.surname, p.given, p.department, p.level, p.category, p.completion, p.hkid, p.dob, p.passport, p.chinese)
}

// add sorts a record into new, changed or unchanged.
func (im *importer) add(rec registry.Record) {
	p := im.particulars(rec)
	fp := p.fingerprint()
	row := pending{rec: rec, hkid: p.hkid, dob: p.dob, passport: p.passport}
	k, ok := im.known[rec.StudentID]
	switch {
	case ok && k.fp == fp:
		im.unchanged++
		return
	case ok:
		row.id, row.name = k.id, k.name
		im.cur.updated++
	default:
		row.name = im.names.New(rec.Surname, rec.GivenNames)
		im.cur.added++
	}
	im.known[rec.StudentID] = known{id: row.id, name: row.name, fp: fp}
	im.cur.rows = append(im.cur.rows, row)
}

// writeBatch writes one batch in one transaction with its audit rows.
func (r *Replica) writeBatch(ctx context.Context, b batch) error {
	now := r.now()
	first, last := b.rows[0].rec.Line, b.rows[len(b.rows)-1].rec.Line
	return r.writeTx(ctx, "import", func(tx *sql.Tx) error {
		adds := make([]pending, 0, b.added)
		for _, p := range b.rows {
			if p.id == 0 {
				adds = append(adds, p)
				continue
			}
			if err := r.importUpdate(ctx, tx, p, now); err != nil {
				return err
			}
		}
		if err := insertAccounts(ctx, tx, adds, formatTime(now)); err != nil {
			return fmt.Errorf("lines %d-%d: %w", first, last, err)
		}
		detail := fmt.Sprintf("lines %d-%d: %d added, %d updated", first, last, b.added, b.updated)
		return r.audit(ctx, tx, now, "", "import", detail)
	})
}

// insertRows is how many accounts one INSERT statement carries: one
// statement per row costs more in the driver than in SQLite.
const insertRows = 64

const insertColumns = 14

// insertAccounts inserts new accounts, insertRows at a time.
func insertAccounts(ctx context.Context, tx *sql.Tx, adds []pending, now string) error {
	var full *sql.Stmt
	args := make([]any, 0, insertRows*insertColumns)
	for len(adds) > 0 {
		chunk := adds[:min(insertRows, len(adds))]
		adds = adds[len(chunk):]
		args = args[:0]
		for _, p := range chunk {
			rec := p.rec
			args = append(args, p.name, rec.StudentID, rec.Surname, rec.GivenNames, rec.Department,
				string(rec.Level), string(rec.Category), nullString(rec.CompletionDate),
				nullBlob(p.hkid), nullBlob(p.dob), nullBlob(p.passport), now, now, rec.ChineseName)
		}
		var err error
		if len(chunk) == insertRows {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insertSQL(insertRows)); err != nil {
					return err
				}
				defer full.Close()
			}
			_, err = full.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertSQL(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func insertSQL(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", insertColumns), ", ") + ")"
	return `INSERT INTO accounts (name, student_id, surname, given_names, department, level, category,
		completion_date, hkid_hash, dob_hash, passport_hash, created_at, updated_at, chinese_name) VALUES ` +
		strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")
}

// importUpdate rewrites a known student's particulars (never the account
// name) and audits which fields changed, not their values.
func (r *Replica) importUpdate(ctx context.Context, tx *sql.Tx, p pending, now time.Time) error {
	old, err := loadRow(ctx, tx, "name", p.name)
	if err != nil {
		return fmt.Errorf("line %d (student %s): %w", p.rec.Line, p.rec.StudentID, err)
	}
	rec := p.rec
	_, err = tx.ExecContext(ctx, `UPDATE accounts SET surname = ?, given_names = ?, department = ?, level = ?,
		category = ?, completion_date = ?, hkid_hash = ?, dob_hash = ?, passport_hash = ?, updated_at = ?,
		chinese_name = ? WHERE id = ?`,
		rec.Surname, rec.GivenNames, rec.Department, string(rec.Level), string(rec.Category),
		nullString(rec.CompletionDate), nullBlob(p.hkid), nullBlob(p.dob), nullBlob(p.passport),
		formatTime(now), rec.ChineseName, p.id)
	if err != nil {
		return fmt.Errorf("line %d (student %s): %w", rec.Line, rec.StudentID, err)
	}
	detail := fmt.Sprintf("registry line %d changed: %s", rec.Line, strings.Join(changedFields(old, p), ", "))
	return r.audit(ctx, tx, now, p.name, "import_update", detail)
}

// changedFields names the particulars that differ; identity values are
// compared as hashes and never shown.
func changedFields(old row, p pending) []string {
	rec := p.rec
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("surname", old.Surname != rec.Surname)
	add("given_names", old.GivenNames != rec.GivenNames)
	add("department", old.Department != rec.Department)
	add("level", string(old.Level) != string(rec.Level))
	add("category", string(old.Category) != string(rec.Category))
	add("completion_date", dateString(old.Completion) != rec.CompletionDate)
	add("hkid", !bytes.Equal(old.HKIDHash, p.hkid))
	add("date_of_birth", !bytes.Equal(old.DOBHash, p.dob))
	add("passport_no", !bytes.Equal(old.PassportHash, p.passport))
	add("chinese_name", old.ChineseName != rec.ChineseName)
	return out
}
