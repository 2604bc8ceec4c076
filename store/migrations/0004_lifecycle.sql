-- 0004: account lifecycle, alumni accounts and profile self-service
-- (store/lifecycle.go, store/notices.go, store/alumni.go, store/profile.go).
--
-- Every statement can run again on a file that has it already, so a replica
-- whose user_version was set back (tests do) migrates forward again.

-- What a student chose about their account, beside the accounts table: a
-- reset rebuilds accounts from the registry and a resync from the central
-- store, and neither must lose a lifelong alias. Keyed by account name,
-- which is assigned once and never reused.
CREATE TABLE IF NOT EXISTS account_profiles (
    account        TEXT PRIMARY KEY,               -- accounts.name
    alias          TEXT UNIQUE,                    -- alumni e-mail alias (policy.ParseAlias), for life; NULL until chosen
    personal_email TEXT                            -- where notices go (policy.ParsePersonalEmail); NULL = the account's own
) STRICT, WITHOUT ROWID;

-- A graduate who never activated is found by identity number alone
-- (VerifyAlumni has no student ID to go by).
CREATE INDEX IF NOT EXISTS accounts_hkid ON accounts (hkid_hash) WHERE hkid_hash IS NOT NULL;
CREATE INDEX IF NOT EXISTS accounts_passport ON accounts (passport_hash) WHERE passport_hash IS NOT NULL;

-- Notices to students (grace starts, expiry, extension, password age,
-- password or 2FA changed). Written in the same transaction as what they
-- tell of; sent by SMTP when [mail] is configured, else kept for staff to
-- list. They hold no secret.
CREATE TABLE IF NOT EXISTS notices (
    id         INTEGER PRIMARY KEY,
    created_at TEXT    NOT NULL,
    account    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,                    -- store.NoticeKind
    to_address TEXT    NOT NULL,                    -- the personal e-mail when set, else the account's
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'kept')),
    sent_at    TEXT,
    error      TEXT    NOT NULL DEFAULT '',         -- the last delivery error, or why it is kept
    attempts   INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX IF NOT EXISTS notices_state ON notices (state, id);
CREATE INDEX IF NOT EXISTS notices_account ON notices (account, kind, id);

-- The outbox learns the new op kinds. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt with its rows, order and
-- indexes as they were.
DROP TABLE IF EXISTS outbox_new;
CREATE TABLE outbox_new (
    seq        INTEGER PRIMARY KEY,
    op_id      TEXT    NOT NULL UNIQUE,
    created_at TEXT    NOT NULL,
    station    TEXT    NOT NULL,
    kind       TEXT    NOT NULL
               CHECK (kind IN ('activate', 'set_password', 'enrol_totp', 'totp_step', 'directory', 'failure',
                               'lifecycle', 'extend', 'activate_alumni', 'alias', 'personal_email')),
    account    TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'rejected')),
    reason     TEXT    NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO outbox_new (seq, op_id, created_at, station, kind, account, payload, state, reason, attempts)
    SELECT seq, op_id, created_at, station, kind, account, payload, state, reason, attempts FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_state ON outbox (state, seq);
CREATE INDEX outbox_pending_account ON outbox (account, seq) WHERE state = 'pending';
