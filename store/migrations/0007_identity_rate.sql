-- 0007: the station's own limit on failed identity proofs
-- (store/identity_rate.go).
--
-- An unknown Student ID (or an alumni number nobody has) has no account to
-- lock, so every failed identity proof at this station also counts here,
-- and enough of them pause the identity step at this station. Kept in the
-- replica so that a restart does not reset the count; never synced.
-- Statements can run again on a file that has them already.

-- Failed identity proofs at this station still inside the window.
CREATE TABLE IF NOT EXISTS identity_failures (
    at      TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT ''   -- hex keyed hash of an unknown Student ID or number; '' for a known account's failure
) STRICT;
CREATE INDEX IF NOT EXISTS identity_failures_at ON identity_failures (at);
CREATE INDEX IF NOT EXISTS identity_failures_subject ON identity_failures (subject, at) WHERE subject <> '';

-- What is held until when: 'station' is the paused identity step; a keyed
-- hash is an unknown Student ID or number locked after as many failures as
-- lock an account (so that the answer never tells a known one from an
-- unknown one).
CREATE TABLE IF NOT EXISTS identity_holds (
    subject TEXT PRIMARY KEY,
    until   TEXT NOT NULL
) STRICT, WITHOUT ROWID;
