-- Schema version 5: sign-in attempts whose password is still being
-- checked.  Each attempt is recorded before its bcrypt check, so that
-- attempts at once count against the limit together.  pending is 1 until
-- the check ends: a wrong password clears it and the row stays as a
-- failure, a right one deletes the row.  A lock that only pending rows
-- make lasts as long as the checks, not the whole window.  Rows from
-- before this version are failures.

ALTER TABLE login_failures ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
