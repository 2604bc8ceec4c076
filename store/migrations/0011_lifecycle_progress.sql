-- 0011: where a standalone station's lifecycle job got to (store/lifecycle.go),
-- so that a job interrupted by a restart resumes after the last committed
-- batch instead of reading every candidate again. One row; after_name is
-- the last account of the last committed batch of the run on day, NULL
-- once that run finished.

CREATE TABLE IF NOT EXISTS lifecycle_progress (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    day        TEXT NOT NULL DEFAULT '',   -- the run's UTC day, YYYY-MM-DD
    after_name TEXT                        -- resume after this account, or NULL: finished
) STRICT;
INSERT OR IGNORE INTO lifecycle_progress (id) VALUES (1);
