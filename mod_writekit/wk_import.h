/*
 * wk_import.h: importing a folder of markdown posts and their images, as
 * Zola, Hugo and Jekyll keep them, into a tenant file.
 *
 * Every file is imported on its own: a file that fails is reported and
 * skipped and never stops or undoes the others.  A post's rows (the post,
 * its tags and its redirects) are written atomically by wk_post_upsert().
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
    WK_IMPORT_FAILED    /* skipped because of an error in this file */
} wk_import_outcome_t;

/* The result for one file of the folder. */
typedef struct wk_import_entry {
    const char *path;     /* relative to the import root, '/'-separated */
    wk_import_outcome_t outcome;
    const char *message;  /* "imported", "updated", "stored" or
                             "skipped: <reason>" */
} wk_import_entry_t;

/* Receives each entry as soon as its file is done. */
typedef void wk_import_report_fn(void *baton, const wk_import_entry_t *entry);

typedef struct wk_import_options {
    wk_render_limits_t limits;   /* for each post's markdown */
    const char *media_prefix;    /* URL prefix of stored media */
    apr_size_t max_media_bytes;  /* larger images are skipped */
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
} wk_import_counts_t;

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
 * walked, whatever happened to single files, and an error with *error
 * set when root cannot be read.
 */
apr_status_t wk_import_dir(wk_import_counts_t *counts, wk_db_t *db,
                           const char *root,
                           const wk_import_options_t *options, char **error,
                           apr_pool_t *pool);

#endif
