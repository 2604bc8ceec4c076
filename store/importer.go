package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/registry"
)

// ImportReport says what an import did. Errors are the rows it skipped.
type ImportReport struct {
	Added, Updated, Unchanged int
	Errors                    []registry.RowError
}

// importBatch rows go into one transaction: few enough commits (each an
// fsync) to be fast, small enough that a crash loses little work.
const importBatch = 2000

// ImportRegistry loads registry records (DESIGN.md "Registry CSV"). A new
// student gets an account name (the lowest free clash number) that is never
// changed afterwards; a known student with changed particulars is updated;
// identical data writes nothing. Bad rows are reported and skipped. Imports
// come from the registry, not from students, so they write audit rows (one
// per batch, one per updated account) but no outbox rows. Each batch is one
// transaction: after a crash every batch is there whole or not at all.
func (r *Replica) ImportRegistry(ctx context.Context, csv io.Reader) (ImportReport, error) {
	r.importMu.Lock()
	defer r.importMu.Unlock()
	im, err := r.newImporter(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	opt := registry.Options{StudentIDLength: r.opt.StudentIDLength, Today: r.now()}
	rowErrs, err := registry.Parse(csv, opt, func(rec registry.Record) error {
		im.add(rec)
		if len(im.batch) >= importBatch {
			return im.flush(ctx)
		}
		return ctx.Err()
	})
	if err == nil {
		err = im.flush(ctx)
	}
	im.report.Errors = rowErrs
	rep := im.report
	r.log.Info("registry import", "added", rep.Added, "updated", rep.Updated,
		"unchanged", rep.Unchanged, "bad_rows", len(rep.Errors), "err", err)
	if err != nil {
		return rep, fmt.Errorf("import into %s: %w", r.path, err)
	}
	return rep, nil
}

// importer holds what an import needs in memory: every known student's
// fingerprint (to find unchanged rows without a query each) and every taken
// account name (to pick clash numbers).
type importer struct {
	r       *Replica
	known   map[string]known // by student id
	taken   map[string]bool  // account names
	nextN   map[string]int   // per base: no lower clash number is free
	batch   []pending
	report  ImportReport // committed batches only
	pending ImportReport // counts in the open batch
}

type known struct {
	id   int64
	name string
	fp   [32]byte
}

// pending is one row of the open batch: an insert (id 0) or an update.
type pending struct {
	rec                 registry.Record
	id                  int64
	name                string
	hkid, dob, passport []byte
}

func (r *Replica) newImporter(ctx context.Context) (*importer, error) {
	im := &importer{r: r, known: map[string]known{}, taken: map[string]bool{}, nextN: map[string]int{}}
	rows, err := r.r.QueryContext(ctx, `SELECT id, name, student_id, surname, given_names, department, level,
		category, completion_date, hkid_hash, dob_hash, passport_hash FROM accounts`)
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
			&p.category, &completion, &p.hkid, &p.dob, &p.passport); err != nil {
			return nil, fmt.Errorf("import: reading known accounts: %w", err)
		}
		p.completion = completion.String
		k.fp = p.fingerprint()
		im.known[sid] = k
		im.taken[k.name] = true
	}
	return im, rows.Err()
}

// particulars are the registry fields an import compares and writes.
type particulars struct {
	surname, given, department, level, category, completion string
	hkid, dob, passport                                     []byte
}

func (im *importer) particulars(rec registry.Record) particulars {
	keys := im.r.opt.Keys
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
	}
}

// fingerprint is a digest of the particulars, unambiguous (length-prefixed
// fields), so equal fingerprints mean identical data.
func (p particulars) fingerprint() [32]byte {
	buf := make([]byte, 0, 256)
	for _, s := range []string{p.surname, p.given, p.department, p.level, p.category, p.completion} {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	for _, b := range [][]byte{p.hkid, p.dob, p.passport} {
		buf = binary.AppendUvarint(buf, uint64(len(b)))
		buf = append(buf, b...)
	}
	return sha256.Sum256(buf)
}

// add sorts a record into new, changed or unchanged.
func (im *importer) add(rec registry.Record) {
	p := im.particulars(rec)
	fp := p.fingerprint()
	k, ok := im.known[rec.StudentID]
	switch {
	case ok && k.fp == fp:
		im.report.Unchanged++
		return
	case ok:
		im.known[rec.StudentID] = known{id: k.id, name: k.name, fp: fp}
		im.pending.Updated++
		im.batch = append(im.batch, pending{rec: rec, id: k.id, name: k.name, hkid: p.hkid, dob: p.dob, passport: p.passport})
	default:
		name := im.newName(rec)
		im.known[rec.StudentID] = known{name: name, fp: fp}
		im.pending.Added++
		im.batch = append(im.batch, pending{rec: rec, name: name, hkid: p.hkid, dob: p.dob, passport: p.passport})
	}
}

// newName takes the lowest free name for the record's base (tmchan,
// tmchan2, ...). Names are only ever added, so the search for a base
// resumes where it last stopped.
func (im *importer) newName(rec registry.Record) string {
	base := policy.AccountBase(rec.Surname, rec.GivenNames)
	n := max(im.nextN[base], 1)
	for im.taken[policy.AccountName(base, n)] {
		n++
	}
	name := policy.AccountName(base, n)
	im.taken[name] = true
	im.nextN[base] = n + 1
	return name
}

// flush writes the open batch in one transaction with its audit rows.
func (im *importer) flush(ctx context.Context) error {
	if len(im.batch) == 0 {
		return nil
	}
	r := im.r
	now := r.now()
	first, last := im.batch[0].rec.Line, im.batch[len(im.batch)-1].rec.Line
	err := r.writeTx(ctx, "import", func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, `INSERT INTO accounts (name, student_id, surname, given_names,
			department, level, category, completion_date, hkid_hash, dob_hash, passport_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, p := range im.batch {
			if p.id != 0 {
				if err := r.importUpdate(ctx, tx, p, now); err != nil {
					return err
				}
				continue
			}
			rec := p.rec
			if _, err := ins.ExecContext(ctx, p.name, rec.StudentID, rec.Surname, rec.GivenNames,
				rec.Department, string(rec.Level), string(rec.Category), nullString(rec.CompletionDate),
				nullBlob(p.hkid), nullBlob(p.dob), nullBlob(p.passport), formatTime(now), formatTime(now)); err != nil {
				return fmt.Errorf("line %d (student %s): %w", rec.Line, rec.StudentID, err)
			}
		}
		detail := fmt.Sprintf("lines %d-%d: %d added, %d updated", first, last, im.pending.Added, im.pending.Updated)
		return r.audit(ctx, tx, now, "", "import", detail)
	})
	if err != nil {
		return err
	}
	im.report.Added += im.pending.Added
	im.report.Updated += im.pending.Updated
	im.pending = ImportReport{}
	im.batch = im.batch[:0]
	return nil
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
		category = ?, completion_date = ?, hkid_hash = ?, dob_hash = ?, passport_hash = ?, updated_at = ?
		WHERE id = ?`,
		rec.Surname, rec.GivenNames, rec.Department, string(rec.Level), string(rec.Category),
		nullString(rec.CompletionDate), nullBlob(p.hkid), nullBlob(p.dob), nullBlob(p.passport),
		formatTime(now), p.id)
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
	return out
}
