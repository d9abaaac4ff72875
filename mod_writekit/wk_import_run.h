/*
 * wk_import_run.h: what the importers of each source share inside one
 * wk_import() run.  Not part of the core's interface.
 *
 * Everything runs inside the transaction wk_import() opened.  An importer
 * returns an error only for a failure that must undo the whole run; one
 * bad item is reported with wk_import_report() and skipped.
 */
#ifndef WK_IMPORT_RUN_H
#define WK_IMPORT_RUN_H

#include <apr_hash.h>

#include "wk_import.h"

typedef struct wk_import_run {
    wk_db_t *db;
    const wk_import_options_t *options;
    wk_import_counts_t *counts;
    const char *source;         /* the path given, for messages */
    const char *iframe_hosts;   /* the blog's setting */
    const char *timezone;       /* the blog's setting, "UTC" by default */
    int allow_raw_html;         /* the blog's setting, for markdown */
    const char *base_url;       /* the blog's setting, "" when unset */
    apr_hash_t *media;          /* stored media path -> "" once stored, or
                                   -> "missing" when not found */
    apr_pool_t *pool;           /* lives as long as the run */
} wk_import_run_t;

/* Counts an entry and passes it to the options' report function. */
void wk_import_report(const wk_import_options_t *options,
                      wk_import_counts_t *counts, const char *path,
                      wk_import_outcome_t outcome, const char *message);

/* Reports "skipped: REASON" for an item of the run. */
void wk_import_skip(wk_import_run_t *run, const char *label,
                    wk_import_outcome_t outcome, const char *reason,
                    apr_pool_t *pool);

/*
 * Writes a post with wk_post_upsert() and reports it as imported,
 * updated or unchanged.  A post the store rejects (WK_EINVAL) is
 * reported and skipped; any other failure is returned, with *error set,
 * to stop the run.
 */
apr_status_t wk_import_post_save(wk_import_run_t *run, const char *label,
                                 const wk_post_input_t *post, char **error,
                                 apr_pool_t *pool);

/*
 * Stores the file at relative (a '/'-separated path inside the options'
 * media_source) as media under stored_path, once per run.  Returns
 * APR_SUCCESS when it is stored, APR_NOTFOUND when there is no such file
 * (or no media_source), or WK_EINVAL with *reason when the file is not
 * an image or is too large.  A relative path with "..", "." or empty
 * segments, a backslash or a NUL is APR_NOTFOUND, and symbolic links are
 * never followed, so a hostile export cannot read outside the folder.
 */
apr_status_t wk_import_media_store(wk_import_run_t *run,
                                   const char *relative,
                                   const char *stored_path, char **reason,
                                   apr_pool_t *pool);

/* Reads a whole file of at most max bytes onto pool, NUL-terminated.
 * Returns WK_ETOOBIG over max, and sets *error on every failure. */
apr_status_t wk_import_file_read(char **data, apr_size_t *size,
                                 const char *path, apr_size_t max,
                                 char **error, apr_pool_t *pool);

/* Returns the URL of stored media: prefix and its path with '%', '?',
 * '#' and spaces escaped. */
const char *wk_import_media_url(const char *prefix, const char *stored_path,
                                apr_pool_t *pool);

/* How one kind of export keeps its media. */
typedef struct wk_media_rules {
    const char *marker;          /* what comes before the media path in a
                                    URL, such as "/wp-content/uploads/" */
    const char *stored_prefix;   /* what comes before it in the stored
                                    path, such as "wp-content/uploads/" */
    const char *const *layouts;  /* prefixes tried in the media folder, so
                                    it may hold the uploads folder itself
                                    or one of its parents; NULL-terminated */
    const char *(*original)(const char *relative, apr_pool_t *pool);
                                 /* the original of a resized copy, or
                                    NULL; the function may be NULL */
    apr_hash_t *root_hosts;      /* hosts that serve media at their root,
                                    without the marker; may be NULL */
    apr_hash_t *lookups;         /* media path -> stored path, or "" when
                                    not found; filled by wk_media_find() */
} wk_media_rules_t;

/* Returns the path of an absolute or protocol-relative URL, from the '/'
 * after its host ("" when it has none), and sets *host.  A relative URL
 * is its own path, with *host "". */
const char *wk_url_split(const char **host, const char *url,
                         apr_pool_t *pool);

/* Returns the media path url points to under rules, decoded, or NULL
 * when url is not media of the export's site. */
const char *wk_media_relative(const wk_media_rules_t *rules, const char *url,
                              apr_pool_t *pool);

/*
 * Finds the file for a media path in the media folder, under each of the
 * rules' layouts, and stores it under the rules' stored prefix.  When it
 * is missing, the original of a resized copy is tried.  Returns the
 * stored path with *stored_now set when this call stored it, or NULL:
 * with *reason set when the file is not an image or too large, with
 * *failure and *error set when the write failed, else when it is not
 * there.
 */
const char *wk_media_find(wk_import_run_t *run, wk_media_rules_t *rules,
                          const char *relative, int *stored_now,
                          char **reason, apr_status_t *failure, char **error,
                          apr_pool_t *pool);

/* The media one post refers to, and the notices about them. */
typedef struct wk_post_media {
    wk_import_run_t *run;
    wk_media_rules_t *rules;
    apr_array_header_t *stored;   /* of const char *: paths it stored */
    apr_array_header_t *missing;  /* of const char *: URLs not found */
    apr_array_header_t *rejected; /* of const char *: "URL: reason" */
    apr_array_header_t *notes;    /* of const char *: more notices */
    apr_array_header_t *rewritten; /* of const char *: each URL replaced,
                                     followed by its replacement */
    apr_status_t failure;         /* a write that failed, to stop the run */
    char *error;
    apr_pool_t *pool;
} wk_post_media_t;

void wk_post_media_init(wk_post_media_t *media, wk_import_run_t *run,
                        wk_media_rules_t *rules, apr_pool_t *pool);

/* The URL rewrite for wk_html_sanitize_rewrite(): points the post's
 * media found in the media folder at their stored copy and notes the
 * others.  baton is a wk_post_media_t.  It writes to the tenant file, so
 * it must never run in a markdown render's child process. */
const char *wk_post_media_rewrite(void *baton, const char *url,
                                  int is_image, apr_pool_t *pool);

/* Reports the media a post stored, those it did not, and its notes. */
void wk_post_media_report(const wk_post_media_t *media, const char *label,
                          apr_pool_t *pool);

/* Decodes %XX escapes; returns NULL for a broken escape or %00. */
char *wk_percent_decode(const char *text, apr_size_t len, apr_pool_t *pool);

/* Returns HTML as plain text: tags removed, the common character
 * references decoded and runs of white space folded into one space. */
const char *wk_html_to_text(const char *html, apr_pool_t *pool);

/* Returns text cut to at most max bytes on a UTF-8 character boundary. */
const char *wk_utf8_cut(const char *text, apr_size_t max, apr_pool_t *pool);

/* Imports a WordPress export (WXR); see wk_import_wxr.c. */
apr_status_t wk_import_wxr(wk_import_run_t *run, const char *path,
                           char **error);

/* Imports a Ghost export (JSON); see wk_import_ghost.c. */
apr_status_t wk_import_ghost(wk_import_run_t *run, const char *path,
                             char **error);

#endif
