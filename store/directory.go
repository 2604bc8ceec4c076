package store

import (
	"context"
	"database/sql"

	"github.com/expressstation/kiosk/store/domain"
)

// SetDirectoryPublic records the student's "Open to Public" choice for the
// University Communications Directory.
func (r *Replica) SetDirectoryPublic(ctx context.Context, p Proof, public bool) (Account, error) {
	a, err := r.byName(ctx, p.Account)
	if err != nil {
		return Account{}, err
	}
	detail := "members only"
	if public {
		detail = "open to public"
	}
	now := r.now()
	c := &change{Account: a.Name, Action: "directory", Detail: detail, Kind: domain.OpDirectory, At: now,
		Payload: domain.DirectoryPayload{Public: public}, Proof: p}
	err = r.commit(ctx, c, func(tx *sql.Tx, c *change) error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET directory_public = ?, updated_at = ? WHERE id = ?`,
			public, formatTime(now), a.ID)
		return err
	})
	if err != nil {
		return Account{}, err
	}
	return r.reloadWith(ctx, a.Name, c.Next)
}
