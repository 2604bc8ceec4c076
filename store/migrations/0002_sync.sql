-- 0002: what station sync needs (store/sync_apply.go).
--
-- A pulled page is applied in one transaction together with the cursor, so
-- the replica holds exactly the central changes up to sync_state.cursor.

-- The central change number of the snapshot an account was last written
-- from: an older snapshot (a page fetched before a rejection's fresh
-- snapshot arrived) never overwrites a newer one.
ALTER TABLE accounts ADD COLUMN central_seq INTEGER NOT NULL DEFAULT 0;
-- The sync generation that last wrote the account: a full resync walks the
-- whole feed in a new generation and then removes the accounts it did not
-- meet (the central store no longer has them).
ALTER TABLE accounts ADD COLUMN sync_gen INTEGER NOT NULL DEFAULT 0;

-- The central store's identity (epoch): a different one means another
-- history, so the station resyncs from the start. '' = not yet synced.
ALTER TABLE sync_state ADD COLUMN epoch TEXT NOT NULL DEFAULT '';
ALTER TABLE sync_state ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;
-- 1 while a full walk of the feed is under way; its last page ends it.
ALTER TABLE sync_state ADD COLUMN resyncing INTEGER NOT NULL DEFAULT 0 CHECK (resyncing IN (0, 1));

-- Pending ops of one account, for replaying them over a pulled snapshot.
CREATE INDEX outbox_pending_account ON outbox (account, seq) WHERE state = 'pending';
