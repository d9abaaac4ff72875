-- Schema version 1: one blog per file.
-- Times are Unix seconds in UTC.  Post bodies are stored twice: the source
-- as the author wrote it and the HTML rendered from it when it was saved,
-- so readers never wait for markdown.

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    display_name  TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL
);

CREATE TABLE posts (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,     -- stable id for feeds
    slug          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    author        TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL,
    source_format TEXT NOT NULL DEFAULT 'markdown'
                  CHECK (source_format IN ('markdown', 'html')),
    html          TEXT NOT NULL,
    status        TEXT NOT NULL
                  CHECK (status IN ('draft', 'published', 'scheduled')),
    published_at  INTEGER,                  -- NULL only for drafts
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    revision      INTEGER NOT NULL DEFAULT 1,
    import_key    TEXT UNIQUE               -- where an import found it
);

-- Readers see published and scheduled posts whose time has come.
CREATE INDEX posts_visible ON posts (published_at DESC, id DESC)
    WHERE status <> 'draft';

CREATE TABLE tags (
    id   INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id  INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
) WITHOUT ROWID;

CREATE INDEX post_tags_by_tag ON post_tags (tag_id, post_id);

-- Old URLs (aliases, the path a static site used) that redirect to a post.
CREATE TABLE redirects (
    path    TEXT PRIMARY KEY,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE media (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL UNIQUE,      -- served under /media/
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

-- One row that records when anything readers can see last changed; it
-- feeds Last-Modified.
CREATE TABLE site_state (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    changed_at INTEGER NOT NULL
);
INSERT INTO site_state (id, changed_at) VALUES (1, CAST(strftime('%s', 'now') AS INTEGER));

CREATE TRIGGER posts_changed_insert AFTER INSERT ON posts BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER posts_changed_update AFTER UPDATE ON posts BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER posts_changed_delete AFTER DELETE ON posts BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER post_tags_changed_insert AFTER INSERT ON post_tags BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER post_tags_changed_delete AFTER DELETE ON post_tags BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER settings_changed_insert AFTER INSERT ON settings BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
CREATE TRIGGER settings_changed_update AFTER UPDATE ON settings BEGIN
    UPDATE site_state SET changed_at = CAST(strftime('%s', 'now') AS INTEGER);
END;
