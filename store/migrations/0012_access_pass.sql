-- 0012: the service desk's access pass (issue 15), as the central store's
-- snapshot carries it: its argon2id hash ('' when none), when it expires
-- and who issued it. Using it clears them (op use_pass).
--
-- The columns are added by migrate.go (addColumns) only when missing, so
-- this step can run again over a file that has them.
SELECT 1;
