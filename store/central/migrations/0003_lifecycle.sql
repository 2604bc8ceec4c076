-- 0003: the account lifecycle in the central store (lifecycle.go): the
-- notices it sends and audit rows that name their account.
--
-- Notices have the columns of a station's (store migration 0004), so that
-- store.NoticeBox reads and updates either and mail.Deliver sends from
-- either. They hold no secret.
CREATE TABLE notices (
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
CREATE INDEX notices_state ON notices (state, id);
CREATE INDEX notices_account ON notices (account, kind, id);

-- A lifecycle move or an extension names its account (NULL for imports
-- and station changes).
ALTER TABLE audit ADD COLUMN account TEXT;
