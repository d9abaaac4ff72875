/*
 * wk_import_media.c: the images an export's posts refer to, found in the
 * media folder given on the command line and stored in the tenant file.
 *
 * Each source has its own rules: where its URLs keep media, how the
 * folder may be laid out and how resized copies are named.  A post's
 * media are collected while the sanitizer rewrites its URLs, so what was
 * not found is reported for that post.
 */
#include <string.h>

#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_lib.h>

#include "wk_auth.h"
#include "wk_import_run.h"
#include "wk_media.h"

/* Returns whether every segment of a relative path is a plain name. */
static int relative_path_safe(const char *relative)
{
    const char *segment = relative;

    if (*relative == '\0' || *relative == '/' || strchr(relative, '\\'))
        return 0;
    while (segment != NULL) {
        const char *slash = strchr(segment, '/');
        apr_size_t len = slash ? (apr_size_t)(slash - segment)
                               : strlen(segment);

        if (len == 0 || (len == 1 && segment[0] == '.')
            || (len == 2 && segment[0] == '.' && segment[1] == '.'))
            return 0;
        segment = slash ? slash + 1 : NULL;
    }
    return 1;
}

/* Returns whether path and every folder on the way to it below root is
 * a real folder or file, not a symbolic link. */
static int path_without_links(const char *root, const char *relative,
                              apr_pool_t *pool)
{
    const char *at = relative;

    for (;;) {
        const char *slash = strchr(at, '/');
        const char *prefix = slash ? apr_pstrmemdup(pool, relative,
                                                    (apr_size_t)(slash
                                                                 - relative))
                                   : relative;
        apr_finfo_t info;

        if (apr_stat(&info, apr_pstrcat(pool, root, "/", prefix, NULL),
                     APR_FINFO_LINK | APR_FINFO_TYPE, pool) != APR_SUCCESS)
            return 0;
        if (info.filetype != (slash ? APR_DIR : APR_REG))
            return 0;
        if (slash == NULL)
            return 1;
        at = slash + 1;
    }
}

apr_status_t wk_import_media_store(wk_import_run_t *run,
                                   const char *relative,
                                   const char *stored_path, char **reason,
                                   apr_pool_t *pool)
{
    const char *known = apr_hash_get(run->media, stored_path,
                                     APR_HASH_KEY_STRING);
    const char *root = run->options->media_source;
    wk_media_t media;
    char *data, *error;
    apr_size_t size;

    if (known != NULL)
        return *known == '\0' ? APR_SUCCESS : APR_NOTFOUND;
    if (root == NULL || !relative_path_safe(relative)
        || !path_without_links(root, relative, pool))
        return APR_NOTFOUND;

    if (wk_import_file_read(&data, &size, apr_pstrcat(pool, root, "/",
                                                      relative, NULL),
                            run->options->max_media_bytes, &error, pool)
        != APR_SUCCESS) {
        *reason = apr_pstrcat(pool, relative, ": ", error, NULL);
        return WK_EINVAL;
    }
    memset(&media, 0, sizeof(media));
    media.content_type = wk_media_detect(data, size);
    if (media.content_type == NULL) {
        *reason = apr_psprintf(pool, "%s is not a PNG, JPEG, GIF, WebP, AVIF "
                               "or SVG image", relative);
        return WK_EINVAL;
    }
    media.path = stored_path;
    media.data = data;
    media.size = size;
    media.sha256 = wk_sha256_hex(data, size, pool);
    media.created_at = apr_time_now();
    if (wk_media_put(run->db, &media, &error, pool) != APR_SUCCESS) {
        *reason = error;
        return WK_EDB;
    }
    apr_hash_set(run->media, apr_pstrdup(run->pool, stored_path),
                 APR_HASH_KEY_STRING, "");
    return APR_SUCCESS;
}

const char *wk_import_media_url(const char *prefix, const char *stored_path,
                                apr_pool_t *pool)
{
    wk_buf_t *buf = wk_buf_make(pool, strlen(stored_path) + 32);
    const char *at;

    wk_buf_puts(buf, prefix);
    for (at = stored_path; *at != '\0'; at++) {
        if (strchr("%?# ", *at) != NULL)
            wk_buf_printf(buf, "%%%02X", (unsigned char)*at);
        else
            wk_buf_append(buf, at, 1);
    }
    return apr_pstrmemdup(pool, buf->data, buf->len);
}

const char *wk_url_split(const char **host, const char *url, apr_pool_t *pool)
{
    const char *start;
    apr_size_t host_len;

    if (strncasecmp(url, "http://", 7) == 0)
        start = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        start = url + 8;
    else if (strncmp(url, "//", 2) == 0)
        start = url + 2;
    else {
        *host = "";
        return url;
    }
    host_len = strcspn(start, "/?#");
    *host = apr_pstrmemdup(pool, start, host_len);
    return start + host_len;
}

const char *wk_media_relative(const wk_media_rules_t *rules, const char *url,
                              apr_pool_t *pool)
{
    const char *host, *path = wk_url_split(&host, url, pool);
    apr_size_t len = strcspn(path, "?#");
    const char *below = strstr(apr_pstrmemdup(pool, path, len),
                               rules->marker);
    char *decoded;

    if (below != NULL) {
        path = below + strlen(rules->marker);
        len = strlen(path);
    }
    else if (*host == '\0' || rules->root_hosts == NULL
             || apr_hash_get(rules->root_hosts, host, APR_HASH_KEY_STRING)
                == NULL
             || len < 2)
        return NULL;
    else {
        path++;
        len--;
    }
    decoded = wk_percent_decode(path, len, pool);
    return decoded && *decoded ? decoded : NULL;
}

const char *wk_media_find(wk_import_run_t *run, wk_media_rules_t *rules,
                          const char *relative, int *stored_now,
                          char **reason, apr_status_t *failure, char **error,
                          apr_pool_t *pool)
{
    const char *known = apr_hash_get(rules->lookups, relative,
                                     APR_HASH_KEY_STRING);
    const char *candidates[2];
    int i, j;

    *reason = NULL;
    *stored_now = 0;
    if (known != NULL)
        return *known ? known : NULL;
    candidates[0] = relative;
    candidates[1] = rules->original ? rules->original(relative, pool) : NULL;
    for (j = 0; j < 2 && candidates[j] != NULL; j++) {
        const char *stored = apr_pstrcat(run->pool, rules->stored_prefix,
                                         candidates[j], NULL);
        int stored_before = apr_hash_get(run->media, stored,
                                         APR_HASH_KEY_STRING) != NULL;

        for (i = 0; rules->layouts[i] != NULL; i++) {
            apr_status_t rv = wk_import_media_store(
                run, apr_pstrcat(pool, rules->layouts[i], candidates[j],
                                 NULL),
                stored, reason, pool);

            if (rv == APR_SUCCESS) {
                apr_hash_set(rules->lookups, apr_pstrdup(run->pool, relative),
                             APR_HASH_KEY_STRING, stored);
                *stored_now = !stored_before;
                return stored;
            }
            if (rv == WK_EDB) {
                *failure = rv;
                *error = *reason;
                return NULL;
            }
            if (rv != APR_NOTFOUND)
                return NULL;
        }
    }
    apr_hash_set(rules->lookups, apr_pstrdup(run->pool, relative),
                 APR_HASH_KEY_STRING, "");
    return NULL;
}

void wk_post_media_init(wk_post_media_t *media, wk_import_run_t *run,
                        wk_media_rules_t *rules, apr_pool_t *pool)
{
    memset(media, 0, sizeof(*media));
    media->run = run;
    media->rules = rules;
    media->stored = apr_array_make(pool, 4, sizeof(const char *));
    media->missing = apr_array_make(pool, 4, sizeof(const char *));
    media->rejected = apr_array_make(pool, 4, sizeof(const char *));
    media->notes = apr_array_make(pool, 2, sizeof(const char *));
    media->rewritten = apr_array_make(pool, 4, sizeof(const char *));
    media->pool = pool;
}

static void strings_add_once(apr_array_header_t *list, const char *text)
{
    int i;

    for (i = 0; i < list->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(list, i, const char *), text) == 0)
            return;
    }
    APR_ARRAY_PUSH(list, const char *) = text;
}

const char *wk_post_media_rewrite(void *baton, const char *url,
                                  int is_image, apr_pool_t *pool)
{
    wk_post_media_t *media = baton;
    const char *relative = wk_media_relative(media->rules, url, pool);
    const char *stored;
    char *reason;
    int stored_now;

    if (relative == NULL || media->failure != APR_SUCCESS)
        return NULL;
    stored = wk_media_find(media->run, media->rules, relative, &stored_now,
                           &reason, &media->failure, &media->error,
                           media->pool);
    if (stored != NULL && stored_now)
        APR_ARRAY_PUSH(media->stored, const char *) = stored;
    if (stored != NULL) {
        const char *replacement = wk_import_media_url(
            media->run->options->media_prefix, stored, media->pool);

        APR_ARRAY_PUSH(media->rewritten, const char *) =
            apr_pstrdup(media->pool, url);
        APR_ARRAY_PUSH(media->rewritten, const char *) = replacement;
        return replacement;
    }
    if (reason != NULL)
        strings_add_once(media->rejected, apr_psprintf(media->pool, "%s: %s",
                                                       url, reason));
    else
        strings_add_once(media->missing, apr_pstrdup(media->pool, url));
    return NULL;
}

void wk_post_media_report(const wk_post_media_t *media, const char *label,
                          apr_pool_t *pool)
{
    const wk_import_options_t *options = media->run->options;
    wk_import_counts_t *counts = media->run->counts;
    const char *where = options->media_source;
    int i;

    for (i = 0; i < media->stored->nelts; i++)
        wk_import_report(options, counts, label, WK_IMPORT_STORED,
                         apr_pstrcat(pool, "stored media/",
                                     APR_ARRAY_IDX(media->stored, i,
                                                   const char *), NULL));
    for (i = 0; i < media->missing->nelts; i++)
        wk_import_report(options, counts, label, WK_IMPORT_NOTICE,
                         apr_psprintf(pool, "media file not found%s%s: %s; "
                                      "the post keeps this link",
                                      where ? " in " : " (no --media folder "
                                                       "given)",
                                      where ? where : "",
                                      APR_ARRAY_IDX(media->missing, i,
                                                    const char *)));
    for (i = 0; i < media->rejected->nelts; i++)
        wk_import_report(options, counts, label, WK_IMPORT_NOTICE,
                         apr_psprintf(pool, "media file not stored: %s; the "
                                      "post keeps this link",
                                      APR_ARRAY_IDX(media->rejected, i,
                                                    const char *)));
    for (i = 0; i < media->notes->nelts; i++)
        wk_import_report(options, counts, label, WK_IMPORT_NOTICE,
                         APR_ARRAY_IDX(media->notes, i, const char *));
}
