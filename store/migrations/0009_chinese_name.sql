-- 0009: the registry's optional chinese_name column (after passport_no),
-- kept to show in the particulars and for the password rule "not your
-- name". Empty when the registry gives none.
ALTER TABLE accounts ADD COLUMN chinese_name TEXT NOT NULL DEFAULT '';
