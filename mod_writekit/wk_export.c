/*
 * wk_export.c: a tenant's posts and images written out as a folder that
 * writekit import reads back into an equal blog.
 *
 * Everything is read inside one read transaction, so the folder is one
 * consistent snapshot while writers carry on.  Files are created with
 * O_EXCL into an empty folder, so an export never replaces a file.
 * Sources are written as stored: their links to images (../media/PATH,
 * relative to a post's page) point, from a post's file, at the images
 * written under media/, and an import of the folder keeps them.
 */
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include "wk_edit.h"
#include "wk_export.h"

/* ---------------------------------------------------------------------- */
/* Files                                                                   */
/* ---------------------------------------------------------------------- */

/* Makes dir when it is missing; fails when it contains anything. */
static apr_status_t folder_prepare(const char *dir, char **error,
                                   apr_pool_t *pool)
{
    apr_dir_t *handle;
    apr_finfo_t info;
    apr_status_t rv;
    char message[256];

    rv = apr_dir_make_recursive(dir, APR_FPROT_OS_DEFAULT, pool);
    if (rv == APR_SUCCESS)
        rv = apr_dir_open(&handle, dir, pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot make or open the folder: %s",
                              dir, apr_strerror(rv, message,
                                                sizeof(message)));
        return rv;
    }
    while (apr_dir_read(&info, APR_FINFO_NAME, handle) == APR_SUCCESS) {
        if (strcmp(info.name, ".") != 0 && strcmp(info.name, "..") != 0) {
            apr_dir_close(handle);
            *error = apr_psprintf(pool, "%s: the folder is not empty; "
                                  "export into a new folder", dir);
            return WK_EINVAL;
        }
    }
    apr_dir_close(handle);
    return APR_SUCCESS;
}

/* Returns whether a stored path can be a file below the export folder:
 * relative, with no "..", "." or empty segment and no backslash. */
static int path_writable(const char *path)
{
    const char *segment = path;

    if (*path == '\0' || *path == '/' || strchr(path, '\\') != NULL)
        return 0;
    while (segment != NULL) {
        const char *slash = strchr(segment, '/');
        apr_size_t len = slash ? (apr_size_t)(slash - segment)
                               : strlen(segment);

        if (len == 0 || (len <= 2 && strncmp(segment, "..", len) == 0))
            return 0;
        segment = slash ? slash + 1 : NULL;
    }
    return 1;
}

/* Writes a new file at dir/relative, making its folders. */
static apr_status_t file_write(const char *dir, const char *relative,
                               const void *data, apr_size_t len,
                               char **error, apr_pool_t *pool)
{
    const char *path = apr_pstrcat(pool, dir, "/", relative, NULL);
    const char *slash = strrchr(path, '/');
    apr_file_t *file;
    apr_status_t rv;
    char message[256];

    rv = apr_dir_make_recursive(apr_pstrmemdup(pool, path,
                                               (apr_size_t)(slash - path)),
                                APR_FPROT_OS_DEFAULT, pool);
    if (rv == APR_SUCCESS)
        rv = apr_file_open(&file, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                           | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                           APR_FPROT_OS_DEFAULT, pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(file, data, len, NULL);
        apr_file_close(file);
    }
    if (rv != APR_SUCCESS)
        *error = apr_psprintf(pool, "%s: cannot write: %s", path,
                              apr_strerror(rv, message, sizeof(message)));
    return rv;
}

/* ---------------------------------------------------------------------- */
/* Front matter                                                            */
/* ---------------------------------------------------------------------- */

/* Appends text as a TOML basic string, with every character TOML does
 * not allow bare escaped. */
static void toml_string(wk_buf_t *out, const char *text)
{
    const unsigned char *c;

    wk_buf_puts(out, "\"");
    for (c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\')
            wk_buf_printf(out, "\\%c", *c);
        else if (*c == '\n')
            wk_buf_puts(out, "\\n");
        else if (*c == '\t')
            wk_buf_puts(out, "\\t");
        else if (*c == '\r')
            wk_buf_puts(out, "\\r");
        else if (*c < 0x20 || *c == 0x7F)
            wk_buf_printf(out, "\\u%04X", *c);
        else
            wk_buf_append(out, (const char *)c, 1);
    }
    wk_buf_puts(out, "\"");
}

/* Appends key = "value", or nothing when value is empty. */
static void toml_field(wk_buf_t *out, const char *key, const char *value)
{
    if (value == NULL || *value == '\0')
        return;
    wk_buf_printf(out, "%s = ", key);
    toml_string(out, value);
    wk_buf_puts(out, "\n");
}

/* Appends key = ["a", "b"], or nothing for an empty list; items are
 * const char * or, with tags set, wk_tag_t names. */
static void toml_list(wk_buf_t *out, const char *key,
                      const apr_array_header_t *items, int tags)
{
    int i;

    if (items == NULL || items->nelts == 0)
        return;
    wk_buf_printf(out, "%s = [", key);
    for (i = 0; i < items->nelts; i++) {
        if (i > 0)
            wk_buf_puts(out, ", ");
        toml_string(out, tags ? APR_ARRAY_IDX(items, i, wk_tag_t).name
                              : APR_ARRAY_IDX(items, i, const char *));
    }
    wk_buf_puts(out, "]\n");
}

/* Appends the old URLs as aliases, each with a leading '/'. */
static void toml_aliases(wk_buf_t *out, const apr_array_header_t *paths,
                         apr_pool_t *pool)
{
    apr_array_header_t *aliases = apr_array_make(pool, paths->nelts,
                                                 sizeof(const char *));
    int i;

    for (i = 0; i < paths->nelts; i++)
        APR_ARRAY_PUSH(aliases, const char *) =
            apr_pstrcat(pool, "/", APR_ARRAY_IDX(paths, i, const char *),
                        NULL);
    toml_list(out, "aliases", aliases, 0);
}

/* Builds a post's file: front matter, then its source as stored. */
static const char *post_file(const wk_post_t *post,
                             const apr_array_header_t *aliases,
                             apr_pool_t *pool)
{
    wk_buf_t *out = wk_buf_make(pool, strlen(post->source) + 1024);

    wk_buf_puts(out, "+++\n");
    toml_field(out, "title", post->title);
    toml_field(out, "slug", post->slug);
    if (post->published_at > 0)
        wk_buf_printf(out, "date = %s\n",
                      wk_time_rfc3339(post->published_at, pool));
    if (strcmp(post->status, "draft") == 0)
        wk_buf_puts(out, "draft = true\n");
    if (post->kind && strcmp(post->kind, "page") == 0)
        wk_buf_puts(out, "kind = \"page\"\n");
    if (post->source_format && strcmp(post->source_format, "html") == 0)
        wk_buf_puts(out, "format = \"html\"\n");
    toml_field(out, "author", post->author);
    toml_field(out, "description", post->description);
    toml_field(out, "excerpt", post->excerpt);
    toml_field(out, "featured_image", post->featured_image);
    toml_field(out, "canonical_url", post->canonical_url);
    toml_list(out, "tags", post->tags, 1);
    toml_aliases(out, aliases, pool);
    wk_buf_puts(out, "+++\n");
    wk_buf_puts(out, post->source);
    return apr_pstrmemdup(pool, out->data, out->len);
}

/* ---------------------------------------------------------------------- */
/* The export                                                              */
/* ---------------------------------------------------------------------- */

/* Returns the ids of every post, pages after posts, oldest first. */
static apr_status_t post_ids(apr_array_header_t **ids, wk_db_t *db,
                             apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, "SELECT id FROM posts ORDER BY"
                                       " kind, published_at, id");
    int rc;

    *ids = apr_array_make(pool, 64, sizeof(apr_int64_t));
    if (stmt == NULL)
        return WK_EDB;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        APR_ARRAY_PUSH(*ids, apr_int64_t) = sqlite3_column_int64(stmt, 0);
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

/* Returns the paths of the stored media. */
static apr_status_t media_paths(apr_array_header_t **paths, wk_db_t *db,
                                apr_pool_t *pool)
{
    sqlite3_stmt *stmt = wk_db_prepare(db, "SELECT path FROM media"
                                       " ORDER BY path");
    int rc;

    *paths = apr_array_make(pool, 64, sizeof(const char *));
    if (stmt == NULL)
        return WK_EDB;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        APR_ARRAY_PUSH(*paths, const char *) =
            apr_pstrdup(pool, (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_reset(stmt);
    return rc == SQLITE_DONE ? APR_SUCCESS : WK_EDB;
}

static apr_status_t posts_write(wk_export_counts_t *counts, wk_db_t *db,
                                const char *dir, char **error,
                                apr_pool_t *pool)
{
    apr_array_header_t *ids;
    apr_pool_t *post_pool;
    apr_status_t rv;
    int i;

    rv = post_ids(&ids, db, pool);
    apr_pool_create(&post_pool, pool);
    for (i = 0; rv == APR_SUCCESS && i < ids->nelts; i++) {
        apr_array_header_t *aliases;
        const char *text, *name;
        wk_post_t *post;

        rv = wk_post_get(&post, db, APR_ARRAY_IDX(ids, i, apr_int64_t),
                         post_pool);
        if (rv == APR_SUCCESS)
            rv = wk_post_redirects(&aliases, db, post->id, post_pool);
        if (rv != APR_SUCCESS)
            break;
        if (!path_writable(post->slug)) {
            *error = apr_psprintf(pool, "post %" APR_INT64_T_FMT " has the "
                                  "slug '%s', which cannot be a file name",
                                  post->id, post->slug);
            rv = WK_EINVAL;
            break;
        }
        name = apr_pstrcat(post_pool, strcmp(post->kind, "page") == 0
                                      ? "pages/" : "posts/",
                           post->slug, ".md", NULL);
        text = post_file(post, aliases, post_pool);
        rv = file_write(dir, name, text, strlen(text), error, pool);
        if (rv == APR_SUCCESS)
            counts->posts++;
        apr_pool_clear(post_pool);
    }
    apr_pool_destroy(post_pool);
    if (rv == WK_EDB)
        *error = apr_psprintf(pool, "%s: cannot read the posts: %s",
                              wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
    return rv;
}

static apr_status_t media_write(wk_export_counts_t *counts, wk_db_t *db,
                                const char *dir, char **error,
                                apr_pool_t *pool)
{
    apr_array_header_t *paths;
    apr_pool_t *media_pool;
    apr_status_t rv;
    int i;

    rv = media_paths(&paths, db, pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot read the media list: %s",
                              wk_db_path(db),
                              sqlite3_errmsg(wk_db_handle(db)));
        return rv;
    }
    apr_pool_create(&media_pool, pool);
    for (i = 0; rv == APR_SUCCESS && i < paths->nelts; i++) {
        const char *path = APR_ARRAY_IDX(paths, i, const char *);
        wk_media_t *media;

        if (!path_writable(path)) {
            *error = apr_psprintf(pool, "media path '%s' cannot be a file "
                                  "name", path);
            rv = WK_EINVAL;
            break;
        }
        rv = wk_media_get(&media, db, path, media_pool);
        if (rv != APR_SUCCESS) {
            *error = apr_psprintf(pool, "%s: cannot read media %s",
                                  wk_db_path(db), path);
            break;
        }
        rv = file_write(dir, apr_pstrcat(media_pool, WK_EXPORT_MEDIA_DIR,
                                         path, NULL),
                        media->data, media->size, error, pool);
        if (rv == APR_SUCCESS)
            counts->media++;
        apr_pool_clear(media_pool);
    }
    apr_pool_destroy(media_pool);
    return rv;
}

apr_status_t wk_export_folder(wk_export_counts_t *counts, wk_db_t *db,
                              const char *dir, char **error,
                              apr_pool_t *pool)
{
    apr_status_t rv;

    memset(counts, 0, sizeof(*counts));
    rv = folder_prepare(dir, error, pool);
    if (rv != APR_SUCCESS)
        return rv;
    rv = wk_db_run(db, "BEGIN", error, pool);
    if (rv != APR_SUCCESS)
        return rv;

    rv = posts_write(counts, db, dir, error, pool);
    if (rv == APR_SUCCESS)
        rv = media_write(counts, db, dir, error, pool);
    if (rv == APR_SUCCESS)
        rv = file_write(dir, WK_EXPORT_MARKER, WK_EXPORT_MARKER_TEXT,
                        strlen(WK_EXPORT_MARKER_TEXT), error, pool);
    wk_db_rollback(db);
    return rv;
}
