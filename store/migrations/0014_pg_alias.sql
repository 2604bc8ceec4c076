-- 0014: a postgraduate's full-name alias and the e-mail display name
-- (issue 19). account_profiles gains alias_full_name (1 when alias is a
-- full-name alias, at the e-mail domain; 0 for an alumni alias) and
-- display_name (the name on the student's e-mails, policy.ParseDisplayName;
-- NULL = the registry's name). An account has one alias either way, and the
-- alias column stays UNIQUE across both uses.
--
-- The columns are added by migrate.go (addColumns) only when missing, so
-- this step can run again over a file that has them.
SELECT 1;
