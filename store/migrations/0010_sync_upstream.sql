-- 0010: which central store URL the sync loop used last ([sync] upstream
-- may list several accountd processes; the station fails over between
-- them), for `kiosk status` and the staff panel. One row once a sync
-- succeeded. (A table of its own, so running this step again is harmless.)
CREATE TABLE IF NOT EXISTS sync_upstream (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    url TEXT    NOT NULL
) STRICT;
