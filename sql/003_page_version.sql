-- Schema version 3: a counter that moves with every change readers can
-- see, so each process can keep rendered pages and know, from one row,
-- whether they are still current.  Every trigger that records a change
-- sets site_state.changed_at, so one trigger on that column is enough.

ALTER TABLE site_state ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER site_state_version AFTER UPDATE OF changed_at ON site_state
BEGIN
    UPDATE site_state SET version = version + 1 WHERE id = 1;
END;
