/*
 * wk_export.h: a blog taken out of its tenant file, as a folder of
 * markdown posts that writekit import reads back, or as a WordPress
 * export (WXR 1.2) that WordPress's importer reads.
 */
#ifndef WK_EXPORT_H
#define WK_EXPORT_H

#include <apr_file_io.h>

#include "wk_store.h"

/* The folder images are written to, below the export's folder, and the
 * file that marks a folder as an export, so that writekit import stores
 * its images without this folder's name in their paths. */
#define WK_EXPORT_MEDIA_DIR "media/"
#define WK_EXPORT_MARKER "writekit-export.toml"
#define WK_EXPORT_MARKER_TEXT                                              \
    "# Written by writekit export; writekit import reads this folder\n"   \
    "# back, storing the images of media/ under their path below it.\n"  \
    "format = \"writekit-export\"\n"                                       \
    "version = 1\n"

/* The generator a WordPress export of mod_writekit names, and the meta
 * key of each old URL of a post in it.  WordPress keeps both as they are,
 * and the WordPress import of mod_writekit restores the redirects from
 * them. */
#define WK_EXPORT_GENERATOR "mod_writekit"
#define WK_EXPORT_REDIRECT_META "_writekit_redirect"

/* What an export wrote. */
typedef struct wk_export_counts {
    int posts;   /* posts and pages */
    int media;   /* images */
} wk_export_counts_t;

/*
 * Writes every post and page of db (drafts and scheduled ones included)
 * into dir, which must be missing or empty, in one read transaction:
 *
 *   posts/SLUG.md, pages/SLUG.md  TOML front matter (title, slug, date in
 *                                 UTC, draft, kind, format, tags, author,
 *                                 description, excerpt, featured_image,
 *                                 canonical_url and the old URLs as
 *                                 aliases), then the source as stored:
 *                                 markdown, or HTML for format "html"
 *   media/PATH                    each stored image at its media path
 *   writekit-export.toml          the marker, written last
 *
 * Importing dir gives the same posts, media paths and links back.
 * Returns WK_EINVAL with *error when dir is not empty, or the error of a
 * write or read that failed; files written before stay.
 */
apr_status_t wk_export_folder(wk_export_counts_t *counts, wk_db_t *db,
                              const char *dir, char **error,
                              apr_pool_t *pool);

/*
 * Writes every post, page, tag, author and image of db to out as a
 * WordPress export (WXR 1.2), in one read transaction.  Posts carry
 * their rendered HTML, since WordPress has no markdown, with links to
 * stored images made absolute under the blog's base URL.  Each image is
 * an attachment at BASE_URL/media/PATH, which WordPress's importer can
 * fetch while the blog is up.  Old URLs become _wp_old_slug and
 * WK_EXPORT_REDIRECT_META post meta.  Returns the error of a read or
 * write that failed, with *error set.
 */
apr_status_t wk_export_wxr(wk_export_counts_t *counts, wk_db_t *db,
                           apr_file_t *out, char **error, apr_pool_t *pool);

#endif
