-- Schema version 2: the studio, where authors sign in and write posts.
-- Times are Unix seconds in UTC, as in version 1.

-- A signed-in browser.  The cookie carries a random token, and the file
-- keeps only its SHA-256 (64 lowercase hex digits), so a copy of the file
-- does not let anyone sign in.
CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- One row per failed sign-in.  account is the email as typed, lowercased
-- (it need not belong to a user); client_addr is the address of the
-- client that sent it.  Sign-in counts the rows of both within a window.
CREATE TABLE login_failures (
    id          INTEGER PRIMARY KEY,
    account     TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    failed_at   INTEGER NOT NULL
);

CREATE INDEX login_failures_by_account ON login_failures (account, failed_at);
CREATE INDEX login_failures_by_addr ON login_failures (client_addr, failed_at);
CREATE INDEX login_failures_by_time ON login_failures (failed_at);

-- Earlier versions of a post.  revision is the posts.revision the
-- version had; tags is a JSON array of tag names.  Readers never see
-- these rows, so they have no site_state trigger.
CREATE TABLE post_revisions (
    post_id       INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    revision      INTEGER NOT NULL,
    title         TEXT NOT NULL,
    slug          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    source_format TEXT NOT NULL DEFAULT 'markdown',
    status        TEXT NOT NULL,
    published_at  INTEGER,
    tags          TEXT NOT NULL DEFAULT '[]',
    saved_at      INTEGER NOT NULL,
    PRIMARY KEY (post_id, revision)
) WITHOUT ROWID;

-- Settings the studio edits.  Existing values are kept.
INSERT OR IGNORE INTO settings (name, value) VALUES ('timezone', 'UTC');
INSERT OR IGNORE INTO settings (name, value) VALUES ('allow_raw_html', '0');
INSERT OR IGNORE INTO settings (name, value) VALUES ('iframe_hosts', '');
INSERT OR IGNORE INTO settings (name, value) VALUES ('posts_per_page', '10');

-- Tag names, deleted settings and redirects change what readers get, so
-- they move changed_at like the triggers of version 1.
CREATE TRIGGER tags_changed_update AFTER UPDATE ON tags BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER tags_changed_delete AFTER DELETE ON tags BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER settings_changed_delete AFTER DELETE ON settings BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER redirects_changed_insert AFTER INSERT ON redirects BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER redirects_changed_delete AFTER DELETE ON redirects BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
