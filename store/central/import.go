package central

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/expressstation/kiosk/policy"
	"github.com/expressstation/kiosk/store/domain"
	"github.com/expressstation/kiosk/store/registry"
)

// Import loads registry records (DESIGN.md "Registry CSV") with the same
// parser and row errors as a station's import. A new student gets an
// account name, the lowest free clash number, assigned here once for every
// station; a known student with changed particulars keeps the name and gets
// a new change; identical data writes nothing. Batches commit whole.
func (s *Central) Import(ctx context.Context, csv io.Reader) (registry.ImportReport, error) {
	if s.opt.Keys == nil {
		return registry.ImportReport{}, errors.New("import needs the deployment's identity key: give --identity-key FILE or set KIOSK_IDENTITY_KEY")
	}
	// Names are assigned from the accounts as they are once no other
	// import runs, here or in another process: two imports racing would
	// otherwise both give the next tmchan to different students.
	s.importMu.Lock()
	defer s.importMu.Unlock()
	unlock, err := s.b.LockImport(ctx)
	if err != nil {
		return registry.ImportReport{}, fmt.Errorf("import into %s: %w", s.b.Name(), err)
	}
	defer unlock()
	im, err := s.newImporter(ctx)
	if err != nil {
		return registry.ImportReport{}, err
	}
	opt := registry.Options{StudentIDLength: s.opt.StudentIDLength, Today: s.opt.Now()}
	rowErrs, err := registry.Parse(csv, opt, func(rec registry.Record) error {
		if err := im.add(rec); err != nil {
			return err
		}
		if len(im.batch) >= importBatch {
			return s.flush(ctx, im)
		}
		return ctx.Err()
	})
	if err == nil {
		err = s.flush(ctx, im)
	}
	im.report.Errors = rowErrs
	s.log.Info("registry import", "added", im.report.Added, "updated", im.report.Updated,
		"unchanged", im.report.Unchanged, "bad_rows", len(rowErrs), "err", err)
	if err != nil {
		return im.report, fmt.Errorf("import into %s: %w", s.b.Name(), err)
	}
	return im.report, nil
}

// importBatch rows commit together.
const importBatch = 5000

type importer struct {
	known  map[string]knownAccount // by student id
	names  domain.Names
	batch  []importRow
	report registry.ImportReport
	s      *Central
}

type knownAccount struct {
	id          int64
	name        string
	fingerprint [32]byte
}

// importRow is a new account (id 0) or a changed one.
type importRow struct {
	id          int64
	line        int
	snap        domain.Snapshot
	fingerprint [32]byte
}

func (s *Central) newImporter(ctx context.Context) (*importer, error) {
	im := &importer{known: map[string]knownAccount{}, s: s}
	err := s.b.KnownAccounts(ctx, func(k KnownAccount) {
		im.known[k.StudentID] = knownAccount{id: k.ID, name: k.Name, fingerprint: k.Fingerprint}
		im.names.Add(k.Name)
	})
	if err != nil {
		return nil, fmt.Errorf("import: reading known accounts: %w", err)
	}
	return im, nil
}

// add sorts a record into new, changed or unchanged.
func (im *importer) add(rec registry.Record) error {
	snap := im.particulars(rec)
	fp := fingerprint(snap)
	k, ok := im.known[rec.StudentID]
	switch {
	case ok && k.fingerprint == fp:
		im.report.Unchanged++
		return nil
	case ok:
		snap.Name = k.name
	default:
		snap.Name = im.names.New(rec.Surname, rec.GivenNames)
	}
	im.known[rec.StudentID] = knownAccount{id: k.id, name: snap.Name, fingerprint: fp}
	im.batch = append(im.batch, importRow{id: k.id, line: rec.Line, snap: snap, fingerprint: fp})
	return nil
}

// particulars is a new registered account's snapshot for rec (no name yet).
func (im *importer) particulars(rec registry.Record) domain.Snapshot {
	hash := func(kind, v string) []byte {
		if v == "" {
			return nil
		}
		return im.s.opt.Keys.IdentityHash(kind, v)
	}
	return domain.Snapshot{
		StudentID: rec.StudentID, Surname: rec.Surname, GivenNames: rec.GivenNames,
		Department: rec.Department, Level: rec.Level, Category: rec.Category,
		CompletionDate: rec.CompletionDate, Status: policy.StatusRegistered,
		HKIDHash: hash("hkid", rec.HKID), DOBHash: hash("dob", rec.DateOfBirth),
		PassportHash: hash("passport", rec.PassportNo), DirectoryPublic: true, ChineseName: rec.ChineseName,
	}
}

// fingerprint digests the registry particulars of a snapshot.
func fingerprint(s domain.Snapshot) [32]byte {
	return domain.RegistryFingerprint(s.Surname, s.GivenNames, s.Department, string(s.Level), string(s.Category),
		s.CompletionDate, s.HKIDHash, s.DOBHash, s.PassportHash, s.ChineseName)
}

// flush writes the batch in one transaction; each row is a new change.
func (s *Central) flush(ctx context.Context, im *importer) error {
	if len(im.batch) == 0 {
		return nil
	}
	b := im.batch
	im.batch = im.batch[:0]
	var added, updated int
	err := s.inTx(ctx, func(tx Tx, head *int64) error {
		added, updated = 0, 0
		now := s.opt.Now()
		var adds []NewAccount
		for _, row := range b {
			*head++
			if row.id != 0 {
				if err := updateParticulars(ctx, tx, row, *head, now); err != nil {
					return err
				}
				updated++
				continue
			}
			snap, err := encodeSnapshot(row.snap)
			if err != nil {
				return err
			}
			adds = append(adds, NewAccount{Name: row.snap.Name, StudentID: row.snap.StudentID, Seq: *head,
				Snapshot: []byte(snap), Fingerprint: row.fingerprint[:], At: now})
			added++
		}
		if err := tx.InsertAccounts(ctx, adds); err != nil {
			return fmt.Errorf("lines %d-%d: %w", b[0].line, b[len(b)-1].line, err)
		}
		return tx.Audit(ctx, now, "", "import", fmt.Sprintf("lines %d-%d: %d added, %d updated", b[0].line, b[len(b)-1].line, added, updated))
	})
	if err != nil {
		return err
	}
	im.report.Added += added
	im.report.Updated += updated
	return nil
}

// updateParticulars rewrites a known student's registry fields (never the
// name, password, 2FA or status) as a new change.
func updateParticulars(ctx context.Context, tx Tx, row importRow, seq int64, now time.Time) error {
	stored, err := tx.AccountSnapshot(ctx, row.id)
	if err != nil {
		return fmt.Errorf("line %d: %w", row.line, err)
	}
	var cur domain.Snapshot
	if err := json.Unmarshal(stored, &cur); err != nil {
		return fmt.Errorf("line %d: stored snapshot of %s: %w", row.line, row.snap.Name, err)
	}
	n := row.snap
	cur.Surname, cur.GivenNames, cur.Department = n.Surname, n.GivenNames, n.Department
	cur.Level, cur.Category, cur.CompletionDate = n.Level, n.Category, n.CompletionDate
	cur.HKIDHash, cur.DOBHash, cur.PassportHash = n.HKIDHash, n.DOBHash, n.PassportHash
	cur.ChineseName = n.ChineseName
	snap, err := encodeSnapshot(cur)
	if err != nil {
		return err
	}
	if err := tx.UpdateParticulars(ctx, row.id, seq, []byte(snap), row.fingerprint[:], now); err != nil {
		return fmt.Errorf("line %d: %w", row.line, err)
	}
	return nil
}
