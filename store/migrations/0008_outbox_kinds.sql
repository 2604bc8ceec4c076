-- 0008: the outbox takes any op kind store/domain declares. The kinds are
-- declared once, in Go (store/domain/kinds.go), and the replica writes
-- only those (enqueue refuses the rest), so a new kind needs no migration
-- to extend a list here. SQLite cannot drop a CHECK constraint in place:
-- the table is rebuilt with its rows, order and indexes as they were.
-- Statements can run again on a file that has them already.
DROP TABLE IF EXISTS outbox_new;
CREATE TABLE outbox_new (
    seq        INTEGER PRIMARY KEY,
    op_id      TEXT    NOT NULL UNIQUE,             -- 128-bit random hex: a retried push applies once
    created_at TEXT    NOT NULL,
    station    TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind <> ''), -- a domain.OpKind
    account    TEXT    NOT NULL,
    payload    TEXT    NOT NULL,                    -- JSON; hashes and sealed values only
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'rejected')),
    reason     TEXT    NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,
    after_op   TEXT    NOT NULL DEFAULT '',         -- op_id of the op this one follows, or ''
    proof      TEXT    NOT NULL DEFAULT ''          -- hkid, dob, passport, password, totp or ''
) STRICT;
INSERT INTO outbox_new (seq, op_id, created_at, station, kind, account, payload, state, reason, attempts, after_op, proof)
    SELECT seq, op_id, created_at, station, kind, account, payload, state, reason, attempts, after_op, proof FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_state ON outbox (state, seq);
CREATE INDEX outbox_pending_account ON outbox (account, seq) WHERE state = 'pending';
CREATE INDEX outbox_after ON outbox (after_op) WHERE after_op <> '';
