package registry

// ImportReport says what an import of registry records did, at a station
// (store) or at the central store (store/central). Errors are the rows it
// skipped.
type ImportReport struct {
	Added, Updated, Unchanged int
	Errors                    []RowError
}
