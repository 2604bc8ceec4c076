-- 0002: alumni aliases are unique across the store (an alias is also never
-- another account's name; the applier checks that). The snapshot holds the
-- alias too; this column is its index.
ALTER TABLE accounts ADD COLUMN alias TEXT;
CREATE UNIQUE INDEX accounts_alias ON accounts (alias) WHERE alias IS NOT NULL;
