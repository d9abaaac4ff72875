/*
 * wk_pagecache.h: rendered reader pages kept per process.
 *
 * A page is stored with the tenant's page version it was rendered at
 * (wk_site_version()) and the time it stops being current (when a
 * scheduled post becomes visible).  A lookup names the version the tenant
 * has now, so a write from any process is visible on the next request.
 * The cache is bounded in bytes and drops the least recently used pages
 * first.  One mutex guards it; a hit copies the page onto the caller's
 * pool, so no lock is held while the page is sent.
 */
#ifndef WK_PAGECACHE_H
#define WK_PAGECACHE_H

#include "wk_core.h"

typedef struct wk_page_cache wk_page_cache_t;

typedef struct wk_page {
    const char *body;
    apr_size_t len;
    const char *etag;
    const char *content_type;
    apr_time_t last_modified;
} wk_page_t;

/* Creates a cache of at most max_bytes; it is freed with pool. */
apr_status_t wk_page_cache_create(wk_page_cache_t **cache,
                                  apr_size_t max_bytes, apr_pool_t *pool);

/*
 * Copies the page stored under key onto pool and returns 1, when the page
 * was rendered at version and now is before its expiry.  Returns 0
 * otherwise.
 */
int wk_page_cache_get(wk_page_cache_t *cache, const char *key,
                      apr_int64_t version, apr_time_t now, wk_page_t *page,
                      apr_pool_t *pool);

/* Stores a copy of page under key; expires 0 means it never expires by
 * time.  A page larger than an eighth of the cache is not kept. */
void wk_page_cache_put(wk_page_cache_t *cache, const char *key,
                       apr_int64_t version, apr_time_t expires,
                       const wk_page_t *page);

/* Returns the number of bytes in the cache now (for tests). */
apr_size_t wk_page_cache_size(wk_page_cache_t *cache);

#endif
