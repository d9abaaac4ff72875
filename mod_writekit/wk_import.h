/*
 * wk_import.h: importing a blog into a tenant file: a folder of markdown
 * posts and their images as Zola, Hugo and Jekyll keep them, a WordPress
 * export or a Ghost export.
 *
 * Every file or item is imported on its own: one that fails is reported
 * and skipped and never stops the others.  wk_import() runs the whole
 * import in one transaction, so a failure that stops it undoes it all.
 * A post's rows (the post, its tags and its redirects) are written
 * atomically by wk_post_upsert().
 * The import key of a post is its path relative to the import root, so
 * importing the same folder again updates posts instead of adding copies.
 */
#ifndef WK_IMPORT_H
#define WK_IMPORT_H

#include "wk_markdown.h"
#include "wk_store.h"

typedef enum wk_import_outcome {
    WK_IMPORT_CREATED,  /* a new post: "imported" */
    WK_IMPORT_UPDATED,  /* a post imported before: "updated" */
    WK_IMPORT_UNCHANGED, /* a post imported before, the same: "unchanged" */
    WK_IMPORT_STORED,   /* an image stored as media: "stored" */
    WK_IMPORT_IGNORED,  /* not meant to be imported, e.g. a section index */
    WK_IMPORT_FAILED,   /* skipped because of an error in this file */
    WK_IMPORT_NOTICE    /* about an item that was imported, such as an
                           image that was not found */
} wk_import_outcome_t;

/* The result for one file of a folder or one item of an export. */
typedef struct wk_import_entry {
    const char *path;     /* relative to the import root, '/'-separated,
                             or an item's label such as 'post 12 "Title"' */
    wk_import_outcome_t outcome;
    const char *message;  /* "imported", "updated", "stored" or
                             "skipped: <reason>" */
} wk_import_entry_t;

/* Receives each entry as soon as its file is done. */
typedef void wk_import_report_fn(void *baton, const wk_import_entry_t *entry);

typedef struct wk_import_options {
    wk_render_limits_t limits;   /* for each post's markdown; its size
                                    limit applies to HTML posts too */
    const char *media_prefix;    /* URL prefix of stored media */
    apr_size_t max_media_bytes;  /* larger images are skipped */
    const char *media_source;    /* folder of an export's images, such as
                                    a copy of wp-content/uploads; NULL for
                                    none */
    int private_as_drafts;       /* import private, password-protected and
                                    trashed items as drafts, not skip them */
    apr_uint64_t max_archive_bytes; /* what a zip may unpack to in all */
    const char *iframe_hosts;    /* hosts whose iframes HTML posts keep;
                                    wk_import() sets the blog's setting */
    const char *key_root;        /* import keys of a folder's posts start
                                    with this, not the folder's absolute
                                    path; set for a folder in a zip */
    wk_import_report_fn *report; /* may be NULL */
    void *baton;                 /* passed to report */
} wk_import_options_t;

/* The number of files with each outcome. */
typedef struct wk_import_counts {
    int created;
    int updated;
    int unchanged;
    int stored;
    int ignored;
    int failed;
    int notices;
} wk_import_counts_t;

/* The kind of an import source, detected from its content. */
typedef enum wk_import_source {
    WK_SOURCE_FOLDER,  /* markdown posts and images */
    WK_SOURCE_WXR,     /* a WordPress export, WXR 1.0 to 1.2 */
    WK_SOURCE_GHOST,   /* a Ghost export, JSON */
    WK_SOURCE_ZIP      /* a zip of one of the above */
} wk_import_source_t;

/* Relative to a post's page (MOUNT/posts/SLUG), so the links work under
 * any WriteKitMount. */
#define WK_IMPORT_DEFAULT_MEDIA_PREFIX "../media/"
#define WK_IMPORT_DEFAULT_MAX_MEDIA    (16 * 1024 * 1024)

/* Sets the default render limits, media prefix and media size limit. */
void wk_import_options_default(wk_import_options_t *options);

/*
 * Imports every post (*.md, *.markdown) and image (png, jpg, jpeg, gif,
 * webp, svg, avif) below root into db, images first so that posts can
 * link to them.  Hidden files and folders and symbolic links are left
 * alone.  Each file is reported through options->report and counted in
 * *counts.
 *
 * A post's fields come from its front matter and its place:
 *   title        title, required
 *   published    date or publishDate, else YYYY-MM-DD or YYYY/MM/DD in
 *                the file name, the path field or the folders; required
 *                unless draft = true
 *   slug         slug, else the last segment of path, else the file name
 *                (the folder's name for index.md) without a leading date
 *   tags         tags and categories, at the top or under [taxonomies]
 *   description  description, else summary
 *   author       authors or author, joined with ", "
 *   redirects    aliases, redirect_from and path
 * Redirect paths are stored without leading and trailing slashes, so the
 * reader strips those before it looks a path up.
 *
 * Relative image and link URLs that resolve, from the post's folder, to
 * an image stored by this import are rewritten to media_prefix followed
 * by the image's path.  Returns APR_SUCCESS once the folder has been
 * walked, whatever happened to single files.  Returns an error with
 * *error set when root cannot be read, or when a write to db fails,
 * which stops the walk, as the caller's transaction must then be rolled
 * back.
 */
apr_status_t wk_import_dir(wk_import_counts_t *counts, wk_db_t *db,
                           const char *root,
                           const wk_import_options_t *options, char **error,
                           apr_pool_t *pool);

/*
 * Tells what path is from its content, never its name: a folder, a zip
 * (its signature), XML (a WordPress export) or JSON (a Ghost export),
 * after an optional UTF-8 byte order mark and white space.  Returns
 * WK_EINVAL with *error naming the file and the reason for anything else,
 * including UTF-16 and UTF-32 text.
 */
apr_status_t wk_import_detect(wk_import_source_t *source, const char *path,
                              char **error, apr_pool_t *pool);

/*
 * Imports the folder or export at path into db in one transaction.  An
 * item that cannot be imported is reported and skipped while the rest go
 * in.  A failure that stops the import (malformed or hostile input, a
 * write that fails) rolls everything back, so the tenant is as it was,
 * and returns an error with *error naming path and the reason.  Running
 * it again on the same source updates what it imported and adds nothing
 * twice.
 */
apr_status_t wk_import(wk_import_counts_t *counts, wk_db_t *db,
                       const char *path, const wk_import_options_t *options,
                       char **error, apr_pool_t *pool);

#endif
