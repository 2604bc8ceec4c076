-- 0001: the central account store's first schema.
--
-- An account is one row holding its snapshot (store.Snapshot as JSON, the
-- exact bytes the change feed serves) and the change number of its latest
-- change: the feed "changes after N" is the accounts with seq > N in seq
-- order, so it holds each account once, as it is now. Secrets are hashes
-- and sealed values only, as at the stations. Times are UTC text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE accounts (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,        -- assigned once at import, never changed
    student_id  TEXT    NOT NULL UNIQUE,
    seq         INTEGER NOT NULL UNIQUE,        -- change number of the latest change
    snapshot    TEXT    NOT NULL,               -- what stations receive
    fingerprint BLOB    NOT NULL,               -- digest of the registry particulars
    failures    TEXT    NOT NULL DEFAULT '[]',  -- failed attempts (any station) inside the lockout window
    updated_at  TEXT    NOT NULL
) STRICT;

-- Every op a station pushed, by id: a retried op is answered as a
-- duplicate and applied once. Also the record of who changed what.
CREATE TABLE ops (
    op_id       TEXT PRIMARY KEY,
    station     TEXT NOT NULL,                  -- the station whose token pushed it
    account     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    created_at  TEXT NOT NULL,                  -- at the station
    received_at TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('applied', 'rejected')),
    reason      TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

CREATE TABLE stations (
    id         TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,            -- secret.TokenHash; the token itself is never stored
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

-- Imports and station changes, for staff. Never a secret in detail.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
) STRICT;
