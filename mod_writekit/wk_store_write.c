/*
 * wk_store_write.c: the writes to a tenant file: posts with their tags and
 * redirects, media, settings and authors.
 *
 * Each write that touches several rows runs inside a savepoint, so it is
 * atomic on its own and also nests inside a caller's transaction.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_lib.h>

#include "wk_store.h"

sqlite3_stmt *wk_db_statement(wk_db_t *db, const char *sql, char **error,
                              apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, sql);

    if (stmt == NULL)
        *error = apr_psprintf(pool, "%s: %s", wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
    return stmt;
}

apr_status_t wk_db_step_done(wk_db_t *db, sqlite3_stmt *stmt, char **error,
                             apr_pool_t *pool)
{
    int rc = sqlite3_step(stmt);

    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return APR_SUCCESS;
    *error = apr_psprintf(pool, "%s: %s", wk_db_path(db),
                          sqlite3_errmsg(wk_db_handle(db)));
    return WK_EDB;
}

apr_status_t wk_db_run(wk_db_t *db, const char *sql, char **error,
                       apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db, sql, error, pool);

    if (stmt == NULL)
        return WK_EDB;
    return wk_db_step_done(db, stmt, error, pool);
}

static const char *slug_cut(const char *slug, apr_size_t max,
                            apr_pool_t *pool)
{
    apr_size_t len = strlen(slug);

    if (len <= max)
        return slug;
    /* Cut on a UTF-8 character boundary, then drop a trailing dash. */
    len = max;
    while (len > 0 && ((unsigned char)slug[len] & 0xC0) == 0x80)
        len--;
    while (len > 0 && slug[len - 1] == '-')
        len--;
    return apr_pstrmemdup(pool, slug, len);
}

/*
 * Returns the length of the invisible format character at s, or 0:
 * the soft hyphen, zero-width spaces and joiners, the bidirectional
 * marks, embeddings, overrides and isolates, the word joiner and the
 * byte order mark.  In a slug they could make two URLs look alike or
 * make one read backwards.
 */
static apr_size_t invisible_length(const unsigned char *s)
{
    if (s[0] == 0xc2 && s[1] == 0xad)
        return 2;                                   /* U+00AD */
    if (s[0] == 0xe2 && s[1] == 0x80
        && ((s[2] >= 0x8b && s[2] <= 0x8f) || (s[2] >= 0xaa && s[2] <= 0xae)))
        return 3;                       /* U+200B-U+200F, U+202A-U+202E */
    if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa0 && s[2] <= 0xaf)
        return 3;                                   /* U+2060-U+206F */
    if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
        return 3;                                   /* U+FEFF */
    return 0;
}

const char *wk_slugify(const char *text, apr_pool_t *pool)
{
    apr_size_t len = text ? strlen(text) : 0;
    char *slug = apr_palloc(pool, len + 1);
    apr_size_t out = 0, i, skip;
    int dash = 0;

    /* ASCII letters and digits are lowercased, and other ASCII and
     * invisible format characters become one dash.  Other non-ASCII UTF-8
     * is kept so titles in any script stay readable, and the URL
     * percent-encodes those bytes. */
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c >= 0x80
            && (skip = invisible_length((const unsigned char *)text + i))) {
            dash = 1;
            i += skip - 1;
        }
        else if (c >= 0x80 || apr_isalnum(c)) {
            if (dash && out > 0)
                slug[out++] = '-';
            dash = 0;
            slug[out++] = c >= 0x80 ? (char)c : (char)apr_tolower(c);
        }
        else
            dash = 1;
    }
    slug[out] = '\0';
    if (out == 0)
        return "post";
    return slug_cut(slug, 120, pool);
}

/* Makes a version 4 UUID for a post's feed id. */
static const char *make_uid(apr_pool_t *pool)
{
    unsigned char b[16];

    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS)
        memset(b, 0, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    return apr_psprintf(pool, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
                        "%02x%02x-%02x%02x%02x%02x%02x%02x",
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                        b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

apr_status_t wk_slug_unique(const char **out, wk_db_t *db, const char *slug,
                            apr_int64_t self, char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db, "SELECT 1 FROM posts"
                                         " WHERE slug = ?1 AND id <> ?2",
                                         error, pool);
    const char *candidate = slug;
    int n, rc;

    if (stmt == NULL)
        return WK_EDB;
    for (n = 2; n < 100000; n++) {
        sqlite3_bind_text(stmt, 1, candidate, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, self);
        rc = sqlite3_step(stmt);
        sqlite3_reset(stmt);
        if (rc == SQLITE_DONE) {
            *out = candidate;
            return APR_SUCCESS;
        }
        if (rc != SQLITE_ROW)
            break;
        candidate = apr_psprintf(pool, "%s-%d", slug, n);
    }
    *error = apr_psprintf(pool, "%s: cannot find a free slug for '%s'",
                          wk_db_path(db), slug);
    return WK_EDB;
}

static apr_status_t find_by_import_key(apr_int64_t *id, wk_db_t *db,
                                       const char *key, char **error,
                                       apr_pool_t *pool)
{
    sqlite3_stmt *stmt;
    int rc;

    *id = 0;
    if (key == NULL)
        return APR_SUCCESS;
    stmt = wk_db_statement(db, "SELECT id FROM posts WHERE import_key = ?1",
                           error, pool);
    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

static void bind_post_fields(sqlite3_stmt *stmt,
                             const wk_post_input_t *in, const char *slug)
{
    apr_int64_t now = (apr_int64_t)apr_time_sec(apr_time_now());

    sqlite3_bind_text(stmt, 1, slug, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, in->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, in->description ? in->description : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, in->author ? in->author : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, in->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, in->source_format ? in->source_format
                                                 : "markdown", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, in->html, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 8, in->status, -1, SQLITE_STATIC);
    if (strcmp(in->status, "draft") == 0 && in->published_at == 0)
        sqlite3_bind_null(stmt, 9);
    else
        sqlite3_bind_int64(stmt, 9, (apr_int64_t)apr_time_sec(in->published_at));
    sqlite3_bind_int64(stmt, 10, now);
    if (in->import_key)
        sqlite3_bind_text(stmt, 11, in->import_key, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(stmt, 11);
    sqlite3_bind_text(stmt, 13, in->kind ? in->kind : "post", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 14, in->excerpt ? in->excerpt : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 15, in->featured_image ? in->featured_image : "",
                      -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 16, in->canonical_url ? in->canonical_url : "",
                      -1, SQLITE_STATIC);
}

static apr_status_t post_insert(apr_int64_t *id, wk_db_t *db,
                                const wk_post_input_t *in, const char *slug,
                                char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "INSERT INTO posts (slug, title, description, author, source,"
        " source_format, html, status, published_at, created_at, updated_at,"
        " import_key, uid, kind, excerpt, featured_image, canonical_url)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12,"
        " ?13, ?14, ?15, ?16)", error, pool);
    apr_status_t rv;

    if (stmt == NULL)
        return WK_EDB;
    bind_post_fields(stmt, in, slug);
    sqlite3_bind_text(stmt, 12, make_uid(pool), -1, SQLITE_TRANSIENT);
    rv = wk_db_step_done(db, stmt, error, pool);
    *id = sqlite3_last_insert_rowid(wk_db_handle(db));
    return rv;
}

static apr_status_t post_update(apr_int64_t id, wk_db_t *db,
                                const wk_post_input_t *in, const char *slug,
                                char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "UPDATE posts SET slug = ?1, title = ?2, description = ?3,"
        " author = ?4, source = ?5, source_format = ?6, html = ?7,"
        " status = ?8, published_at = ?9, updated_at = ?10,"
        " import_key = ?11, kind = ?13, excerpt = ?14, featured_image = ?15,"
        " canonical_url = ?16, revision = revision + 1 WHERE id = ?12",
        error, pool);

    if (stmt == NULL)
        return WK_EDB;
    bind_post_fields(stmt, in, slug);
    sqlite3_bind_int64(stmt, 12, id);
    return wk_db_step_done(db, stmt, error, pool);
}

apr_status_t wk_post_set_tags(apr_int64_t id, wk_db_t *db,
                              const apr_array_header_t *tags, char **error,
                              apr_pool_t *pool)
{
    sqlite3_stmt *clear, *add_tag, *link;
    apr_status_t rv;
    int i;

    clear = wk_db_statement(db, "DELETE FROM post_tags WHERE post_id = ?1",
                            error, pool);
    add_tag = wk_db_statement(db, "INSERT INTO tags (slug, name)"
                              " VALUES (?1, ?2)"
                              " ON CONFLICT (slug) DO NOTHING", error, pool);
    link = wk_db_statement(db, "INSERT OR IGNORE INTO post_tags"
                           " (post_id, tag_id)"
                           " SELECT ?1, id FROM tags WHERE slug = ?2",
                           error, pool);
    if (clear == NULL || add_tag == NULL || link == NULL)
        return WK_EDB;

    sqlite3_bind_int64(clear, 1, id);
    rv = wk_db_step_done(db, clear, error, pool);
    for (i = 0; rv == APR_SUCCESS && tags && i < tags->nelts; i++) {
        const char *name = APR_ARRAY_IDX(tags, i, const char *);
        const char *slug;

        if (name == NULL || *name == '\0')
            continue;
        slug = wk_slugify(name, pool);
        sqlite3_bind_text(add_tag, 1, slug, -1, SQLITE_STATIC);
        sqlite3_bind_text(add_tag, 2, name, -1, SQLITE_STATIC);
        rv = wk_db_step_done(db, add_tag, error, pool);
        if (rv != APR_SUCCESS)
            break;
        sqlite3_bind_int64(link, 1, id);
        sqlite3_bind_text(link, 2, slug, -1, SQLITE_STATIC);
        rv = wk_db_step_done(db, link, error, pool);
    }
    return rv;
}

/* Strips the slashes around an old URL path, the form redirects use. */
static const char *redirect_key(const char *path, apr_pool_t *pool)
{
    apr_size_t len;

    while (*path == '/')
        path++;
    len = strlen(path);
    while (len > 0 && path[len - 1] == '/')
        len--;
    return apr_pstrmemdup(pool, path, len);
}

static apr_status_t post_set_redirects(apr_int64_t id, wk_db_t *db,
                                       const apr_array_header_t *aliases,
                                       char **error, apr_pool_t *pool)
{
    sqlite3_stmt *clear, *add;
    apr_status_t rv;
    int i;

    clear = wk_db_statement(db, "DELETE FROM redirects WHERE post_id = ?1",
                            error, pool);
    add = wk_db_statement(db, "INSERT OR REPLACE INTO redirects"
                          " (path, post_id) VALUES (?1, ?2)", error, pool);
    if (clear == NULL || add == NULL)
        return WK_EDB;

    sqlite3_bind_int64(clear, 1, id);
    rv = wk_db_step_done(db, clear, error, pool);
    for (i = 0; rv == APR_SUCCESS && aliases && i < aliases->nelts; i++) {
        const char *path = APR_ARRAY_IDX(aliases, i, const char *);
        const char *key = path ? redirect_key(path, pool) : "";

        if (*key == '\0')
            continue;
        sqlite3_bind_text(add, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(add, 2, id);
        rv = wk_db_step_done(db, add, error, pool);
    }
    return rv;
}

static apr_status_t post_input_check(const wk_post_input_t *in,
                                     char **error, apr_pool_t *pool)
{
    if (in->title == NULL || *in->title == '\0')
        *error = "the post has no title";
    else if (in->source == NULL || in->html == NULL)
        *error = "the post has no body";
    else if (in->status == NULL
             || (strcmp(in->status, "draft") != 0
                 && strcmp(in->status, "published") != 0
                 && strcmp(in->status, "scheduled") != 0))
        *error = apr_psprintf(pool, "invalid status '%s'; expected draft, "
                              "published or scheduled",
                              in->status ? in->status : "");
    else if (strcmp(in->status, "draft") != 0 && in->published_at <= 0)
        *error = "a published or scheduled post needs a publish time";
    else
        return APR_SUCCESS;
    return WK_EINVAL;
}

static int string_compare(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Returns the strings of items, or their tag slugs or redirect keys,
 * sorted, without duplicates and joined by newlines. */
static const char *sorted_join(const apr_array_header_t *items, int as_tags,
                               apr_pool_t *pool)
{
    apr_array_header_t *keys = apr_array_make(pool, 8, sizeof(char *));
    wk_buf_t *out = wk_buf_make(pool, 256);
    int i;

    for (i = 0; items && i < items->nelts; i++) {
        const char *item = APR_ARRAY_IDX(items, i, const char *);
        const char *key;

        if (item == NULL || *item == '\0')
            continue;
        key = as_tags ? wk_slugify(item, pool) : redirect_key(item, pool);
        if (*key != '\0')
            APR_ARRAY_PUSH(keys, const char *) = key;
    }
    qsort(keys->elts, (size_t)keys->nelts, sizeof(char *), string_compare);
    for (i = 0; i < keys->nelts; i++) {
        const char *key = APR_ARRAY_IDX(keys, i, const char *);

        if (i > 0 && strcmp(key, APR_ARRAY_IDX(keys, i - 1, char *)) == 0)
            continue;
        if (out->len > 0)
            wk_buf_puts(out, "\n");
        wk_buf_puts(out, key);
    }
    return out->data;
}

/* Returns the one text column of the first row of sql bound to id. */
static const char *query_text(wk_db_t *db, const char *sql, apr_int64_t id,
                              apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, sql);
    const char *text = NULL;

    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, id);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
        text = apr_pstrdup(pool, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_reset(stmt);
    return text ? text : "";
}

/* Returns 1 when post id already has exactly these fields, tags and
 * redirects, so an update would change nothing but its revision. */
static int post_unchanged(apr_int64_t id, wk_db_t *db,
                          const wk_post_input_t *in, const char *slug,
                          apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT 1 FROM posts WHERE id = ?12 AND slug = ?1 AND title = ?2"
        " AND description = ?3 AND author = ?4 AND source = ?5"
        " AND source_format = ?6 AND html = ?7 AND status = ?8"
        " AND published_at IS ?9 AND kind = ?13 AND excerpt = ?14"
        " AND featured_image = ?15 AND canonical_url = ?16");
    int same;

    if (stmt == NULL)
        return 0;
    /* bind_post_fields() also binds ?10 and ?11, which this statement
     * does not use; SQLite ignores those bindings. */
    bind_post_fields(stmt, in, slug);
    sqlite3_bind_int64(stmt, 12, id);
    same = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_reset(stmt);
    if (!same)
        return 0;

    return strcmp(query_text(db, "SELECT group_concat(slug, char(10)) FROM"
                             " (SELECT t.slug FROM post_tags pt JOIN tags t"
                             " ON t.id = pt.tag_id WHERE pt.post_id = ?1"
                             " ORDER BY t.slug)", id, pool),
                  sorted_join(in->tags, 1, pool)) == 0
           && strcmp(query_text(db, "SELECT group_concat(path, char(10))"
                                " FROM (SELECT path FROM redirects"
                                " WHERE post_id = ?1 ORDER BY path)", id,
                                pool),
                     sorted_join(in->aliases, 0, pool)) == 0;
}

apr_status_t wk_post_upsert(apr_int64_t *id, int *outcome, wk_db_t *db,
                            const wk_post_input_t *in, char **error,
                            apr_pool_t *pool)
{
    const char *slug;
    apr_status_t rv;

    rv = post_input_check(in, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = wk_db_run(db, "SAVEPOINT post_upsert", error, pool);
    if (rv != APR_SUCCESS)
        return rv;

    rv = find_by_import_key(id, db, in->import_key, error, pool);
    if (rv == APR_SUCCESS)
        rv = wk_slug_unique(&slug, db, wk_slugify(in->slug && *in->slug
                                               ? in->slug : in->title, pool),
                         *id, error, pool);
    if (rv == APR_SUCCESS && *id != 0 && post_unchanged(*id, db, in, slug,
                                                        pool)) {
        *outcome = WK_UPSERT_UNCHANGED;
        return wk_db_run(db, "RELEASE post_upsert", error, pool);
    }
    if (rv == APR_SUCCESS) {
        *outcome = *id == 0 ? WK_UPSERT_CREATED : WK_UPSERT_UPDATED;
        if (*id == 0)
            rv = post_insert(id, db, in, slug, error, pool);
        else
            rv = post_update(*id, db, in, slug, error, pool);
    }
    if (rv == APR_SUCCESS)
        rv = wk_post_set_tags(*id, db, in->tags, error, pool);
    if (rv == APR_SUCCESS)
        rv = post_set_redirects(*id, db, in->aliases, error, pool);

    if (rv != APR_SUCCESS) {
        char *ignored;

        wk_db_run(db, "ROLLBACK TO post_upsert", &ignored, pool);
        wk_db_run(db, "RELEASE post_upsert", &ignored, pool);
        return rv;
    }
    return wk_db_run(db, "RELEASE post_upsert", error, pool);
}

apr_status_t wk_media_put(wk_db_t *db, const wk_media_t *media,
                          char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "INSERT INTO media (path, content_type, data, sha256, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (path) DO UPDATE SET"
        " content_type = excluded.content_type, data = excluded.data,"
        " sha256 = excluded.sha256", error, pool);

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, media->path, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, media->content_type, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(stmt, 3, media->data, media->size, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, media->sha256 ? media->sha256 : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 5, media->created_at
                       ? (apr_int64_t)apr_time_sec(media->created_at)
                       : (apr_int64_t)apr_time_sec(apr_time_now()));
    return wk_db_step_done(db, stmt, error, pool);
}

apr_status_t wk_setting_set(wk_db_t *db, const char *name,
                            const char *value, char **error,
                            apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "INSERT INTO settings (name, value) VALUES (?1, ?2)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        error, pool);

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
    return wk_db_step_done(db, stmt, error, pool);
}

apr_status_t wk_post_redirects(apr_array_header_t **paths, wk_db_t *db,
                               apr_int64_t id, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, "SELECT path FROM redirects"
                                       " WHERE post_id = ?1 ORDER BY path");
    int rc;

    *paths = apr_array_make(pool, 4, sizeof(const char *));
    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_int64(stmt, 1, id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        APR_ARRAY_PUSH(*paths, const char *) =
            apr_pstrdup(pool, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

apr_status_t wk_author_put(wk_db_t *db, const wk_author_t *author,
                           char **error, apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "INSERT INTO authors (slug, name, email, bio, website)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (slug) DO UPDATE SET"
        " name = excluded.name, email = excluded.email, bio = excluded.bio,"
        " website = excluded.website", error, pool);

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, author->slug, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, author->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, author->email ? author->email : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, author->bio ? author->bio : "", -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt, 5, author->website ? author->website : "", -1,
                      SQLITE_STATIC);
    return wk_db_step_done(db, stmt, error, pool);
}

apr_status_t wk_user_add(wk_db_t *db, const char *email,
                         const char *password_hash, char **error,
                         apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_statement(db,
        "INSERT INTO users (email, password_hash, created_at)"
        " VALUES (?1, ?2, ?3)", error, pool);
    int rc;

    if (stmt == NULL)
        return WK_EDB;
    sqlite3_bind_text(stmt, 1, email, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, password_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, (apr_int64_t)apr_time_sec(apr_time_now()));
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_CONSTRAINT_UNIQUE) {
        *error = apr_psprintf(pool, "%s: a user with email %s already exists",
                              wk_db_path(db), email);
        return WK_EINVAL;
    }
    if (rc != SQLITE_DONE) {
        *error = apr_psprintf(pool, "%s: %s", wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
        return WK_EDB;
    }
    return APR_SUCCESS;
}
