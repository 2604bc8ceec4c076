-- 0009: the registry's optional chinese_name column (after passport_no),
-- kept to show in the particulars and for the password rule "not your
-- name"; '' when the registry gives none.
--
-- The column itself is added by migrate.go (addColumns) only when missing,
-- so that this step, like the others, can run again over a file that has
-- it: ALTER TABLE accounts ADD COLUMN chinese_name TEXT NOT NULL DEFAULT ''.
SELECT 1;
