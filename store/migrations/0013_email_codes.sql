-- 0013: e-mail codes (issue 19): the one-time codes sent to a personal
-- e-mail, to verify a new address or to reset a forgotten password. One
-- live code per account and purpose: a new code replaces the old one. The
-- code itself is kept only as a keyed hash (the identity key, which is
-- never in this file), with the address it went to, when it was sent, when
-- it expires and how many wrong codes were typed for it.
--
-- account_profiles.personal_email_verified_at (when the student typed the
-- code sent to the address) is added by migrate.go (addColumns) when
-- missing, so this step can run again over a file that has it.
CREATE TABLE IF NOT EXISTS email_codes (
    account    TEXT    NOT NULL,                    -- accounts.name
    purpose    TEXT    NOT NULL CHECK (purpose IN ('verify_email', 'reset')),
    code_hash  BLOB    NOT NULL,                    -- secret.Keys.IdentityHash of account, purpose, address and code
    address    TEXT    NOT NULL,
    sent_at    TEXT    NOT NULL,
    expires_at TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, purpose)
) STRICT, WITHOUT ROWID;
