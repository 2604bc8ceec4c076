-- 0001: the station replica's first schema.
--
-- Secrets never appear here in the clear: identity numbers are HMAC-SHA256
-- hashes (keys.IdentityHash), passwords argon2id PHC strings, TOTP secrets
-- sealed with AES-256-GCM bound to the account name. Times are UTC text in
-- one fixed-width format (see store/timefmt.go) so they sort as text.

CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL UNIQUE,   -- assigned once at import, never changed
    student_id          TEXT    NOT NULL UNIQUE,
    surname             TEXT    NOT NULL,
    given_names         TEXT    NOT NULL,
    department          TEXT    NOT NULL,
    level               TEXT    NOT NULL,
    category            TEXT    NOT NULL,
    completion_date     TEXT,                      -- YYYY-MM-DD or NULL
    extended_until      TEXT,                      -- grace extension granted centrally, or NULL
    status              TEXT    NOT NULL DEFAULT 'registered'
                        CHECK (status IN ('registered', 'active', 'grace', 'alumni', 'terminated')),
    hkid_hash           BLOB,                      -- NULL when the registry has no HKID
    dob_hash            BLOB,
    passport_hash       BLOB,
    password_hash       TEXT,                      -- argon2id; NULL until activated
    activated_at        TEXT,
    password_changed_at TEXT,
    totp_sealed         BLOB,                      -- NULL until 2FA is enrolled
    totp_last_step      INTEGER NOT NULL DEFAULT 0, -- a step <= this is never accepted again
    directory_public    INTEGER NOT NULL DEFAULT 1 CHECK (directory_public IN (0, 1)),
    locked_until        TEXT,                      -- self-service locked until then
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    CHECK (status <> 'active' OR password_hash IS NOT NULL)
) STRICT;

-- The last ten password hashes of an account, the current one included.
CREATE TABLE password_history (
    seq        INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    hash       TEXT    NOT NULL,
    set_at     TEXT    NOT NULL
) STRICT;
CREATE INDEX password_history_account ON password_history (account_id, seq);

-- Failed identity/password/TOTP attempts still inside the lockout window.
CREATE TABLE failures (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    at         TEXT    NOT NULL,
    what       TEXT    NOT NULL CHECK (what IN ('identity', 'password', 'totp'))
) STRICT;
CREATE INDEX failures_account ON failures (account_id, at);

-- What happened, for staff. Never a secret in detail.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    station TEXT NOT NULL,
    account TEXT,                                   -- NULL for an import batch
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX audit_account ON audit (account, id);

-- The station's own writes, waiting to be pushed to the central store.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY,
    op_id      TEXT    NOT NULL UNIQUE,             -- 128-bit random hex: a retried push applies once
    created_at TEXT    NOT NULL,
    station    TEXT    NOT NULL,
    kind       TEXT    NOT NULL
               CHECK (kind IN ('activate', 'set_password', 'enrol_totp', 'totp_step', 'directory', 'failure')),
    account    TEXT    NOT NULL,
    payload    TEXT    NOT NULL,                    -- JSON; hashes and sealed values only
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'rejected')),
    reason     TEXT    NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX outbox_state ON outbox (state, seq);

-- Where the pull from the central store stands. One row.
CREATE TABLE sync_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    cursor     INTEGER NOT NULL DEFAULT 0,
    last_sync  TEXT,
    last_error TEXT    NOT NULL DEFAULT ''
) STRICT;
INSERT INTO sync_state (id) VALUES (1);
