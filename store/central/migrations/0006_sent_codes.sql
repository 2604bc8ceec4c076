-- 0006: when the store last sent each account an e-mail code of each
-- purpose, and to which address (issue 19, POST /v1/codes), so that a
-- change that rests on a code the station says it checked is refused when
-- the store sent no such code shortly before: a new password made with a
-- reset code (proof email_code), a personal e-mail saved as verified. The
-- code itself is never stored here.
CREATE TABLE sent_codes (
    account TEXT NOT NULL,
    purpose TEXT NOT NULL,
    address TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    station TEXT NOT NULL,
    PRIMARY KEY (account, purpose)
) STRICT, WITHOUT ROWID;
