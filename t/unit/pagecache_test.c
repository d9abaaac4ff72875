/*
 * pagecache_test.c: versions, expiry and the byte bound of the per-process
 * page cache, and the stamps of tenant files and WAL-index headers that
 * vouch for kept pages.
 */
#include <stdlib.h>
#include <unistd.h>

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>

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
    page.expires = 0;
    return page;
}

/* Writes text to path at offset, as SQLite writes pages in place. */
static void file_write_at(const char *path, apr_off_t offset,
                          const char *text, apr_pool_t *pool)
{
    apr_file_t *file;
    apr_size_t len = strlen(text);

    if (apr_file_open(&file, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                      APR_FPROT_OS_DEFAULT, pool) != APR_SUCCESS)
        return;
    apr_file_seek(file, APR_SET, &offset);
    apr_file_write(file, text, &len);
    apr_file_close(file);
}

/* Waits until files written now are older than WK_PAGE_STAMP_SETTLE. */
static void settle(void)
{
    apr_sleep(WK_PAGE_STAMP_SETTLE + apr_time_from_msec(100));
}

static void stamp_tests(apr_pool_t *pool)
{
    char dir_template[] = "/tmp/wk-stamp-test.XXXXXX";
    const char *dir = mkdtemp(dir_template);
    const char *db, *wal;
    wk_page_stamp_t stamp, later;
    wk_page_cache_t *cache;
    wk_page_t page, got;
    apr_finfo_t file;

    if (dir == NULL) {
        ok(0, "make a temporary directory");
        return;
    }
    db = apr_pstrcat(pool, dir, "/t.db", NULL);
    wal = apr_pstrcat(pool, db, "-wal", NULL);
    wk_page_cache_create(&cache, 64 * 1024, pool);
    page = page_of("<p>stamped</p>");

    ok(!wk_page_stamp_read(&stamp, &file, db, apr_time_now(), pool),
       "stamp of a missing file vouches for nothing");
    ok(file.filetype == APR_NOFILE, "missing file has no stat");
    file_write_at(db, 0, "database pages", pool);
    ok(!wk_page_stamp_read(&stamp, &file, db, apr_time_now(), pool),
       "stamp of a file changed just now vouches for nothing");
    ok(file.filetype == APR_REG && file.size == 14,
       "file changed just now still has its stat");

    settle();
    ok(wk_page_stamp_read(&stamp, NULL, db, apr_time_now(), pool),
       "stamp of a settled file vouches");
    wk_page_cache_put(cache, "k", 1, &stamp, NULL, &page);
    ok(wk_page_stamp_read(&later, NULL, db, apr_time_now(), pool),
       "stamp read again vouches");
    ok(wk_page_cache_get_stamped(cache, "k", &later, apr_time_now(), &got,
                                 pool), "page hits with an equal stamp");
    is_str(got.body, "<p>stamped</p>", "stamped hit returns the body");

    file_write_at(wal, 0, "", pool);
    ok(wk_page_stamp_read(&later, NULL, db, apr_time_now(), pool)
       && wk_page_cache_get_stamped(cache, "k", &later, apr_time_now(),
                                    &got, pool),
       "empty -wal file counts as none");

    file_write_at(db, 0, "DATABASE PAGES", pool);
    ok(!wk_page_stamp_read(&later, NULL, db, apr_time_now(), pool),
       "stamp after a same-size write in place vouches for nothing yet");
    settle();
    ok(wk_page_stamp_read(&later, NULL, db, apr_time_now(), pool),
       "stamp vouches once the write has settled");
    ok(!wk_page_cache_get_stamped(cache, "k", &later, apr_time_now(), &got,
                                  pool), "page misses after the write");

    ok(wk_page_cache_get(cache, "k", 1, apr_time_now(), &later, NULL, &got, pool),
       "page hits at its version and takes the new stamp");
    ok(wk_page_cache_get_stamped(cache, "k", &later, apr_time_now(), &got,
                                 pool), "page hits with the new stamp");

    file_write_at(wal, 0, "a commit", pool);
    ok(!wk_page_stamp_read(&later, NULL, db, apr_time_now(), pool),
       "stamp after a commit to the -wal file vouches for nothing yet");
    settle();
    ok(wk_page_stamp_read(&later, NULL, db, apr_time_now(), pool)
       && later.has_wal, "stamp with a settled -wal file vouches");
    ok(!wk_page_cache_get_stamped(cache, "k", &later, apr_time_now(), &got,
                                  pool), "page misses after the commit");

    page.expires = apr_time_now() + apr_time_from_sec(1);
    wk_page_cache_put(cache, "x", 1, &later, NULL, &page);
    page.expires = 0;
    ok(wk_page_cache_get_stamped(cache, "x", &later, apr_time_now(), &got,
                                 pool), "stamped page hits before its expiry");
    ok(!wk_page_cache_get_stamped(cache, "x", &later,
                                  apr_time_now() + apr_time_from_sec(2),
                                  &got, pool),
       "stamped page misses at its expiry");

    wk_page_cache_put(cache, "n", 1, NULL, NULL, &page);
    ok(!wk_page_cache_get_stamped(cache, "n", &later, apr_time_now(), &got,
                                  pool), "page kept without a stamp misses");

    unlink(wal);
    unlink(db);
    rmdir(dir);
}

static wk_wal_mark_t mark_of(unsigned char fill)
{
    wk_wal_mark_t mark;

    memset(mark.header, fill, sizeof(mark.header));
    return mark;
}

/* A WAL-index header stored with a page vouches for it while a lookup
 * names the same header; a lookup by version moves it on. */
static void mark_tests(apr_pool_t *pool)
{
    wk_wal_mark_t first = mark_of(1), second = mark_of(2);
    apr_time_t now = apr_time_from_sec(5000);
    wk_page_stamp_t stamp;
    wk_page_cache_t *cache;
    wk_page_t page, got;

    wk_page_cache_create(&cache, 64 * 1024, pool);
    page = page_of("<p>marked</p>");
    page.expires = now + apr_time_from_sec(10);
    wk_page_cache_put(cache, "m", 1, NULL, &first, &page);
    page.expires = 0;
    ok(wk_page_cache_get_marked(cache, "m", &first, NULL, now, &got, pool),
       "marked page hits with its mark");
    is_str(got.body, "<p>marked</p>", "marked hit returns the body");
    ok(!wk_page_cache_get_marked(cache, "m", &second, NULL, now, &got, pool),
       "marked page misses after a commit");
    ok(!wk_page_cache_get_marked(cache, "m", &first, NULL,
                                 now + apr_time_from_sec(10), &got, pool),
       "marked page misses at its expiry");

    ok(wk_page_cache_get(cache, "m", 1, now, NULL, &second, &got, pool),
       "page hits at its version and takes the new mark");
    ok(wk_page_cache_get_marked(cache, "m", &second, NULL, now, &got, pool),
       "page hits with the new mark");
    ok(!wk_page_cache_get_marked(cache, "m", &first, NULL, now, &got, pool),
       "page misses with the old mark");

    wk_page_cache_put(cache, "u", 1, NULL, NULL, &page);
    ok(!wk_page_cache_get_marked(cache, "u", &first, NULL, now, &got, pool),
       "page kept without a mark misses");

    /* A page kept before its files settled gets its stamp from a later
     * hit, whichever way that hit was vouched for. */
    memset(&stamp, 0, sizeof(stamp));
    stamp.inode = 7;
    wk_page_cache_put(cache, "late", 1, NULL, &first, &page);
    ok(!wk_page_cache_get_stamped(cache, "late", &stamp, now, &got, pool),
       "page kept without a stamp misses by stamp");
    ok(wk_page_cache_get_marked(cache, "late", &first, &stamp, now, &got,
                                pool), "marked hit takes the stamp");
    ok(wk_page_cache_get_stamped(cache, "late", &stamp, now, &got, pool),
       "page hits by the stamp it took");
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
    wk_page_cache_put(cache, "a/", 7, NULL, NULL, &page);
    ok(wk_page_cache_get(cache, "a/", 7, now, NULL, NULL, &got, pool),
       "hit at version");
    is_str(got.body, "<p>one</p>", "hit returns the body");
    ok(got.len == 10, "hit returns the length");
    is_str(got.etag, "\"e\"", "hit returns the ETag");
    ok(!wk_page_cache_get(cache, "a/", 8, now, NULL, NULL, &got, pool),
       "miss at another version");
    ok(!wk_page_cache_get(cache, "b/", 7, now, NULL, NULL, &got, pool),
       "miss for another key");

    page = page_of("<p>two</p>");
    wk_page_cache_put(cache, "a/", 8, NULL, NULL, &page);
    ok(wk_page_cache_get(cache, "a/", 8, now, NULL, NULL, &got, pool),
       "replaced page hits at its version");
    is_str(got.body, "<p>two</p>", "replaced page has the new body");

    page.expires = now + apr_time_from_sec(10);
    wk_page_cache_put(cache, "s/", 8, NULL, NULL, &page);
    page.expires = 0;
    ok(wk_page_cache_get(cache, "s/", 8, now, NULL, NULL, &got, pool),
       "page hits before its expiry");
    ok(!wk_page_cache_get(cache, "s/", 8, now + apr_time_from_sec(10), NULL,
                          NULL, &got, pool), "page misses at its expiry");

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    page = page_of(big);
    for (i = 0; i < 100; i++) {
        apr_snprintf(key, sizeof(key), "p%d", i);
        wk_page_cache_put(cache, key, 1, NULL, NULL, &page);
    }
    ok(wk_page_cache_size(cache) <= 64 * 1024, "cache stays within bound "
       "(%" APR_SIZE_T_FMT " bytes)", wk_page_cache_size(cache));
    ok(wk_page_cache_get(cache, "p99", 1, now, NULL, NULL, &got, pool),
       "newest page kept");
    ok(!wk_page_cache_get(cache, "p0", 1, now, NULL, NULL, &got, pool),
       "oldest page evicted");
    for (kept = 0, i = 0; i < 100; i++) {
        apr_snprintf(key, sizeof(key), "p%d", i);
        kept += wk_page_cache_get(cache, key, 1, now, NULL, NULL, &got, pool);
    }
    ok(kept > 10 && kept < 100, "some pages kept, some evicted (%d)", kept);

    {
        char *huge = apr_palloc(pool, 16 * 1024);

        memset(huge, 'y', 16 * 1024 - 1);
        huge[16 * 1024 - 1] = '\0';
        page = page_of(huge);
        wk_page_cache_put(cache, "huge", 1, NULL, NULL, &page);
        ok(!wk_page_cache_get(cache, "huge", 1, now, NULL, NULL, &got, pool),
           "page over an eighth of the cache not kept");
    }

    stamp_tests(pool);
    mark_tests(pool);

    apr_pool_destroy(pool);
    return done_testing();
}
