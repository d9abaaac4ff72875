/*
 * wk_sanitize.h: an allow-list HTML sanitizer, for raw HTML in markdown
 * (when a blog allows it) and for imported HTML.
 *
 * Output keeps only allowed elements and attributes: no script, style,
 * object or embed elements, no on* attributes, no javascript:, vbscript:
 * or non-image data: URLs, and iframes only with an https src whose host
 * is in the allowed list.  Comments and processing instructions go.
 */
#ifndef WK_SANITIZE_H
#define WK_SANITIZE_H

#include "wk_core.h"
#include "wk_markdown.h"

/* iframe_hosts: space-separated host names; NULL or "" allows none. */
apr_status_t wk_html_sanitize(const char **clean, const char *html,
                              apr_size_t len, const char *iframe_hosts,
                              apr_pool_t *pool);

/*
 * Like wk_html_sanitize() but first passes the URL in every href, src,
 * cite and poster, and each URL of a srcset, to rewrite (is_image is
 * nonzero for img, source, video and audio).  The URL comes with
 * character references decoded and control characters removed.  A
 * returned URL replaces it and is checked like any other.  Unlike in
 * wk_markdown_render_rewrite(), rewrite runs in the calling process, so
 * it may store what it finds.
 */
apr_status_t wk_html_sanitize_rewrite(const char **clean, const char *html,
                                      apr_size_t len,
                                      const char *iframe_hosts,
                                      wk_url_rewrite_fn *rewrite,
                                      void *baton, apr_pool_t *pool);

#endif
