-- 0004: an op's proof and the op it follows (store migration 0006), so
-- that an op that depends on another is decided from what the store
-- recorded for that one: the same answer on a retry after a crash or a
-- duplicate push.
ALTER TABLE ops ADD COLUMN after_op TEXT NOT NULL DEFAULT '';
ALTER TABLE ops ADD COLUMN proof    TEXT NOT NULL DEFAULT '';
