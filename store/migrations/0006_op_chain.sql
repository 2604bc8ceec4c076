-- 0006: every op a verification allowed carries its proof (store.Proof):
-- how the visit was verified, and the op of the same visit it follows.
-- The central store decides an op with after_op only if that op was
-- applied, so ops that depend on a refused one are refused with it; the
-- replay of pending ops over a pulled snapshot skips them too.
ALTER TABLE outbox ADD COLUMN after_op TEXT NOT NULL DEFAULT ''; -- op_id of the op this one follows, or ''
ALTER TABLE outbox ADD COLUMN proof    TEXT NOT NULL DEFAULT ''; -- hkid, dob, passport, password, totp or ''
-- What follows an op: read when the store refuses one (few rows carry it).
CREATE INDEX outbox_after ON outbox (after_op) WHERE after_op <> '';
