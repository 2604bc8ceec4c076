-- 0003: staff mode and station operations (store/staff.go, store/reset.go).
--
-- Station-wide state that must survive a restart: the out-of-service flag,
-- the staff PIN lockout and where a standalone replica's accounts came from
-- (so Reset station can rebuild them). One row.

CREATE TABLE station_state (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    maintenance        INTEGER NOT NULL DEFAULT 0 CHECK (maintenance IN (0, 1)),
    maintenance_since  TEXT,                       -- when it was switched on, or NULL
    staff_failures     INTEGER NOT NULL DEFAULT 0, -- wrong PINs since the last right one or lock
    staff_locked_until TEXT,                       -- staff entry refused until then, or NULL
    registry_source    TEXT    NOT NULL DEFAULT '' -- absolute path of the last `kiosk import`, 'embedded:demo' or ''
) STRICT;
INSERT INTO station_state (id) VALUES (1);
