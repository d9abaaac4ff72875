-- Schema version 4: what a blog brought in from WordPress or Ghost keeps.
-- A page (kind 'page') is served at its own URL like a post but stays out
-- of the index, the tag lists and the feed.  featured_image and
-- canonical_url are URLs, '' for none.  excerpt is the author's own
-- summary, kept apart from the description that readers' meta tags show.

ALTER TABLE posts ADD COLUMN kind TEXT NOT NULL DEFAULT 'post'
    CHECK (kind IN ('post', 'page'));
ALTER TABLE posts ADD COLUMN excerpt TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN featured_image TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN canonical_url TEXT NOT NULL DEFAULT '';

-- The authors an import found, as profiles to credit rather than
-- accounts.  There is no password column, so an imported author can never
-- sign in.  slug is the WordPress login or the Ghost slug, and
-- posts.author keeps the names readers see.
CREATE TABLE authors (
    id      INTEGER PRIMARY KEY,
    slug    TEXT NOT NULL UNIQUE,
    name    TEXT NOT NULL,
    email   TEXT NOT NULL DEFAULT '',
    bio     TEXT NOT NULL DEFAULT '',
    website TEXT NOT NULL DEFAULT ''
);
