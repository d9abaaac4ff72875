/*
 * pagecache_test.c: versions, expiry and the byte bound of the per-process
 * page cache.
 */
#include <apr_general.h>

#include "tap.h"
#include "wk_pagecache.h"

static wk_page_t page_of(const char *body)
{
    wk_page_t page;

    page.body = body;
    page.len = strlen(body);
    page.etag = "\"e\"";
    page.content_type = "text/html; charset=utf-8";
    page.last_modified = apr_time_from_sec(1000);
    return page;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    wk_page_cache_t *cache;
    wk_page_t page, got;
    apr_time_t now = apr_time_from_sec(5000);
    char key[32], big[3000];
    int i, kept;

    apr_app_initialize(&argc, &argv, NULL);
    apr_pool_create(&pool, NULL);
    ok(wk_page_cache_create(&cache, 64 * 1024, pool) == APR_SUCCESS,
       "create cache");

    page = page_of("<p>one</p>");
    wk_page_cache_put(cache, "a/", 7, 0, &page);
    ok(wk_page_cache_get(cache, "a/", 7, now, &got, pool), "hit at version");
    is_str(got.body, "<p>one</p>", "hit returns the body");
    ok(got.len == 10, "hit returns the length");
    is_str(got.etag, "\"e\"", "hit returns the ETag");
    ok(!wk_page_cache_get(cache, "a/", 8, now, &got, pool),
       "miss at another version");
    ok(!wk_page_cache_get(cache, "b/", 7, now, &got, pool),
       "miss for another key");

    page = page_of("<p>two</p>");
    wk_page_cache_put(cache, "a/", 8, 0, &page);
    ok(wk_page_cache_get(cache, "a/", 8, now, &got, pool),
       "replaced page hits at its version");
    is_str(got.body, "<p>two</p>", "replaced page has the new body");

    wk_page_cache_put(cache, "s/", 8, now + apr_time_from_sec(10), &page);
    ok(wk_page_cache_get(cache, "s/", 8, now, &got, pool),
       "page hits before its expiry");
    ok(!wk_page_cache_get(cache, "s/", 8, now + apr_time_from_sec(10), &got,
                          pool), "page misses at its expiry");

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    page = page_of(big);
    for (i = 0; i < 100; i++) {
        apr_snprintf(key, sizeof(key), "p%d", i);
        wk_page_cache_put(cache, key, 1, 0, &page);
    }
    ok(wk_page_cache_size(cache) <= 64 * 1024, "cache stays within bound "
       "(%" APR_SIZE_T_FMT " bytes)", wk_page_cache_size(cache));
    ok(wk_page_cache_get(cache, "p99", 1, now, &got, pool),
       "newest page kept");
    ok(!wk_page_cache_get(cache, "p0", 1, now, &got, pool),
       "oldest page evicted");
    for (kept = 0, i = 0; i < 100; i++) {
        apr_snprintf(key, sizeof(key), "p%d", i);
        kept += wk_page_cache_get(cache, key, 1, now, &got, pool);
    }
    ok(kept > 10 && kept < 100, "some pages kept, some evicted (%d)", kept);

    {
        char *huge = apr_palloc(pool, 16 * 1024);

        memset(huge, 'y', 16 * 1024 - 1);
        huge[16 * 1024 - 1] = '\0';
        page = page_of(huge);
        wk_page_cache_put(cache, "huge", 1, 0, &page);
        ok(!wk_page_cache_get(cache, "huge", 1, now, &got, pool),
           "page over an eighth of the cache not kept");
    }

    apr_pool_destroy(pool);
    return done_testing();
}
