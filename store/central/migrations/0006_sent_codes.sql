-- 0006: when the store last sent each account a password reset code
-- (issue 19, POST /v1/codes), so that a new password made with an e-mail
-- code (proof email_code) is refused for an account it sent no reset code
-- to recently. The code itself is never stored here.
CREATE TABLE reset_codes (
    account TEXT PRIMARY KEY,
    sent_at TEXT NOT NULL,
    station TEXT NOT NULL
) STRICT, WITHOUT ROWID;
