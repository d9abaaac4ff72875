/*
 * wk_store.c: reading and writing a tenant file.
 *
 * The workload is many small indexed reads (one post, one page of a list)
 * and rare writes, from many processes at once, so every connection runs
 * in WAL mode with a busy timeout and keeps its prepared statements for
 * its whole life.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>

#include "wk_store.h"

/* The statements a connection prepares once, on first use. */
typedef enum {
    STMT_POST_VISIBLE,
    STMT_POST_TAGS,
    STMT_LIST_ALL,
    STMT_COUNT_ALL,
    STMT_LIST_TAG,
    STMT_COUNT_TAG,
    STMT_LIST_FEED,
    STMT_TAG_GET,
    STMT_REDIRECT,
    STMT_MEDIA_GET,
    STMT_SETTINGS,
    STMT_CHANGED_AT,
    STMT_SITE_VERSION,
    STMT_COUNT
} stmt_id_t;

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_POST_VISIBLE] =
        "SELECT " WK_POST_COLUMNS " FROM posts"
        " WHERE slug = ?1 AND status <> 'draft' AND published_at <= ?2",
    [STMT_POST_TAGS] =
        "SELECT t.slug, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id"
        " WHERE pt.post_id = ?1 ORDER BY t.name",
    [STMT_LIST_ALL] =
        "SELECT " WK_POST_LIST_COLUMNS " FROM posts"
        " WHERE status <> 'draft' AND published_at <= ?1 AND kind = 'post'"
        " ORDER BY published_at DESC, id DESC LIMIT ?2 OFFSET ?3",
    [STMT_COUNT_ALL] =
        "SELECT count(*) FROM posts WHERE status <> 'draft' AND published_at <= ?1"
        " AND kind = 'post'",
    [STMT_LIST_TAG] =
        "SELECT p.id, p.uid, p.slug, p.title, p.description, p.author,"
        " p.source_format, NULL, p.status, p.published_at, p.updated_at,"
        " p.revision, p.created_at, p.kind, p.excerpt, p.featured_image,"
        " p.canonical_url FROM tags t JOIN post_tags pt ON pt.tag_id = t.id"
        " JOIN posts p ON p.id = pt.post_id"
        " WHERE t.slug = ?4 AND p.status <> 'draft' AND p.published_at <= ?1"
        " AND p.kind = 'post'"
        " ORDER BY p.published_at DESC, p.id DESC LIMIT ?2 OFFSET ?3",
    [STMT_COUNT_TAG] =
        "SELECT count(*) FROM tags t JOIN post_tags pt ON pt.tag_id = t.id"
        " JOIN posts p ON p.id = pt.post_id"
        " WHERE t.slug = ?2 AND p.status <> 'draft' AND p.published_at <= ?1"
        " AND p.kind = 'post'",
    [STMT_LIST_FEED] =
        "SELECT " WK_POST_COLUMNS " FROM posts"
        " WHERE status <> 'draft' AND published_at <= ?1 AND kind = 'post'"
        " ORDER BY published_at DESC, id DESC LIMIT ?2",
    [STMT_TAG_GET] =
        "SELECT slug, name FROM tags WHERE slug = ?1",
    [STMT_REDIRECT] =
        "SELECT p.slug FROM redirects r JOIN posts p ON p.id = r.post_id"
        " WHERE r.path = ?1 AND p.status <> 'draft' AND p.published_at <= ?2",
    [STMT_MEDIA_GET] =
        "SELECT path, content_type, data, sha256, created_at FROM media"
        " WHERE path = ?1",
    [STMT_SETTINGS] =
        "SELECT name, value FROM settings",
    [STMT_CHANGED_AT] =
        "SELECT changed_at FROM site_state WHERE id = 1",
    [STMT_SITE_VERSION] =
        "SELECT version, (SELECT min(published_at) FROM posts"
        " WHERE status <> 'draft' AND published_at > ?1)"
        " FROM site_state WHERE id = 1",
};

struct wk_db {
    sqlite3 *handle;
    const char *path;
    apr_pool_t *pool;
    sqlite3_stmt *stmts[STMT_COUNT];
    apr_hash_t *write_stmts;   /* SQL text -> statement, for writes */
    apr_ino_t inode;           /* of the file when it was opened */
};

int wk_schema_version(void)
{
    int version = 0;
    const wk_migration_t *m;

    for (m = wk_migrations; m->version != 0; m++)
        version = m->version;
    return version;
}

static const char *db_message(wk_db_t *db, apr_pool_t *pool)
{
    return apr_pstrdup(pool, sqlite3_errmsg(db->handle));
}

static apr_status_t db_cleanup(void *data)
{
    wk_db_t *db = data;
    int i;

    if (db->handle == NULL)
        return APR_SUCCESS;
    for (i = 0; i < STMT_COUNT; i++) {
        sqlite3_finalize(db->stmts[i]);
        db->stmts[i] = NULL;
    }
    if (db->write_stmts != NULL) {
        apr_hash_index_t *hi;

        for (hi = apr_hash_first(NULL, db->write_stmts); hi;
             hi = apr_hash_next(hi))
            sqlite3_finalize(apr_hash_this_val(hi));
        db->write_stmts = NULL;
    }
    sqlite3_close_v2(db->handle);
    db->handle = NULL;
    return APR_SUCCESS;
}

void wk_db_close(wk_db_t *db)
{
    apr_pool_cleanup_run(db->pool, db, db_cleanup);
}

sqlite3 *wk_db_handle(wk_db_t *db)
{
    return db->handle;
}

apr_ino_t wk_db_inode(const wk_db_t *db)
{
    return db->inode;
}

const char *wk_db_path(const wk_db_t *db)
{
    return db->path;
}

/* The layout of the WAL-index header in SQLite's wal.c: the format
 * version at byte 0, isInit at byte 12, the last valid frame (mxFrame) at
 * byte 16, and the checksum of the first 40 bytes at byte 40.  The shared
 * memory keeps two copies, at bytes 0 and 48 of its first 32 KiB
 * region. */
#define WAL_INDEX_VERSION     3007000
#define WAL_INDEX_REGION_SIZE 32768
#define WAL_INDEX_INIT_AT     12
#define WAL_INDEX_FRAME_AT    16
#define WAL_INDEX_CKSUM_AT    40

/* Returns 1 when the checksum at WAL_INDEX_CKSUM_AT matches the bytes
 * before it.  SQLite sums the header's 32-bit words in native byte order,
 * two at a time, each sum feeding the other. */
static int wal_header_checksum_ok(const unsigned char *header)
{
    apr_uint32_t words[WK_WAL_MARK_SIZE / 4], s1 = 0, s2 = 0;
    int i;

    memcpy(words, header, sizeof(words));
    for (i = 0; i < WAL_INDEX_CKSUM_AT / 4; i += 2) {
        s1 += words[i] + s2;
        s2 += words[i + 1] + s1;
    }
    return words[WAL_INDEX_CKSUM_AT / 4] == s1
           && words[WAL_INDEX_CKSUM_AT / 4 + 1] == s2;
}

int wk_db_wal_mark(wk_db_t *db, wk_wal_mark_t *mark)
{
    unsigned char copy[WK_WAL_MARK_SIZE];
    sqlite3_file *file = NULL;
    volatile void *region = NULL;
    const volatile unsigned char *shared;
    apr_uint32_t version, last_frame;

    /* wk_db_open() read from the file in WAL mode, so SQLite has the
     * memory mapped, and xShmMap() without extending only looks it up. */
    if (sqlite3_file_control(db->handle, "main", SQLITE_FCNTL_FILE_POINTER,
                             &file) != SQLITE_OK
        || file == NULL || file->pMethods == NULL
        || file->pMethods->iVersion < 2 || file->pMethods->xShmMap == NULL
        || file->pMethods->xShmMap(file, 0, WAL_INDEX_REGION_SIZE, 0,
                                   &region) != SQLITE_OK
        || region == NULL)
        return 0;

    /* SQLite writes the second copy, then the first.  Reading the first,
     * then the second, a torn write shows as two different copies. */
    shared = region;
    memcpy(mark->header, (const void *)shared, WK_WAL_MARK_SIZE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    memcpy(copy, (const void *)(shared + WK_WAL_MARK_SIZE), WK_WAL_MARK_SIZE);
    memcpy(&version, mark->header, sizeof(version));
    memcpy(&last_frame, mark->header + WAL_INDEX_FRAME_AT,
           sizeof(last_frame));

    /* A WAL without frames vouches for nothing: a tenant opened without a
     * -wal file gets the same header whatever the database holds, so the
     * header of one open would match a page of an earlier open. */
    return memcmp(mark->header, copy, WK_WAL_MARK_SIZE) == 0
           && version == WAL_INDEX_VERSION
           && mark->header[WAL_INDEX_INIT_AT] == 1
           && wal_header_checksum_ok(mark->header)
           && last_frame != 0;
}

/* Runs one or more statements that return no rows. */
static apr_status_t db_exec(wk_db_t *db, const char *sql, char **error,
                            apr_pool_t *pool)
{
    char *message = NULL;

    if (sqlite3_exec(db->handle, sql, NULL, NULL, &message) == SQLITE_OK)
        return APR_SUCCESS;
    if (error)
        *error = apr_psprintf(pool, "%s: %s", db->path,
                              message ? message : "SQLite error");
    sqlite3_free(message);
    return WK_EDB;
}

int wk_db_version(wk_db_t *db)
{
    sqlite3_stmt *stmt;
    int version = -1;

    if (sqlite3_prepare_v2(db->handle, "PRAGMA user_version", -1, &stmt,
                           NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        version = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    return version;
}

apr_status_t wk_db_begin(wk_db_t *db, char **error, apr_pool_t *pool)
{
    return db_exec(db, "BEGIN IMMEDIATE", error, pool);
}

apr_status_t wk_db_commit(wk_db_t *db, char **error, apr_pool_t *pool)
{
    return db_exec(db, "COMMIT", error, pool);
}

void wk_db_rollback(wk_db_t *db)
{
    if (!sqlite3_get_autocommit(db->handle))
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * Applies every compiled-in migration above the file's version, all in one
 * transaction, so a failure leaves the file at its old version.  The
 * version is read again inside the transaction because another process
 * may have migrated the file meanwhile.
 */
static apr_status_t db_migrate(wk_db_t *db, char **error, apr_pool_t *pool)
{
    const wk_migration_t *m;
    apr_status_t rv;
    int version;

    rv = wk_db_begin(db, error, pool);
    if (rv != APR_SUCCESS)
        return rv;

    version = wk_db_version(db);
    for (m = wk_migrations; m->version != 0; m++) {
        if (m->version <= version)
            continue;
        rv = db_exec(db, m->sql, error, pool);
        if (rv == APR_SUCCESS)
            rv = db_exec(db, apr_psprintf(pool, "PRAGMA user_version = %d",
                                          m->version), error, pool);
        if (rv != APR_SUCCESS) {
            if (error)
                *error = apr_psprintf(pool, "migration %s failed: %s",
                                      m->name, *error);
            wk_db_rollback(db);
            return rv;
        }
    }
    return wk_db_commit(db, error, pool);
}

/*
 * Returns 1 when the database has no schema objects yet.  A file at
 * schema version 0 that has tables belongs to another program.
 */
static int db_is_empty(wk_db_t *db)
{
    sqlite3_stmt *stmt;
    int empty = 0;

    if (sqlite3_prepare_v2(db->handle, "SELECT count(*) FROM sqlite_schema",
                           -1, &stmt, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        empty = sqlite3_column_int(stmt, 0) == 0;
    sqlite3_finalize(stmt);
    return empty;
}

static apr_status_t db_check_version(wk_db_t *db, int flags, char **error,
                                     apr_pool_t *pool)
{
    int version = wk_db_version(db);
    int ours = wk_schema_version();

    if (version < 0) {
        *error = apr_psprintf(pool, "%s: cannot read the schema version: %s",
                              db->path, db_message(db, pool));
        return WK_ECORRUPT;
    }
    if (version > ours) {
        *error = apr_psprintf(pool, "%s: schema version %d is newer than "
                              "version %d, the newest this build knows; "
                              "upgrade mod_writekit", db->path, version, ours);
        return WK_ENEWER;
    }
    if (version == 0 && !db_is_empty(db)) {
        *error = apr_psprintf(pool, "%s: not a WriteKit tenant file "
                              "(it has tables but no WriteKit schema)",
                              db->path);
        return WK_ECORRUPT;
    }
    if (version == 0 && !(flags & WK_DB_CREATE)) {
        *error = apr_psprintf(pool, "%s: an empty database, not a WriteKit "
                              "tenant file; create one with 'writekit init'",
                              db->path);
        return WK_ECORRUPT;
    }
    if (version < ours) {
        if (!(flags & WK_DB_MIGRATE)) {
            *error = apr_psprintf(pool, "%s: schema version %d is older than "
                                  "%d; run 'writekit migrate %s'", db->path,
                                  version, ours, db->path);
            return WK_EINVAL;
        }
        return db_migrate(db, error, pool);
    }
    return APR_SUCCESS;
}

apr_status_t wk_db_open(wk_db_t **out, const char *path, int flags,
                        char **error, apr_pool_t *pool)
{
    wk_db_t *db = apr_pcalloc(pool, sizeof(*db));
    int open_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    apr_finfo_t finfo;
    apr_status_t rv;
    int rc;

    db->path = apr_pstrdup(pool, path);
    db->pool = pool;

    /* Stat first, so a missing file gets its own status and is never
     * created by accident. */
    rv = apr_stat(&finfo, path,
                  APR_FINFO_TYPE | APR_FINFO_SIZE | APR_FINFO_INODE, pool);
    if (rv != APR_SUCCESS && !(flags & WK_DB_CREATE)) {
        *error = apr_psprintf(pool, "%s: no such tenant file", path);
        return APR_STATUS_IS_ENOENT(rv) ? APR_ENOENT : rv;
    }
    if (rv == APR_SUCCESS && finfo.filetype != APR_REG) {
        *error = apr_psprintf(pool, "%s: not a regular file", path);
        return WK_ECORRUPT;
    }

    /* SQLite would take an empty file for a new database and write to
     * it; only init may turn an empty file into a tenant. */
    if (rv == APR_SUCCESS && finfo.size == 0 && !(flags & WK_DB_CREATE)) {
        *error = apr_psprintf(pool, "%s: an empty file, not a WriteKit "
                              "tenant file; create one with 'writekit init'",
                              path);
        return WK_ECORRUPT;
    }
    if (rv == APR_SUCCESS)
        db->inode = finfo.inode;
    if (flags & WK_DB_CREATE)
        open_flags |= SQLITE_OPEN_CREATE;

    rc = sqlite3_open_v2(path, &db->handle, open_flags, NULL);
    apr_pool_cleanup_register(pool, db, db_cleanup, apr_pool_cleanup_null);
    if (rc != SQLITE_OK) {
        *error = apr_psprintf(pool, "%s: cannot open: %s", path,
                              db->handle ? sqlite3_errmsg(db->handle)
                                         : sqlite3_errstr(rc));
        wk_db_close(db);
        return WK_ECORRUPT;
    }
    sqlite3_busy_timeout(db->handle, 5000);
    sqlite3_extended_result_codes(db->handle, 1);

    /* journal_mode is the first statement that reads the file, so a file
     * that is not SQLite fails here with "file is not a database". */
    rv = db_exec(db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
                 " PRAGMA synchronous = NORMAL", error, pool);
    if (rv == APR_SUCCESS)
        rv = db_check_version(db, flags, error, pool);
    if (rv != APR_SUCCESS) {
        if (rv == WK_EDB)
            rv = WK_ECORRUPT;
        wk_db_close(db);
        return rv;
    }

    *out = db;
    return APR_SUCCESS;
}

/* Returns the statement id, prepared and reset, or NULL on failure. */
static sqlite3_stmt *db_stmt(wk_db_t *db, stmt_id_t id)
{
    sqlite3_stmt *stmt = db->stmts[id];

    if (stmt == NULL) {
        if (sqlite3_prepare_v3(db->handle, stmt_sql[id], -1,
                               SQLITE_PREPARE_PERSISTENT, &stmt,
                               NULL) != SQLITE_OK)
            return NULL;
        db->stmts[id] = stmt;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return stmt;
}

sqlite3_stmt *wk_db_prepare(wk_db_t *db, const char *sql)
{
    sqlite3_stmt *stmt;

    if (db->write_stmts == NULL)
        db->write_stmts = apr_hash_make(db->pool);
    stmt = apr_hash_get(db->write_stmts, sql, APR_HASH_KEY_STRING);
    if (stmt == NULL) {
        if (sqlite3_prepare_v3(db->handle, sql, -1, SQLITE_PREPARE_PERSISTENT,
                               &stmt, NULL) != SQLITE_OK) {
            sqlite3_finalize(stmt);
            return NULL;
        }
        apr_hash_set(db->write_stmts, sql, APR_HASH_KEY_STRING, stmt);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return stmt;
}

static const char *column_text(sqlite3_stmt *stmt, int col, apr_pool_t *pool)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);

    if (text == NULL)
        return NULL;
    return apr_pstrmemdup(pool, (const char *)text,
                          (apr_size_t)sqlite3_column_bytes(stmt, col));
}

static apr_int64_t time_to_seconds(apr_time_t t)
{
    return (apr_int64_t)apr_time_sec(t);
}

wk_post_t *wk_post_from_row(sqlite3_stmt *stmt, apr_pool_t *pool)
{
    wk_post_t *post = apr_pcalloc(pool, sizeof(*post));

    post->id = sqlite3_column_int64(stmt, 0);
    post->uid = column_text(stmt, 1, pool);
    post->slug = column_text(stmt, 2, pool);
    post->title = column_text(stmt, 3, pool);
    post->description = column_text(stmt, 4, pool);
    post->author = column_text(stmt, 5, pool);
    post->source_format = column_text(stmt, 6, pool);
    post->html = column_text(stmt, 7, pool);
    post->status = column_text(stmt, 8, pool);
    post->published_at = apr_time_from_sec(sqlite3_column_int64(stmt, 9));
    post->updated_at = apr_time_from_sec(sqlite3_column_int64(stmt, 10));
    post->revision = sqlite3_column_int(stmt, 11);
    post->created_at = apr_time_from_sec(sqlite3_column_int64(stmt, 12));
    post->kind = column_text(stmt, 13, pool);
    post->excerpt = column_text(stmt, 14, pool);
    post->featured_image = column_text(stmt, 15, pool);
    post->canonical_url = column_text(stmt, 16, pool);
    return post;
}

apr_status_t wk_post_load_tags(wk_post_t *post, wk_db_t *db,
                               apr_pool_t *pool)
{
    sqlite3_stmt *stmt = db_stmt(db, STMT_POST_TAGS);
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    post->tags = apr_array_make(pool, 4, sizeof(wk_tag_t));
    sqlite3_bind_int64(stmt, 1, post->id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        wk_tag_t *tag = apr_array_push(post->tags);

        tag->slug = column_text(stmt, 0, pool);
        tag->name = column_text(stmt, 1, pool);
    }
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

apr_status_t wk_post_get_visible(wk_post_t **out, wk_db_t *db,
                                 const char *slug, apr_time_t now,
                                 apr_pool_t *pool)
{
    sqlite3_stmt *stmt = db_stmt(db, STMT_POST_VISIBLE);
    wk_post_t *post;
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, slug, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, time_to_seconds(now));
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? APR_NOTFOUND : WK_EDB;
    }
    post = wk_post_from_row(stmt, pool);
    sqlite3_reset(stmt);

    *out = post;
    return wk_post_load_tags(post, db, pool);
}

static apr_status_t count_visible(int *total, wk_db_t *db,
                                  const char *tag_slug, apr_time_t now)
{
    sqlite3_stmt *stmt = db_stmt(db, tag_slug ? STMT_COUNT_TAG
                                              : STMT_COUNT_ALL);
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, time_to_seconds(now));
    if (tag_slug)
        sqlite3_bind_text(stmt, 2, tag_slug, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    *total = rc == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : 0;
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW ? APR_SUCCESS : WK_EDB;
}

apr_status_t wk_post_collect(apr_array_header_t **posts, sqlite3_stmt *stmt,
                             wk_db_t *db, apr_pool_t *pool)
{
    apr_array_header_t *list = apr_array_make(pool, 16, sizeof(wk_post_t *));
    int i, rc;

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        APR_ARRAY_PUSH(list, wk_post_t *) = wk_post_from_row(stmt, pool);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return WK_EDB;

    /* Tags are loaded after the list statement is reset, because a
     * connection steps one statement of ours at a time. */
    for (i = 0; i < list->nelts; i++) {
        apr_status_t rv = wk_post_load_tags(APR_ARRAY_IDX(list, i,
                                                          wk_post_t *),
                                            db, pool);
        if (rv != APR_SUCCESS)
            return rv;
    }
    *posts = list;
    return APR_SUCCESS;
}

apr_status_t wk_post_list_visible(apr_array_header_t **posts, int *total,
                                  wk_db_t *db, const char *tag_slug,
                                  int offset, int limit, apr_time_t now,
                                  apr_pool_t *pool)
{
    sqlite3_stmt *stmt;
    apr_status_t rv;

    rv = count_visible(total, db, tag_slug, now);
    if (rv != APR_SUCCESS)
        return rv;

    stmt = db_stmt(db, tag_slug ? STMT_LIST_TAG : STMT_LIST_ALL);
    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, time_to_seconds(now));
    sqlite3_bind_int(stmt, 2, limit);
    sqlite3_bind_int(stmt, 3, offset);
    if (tag_slug)
        sqlite3_bind_text(stmt, 4, tag_slug, -1, SQLITE_STATIC);
    return wk_post_collect(posts, stmt, db, pool);
}

apr_status_t wk_post_list_feed(apr_array_header_t **posts, wk_db_t *db,
                               int limit, apr_time_t now, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = db_stmt(db, STMT_LIST_FEED);

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, time_to_seconds(now));
    sqlite3_bind_int(stmt, 2, limit);
    return wk_post_collect(posts, stmt, db, pool);
}

apr_status_t wk_tag_get(wk_tag_t **out, wk_db_t *db, const char *slug,
                        apr_pool_t *pool)
{
    sqlite3_stmt *stmt = db_stmt(db, STMT_TAG_GET);
    wk_tag_t *tag;
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, slug, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? APR_NOTFOUND : WK_EDB;
    }
    tag = apr_pcalloc(pool, sizeof(*tag));
    tag->slug = column_text(stmt, 0, pool);
    tag->name = column_text(stmt, 1, pool);
    sqlite3_reset(stmt);
    *out = tag;
    return APR_SUCCESS;
}

apr_status_t wk_redirect_lookup(const char **slug, wk_db_t *db,
                                const char *path, apr_time_t now,
                                apr_pool_t *pool)
{
    sqlite3_stmt *stmt = db_stmt(db, STMT_REDIRECT);
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, time_to_seconds(now));
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *slug = column_text(stmt, 0, pool);
    sqlite3_reset(stmt);
    if (rc == SQLITE_ROW)
        return APR_SUCCESS;
    return rc == SQLITE_DONE ? APR_NOTFOUND : WK_EDB;
}

apr_status_t wk_post_find_moved(const char **slug, wk_db_t *db,
                                const char *old_slug, apr_time_t now,
                                apr_pool_t *pool)
{
    return wk_redirect_lookup(slug, db,
                              apr_pstrcat(pool, "posts/", old_slug, NULL),
                              now, pool);
}

apr_status_t wk_media_get(wk_media_t **out, wk_db_t *db, const char *path,
                          apr_pool_t *pool)
{
    sqlite3_stmt *stmt = db_stmt(db, STMT_MEDIA_GET);
    wk_media_t *media;
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return rc == SQLITE_DONE ? APR_NOTFOUND : WK_EDB;
    }
    media = apr_pcalloc(pool, sizeof(*media));
    media->path = column_text(stmt, 0, pool);
    media->content_type = column_text(stmt, 1, pool);
    media->size = (apr_size_t)sqlite3_column_bytes(stmt, 2);
    media->data = apr_pmemdup(pool, sqlite3_column_blob(stmt, 2),
                              media->size);
    media->sha256 = column_text(stmt, 3, pool);
    media->created_at = apr_time_from_sec(sqlite3_column_int64(stmt, 4));
    sqlite3_reset(stmt);
    *out = media;
    return APR_SUCCESS;
}

static int settings_int(const char *value, int fallback, int min, int max)
{
    char *end;
    long n;

    if (value == NULL || *value == '\0')
        return fallback;
    n = strtol(value, &end, 10);
    if (*end != '\0' || n < min || n > max)
        return fallback;
    return (int)n;
}

/* Longer base URLs are surely a mistake, and every page repeats it. */
#define BASE_URL_MAX_BYTES 2000

const char *wk_base_url_clean(const char *url, apr_pool_t *pool)
{
    apr_size_t len = strlen(url), i;
    apr_uri_t uri;

    if (len > BASE_URL_MAX_BYTES)
        return NULL;
    for (i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7F
            || strchr("\"<>\\^`{|}", url[i]) != NULL)
            return NULL;
    if (apr_uri_parse(pool, url, &uri) != APR_SUCCESS || uri.scheme == NULL
        || (strcmp(uri.scheme, "http") != 0
            && strcmp(uri.scheme, "https") != 0)
        || uri.hostname == NULL || *uri.hostname == '\0'
        || uri.user != NULL || uri.query != NULL || uri.fragment != NULL)
        return NULL;
    while (len > 0 && url[len - 1] == '/')
        len--;
    return apr_pstrmemdup(pool, url, len);
}

apr_status_t wk_settings_load(wk_settings_t *settings, wk_db_t *db,
                              apr_pool_t *pool)
{
    sqlite3_stmt *stmt = db_stmt(db, STMT_SETTINGS);
    const char *per_page = NULL;
    int rc;

    memset(settings, 0, sizeof(*settings));
    settings->title = "";
    settings->description = "";
    settings->base_url = "";
    settings->language = "en";
    settings->timezone = "UTC";
    settings->iframe_hosts = "";
    if (stmt == NULL)
        return WK_EDB;

    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        const char *value = column_text(stmt, 1, pool);

        if (name == NULL || value == NULL)
            continue;
        if (strcmp(name, "title") == 0)
            settings->title = value;
        else if (strcmp(name, "description") == 0)
            settings->description = value;
        else if (strcmp(name, "base_url") == 0)
            settings->base_url = value;
        else if (strcmp(name, "language") == 0)
            settings->language = value;
        else if (strcmp(name, "posts_per_page") == 0)
            per_page = value;
        else if (strcmp(name, "timezone") == 0 && *value != '\0')
            settings->timezone = value;
        else if (strcmp(name, "allow_raw_html") == 0)
            settings->allow_raw_html = settings_int(value, 0, 0, 1);
        else if (strcmp(name, "iframe_hosts") == 0)
            settings->iframe_hosts = value;
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE)
        return WK_EDB;
    settings->posts_per_page = settings_int(per_page, 10, 1, 100);

    stmt = db_stmt(db, STMT_CHANGED_AT);
    if (stmt == NULL)
        return WK_EDB;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        settings->changed_at = apr_time_from_sec(sqlite3_column_int64(stmt, 0));
    sqlite3_reset(stmt);
    return APR_SUCCESS;
}

apr_status_t wk_site_version(apr_int64_t *version, apr_time_t *next_visible,
                             wk_db_t *db, apr_time_t now)
{
    sqlite3_stmt *stmt = db_stmt(db, STMT_SITE_VERSION);
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, (apr_int64_t)apr_time_sec(now));
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int64(stmt, 0);
        *next_visible = sqlite3_column_type(stmt, 1) == SQLITE_NULL
            ? 0 : apr_time_from_sec(sqlite3_column_int64(stmt, 1));
    }
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW ? APR_SUCCESS : WK_EDB;
}
