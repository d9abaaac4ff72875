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

/* iframe_hosts: space-separated host names; NULL or "" allows none. */
apr_status_t wk_html_sanitize(const char **clean, const char *html,
                              apr_size_t len, const char *iframe_hosts,
                              apr_pool_t *pool);

#endif
