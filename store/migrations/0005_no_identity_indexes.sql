-- 0005: drop the identity-number indexes 0004 made for VerifyAlumni.
--
-- Measured on 100,000 accounts: they made every registry import (and Reset
-- station, and a resync's bootstrap) about 30% slower, while the look-up
-- they served, one per Alumni Account Activation attempt, takes about
-- 30 ms without them (0.2 ms with). Migrations are never edited once
-- committed, so this one undoes that part of 0004.
DROP INDEX IF EXISTS accounts_hkid;
DROP INDEX IF EXISTS accounts_passport;
