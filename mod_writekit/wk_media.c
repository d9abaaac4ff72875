/*
 * wk_media.c: the type of an upload from its bytes, its content-addressed
 * path, and the media library's queries.
 *
 * Detection looks at the first bytes of each raster format (signature and
 * the start of its first header) and at the prolog of an SVG document.
 * It never decodes an image, so a file that passes is of the right kind
 * but may still be damaged further in.
 */
#include <string.h>

#include <apr_lib.h>

#include "wk_auth.h"
#include "wk_media.h"

/* Hex digits of the SHA-256 in an upload's stored name: 64 bits, so two
 * different images of one blog collide with negligible probability. */
#define UPLOAD_HASH_DIGITS 16

static apr_uint32_t be32(const unsigned char *p)
{
    return ((apr_uint32_t)p[0] << 24) | ((apr_uint32_t)p[1] << 16)
           | ((apr_uint32_t)p[2] << 8) | p[3];
}

/* The 8-byte signature, then an IHDR chunk of 13 bytes and its CRC. */
static int is_png(const unsigned char *p, apr_size_t len)
{
    return len >= 33 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0
           && be32(p + 8) == 13 && memcmp(p + 12, "IHDR", 4) == 0;
}

/* SOI, then the start of another marker segment (FF and a marker byte). */
static int is_jpeg(const unsigned char *p, apr_size_t len)
{
    return len >= 4 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF
           && p[3] >= 0xC0 && p[3] != 0xFF;
}

/* Signature and the 7-byte logical screen descriptor. */
static int is_gif(const unsigned char *p, apr_size_t len)
{
    return len >= 13 && (memcmp(p, "GIF87a", 6) == 0
                         || memcmp(p, "GIF89a", 6) == 0);
}

/* A RIFF container of form WEBP whose first chunk is VP8, VP8L or VP8X. */
static int is_webp(const unsigned char *p, apr_size_t len)
{
    return len >= 16 && memcmp(p, "RIFF", 4) == 0
           && memcmp(p + 8, "WEBP", 4) == 0
           && (memcmp(p + 12, "VP8 ", 4) == 0
               || memcmp(p + 12, "VP8L", 4) == 0
               || memcmp(p + 12, "VP8X", 4) == 0);
}

/* An ISO BMFF ftyp box, whole within data, whose major or a compatible
 * brand is avif (still image) or avis (image sequence). */
static int is_avif(const unsigned char *p, apr_size_t len)
{
    apr_uint32_t box, at;

    if (len < 16 || memcmp(p + 4, "ftyp", 4) != 0)
        return 0;
    box = be32(p);
    if (box < 16 || box > len || box % 4 != 0)
        return 0;
    for (at = 8; at + 4 <= box; at += 4) {
        if (at == 12)
            continue;   /* the minor version, not a brand */
        if (memcmp(p + at, "avif", 4) == 0 || memcmp(p + at, "avis", 4) == 0)
            return 1;
    }
    return 0;
}

static int starts_with(const char *p, const char *end, const char *prefix)
{
    apr_size_t n = strlen(prefix);

    return (apr_size_t)(end - p) >= n && memcmp(p, prefix, n) == 0;
}

static const char *skip_space(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* Returns the byte after the first terminator at or after p, or NULL. */
static const char *skip_past(const char *p, const char *end,
                             const char *terminator)
{
    apr_size_t n = strlen(terminator);

    for (; (apr_size_t)(end - p) >= n; p++)
        if (memcmp(p, terminator, n) == 0)
            return p + n;
    return NULL;
}

/*
 * Skips one comment or DOCTYPE of the prolog.  Returns the byte after it,
 * p itself when p starts neither, or NULL when one is unterminated or the
 * DOCTYPE has an internal subset: its entity declarations can expand
 * without bound in some viewers.
 */
static const char *skip_prolog_item(const char *p, const char *end)
{
    const char *close;

    if (starts_with(p, end, "<!--"))
        return skip_past(p + 4, end, "-->");
    if (starts_with(p, end, "<!DOCTYPE")) {
        close = skip_past(p, end, ">");
        if (close == NULL || memchr(p, '[', (apr_size_t)(close - p)))
            return NULL;
        return close;
    }
    return p;
}

/*
 * Text with no NUL byte whose root element is svg.  Only an XML
 * declaration, white space, comments and a DOCTYPE may come before it;
 * other processing instructions (<?php ...?> among them) are rejected.
 */
static int is_svg(const char *p, apr_size_t len)
{
    const char *end = p + len, *next;

    if (memchr(p, '\0', len) != NULL)
        return 0;
    if (starts_with(p, end, "\xEF\xBB\xBF"))
        p += 3;
    if (starts_with(p, end, "<?xml") && end - p > 5 && apr_isspace(p[5])) {
        p = skip_past(p + 5, end, "?>");
        if (p == NULL)
            return 0;
    }
    for (;;) {
        p = skip_space(p, end);
        next = skip_prolog_item(p, end);
        if (next == NULL)
            return 0;
        if (next == p)
            break;
        p = next;
    }
    if (!starts_with(p, end, "<svg") || end - p < 5)
        return 0;
    return p[4] == '>' || p[4] == '/' || apr_isspace(p[4]);
}

const char *wk_media_detect(const void *data, apr_size_t len)
{
    const unsigned char *bytes = data;

    if (is_png(bytes, len))
        return "image/png";
    if (is_jpeg(bytes, len))
        return "image/jpeg";
    if (is_gif(bytes, len))
        return "image/gif";
    if (is_webp(bytes, len))
        return "image/webp";
    if (is_avif(bytes, len))
        return "image/avif";
    if (is_svg(data, len))
        return "image/svg+xml";
    return NULL;
}

const char *wk_media_extension(const char *content_type)
{
    static const char *const types[][2] = {
        { "image/png", "png" }, { "image/jpeg", "jpg" },
        { "image/gif", "gif" }, { "image/webp", "webp" },
        { "image/avif", "avif" }, { "image/svg+xml", "svg" },
    };
    apr_size_t i;

    for (i = 0; content_type && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(content_type, types[i][0]) == 0)
            return types[i][1];
    return NULL;
}

apr_status_t wk_media_store_upload(wk_media_t *media, wk_db_t *db,
                                   const void *data, apr_size_t len,
                                   const char *content_type, apr_time_t now,
                                   char **error, apr_pool_t *pool)
{
    const char *ext = wk_media_extension(content_type);

    if (len == 0 || ext == NULL) {
        *error = apr_psprintf(pool, "not an image to store (%s, %"
                              APR_SIZE_T_FMT " bytes)",
                              content_type ? content_type : "unknown type",
                              len);
        return WK_EINVAL;
    }
    memset(media, 0, sizeof(*media));
    media->sha256 = wk_sha256_hex(data, len, pool);
    media->path = apr_psprintf(pool, "uploads/%.*s.%s", UPLOAD_HASH_DIGITS,
                               media->sha256, ext);
    media->content_type = content_type;
    media->data = data;
    media->size = len;
    media->created_at = now;
    return wk_media_put(db, media, error, pool);
}

static apr_status_t media_count(int *total, wk_db_t *db)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, "SELECT count(*) FROM media");

    if (stmt == NULL || sqlite3_step(stmt) != SQLITE_ROW) {
        if (stmt)
            sqlite3_reset(stmt);
        return WK_EDB;
    }
    *total = sqlite3_column_int(stmt, 0);
    sqlite3_reset(stmt);
    return APR_SUCCESS;
}

apr_status_t wk_media_list(apr_array_header_t **media, int *total,
                           wk_db_t *db, int offset, int limit,
                           apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
        "SELECT path, content_type, length(data), sha256, created_at"
        " FROM media ORDER BY created_at DESC, id DESC LIMIT ?1 OFFSET ?2");
    int rc;

    if (stmt == NULL || media_count(total, db) != APR_SUCCESS)
        return WK_EDB;
    *media = apr_array_make(pool, limit > 0 ? limit : 1,
                            sizeof(wk_media_t *));
    sqlite3_bind_int(stmt, 1, limit);
    sqlite3_bind_int(stmt, 2, offset);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        wk_media_t *item = apr_pcalloc(pool, sizeof(*item));

        item->path = apr_pstrdup(pool,
                                 (const char *)sqlite3_column_text(stmt, 0));
        item->content_type = apr_pstrdup(pool,
            (const char *)sqlite3_column_text(stmt, 1));
        item->size = (apr_size_t)sqlite3_column_int64(stmt, 2);
        item->sha256 = apr_pstrdup(pool,
                                   (const char *)sqlite3_column_text(stmt, 3));
        item->created_at = apr_time_from_sec(sqlite3_column_int64(stmt, 4));
        APR_ARRAY_PUSH(*media, wk_media_t *) = item;
    }
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

apr_status_t wk_media_delete(wk_db_t *db, const char *path, char **error,
                             apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db,
                                       "DELETE FROM media WHERE path = ?1");
    int rc;

    if (stmt == NULL) {
        *error = apr_psprintf(pool, "%s: %s", wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
        return WK_EDB;
    }
    sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (rc != SQLITE_DONE) {
        *error = apr_psprintf(pool, "%s: %s", wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
        return WK_EDB;
    }
    return sqlite3_changes(wk_db_handle(db)) > 0 ? APR_SUCCESS
                                                 : APR_NOTFOUND;
}
