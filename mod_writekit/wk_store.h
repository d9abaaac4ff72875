/*
 * wk_store.h: a tenant's SQLite file.
 *
 * A wk_db_t is one connection to one tenant file with its prepared
 * statements; it is not shared between threads at the same time (the
 * connection cache hands each request its own).  Statements are prepared
 * on first use and kept until the connection closes.  Posts and lists are
 * allocated on the pool the caller passes, never on the connection.
 */
#ifndef WK_STORE_H
#define WK_STORE_H

#include <sqlite3.h>

#include "wk_core.h"

/* A schema migration compiled in from sql/NNN_name.sql. */
typedef struct wk_migration {
    int version;
    const char *name;
    const char *sql;
} wk_migration_t;

/* Ends with an entry whose version is 0. */
extern const wk_migration_t wk_migrations[];

/* The schema version this build writes and reads. */
int wk_schema_version(void);

typedef struct wk_db wk_db_t;

#define WK_DB_CREATE   0x01  /* create the file if missing (CLI only) */
#define WK_DB_MIGRATE  0x02  /* bring an older schema up to ours */

/*
 * Opens the tenant file at path in WAL mode with a busy timeout, checks
 * that it is a WriteKit database and checks its schema version.  Without
 * WK_DB_CREATE a missing file is APR_ENOENT and is never created.  An
 * unreadable or corrupt file is WK_ECORRUPT and a newer schema WK_ENEWER.
 * An older schema is migrated with WK_DB_MIGRATE and is WK_EINVAL
 * without it.  *error is set for every failure.  The connection is closed by a cleanup
 * on pool or by wk_db_close().
 */
apr_status_t wk_db_open(wk_db_t **db, const char *path, int flags,
                        char **error, apr_pool_t *pool);
void wk_db_close(wk_db_t *db);
sqlite3 *wk_db_handle(wk_db_t *db);
const char *wk_db_path(const wk_db_t *db);

/* Returns the inode the file had when this connection opened it (0 for a
 * file the open created), which tells it from a file moved into place
 * later under the same path. */
apr_ino_t wk_db_inode(const wk_db_t *db);

/*
 * The WAL-index header of a tenant, as SQLite keeps it in the shared
 * memory of the -shm file.  Every commit, from any process, writes a new
 * header (walIndexWriteHdr() in SQLite's wal.c).  The header counts the
 * frames and carries the salts and checksum of the last one.  SQLite
 * draws random salts for every new -wal file and changes them on every
 * restart of one, so two equal marks of a WAL with frames mean that
 * nothing was committed in between.
 * NOTE: this reads SQLite's own layout of that memory.  A layout of
 * another version makes every mark invalid, and readers fall back to the
 * version query.
 */
#define WK_WAL_MARK_SIZE 48

typedef struct wk_wal_mark {
    unsigned char header[WK_WAL_MARK_SIZE];
} wk_wal_mark_t;

/*
 * Copies the WAL-index header from the shared memory that db has mapped,
 * without a lock or a system call, and checks it as SQLite does before a
 * read: both copies equal, initialized, of the version this code reads,
 * and with a valid checksum.  Returns 1 when mark contains such a header
 * of a WAL with at least one frame.  Returns 0 when db has not mapped the
 * memory, a writer is changing it, or the WAL has no frame: a tenant
 * opened without a -wal file gets the same header whatever the database
 * holds.
 */
int wk_db_wal_mark(wk_db_t *db, wk_wal_mark_t *mark);

/*
 * Returns the statement for sql, prepared on first use and kept until the
 * connection closes, reset and with no bindings; NULL when it does not
 * compile.  sql must outlive the connection (a string literal).
 */
sqlite3_stmt *wk_db_prepare(wk_db_t *db, const char *sql);

/* Like wk_db_prepare() but sets *error to SQLite's message when sql does
 * not compile. */
sqlite3_stmt *wk_db_statement(wk_db_t *db, const char *sql, char **error,
                              apr_pool_t *pool);

/* Steps a statement that returns no rows and resets it for reuse; WK_EDB
 * with *error when it fails. */
apr_status_t wk_db_step_done(wk_db_t *db, sqlite3_stmt *stmt, char **error,
                             apr_pool_t *pool);

/* Runs one statement of literal SQL that returns no rows, kept by the
 * connection like wk_db_prepare(). */
apr_status_t wk_db_run(wk_db_t *db, const char *sql, char **error,
                       apr_pool_t *pool);

/* Returns the file's schema version (PRAGMA user_version). */
int wk_db_version(wk_db_t *db);

apr_status_t wk_db_begin(wk_db_t *db, char **error, apr_pool_t *pool);
apr_status_t wk_db_commit(wk_db_t *db, char **error, apr_pool_t *pool);
void wk_db_rollback(wk_db_t *db);

/*
 * Reads the tenant's page version, which every change readers can see
 * moves, and the first time after now at which a scheduled post becomes
 * visible (0 when none is scheduled).  A page rendered at one version is
 * current while the version stays and that time has not come.
 */
apr_status_t wk_site_version(apr_int64_t *version, apr_time_t *next_visible,
                             wk_db_t *db, apr_time_t now);

/* Blog settings: title, description, base_url, posts_per_page, ... */
typedef struct wk_settings {
    const char *title;
    const char *description;
    const char *base_url;     /* no trailing slash, may be empty */
    const char *language;
    int posts_per_page;
    apr_time_t changed_at;    /* when anything readers see last changed */
    const char *timezone;     /* IANA name such as Europe/Berlin; "UTC" */
    int allow_raw_html;       /* 1 keeps sanitized raw HTML in markdown */
    const char *iframe_hosts; /* space-separated; "" allows no iframe */
} wk_settings_t;

apr_status_t wk_settings_load(wk_settings_t *settings, wk_db_t *db,
                              apr_pool_t *pool);

/* Returns a blog's base URL without trailing slashes.  Returns NULL when
 * url is not an http or https URL with a host and only a path after it,
 * or when it has a space, a control or a character that RFC 3986 never
 * allows unencoded.  The CLI and the studio's settings both use it. */
const char *wk_base_url_clean(const char *url, apr_pool_t *pool);
apr_status_t wk_setting_set(wk_db_t *db, const char *name,
                            const char *value, char **error,
                            apr_pool_t *pool);

typedef struct wk_tag {
    const char *slug;
    const char *name;
} wk_tag_t;

typedef struct wk_post {
    apr_int64_t id;
    const char *uid;
    const char *slug;
    const char *title;
    const char *description;
    const char *author;
    const char *source;        /* only filled by wk_post_get (wk_edit.h) */
    const char *source_format; /* "markdown" or "html" */
    const char *html;          /* NULL in lists */
    const char *status;        /* "draft", "published" or "scheduled" */
    apr_time_t published_at;   /* 0 for drafts */
    apr_time_t updated_at;
    apr_time_t created_at;
    int revision;              /* 1 when created, +1 on every update */
    apr_array_header_t *tags;  /* of wk_tag_t */
    const char *kind;          /* "post", or "page": kept out of lists */
    const char *excerpt;
    const char *featured_image; /* a URL, "" for none */
    const char *canonical_url;  /* a URL, "" for the post's own */
} wk_post_t;

/*
 * The columns every post query selects, in the order wk_post_from_row()
 * reads them.  The list form selects NULL in place of the html.
 */
#define WK_POST_COLUMNS                                                   \
    "id, uid, slug, title, description, author, source_format, html,"     \
    " status, published_at, updated_at, revision, created_at, kind,"      \
    " excerpt, featured_image, canonical_url"
#define WK_POST_LIST_COLUMNS                                              \
    "id, uid, slug, title, description, author, source_format, NULL,"     \
    " status, published_at, updated_at, revision, created_at, kind,"      \
    " excerpt, featured_image, canonical_url"
/* The number of columns above; a query may select more after them. */
#define WK_POST_COLUMN_COUNT 17

/* Reads the current row of a statement that selects WK_POST_COLUMNS
 * (source and tags stay NULL). */
wk_post_t *wk_post_from_row(sqlite3_stmt *stmt, apr_pool_t *pool);

/* Steps stmt (selecting WK_POST_COLUMNS or WK_POST_LIST_COLUMNS) to the
 * end and returns its posts, each with its tags, in *posts. */
apr_status_t wk_post_collect(apr_array_header_t **posts, sqlite3_stmt *stmt,
                             wk_db_t *db, apr_pool_t *pool);

/* Loads the tags of post into post->tags, ordered by name. */
apr_status_t wk_post_load_tags(wk_post_t *post, wk_db_t *db,
                               apr_pool_t *pool);

/*
 * Loads the post a reader may see under slug at time now: published, or
 * scheduled with its time passed.  Drafts are APR_NOTFOUND like missing
 * posts.
 */
apr_status_t wk_post_get_visible(wk_post_t **post, wk_db_t *db,
                                 const char *slug, apr_time_t now,
                                 apr_pool_t *pool);

/*
 * Lists visible posts, newest first, optionally only those tagged
 * tag_slug.  *total receives the number of visible posts that match, for
 * pagination.  Posts in the list have no html.
 */
apr_status_t wk_post_list_visible(apr_array_header_t **posts, int *total,
                                  wk_db_t *db, const char *tag_slug,
                                  int offset, int limit, apr_time_t now,
                                  apr_pool_t *pool);

/* Like wk_post_list_visible() but with each post's html, for feeds. */
apr_status_t wk_post_list_feed(apr_array_header_t **posts, wk_db_t *db,
                               int limit, apr_time_t now, apr_pool_t *pool);

/* Finds the tag with slug; APR_NOTFOUND when no visible post has it. */
apr_status_t wk_tag_get(wk_tag_t **tag, wk_db_t *db, const char *slug,
                        apr_pool_t *pool);

/*
 * Looks up an old URL path (without leading slash) and returns the slug
 * of the visible post it redirects to, or APR_NOTFOUND.
 */
apr_status_t wk_redirect_lookup(const char **slug, wk_db_t *db,
                                const char *path, apr_time_t now,
                                apr_pool_t *pool);

/*
 * Finds where a post that was under old_slug moved: the visible post that
 * the redirect "posts/OLD_SLUG" points to.  The reader calls it when
 * /posts/OLD_SLUG is no visible post, to answer with a 301.
 */
apr_status_t wk_post_find_moved(const char **slug, wk_db_t *db,
                                const char *old_slug, apr_time_t now,
                                apr_pool_t *pool);

typedef struct wk_media {
    const char *path;
    const char *content_type;
    const void *data;          /* copied onto the caller's pool */
    apr_size_t size;
    const char *sha256;
    apr_time_t created_at;
} wk_media_t;

apr_status_t wk_media_get(wk_media_t **media, wk_db_t *db, const char *path,
                          apr_pool_t *pool);

/* Inserts or replaces the media stored under media->path. */
apr_status_t wk_media_put(wk_db_t *db, const wk_media_t *media,
                          char **error, apr_pool_t *pool);

/* What a writer supplies to create or update a post. */
typedef struct wk_post_input {
    const char *slug;
    const char *title;
    const char *description;
    const char *author;
    const char *source;
    const char *source_format;
    const char *html;
    const char *status;
    apr_time_t published_at;
    apr_array_header_t *tags;     /* of const char * tag names */
    apr_array_header_t *aliases;  /* of const char * URL paths */
    const char *import_key;       /* NULL unless imported */
    const char *kind;             /* "post" (also for NULL) or "page" */
    const char *excerpt;          /* NULL for "" like the three below */
    const char *featured_image;
    const char *canonical_url;
} wk_post_input_t;

/* Outcomes of wk_post_upsert(). */
#define WK_UPSERT_UPDATED   0
#define WK_UPSERT_CREATED   1
#define WK_UPSERT_UNCHANGED 2   /* same fields, tags and redirects */

/*
 * Creates a post, or updates the one with the same import_key, setting
 * its tags and redirects.  *outcome is one of WK_UPSERT_*; a post whose
 * fields, tags and redirects all match is left alone, so its revision
 * and update time do not move.  When the slug is taken
 * by another post a suffix -2, -3, ... makes it unique.  Runs inside the
 * caller's transaction if one is open.
 */
apr_status_t wk_post_upsert(apr_int64_t *id, int *outcome, wk_db_t *db,
                            const wk_post_input_t *input, char **error,
                            apr_pool_t *pool);

/* Returns slug, or slug-2, slug-3, ... whichever no post but self has
 * (self 0 for a new post). */
apr_status_t wk_slug_unique(const char **unique, wk_db_t *db,
                            const char *slug, apr_int64_t self, char **error,
                            apr_pool_t *pool);

/* Replaces the tags of post id with tags (const char * names; empty ones
 * are skipped), creating tags that do not exist yet. */
apr_status_t wk_post_set_tags(apr_int64_t id, wk_db_t *db,
                              const apr_array_header_t *tags, char **error,
                              apr_pool_t *pool);

/* Makes a URL-safe slug from a title or a tag name; never empty. */
const char *wk_slugify(const char *text, apr_pool_t *pool);

/* An author an import found: a profile to credit, never an account. */
typedef struct wk_author {
    const char *slug;      /* WordPress login or Ghost slug; unique */
    const char *name;
    const char *email;     /* may be "" */
    const char *bio;
    const char *website;
} wk_author_t;

/* Returns the old URL paths that redirect to post id (const char *,
 * without leading '/'), in order. */
apr_status_t wk_post_redirects(apr_array_header_t **paths, wk_db_t *db,
                               apr_int64_t id, apr_pool_t *pool);

/* Inserts the author, or updates the one with the same slug. */
apr_status_t wk_author_put(wk_db_t *db, const wk_author_t *author,
                           char **error, apr_pool_t *pool);

/*
 * Adds an author account.  password_hash is the bcrypt hash.  Returns
 * WK_EINVAL with *error when the email is already taken.
 */
apr_status_t wk_user_add(wk_db_t *db, const char *email,
                         const char *password_hash, char **error,
                         apr_pool_t *pool);

#endif
