/*
 * wk_view.h: reader pages, built from tenant data and a theme.
 *
 * Each view turns posts into a json-c context and renders one of the
 * theme's templates: index, post, tag, error and feed (Atom).  Views do
 * no I/O; the caller loads the data and sends the bytes.
 */
#ifndef WK_VIEW_H
#define WK_VIEW_H

#include "wk_store.h"
#include "wk_template.h"
#include "wk_timefmt.h"

/* Where the blog lives and how it looks, for one request. */
typedef struct wk_site {
    const wk_template_set_t *theme;
    const wk_settings_t *settings;
    const char *link_root;      /* path of the blog, ending in '/' */
    const char *absolute_root;  /* scheme://host/path/, ending in '/' */
    const wk_zone_t *zone;      /* for displayed dates; NULL for UTC */
} wk_site_t;

/* Appends path to out percent-encoded, keeping '/' and unreserved bytes. */
void wk_url_encode_path(wk_buf_t *out, const char *path);

apr_status_t wk_view_index(wk_buf_t *out, const wk_site_t *site,
                           const apr_array_header_t *posts, int page,
                           int pages, apr_pool_t *pool);

apr_status_t wk_view_post(wk_buf_t *out, const wk_site_t *site,
                          const wk_post_t *post, apr_pool_t *pool);

apr_status_t wk_view_tag(wk_buf_t *out, const wk_site_t *site,
                         const wk_tag_t *tag,
                         const apr_array_header_t *posts, int page,
                         int pages, apr_pool_t *pool);

/* Renders the Atom feed; its bytes depend only on the posts and site. */
apr_status_t wk_view_feed(wk_buf_t *out, const wk_site_t *site,
                          const apr_array_header_t *posts,
                          apr_pool_t *pool);

apr_status_t wk_view_error(wk_buf_t *out, const wk_site_t *site,
                           int status, const char *title,
                           const char *message, apr_pool_t *pool);

#endif
