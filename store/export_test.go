package store

import "database/sql"

// SetBeforeCommit installs a hook that runs inside every write transaction
// just before COMMIT (crash tests). nil removes it.
func SetBeforeCommit(f func(action string)) { beforeCommit = f }

// ReadDB is the replica's read pool, for tests that look at rows directly.
func ReadDB(r *Replica) *sql.DB { return r.r }

// ImportBatch is the number of registry rows per import transaction.
const ImportBatch = importBatch

// WriteDB is the replica's single writer connection pool.
func WriteDB(r *Replica) *sql.DB { return r.w }

// SetLifecycleBatch sets how many candidates a lifecycle batch reads and
// returns the function that restores it.
func SetLifecycleBatch(n int) (restore func()) {
	old := lifecycleBatch
	lifecycleBatch = n
	return func() { lifecycleBatch = old }
}

// SetAfterAlumniHash installs a hook that runs while ActivateAlumni has
// hashed the password but not yet opened its transaction. nil removes it.
func SetAfterAlumniHash(f func()) { afterAlumniHash = f }
