/*
 * wk_import.c: a folder of markdown posts and images into a tenant file.
 *
 * The walk collects every file first and sorts the paths, so reports and
 * the -2, -3 suffixes of clashing slugs come out the same on every run.
 * Images are stored before posts, so that while a post renders, its
 * relative image and link URLs can be checked against the stored media
 * and pointed at the media URL.  Each file is read, rendered and written
 * on a subpool that is destroyed before the next file.
 */
#include <stdlib.h>
#include <string.h>

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_random.h>

#include "wk_archive.h"
#include "wk_auth.h"
#include "wk_export.h"
#include "wk_frontmatter.h"
#include "wk_import_run.h"
#include "wk_media.h"
#include "wk_sanitize.h"

/* Room for front matter on top of the markdown size limit. */
#define IMPORT_FRONT_MATTER_MAX (64 * 1024)

typedef enum {
    FILE_POST,
    FILE_MEDIA,
    FILE_OTHER
} file_kind_t;

/* A file found by the walk. */
typedef struct import_file {
    const char *path;      /* relative to the root */
    const char *full_path;
    file_kind_t kind;
    const char *skip_reason;  /* for FILE_OTHER */
} import_file_t;

/* One run of wk_import_dir(). */
typedef struct import_run {
    wk_db_t *db;
    const char *root;
    const char *key_root;       /* the root's absolute path, for keys */
    const wk_import_options_t *options;
    wk_import_counts_t *counts;
    apr_array_header_t *files;  /* of import_file_t */
    apr_hash_t *media;          /* path of an image below the root ->
                                   its stored media path */
    const char *media_root;     /* "media/" in a writekit export, whose
                                   images are stored without it, else "" */
    apr_status_t failure;       /* a failed write, which stops the run */
    const char *failure_error;
    apr_pool_t *pool;
} import_run_t;

/* What the URL rewrite of one post needs; read-only in the child. */
typedef struct rewrite_context {
    apr_hash_t *media;
    const char *post_dir;  /* relative to the root, "" at the top */
    const char *prefix;
} rewrite_context_t;

/* The fields of a post taken from its front matter and its path. */
typedef struct post_fields {
    wk_post_input_t input;
    int draft;
    int has_date;
} post_fields_t;

void wk_import_options_default(wk_import_options_t *options)
{
    memset(options, 0, sizeof(*options));
    wk_render_limits_default(&options->limits);
    options->media_prefix = WK_IMPORT_DEFAULT_MEDIA_PREFIX;
    options->max_media_bytes = WK_IMPORT_DEFAULT_MAX_MEDIA;
    options->max_archive_bytes = WK_ZIP_DEFAULT_MAX_BYTES;
}

static void import_report(import_run_t *run, const char *path,
                          wk_import_outcome_t outcome, const char *message)
{
    wk_import_report(run->options, run->counts, path, outcome, message);
}

/* Notes a failed write to the tenant file; the run stops after the
 * current file.  error is copied to the run's pool, since the file's
 * pool is cleared. */
static void run_fail(import_run_t *run, apr_status_t status,
                     const char *error)
{
    run->failure = status;
    run->failure_error = apr_pstrdup(run->pool, error);
}

static void import_skip(import_run_t *run, const char *path,
                        wk_import_outcome_t outcome, const char *reason,
                        apr_pool_t *pool)
{
    import_report(run, path, outcome,
                  apr_pstrcat(pool, "skipped: ", reason, NULL));
}

/* ---------------------------------------------------------------------- */
/* Walking the folder                                                      */
/* ---------------------------------------------------------------------- */

/* Returns the extension of name in lower case without the dot, or "". */
static const char *name_extension(const char *name, apr_pool_t *pool)
{
    const char *dot = strrchr(name, '.');
    char *ext;
    apr_size_t i;

    if (dot == NULL || dot == name)
        return "";
    ext = apr_pstrdup(pool, dot + 1);
    for (i = 0; ext[i] != '\0'; i++)
        ext[i] = (char)apr_tolower(ext[i]);
    return ext;
}

static file_kind_t file_kind(const char *name, apr_pool_t *pool)
{
    static const char *const images[] = {
        "png", "jpg", "jpeg", "gif", "webp", "svg", "avif", NULL
    };
    const char *ext = name_extension(name, pool);
    int i;

    if (strcmp(ext, "md") == 0 || strcmp(ext, "markdown") == 0)
        return FILE_POST;
    for (i = 0; images[i] != NULL; i++) {
        if (strcmp(ext, images[i]) == 0)
            return FILE_MEDIA;
    }
    return FILE_OTHER;
}

/*
 * Adds the files below the folder dir (relative to the root; "" is the
 * root) to run->files.  Symbolic links are reported and not followed, so
 * the walk stays inside the root and cannot loop.
 */
static apr_status_t import_walk(import_run_t *run, const char *dir,
                                char **error)
{
    const char *full_dir = *dir ? apr_pstrcat(run->pool, run->root, "/", dir,
                                              NULL)
                                : run->root;
    apr_dir_t *handle;
    apr_finfo_t info;
    apr_status_t rv;
    char message[256];

    rv = apr_dir_open(&handle, full_dir, run->pool);
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(run->pool, "%s: cannot open the folder: %s",
                              full_dir,
                              apr_strerror(rv, message, sizeof(message)));
        return rv;
    }
    while (apr_dir_read(&info, APR_FINFO_NAME | APR_FINFO_TYPE, handle)
           == APR_SUCCESS) {
        const char *path;
        import_file_t *file;

        if (info.name[0] == '.')
            continue;
        path = *dir ? apr_pstrcat(run->pool, dir, "/", info.name, NULL)
                    : apr_pstrdup(run->pool, info.name);
        if (info.filetype == APR_DIR) {
            rv = import_walk(run, path, error);
            if (rv != APR_SUCCESS) {
                import_skip(run, path, WK_IMPORT_FAILED, *error, run->pool);
                continue;
            }
            continue;
        }

        file = apr_array_push(run->files);
        file->path = path;
        file->full_path = apr_pstrcat(run->pool, run->root, "/", path, NULL);
        file->kind = FILE_OTHER;
        if (info.filetype == APR_LNK)
            file->skip_reason = "symbolic link";
        else if (info.filetype != APR_REG)
            file->skip_reason = "not a regular file";
        else
            file->kind = file_kind(info.name, run->pool);
        if (file->kind == FILE_OTHER && file->skip_reason == NULL)
            file->skip_reason = "not a post or an image";
    }
    apr_dir_close(handle);
    return APR_SUCCESS;
}

static int import_file_compare(const void *a, const void *b)
{
    return strcmp(((const import_file_t *)a)->path,
                  ((const import_file_t *)b)->path);
}

/* ---------------------------------------------------------------------- */
/* Media                                                                   */
/* ---------------------------------------------------------------------- */

/*
 * Stores one image under its relative path.  SVG files can carry scripts,
 * which is why the media handler in mod_writekit.c serves them with a
 * Content-Security-Policy that blocks scripts.
 */
static void media_import(import_run_t *run, const import_file_t *file,
                         apr_pool_t *pool)
{
    wk_media_t media;
    char *data, *error;
    apr_size_t size;

    if (wk_import_file_read(&data, &size, file->full_path,
                  run->options->max_media_bytes, &error, pool)
        != APR_SUCCESS) {
        import_skip(run, file->path, WK_IMPORT_FAILED, error, pool);
        return;
    }

    memset(&media, 0, sizeof(media));
    media.path = file->path;
    if (*run->media_root != '\0'
        && strncmp(file->path, run->media_root, strlen(run->media_root)) == 0)
        media.path = file->path + strlen(run->media_root);
    media.data = data;
    media.size = size;
    /* The type comes from the bytes, as for uploads, so a script named
     * .png is never stored as an image. */
    media.content_type = wk_media_detect(data, size);
    if (media.content_type == NULL) {
        import_skip(run, file->path, WK_IMPORT_FAILED, "the bytes are not a "
                    "PNG, JPEG, GIF, WebP, AVIF or SVG image", pool);
        return;
    }
    media.sha256 = wk_sha256_hex(data, size, pool);
    media.created_at = apr_time_now();

    if (wk_media_put(run->db, &media, &error, pool) != APR_SUCCESS) {
        run_fail(run, WK_EDB, error);
        return;
    }
    apr_hash_set(run->media, apr_pstrdup(run->pool, file->path),
                 APR_HASH_KEY_STRING, apr_pstrdup(run->pool, media.path));
    import_report(run, file->path, WK_IMPORT_STORED, "stored");
}

/* ---------------------------------------------------------------------- */
/* URL rewriting                                                           */
/* ---------------------------------------------------------------------- */

/*
 * Resolves a relative URL path against the post's folder, folding "."
 * and ".." segments.  Returns NULL when the URL is not relative (it has a
 * scheme, starts with '/' or is only a fragment or query) or climbs above
 * the root.
 */
static const char *url_resolve(const char *post_dir, const char *url,
                               apr_size_t len, apr_pool_t *pool)
{
    apr_array_header_t *segments = apr_array_make(pool, 8, sizeof(char *));
    const char *scheme_end = url + strcspn(url, ":/?#");
    char *decoded, *joined, *segment, *state;
    int i;

    if (len == 0 || strchr("/?#", url[0]) != NULL || *scheme_end == ':')
        return NULL;
    decoded = wk_percent_decode(url, len, pool);
    if (decoded == NULL)
        return NULL;

    joined = apr_pstrcat(pool, post_dir, "/", decoded, NULL);
    for (segment = apr_strtok(joined, "/", &state); segment != NULL;
         segment = apr_strtok(NULL, "/", &state)) {
        if (strcmp(segment, ".") == 0)
            continue;
        if (strcmp(segment, "..") == 0) {
            if (apr_array_pop(segments) == NULL)
                return NULL;
            continue;
        }
        APR_ARRAY_PUSH(segments, char *) = segment;
    }
    if (segments->nelts == 0)
        return NULL;

    joined = APR_ARRAY_IDX(segments, 0, char *);
    for (i = 1; i < segments->nelts; i++)
        joined = apr_pstrcat(pool, joined, "/",
                             APR_ARRAY_IDX(segments, i, char *), NULL);
    return joined;
}

/* Points a relative URL that resolves to stored media at the media URL,
 * keeping its query and fragment. */
static const char *url_to_media(void *baton, const char *url, int is_image,
                                apr_pool_t *pool)
{
    const rewrite_context_t *context = baton;
    apr_size_t path_len = strcspn(url, "?#");
    const char *path = url_resolve(context->post_dir, url, path_len, pool);
    const char *stored = path ? apr_hash_get(context->media, path,
                                             APR_HASH_KEY_STRING)
                              : NULL;

    if (stored == NULL)
        return NULL;
    return apr_pstrcat(pool, wk_import_media_url(context->prefix, stored,
                                                 pool),
                       url + path_len, NULL);
}

/* ---------------------------------------------------------------------- */
/* Front matter fields                                                     */
/* ---------------------------------------------------------------------- */

/* Returns a scalar's text, or NULL for null, arrays and tables. */
static const char *meta_text(struct json_object *value)
{
    switch (json_object_get_type(value)) {
    case json_type_string:
    case json_type_int:
    case json_type_double:
    case json_type_boolean:
        return json_object_get_string(value);
    default:
        return NULL;
    }
}

static struct json_object *meta_get(struct json_object *table,
                                    const char *key)
{
    struct json_object *value = NULL;

    if (table == NULL || !json_object_is_type(table, json_type_object))
        return NULL;
    json_object_object_get_ex(table, key, &value);
    return value;
}

/* Returns the first of keys (a NULL-terminated list) that has text. */
static const char *meta_first_text(struct json_object *meta,
                                   const char *const *keys)
{
    int i;

    for (i = 0; keys[i] != NULL; i++) {
        const char *text = meta_text(meta_get(meta, keys[i]));

        if (text != NULL && *text != '\0')
            return text;
    }
    return NULL;
}

/* Appends a string, or each scalar of a list, to out, skipping repeats. */
static void meta_strings_append(apr_array_header_t *out,
                                struct json_object *value, apr_pool_t *pool)
{
    apr_size_t i, count;
    int j;

    if (value == NULL)
        return;
    count = json_object_is_type(value, json_type_array)
            ? json_object_array_length(value) : 1;
    for (i = 0; i < count; i++) {
        struct json_object *item = json_object_is_type(value, json_type_array)
                                   ? json_object_array_get_idx(value, i)
                                   : value;
        const char *text = meta_text(item);
        int seen = 0;

        if (item != NULL && json_object_is_type(item, json_type_object))
            text = meta_text(meta_get(item, "name"));
        if (text == NULL || *text == '\0')
            continue;
        for (j = 0; j < out->nelts && !seen; j++)
            seen = strcmp(APR_ARRAY_IDX(out, j, const char *), text) == 0;
        if (!seen)
            APR_ARRAY_PUSH(out, const char *) = apr_pstrdup(pool, text);
    }
}

/* Joins the strings of list with ", ". */
static const char *strings_join(const apr_array_header_t *list,
                                apr_pool_t *pool)
{
    const char *joined = "";
    int i;

    for (i = 0; i < list->nelts; i++)
        joined = apr_pstrcat(pool, joined, i > 0 ? ", " : "",
                             APR_ARRAY_IDX(list, i, const char *), NULL);
    return joined;
}

/*
 * Finds YYYY-MM-DD or YYYY/MM/DD in text that no other digit touches and
 * that is a real date; returns 0 when there is none.
 */
static int date_find(const char *text, apr_time_t *t)
{
    const char *at;

    for (at = text; at[0] != '\0'; at++) {
        char date[11];
        int i, shape = 1;

        for (i = 0; i < 10 && shape; i++) {
            if (i == 4 || i == 7)
                shape = (at[i] == '-' || at[i] == '/') && at[i] == at[4];
            else
                shape = apr_isdigit(at[i]);
        }
        if (!shape || (at > text && apr_isdigit(at[-1]))
            || apr_isdigit(at[10]))
            continue;
        memcpy(date, at, 10);
        date[4] = '-';
        date[7] = '-';
        date[10] = '\0';
        if (wk_date_parse(t, date) == APR_SUCCESS)
            return 1;
    }
    return 0;
}

/* Returns the folder part of a relative path, "" for the root. */
static const char *path_dir(const char *path, apr_pool_t *pool)
{
    const char *slash = strrchr(path, '/');

    return slash ? apr_pstrmemdup(pool, path, (apr_size_t)(slash - path))
                 : "";
}

/* Returns the last segment of a path with its slashes trimmed, or NULL. */
static const char *path_last_segment(const char *path, apr_pool_t *pool)
{
    apr_size_t len = strlen(path);
    const char *start;

    while (len > 0 && path[len - 1] == '/')
        len--;
    start = path + len;
    while (start > path && start[-1] != '/')
        start--;
    if (start == path + len)
        return NULL;
    return apr_pstrmemdup(pool, start, (apr_size_t)(path + len - start));
}

/*
 * Returns the slug a file's place suggests: its name without extension,
 * or its folder's name for index.md, without a leading YYYY-MM-DD- as
 * Jekyll file names have.
 */
static const char *slug_from_file(const char *path, apr_pool_t *pool)
{
    const char *name = path_last_segment(path, pool);
    char *stem = apr_pstrdup(pool, name);
    char *dot = strrchr(stem, '.');
    char date[11];
    apr_time_t ignored;

    if (dot != NULL && dot != stem)
        *dot = '\0';
    if (strcmp(stem, "index") == 0 && strchr(path, '/') != NULL) {
        const char *dir = apr_pstrmemdup(pool, path,
                                         (apr_size_t)(strrchr(path, '/')
                                                      - path));

        stem = apr_pstrdup(pool, path_last_segment(dir, pool));
    }
    if (strlen(stem) > 11 && stem[10] == '-') {
        memcpy(date, stem, 10);
        date[10] = '\0';
        if (wk_date_parse(&ignored, date) == APR_SUCCESS)
            stem += 11;
    }
    return stem;
}

/* Sets the publish time: the date field, else a date in the file name,
 * the path field or the folders.  A date field that is not a date is an
 * error. */
static apr_status_t fields_date(post_fields_t *fields,
                                struct json_object *meta, const char *path,
                                char **error, apr_pool_t *pool)
{
    static const char *const date_keys[] = { "date", "publishDate", NULL };
    const char *date = meta_first_text(meta, date_keys);
    const char *path_field = meta_text(meta_get(meta, "path"));
    apr_time_t t;

    if (date != NULL) {
        if (wk_date_parse(&t, date) != APR_SUCCESS) {
            *error = apr_psprintf(pool, "invalid date '%s'; expected "
                                  "YYYY-MM-DD or an RFC 3339 date-time",
                                  date);
            return WK_EINVAL;
        }
    }
    else if (!date_find(path_last_segment(path, pool), &t)
             && !(path_field != NULL && date_find(path_field, &t))
             && !date_find(path_dir(path, pool), &t)) {
        if (!fields->draft) {
            *error = "no date: add a date field or put YYYY-MM-DD in the "
                     "file or folder name";
            return WK_EINVAL;
        }
        return APR_SUCCESS;
    }
    fields->has_date = 1;
    fields->input.published_at = t;
    return APR_SUCCESS;
}

/* Collects tags and categories, at the top level and under taxonomies. */
static apr_array_header_t *fields_tags(struct json_object *meta,
                                       apr_pool_t *pool)
{
    apr_array_header_t *tags = apr_array_make(pool, 8, sizeof(char *));
    struct json_object *taxonomies = meta_get(meta, "taxonomies");

    meta_strings_append(tags, meta_get(meta, "tags"), pool);
    meta_strings_append(tags, meta_get(taxonomies, "tags"), pool);
    meta_strings_append(tags, meta_get(meta, "categories"), pool);
    meta_strings_append(tags, meta_get(taxonomies, "categories"), pool);
    return tags;
}

/* Collects the old URLs: aliases, redirect_from and the path field. */
static apr_array_header_t *fields_aliases(struct json_object *meta,
                                          apr_pool_t *pool)
{
    apr_array_header_t *aliases = apr_array_make(pool, 4, sizeof(char *));

    meta_strings_append(aliases, meta_get(meta, "aliases"), pool);
    meta_strings_append(aliases, meta_get(meta, "redirect_from"), pool);
    meta_strings_append(aliases, meta_get(meta, "path"), pool);
    return aliases;
}

/* Returns whether the front matter's key has the text value. */
static int meta_is(struct json_object *meta, const char *key,
                   const char *value)
{
    const char *text = meta_text(meta_get(meta, key));

    return text != NULL && strcmp(text, value) == 0;
}

/* Fills fields from the front matter and the file's path. */
static apr_status_t fields_read(post_fields_t *fields,
                                struct json_object *meta, const char *path,
                                char **error, apr_pool_t *pool)
{
    static const char *const description_keys[] = {
        "description", "summary", NULL
    };
    struct json_object *draft = meta_get(meta, "draft");
    const char *path_field = meta_text(meta_get(meta, "path"));
    apr_array_header_t *authors = apr_array_make(pool, 2, sizeof(char *));
    wk_post_input_t *in = &fields->input;
    apr_status_t rv;

    memset(fields, 0, sizeof(*fields));
    in->title = meta_text(meta_get(meta, "title"));
    if (in->title == NULL || *in->title == '\0') {
        *error = "missing title";
        return WK_EINVAL;
    }
    fields->draft = json_object_is_type(draft, json_type_boolean)
                    && json_object_get_boolean(draft);

    rv = fields_date(fields, meta, path, error, pool);
    if (rv != APR_SUCCESS)
        return rv;

    in->slug = meta_text(meta_get(meta, "slug"));
    if ((in->slug == NULL || *in->slug == '\0') && path_field != NULL)
        in->slug = path_last_segment(path_field, pool);
    if (in->slug == NULL || *in->slug == '\0')
        in->slug = slug_from_file(path, pool);

    in->description = meta_first_text(meta, description_keys);
    meta_strings_append(authors, meta_get(meta, "authors"), pool);
    meta_strings_append(authors, meta_get(meta, "author"), pool);
    in->author = strings_join(authors, pool);
    in->tags = fields_tags(meta, pool);
    in->aliases = fields_aliases(meta, pool);
    in->import_key = path;
    in->excerpt = meta_text(meta_get(meta, "excerpt"));
    in->canonical_url = meta_text(meta_get(meta, "canonical_url"));
    if (in->canonical_url != NULL
        && strncmp(in->canonical_url, "http://", 7) != 0
        && strncmp(in->canonical_url, "https://", 8) != 0)
        in->canonical_url = NULL;
    in->kind = meta_is(meta, "kind", "page") ? "page" : "post";
    in->source_format = meta_is(meta, "format", "html") ? "html"
                                                        : "markdown";
    if (fields->draft)
        in->status = "draft";
    else if (in->published_at > apr_time_now())
        in->status = "scheduled";
    else
        in->status = "published";
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------------- */
/* Posts                                                                   */
/* ---------------------------------------------------------------------- */

/*
 * Sanitizes a post whose front matter has format = "html", pointing its
 * links to images of the folder at the stored copies, as a WordPress
 * import does.  url_to_media only reads the media table of the run, so
 * it may run here rather than in a render's child.
 */
static apr_status_t html_render(const char **html, const char *body,
                                const import_run_t *run,
                                rewrite_context_t *context, char **error,
                                apr_pool_t *pool)
{
    if (strlen(body) > run->options->limits.max_source_bytes) {
        *error = apr_psprintf(pool, "the post's HTML is %" APR_SIZE_T_FMT
                              " bytes, over the limit of %" APR_SIZE_T_FMT
                              " bytes", strlen(body),
                              run->options->limits.max_source_bytes);
        return WK_ETOOBIG;
    }
    return wk_html_sanitize_rewrite(html, body, strlen(body),
                                    run->options->iframe_hosts, url_to_media,
                                    context, pool);
}

/* Returns the featured_image of the front matter.  A relative URL of an
 * image of the folder points at its stored copy.  Other relative URLs,
 * and schemes other than http and https, are dropped. */
static const char *featured_image(struct json_object *meta,
                                  rewrite_context_t *context,
                                  apr_pool_t *pool)
{
    const char *url = meta_text(meta_get(meta, "featured_image"));
    const char *stored;

    if (url == NULL || *url == '\0')
        return NULL;
    stored = url_to_media(context, url, 1, pool);
    if (stored != NULL)
        return stored;
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0
        || strncmp(url, "../media/", 9) == 0 || url[0] == '/')
        return url;
    return NULL;
}

static int is_section_index(const char *path)
{
    const char *name = strrchr(path, '/');

    name = name ? name + 1 : path;
    return strncmp(name, "_index.", 7) == 0;
}

/* Imports one markdown file; every outcome is reported. */
static void post_import(import_run_t *run, const import_file_t *file,
                        apr_pool_t *pool)
{
    const wk_render_limits_t *limits = &run->options->limits;
    rewrite_context_t context;
    struct json_object *meta = NULL;
    post_fields_t fields;
    const char *body, *html;
    char *text, *error;
    apr_size_t size;
    apr_int64_t id;
    apr_status_t rv;
    int outcome;

    if (is_section_index(file->path)) {
        import_skip(run, file->path, WK_IMPORT_IGNORED, "section index",
                    pool);
        return;
    }
    if (wk_import_file_read(&text, &size, file->full_path,
                  limits->max_source_bytes + IMPORT_FRONT_MATTER_MAX, &error,
                  pool) != APR_SUCCESS) {
        import_skip(run, file->path, WK_IMPORT_FAILED, error, pool);
        return;
    }

    /* Titles and tags go into JSON and feeds as they are, so a file in
     * another encoding is reported rather than stored half-readable. */
    if (!wk_utf8_valid(text, size)) {
        import_skip(run, file->path, WK_IMPORT_FAILED, "the file is not "
                    "valid UTF-8; convert it (for example with iconv)",
                    pool);
        return;
    }
    if (wk_frontmatter_parse(&meta, &body, text, size, &error, pool)
        != APR_SUCCESS) {
        import_skip(run, file->path, WK_IMPORT_FAILED, error, pool);
        return;
    }

    /* The strings fields points at live in meta until the post is
     * written, so meta is released last. */
    if (fields_read(&fields, meta, file->path, &error, pool) != APR_SUCCESS) {
        json_object_put(meta);
        import_skip(run, file->path, WK_IMPORT_FAILED, error, pool);
        return;
    }

    /* Keyed by the absolute path, so a post of another folder with the
     * same relative path never replaces this one. */
    fields.input.import_key = apr_pstrcat(pool, run->key_root, "/",
                                          file->path, NULL);

    context.media = run->media;
    context.post_dir = path_dir(file->path, pool);
    context.prefix = run->options->media_prefix;
    fields.input.featured_image = featured_image(meta, &context, pool);
    fields.input.source = body;
    if (strcmp(fields.input.source_format, "html") == 0)
        rv = html_render(&html, body, run, &context, &error, pool);
    else
        rv = wk_markdown_render_rewrite(&html, body,
                                        size - (apr_size_t)(body - text),
                                        limits, url_to_media, &context,
                                        &error, pool);
    if (rv != APR_SUCCESS) {
        json_object_put(meta);
        import_skip(run, file->path, WK_IMPORT_FAILED, error, pool);
        return;
    }
    fields.input.html = html;
    if (strcmp(fields.input.source_format, "html") == 0)
        fields.input.source = html;

    rv = wk_post_upsert(&id, &outcome, run->db, &fields.input, &error, pool);
    json_object_put(meta);
    if (rv == WK_EINVAL) {
        import_skip(run, file->path, WK_IMPORT_FAILED, error, pool);
        return;
    }
    if (rv != APR_SUCCESS) {
        run_fail(run, rv, error);
        return;
    }
    if (outcome == WK_UPSERT_CREATED)
        import_report(run, file->path, WK_IMPORT_CREATED, "imported");
    else if (outcome == WK_UPSERT_UPDATED)
        import_report(run, file->path, WK_IMPORT_UPDATED, "updated");
    else
        import_report(run, file->path, WK_IMPORT_UNCHANGED, "unchanged");
}

/* Runs one kind of file through handler, each on its own subpool. */
static void import_files(import_run_t *run, file_kind_t kind,
                         void (*handler)(import_run_t *,
                                         const import_file_t *,
                                         apr_pool_t *))
{
    apr_pool_t *file_pool;
    int i;

    apr_pool_create(&file_pool, run->pool);
    for (i = 0; i < run->files->nelts; i++) {
        const import_file_t *file = &APR_ARRAY_IDX(run->files, i,
                                                   import_file_t);

        if (file->kind != kind)
            continue;
        if (run->failure != APR_SUCCESS)
            break;
        handler(run, file, file_pool);
        apr_pool_clear(file_pool);
    }
    apr_pool_destroy(file_pool);
}

static void other_report(import_run_t *run, const import_file_t *file,
                         apr_pool_t *pool)
{
    import_skip(run, file->path, WK_IMPORT_IGNORED, file->skip_reason, pool);
}

/* Returns whether root was written by writekit export, which leaves a
 * marker file. */
static int export_marked(const char *root, apr_pool_t *pool)
{
    apr_size_t size;
    char *text, *error;

    if (wk_import_file_read(&text, &size,
                            apr_pstrcat(pool, root, "/", WK_EXPORT_MARKER,
                                        NULL),
                            4096, &error, pool) != APR_SUCCESS)
        return 0;
    return strstr(text, "format = \"writekit-export\"") != NULL;
}

apr_status_t wk_import_dir(wk_import_counts_t *counts, wk_db_t *db,
                           const char *root,
                           const wk_import_options_t *options, char **error,
                           apr_pool_t *pool)
{
    import_run_t run;
    apr_size_t root_len = strlen(root);
    apr_status_t rv;

    memset(counts, 0, sizeof(*counts));
    memset(&run, 0, sizeof(run));
    run.db = db;
    run.options = options;
    run.counts = counts;
    run.pool = pool;
    run.files = apr_array_make(pool, 64, sizeof(import_file_t));
    run.media = apr_hash_make(pool);
    while (root_len > 1 && root[root_len - 1] == '/')
        root_len--;
    run.root = apr_pstrmemdup(pool, root, root_len);
    rv = apr_filepath_merge((char **)&run.key_root, NULL, run.root,
                            APR_FILEPATH_TRUENAME, pool);
    if (options->key_root != NULL)
        run.key_root = options->key_root;
    if (rv != APR_SUCCESS) {
        *error = apr_psprintf(pool, "%s: cannot resolve the folder's path",
                              run.root);
        return rv;
    }

    run.media_root = export_marked(run.root, pool) ? WK_EXPORT_MEDIA_DIR
                                                   : "";
    rv = import_walk(&run, "", error);
    if (rv != APR_SUCCESS)
        return rv;
    qsort(run.files->elts, (size_t)run.files->nelts, sizeof(import_file_t),
          import_file_compare);

    import_files(&run, FILE_MEDIA, media_import);
    import_files(&run, FILE_POST, post_import);
    import_files(&run, FILE_OTHER, other_report);
    if (run.failure != APR_SUCCESS)
        *error = apr_pstrdup(pool, run.failure_error);
    return run.failure;
}
